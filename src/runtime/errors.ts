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

/**
 * What an AWS error means for the step, by its error code. `credentials`: none found, expired or
 * rejected (retrying cannot help); `access-denied`: the role lacks a permission; `unsupported`: the
 * endpoint does not know the operation (an older partition, an emulator).
 */
export type AwsErrorKind = 'credentials' | 'access-denied' | 'unsupported' | 'other'

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId'
])

export function awsErrorKind(e: unknown): AwsErrorKind {
  const name = awsErrorName(e) ?? ''
  if (CREDENTIAL_ERRORS.has(name)) return 'credentials'
  if (/^AccessDenied/.test(name)) return 'access-denied'
  if (name === 'UnknownOperationException') return 'unsupported'
  return 'other'
}

/** Turns "Could not load credentials" and friends into what to add to the workflow. */
export function credentialsHint(e: unknown): unknown {
  if (awsErrorKind(e) !== 'credentials') return e
  return new AwsAccessError(
    `AWS rejected or could not find credentials (${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}).`,
    'Add aws-actions/configure-aws-credentials before this step (role-to-assume with OIDC needs permissions: id-token: write); it exports the region and credentials this action reads.'
  )
}
