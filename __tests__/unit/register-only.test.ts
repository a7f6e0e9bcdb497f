// register-only through run(): the revision is rendered and registered, its outputs set and its changes
// reported against the service's revision or the family's latest, and nothing is deployed.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { run } from '../../src/main.js'
import { NEXT_ARN, RUNNING_ARN, RUNNING_TD, SERVICE } from './aws-fixtures.js'
import { type FakeIo, fakeIo } from './fake-io.js'

const ecsMock = mockClient(ECSClient)
const cdMock = mockClient(CodeDeployClient)

const TEMPLATE = JSON.stringify({
  family: 'web',
  containerDefinitions: [{ name: 'web', image: '<IMAGE>', portMappings: [{ containerPort: 8080 }] }]
})
const SIDECARS = JSON.stringify({
  family: 'web',
  containerDefinitions: [
    { name: 'web', image: 'repo/web:1' },
    { name: 'log-router', image: 'fluent-bit:3' }
  ]
})

beforeEach(() => {
  ecsMock.reset()
  cdMock.reset()
  ecsMock.on(DescribeServicesCommand).resolves({ services: [SERVICE], failures: [] })
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: RUNNING_TD, tags: [] })
  ecsMock
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { taskDefinitionArn: NEXT_ARN, family: 'web', revision: 8 } })
})

async function registerOnly(
  inputs: Record<string, string>,
  files: Record<string, string> = {}
): Promise<FakeIo> {
  const io = fakeIo({ inputs: { 'register-only': 'true', ...inputs }, files })
  await run(io, () => undefined)
  return io
}

function registered(): RegisterTaskDefinitionCommandInput {
  return ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input
}

describe('register-only', () => {
  it('with a service: registers from its revision, outputs both ARNs, reports the changes, deploys nothing', async () => {
    const io = await registerOnly({
      service: 'web',
      cluster: 'prod',
      image: 'repo/web:2',
      tags: 'release=42'
    })
    expect(io.errors).toEqual([])
    expect(io.exitCode).toBeUndefined()
    expect(registered().containerDefinitions![0]!.image).toBe('repo/web:2')
    expect(registered().tags).toEqual([{ key: 'release', value: '42' }])
    expect(io.outputs['task-definition-arn']).toBe(NEXT_ARN)
    expect(io.outputs['previous-task-definition-arn']).toBe(RUNNING_ARN)
    expect(io.outputs['deployment-id']).toBeUndefined()
    expect(cdMock.calls()).toHaveLength(0)
    expect(io.lines).toContain(`Registered ${NEXT_ARN}.`)
    expect(io.lines.some(l => l.includes('repo/web:1') && l.includes('repo/web:2'))).toBe(true)
    const summary = io.summaries.join('\n')
    expect(summary).toContain('📦 Revision registered, nothing deployed (register-only)')
    expect(summary).toContain('#### Changes against web:7')
    expect(summary).toContain(`Deploy this revision as it is with task-definition: ${NEXT_ARN}`)
    // Nothing is left for a cancellation or the post step to undo: the revision is the step's result.
    expect(io.state['deployment-id'] ?? '').toBe('')
  })

  it('without a service: compares with the family latest ACTIVE revision, read before registering', async () => {
    const io = await registerOnly(
      { 'task-definition': 'td.json', 'container-name': 'web', image: 'repo/web:2' },
      { 'td.json': TEMPLATE }
    )
    expect(io.errors).toEqual([])
    expect(ecsMock).not.toHaveReceivedCommand(DescribeServicesCommand)
    const reads = ecsMock.commandCalls(DescribeTaskDefinitionCommand).map(c => c.args[0].input.taskDefinition)
    expect(reads).toEqual(['web', RUNNING_ARN])
    // Read before RegisterTaskDefinition: afterwards the family's latest would be the new revision.
    const order = ecsMock.calls().map(c => c.args[0].constructor.name)
    expect(order.indexOf('DescribeTaskDefinitionCommand')).toBeLessThan(
      order.indexOf('RegisterTaskDefinitionCommand')
    )
    expect(io.outputs['task-definition-arn']).toBe(NEXT_ARN)
    expect(io.outputs['previous-task-definition-arn']).toBeUndefined()
    expect(io.summaries.join('\n')).toContain('#### Changes against web:7')
  })

  it('a family with no revision yet is nothing to compare with, not an error', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' }))
    const io = await registerOnly(
      { 'task-definition': 'td.json', image: 'repo/web:2' },
      { 'td.json': TEMPLATE }
    )
    expect(io.errors).toEqual([])
    expect(io.lines).toContain(
      '(No earlier revision of web to compare with: Unable to describe task definition.)'
    )
    expect(io.outputs['task-definition-arn']).toBe(NEXT_ARN)
  })

  it('takes the only container when neither container-name nor a service names one', async () => {
    const io = await registerOnly(
      { 'task-definition': 'td.json', image: 'repo/web:2' },
      { 'td.json': TEMPLATE }
    )
    expect(io.errors).toEqual([])
    expect(registered().containerDefinitions![0]!.image).toBe('repo/web:2')
  })

  it('with several containers and none named, fails before any write', async () => {
    const io = await registerOnly(
      { 'task-definition': 'td.json', image: 'repo/web:2' },
      { 'td.json': SIDECARS }
    )
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toContain('the task definition has containers web, log-router')
    expect(io.errors[0]!.message).toContain('Set container-name.')
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
  })

  it('a revision no input changes is output as it is, unregistered', async () => {
    const io = await registerOnly({ 'task-definition': 'web:7' })
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
    expect(io.outputs['task-definition-arn']).toBe(RUNNING_ARN)
    expect(io.lines).toContain(
      `Nothing to register: no input changes ${RUNNING_ARN}, so it is the revision to deploy as it is.`
    )
  })

  it('works for a service whatever deploys it: no load balancer, ECS controller', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ ...SERVICE, deploymentController: { type: 'ECS' }, loadBalancers: [] }],
      failures: []
    })
    const io = await registerOnly({ service: 'web', cluster: 'prod', image: 'repo/web:2' })
    expect(io.errors).toEqual([])
    expect(io.outputs['task-definition-arn']).toBe(NEXT_ARN)
  })

  it('a service that does not exist is an error, as for a deployment, and nothing is registered', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: `${SERVICE.serviceArn!}x`, reason: 'MISSING' }] })
    const io = await registerOnly({ service: 'webx', cluster: 'prod', image: 'repo/web:2' })
    expect(io.errors[0]!.message).toContain('ECS service webx in cluster prod does not exist')
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
  })

  it('dry-run prints what would be registered and registers nothing', async () => {
    const io = await registerOnly({ service: 'web', cluster: 'prod', image: 'repo/web:2', 'dry-run': 'true' })
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
    expect(io.lines.some(l => l.startsWith('::group::Task definition to register'))).toBe(true)
    expect(io.lines.some(l => l.includes('"image": "repo/web:2"'))).toBe(true)
    expect(io.lines).toContain('Dry run (register-only): nothing was registered.')
    expect(io.summaries.join('\n')).toContain(
      'The task definition was rendered and validated; nothing was registered.'
    )
    expect(io.outputs['task-definition-arn']).toBeUndefined()
  })

  it('dry-run without AWS access works from a template file', async () => {
    const io = fakeIo({
      inputs: {
        'register-only': 'true',
        'dry-run': 'true',
        'task-definition': 'td.json',
        image: 'repo/web:2'
      },
      files: { 'td.json': TEMPLATE },
      env: { AWS_REGION: '' }
    })
    await run(io, () => undefined)
    expect(io.errors).toEqual([])
    expect(io.lines.some(l => l.startsWith('AWS was not read ('))).toBe(true)
    expect(io.lines).toContain('Dry run (register-only): nothing was registered.')
  })

  it('a registration that fails ends the step with nothing registered to deploy', async () => {
    ecsMock
      .on(RegisterTaskDefinitionCommand)
      .rejects(Object.assign(new Error('Invalid setting for container web'), { name: 'ClientException' }))
    const io = await registerOnly({ service: 'web', cluster: 'prod', image: 'repo/web:2' })
    expect(io.errors).toHaveLength(1)
    expect(io.outputs['task-definition-arn']).toBeUndefined()
    expect(io.exitCode).toBe(1)
  })
})
