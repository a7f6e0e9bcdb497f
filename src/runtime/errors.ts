/**
 * An error the user can act on: `message` says what went wrong, `hint` what to do about it,
 * `title` is the annotation's title on the run page and in the PR.
 */
export class ActionError extends Error {
  override readonly name = 'ActionError'
  constructor(
    message: string,
    readonly hint?: string,
    readonly title = 'Deployment failed'
  ) {
    super(message)
  }

  /** The one line that goes into `::error::`. */
  get full(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message
  }
}

/** Invalid input: always raised before anything is written to AWS. */
export class InputError extends ActionError {
  constructor(message: string, hint?: string) {
    super(message, hint, 'Invalid input')
  }
}

/** AWS cannot be reached as configured: no region, no or expired credentials. */
export class AwsAccessError extends ActionError {
  constructor(message: string, hint: string) {
    super(message, hint, 'AWS credentials')
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return String(e)
}

/** The AWS error code (`name`) of an SDK exception, or undefined. */
export function awsErrorName(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'name' in e && typeof e.name === 'string') return e.name
  return undefined
}
