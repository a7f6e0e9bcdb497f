import {
  ActionError,
  AwsAccessError,
  InputError,
  awsCallOf,
  awsErrorKind,
  awsErrorName,
  credentialsHint,
  errorMessage,
  markAwsCall,
  unexpectedError
} from '../../src/runtime/errors.js'

describe('errors', () => {
  it('joins message and hint into the one error line', () => {
    const e = new ActionError('Service web was not found in cluster prod.', 'Check the service input.')
    expect(e.full).toBe('Service web was not found in cluster prod. Check the service input.')
    // The report titles it: whether a deployment failed or none was made.
    expect(e.title).toBeUndefined()
    expect(new ActionError('bare').full).toBe('bare')
  })
  it('titles input errors', () => {
    expect(new InputError('bad').title).toBe('Invalid input')
  })
  it('reads messages and AWS error names from anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom')
    expect(errorMessage('text')).toBe('text')
    expect(awsErrorName(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(
      'ThrottlingException'
    )
    expect(awsErrorName(42)).toBeUndefined()
  })
})

describe('credentialsHint', () => {
  it.each([
    'CredentialsProviderError',
    'ExpiredToken',
    'ExpiredTokenException',
    'UnrecognizedClientException',
    'InvalidClientTokenId'
  ])('turns %s into what to add to the workflow', name => {
    const e = credentialsHint(Object.assign(new Error('nope'), { name }))
    expect(e).toBeInstanceOf(AwsAccessError)
    expect((e as AwsAccessError).message).toBe(`AWS rejected or could not find credentials (${name}: nope).`)
    expect((e as AwsAccessError).hint).toContain('id-token: write')
  })

  it.each([
    ['another AWS error', Object.assign(new Error('x'), { name: 'AccessDeniedException' })],
    ['a plain value', 'boom'],
    ['an ActionError', new ActionError('x')]
  ])('passes %s through', (_, e) => {
    expect(credentialsHint(e)).toBe(e)
  })
})

describe('awsErrorKind', () => {
  const named = (name: string): Error => Object.assign(new Error('x'), { name })
  it.each([
    ['ExpiredTokenException', 'credentials'],
    ['CredentialsProviderError', 'credentials'],
    ['AccessDeniedException', 'access-denied'],
    ['AccessDenied', 'access-denied'],
    ['UnknownOperationException', 'unsupported'],
    ['ThrottlingException', 'other'],
    ['ClientException', 'other']
  ])('%s is %s', (name, kind) => {
    expect(awsErrorKind(named(name))).toBe(kind)
  })

  it('a value that is no error is other', () => {
    expect(awsErrorKind('boom')).toBe('other')
  })
})

describe('the AWS call behind an error', () => {
  it('is found on the error or its causes, and kept from the first mark', () => {
    const aws = Object.assign(new Error('x'), { name: 'InternalFailure' })
    markAwsCall(aws, { operation: 'GetDeployment' })
    markAwsCall(aws, { operation: 'Other' })
    const wrapped = new ActionError('It failed.', undefined, undefined, aws)
    expect(awsCallOf(wrapped)?.operation).toBe('GetDeployment')
    expect(awsCallOf(new Error('plain'))).toBeUndefined()
    expect(awsCallOf('text')).toBeUndefined()
  })

  it('an unexpected error without a call keeps its own first line', () => {
    expect(unexpectedError(new Error('socket hang up\n    at stack')).full).toBe('socket hang up')
  })

  it('credentials errors keep the AWS error as their cause', () => {
    const e = Object.assign(new Error('nope'), { name: 'ExpiredToken' })
    expect((credentialsHint(e) as AwsAccessError).cause).toBe(e)
  })
})
