// The error a check throws, or a step's promise rejects with, as the tests read it: of the class the
// test expects (InputError for a check, ActionError for a step), or the test fails with what came
// instead; and it fails when nothing was thrown.
import { ActionError, InputError } from '../../src/runtime/errors.js'

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E

/** What `f` throws: an InputError unless `kind` says otherwise. */
export function thrown<E extends Error = InputError>(
  f: () => unknown,
  kind: ErrorClass<E> = InputError as unknown as ErrorClass<E>
): E {
  try {
    f()
  } catch (e) {
    if (e instanceof kind) return e
    throw e
  }
  throw new Error(`expected ${kind.name}, and nothing was thrown`)
}

/** What `p` rejects with: an ActionError unless `kind` says otherwise. */
export async function rejection<E extends Error = ActionError>(
  p: Promise<unknown>,
  kind: ErrorClass<E> = ActionError as unknown as ErrorClass<E>
): Promise<E> {
  return p.then(
    () => {
      throw new Error(`expected a rejection with ${kind.name}`)
    },
    (e: unknown) => {
      if (e instanceof kind) return e
      throw e
    }
  )
}
