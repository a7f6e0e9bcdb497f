/**
 * An error the user can act on: `message` says what went wrong, `hint` what to do about it,
 * `title` is the annotation's title on the run page and in the PR (by default the report says
 * whether a deployment failed or none was made). `cause` is the AWS error it explains, if any: the
 * report names the call that failed.
 */
export class ActionError extends Error {
  override readonly name = 'ActionError'
  constructor(
    message: string,
    readonly hint?: string,
    readonly title?: string,
    cause?: unknown
  ) {
    super(message, cause === undefined ? undefined : { cause })
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
  constructor(message: string, hint: string, cause?: unknown) {
    super(message, hint, 'AWS credentials', cause)
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

/**
 * AWS answered a write and refused it (a 4xx): nothing was made. Without an answer (the network, a
 * timeout) or with a 5xx after the SDK's retries, the write may have gone through.
 */
export function refusedByAws(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode
  return status !== undefined && status < 500
}

export function awsErrorKind(e: unknown): AwsErrorKind {
  const name = awsErrorName(e) ?? ''
  if (CREDENTIAL_ERRORS.has(name)) return 'credentials'
  if (/^AccessDenied/.test(name)) return 'access-denied'
  // Inferred (docs/aws-behaviour.md 22): what an endpoint without the operation answers.
  if (name === 'UnknownOperationException') return 'unsupported'
  return 'other'
}

/** Turns "Could not load credentials" and friends into what to add to the workflow. */
export function credentialsHint(e: unknown): unknown {
  if (awsErrorKind(e) !== 'credentials') return e
  return new AwsAccessError(
    `AWS rejected or could not find credentials (${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}).`,
    'Add aws-actions/configure-aws-credentials before this step (role-to-assume with OIDC needs permissions: id-token: write); it exports the region and credentials this action reads.',
    e
  )
}

/** Which AWS call an error came from. */
export interface AwsCall {
  operation: string
}

const awsCalls = new WeakMap<object, AwsCall>()

/** Set by the step's AWS clients on every error a call ends with (runtime/aws.ts). */
export function markAwsCall(e: unknown, call: AwsCall): void {
  if (e !== null && typeof e === 'object' && !awsCalls.has(e)) awsCalls.set(e, call)
}

/** The AWS call behind an error: the error's own, or its cause's. */
export function awsCallOf(e: unknown): AwsCall | undefined {
  for (let at: unknown = e, depth = 0; at !== null && typeof at === 'object' && depth < 5; depth++) {
    const call = awsCalls.get(at)
    if (call) return call
    at = (at as { cause?: unknown }).cause
  }
  return undefined
}

/** The SDK could not read the answer: not AWS's word, so not taken for one (an emulator, a proxy, a new field). */
export function isUnreadableAnswer(e: unknown): boolean {
  // Inferred (docs/aws-behaviour.md 23): how this SDK version marks an answer it could not parse.
  return (
    e !== null && typeof e === 'object' && '$response' in e && /Deserialization error/.test(errorMessage(e))
  )
}

/**
 * An error no step anticipated, as one line for `::error::`: the AWS call that failed, or the error's
 * own message. The report adds what the step changed in AWS (CancelGuard.whatChanged).
 */
export function unexpectedError(e: unknown): ActionError {
  const call = awsCallOf(e)
  const what = errorMessage(e).split('\n')[0] ?? ''
  if (!call) return new ActionError(what)
  const name = awsErrorName(e) ?? 'Error'
  if (isUnreadableAnswer(e)) {
    return new ActionError(
      `${call.operation} failed: the AWS SDK could not read its answer (${name}: ${what}).`,
      'Check that AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) is unset or points at an endpoint that speaks the AWS API.',
      `${call.operation} failed`
    )
  }
  return new ActionError(
    `${call.operation} failed (${name}: ${what}).`,
    "Run the step again; if it keeps failing, check the AWS Health Dashboard and the role's permissions.",
    `${call.operation} failed`
  )
}
