// Whether an image reference can be pulled at all: a typo here fails the deployment minutes later,
// in Install, with a CannotPullContainerError.
import { InputError } from '../runtime/errors.js'

// The reference grammar of the distribution project (what `docker pull` and the ECS agent accept).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`
)

/** Throws an InputError when `image` cannot be an image reference: the ECS agent could never pull it. */
export function validateImage(image: string): void {
  const problem = imageProblem(image)
  if (problem) {
    throw new InputError(
      `image ${JSON.stringify(image)} ${problem}.`,
      'Pass the image URI a build step produced, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2.3 or ghcr.io/org/app@sha256:<digest>.'
    )
  }
}

export function imageProblem(image: string): string | undefined {
  if (image === '') return 'is empty'
  if (/<[^>]*>|\$\{[^}]*\}|\{\{|\$[A-Za-z_]/.test(image)) return 'is an unrendered placeholder'
  if (/\s/.test(image)) return 'contains whitespace'
  if (image.length > 255) return 'is longer than the 255 characters ECS allows'
  if (image.startsWith('/')) return 'starts with "/"'
  if (/:(@|$)/.test(image)) return 'has an empty tag'
  // Docker reads the first component as a registry only when it has a "." or ":" or is localhost.
  const [first, ...rest] = image.split('@')[0]!.split('/')
  const registry = rest.length > 0 && (/[.:]/.test(first!) || first === 'localhost')
  const repository = (registry ? rest : [first!, ...rest]).join('/').replace(/:[^/]*$/, '')
  if (repository !== repository.toLowerCase())
    return `has uppercase letters in the repository name "${repository}"`
  if (!IMAGE_REFERENCE.test(image)) {
    return 'is not an image reference ([registry[:port]/]repository[:tag][@sha256:digest])'
  }
  return undefined
}
