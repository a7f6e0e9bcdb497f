import { DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { mockEcs } from './mock-clients.js'
import { ActionError } from '../../src/runtime/errors.js'
import { deregisterTaskDefinition, registerTaskDefinition } from '../../src/plan/revision.js'

const { ecsMock, ecs } = mockEcs()
const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2'

describe('registerTaskDefinition', () => {
  const input = { family: 'web', containerDefinitions: [{ name: 'app', image: IMAGE }] }
  const concurrent = (): Error =>
    Object.assign(
      new Error('Too many concurrent attempts to create a new revision of the specified family.'),
      {
        name: 'ClientException'
      }
    )

  it('returns the new revision ARN', async () => {
    ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: arn } })
    const sleeps: number[] = []
    await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).resolves.toBe(arn)
    expect(ecsMock).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, input)
    expect(sleeps).toEqual([])
  })
  it('retries concurrent registrations with backoff', async () => {
    ecsMock
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(concurrent())
      .rejectsOnce(concurrent())
      .resolves({ taskDefinition: { taskDefinitionArn: arn } })
    const sleeps: number[] = []
    await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).resolves.toBe(arn)
    expect(sleeps).toEqual([1000, 2000])
    expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 3)
  })
  it('gives up after five attempts and says what to do', async () => {
    ecsMock.on(RegisterTaskDefinitionCommand).rejects(concurrent())
    const sleeps: number[] = []
    const e = await registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms)).catch(
      (x: unknown) => x
    )
    expect(e).toBeInstanceOf(ActionError)
    expect((e as ActionError).message).toBe(
      'RegisterTaskDefinition failed 5 times: Too many concurrent attempts to create a new revision of the specified family.'
    )
    expect((e as ActionError).hint).toContain('family web')
    expect(sleeps).toEqual([1000, 2000, 4000, 8000])
  })
  it('does not retry other errors', async () => {
    const invalid = Object.assign(new Error('Container.image should not be null or empty.'), {
      name: 'ClientException'
    })
    ecsMock.on(RegisterTaskDefinitionCommand).rejects(invalid)
    const sleeps: number[] = []
    await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).rejects.toThrow(
      'Container.image should not be null or empty.'
    )
    expect(sleeps).toEqual([])
    expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1)
  })
  it('fails when the answer has no ARN', async () => {
    ecsMock.on(RegisterTaskDefinitionCommand).resolves({})
    await expect(registerTaskDefinition(ecs, input, async () => undefined)).rejects.toThrow(
      'RegisterTaskDefinition returned no task definition ARN.'
    )
  })
})

it('deregisters a revision', async () => {
  ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
  await deregisterTaskDefinition(ecs, arn)
  expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: arn })
})
