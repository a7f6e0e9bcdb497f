// Shared by the template and render tests: the smallest task definition template, and the InputError
// a synchronous check throws.
export { thrown } from './thrown.js'

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
