import { ActionError, InputError, awsErrorName, errorMessage } from '../../src/runtime/errors.js'

describe('errors', () => {
  it('joins message and hint into the one error line', () => {
    const e = new ActionError('Service web was not found in cluster prod.', 'Check the service input.')
    expect(e.full).toBe('Service web was not found in cluster prod. Check the service input.')
    expect(e.title).toBe('Deployment failed')
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
