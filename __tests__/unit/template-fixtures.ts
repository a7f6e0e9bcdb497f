// Shared by the template and render tests: the smallest task definition template, and the InputError
// a synchronous check throws.
import { InputError } from '../../src/runtime/errors.js'

export function thrown(f: () => unknown): InputError {
  try {
    f()
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error('expected an InputError')
}

/** One container `app` (nginx:1) in family `web`, with extra container and top-level members. */
export function base(
  container: Record<string, unknown> = {},
  top: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'nginx:1', ...container }],
    ...top
  }
}
