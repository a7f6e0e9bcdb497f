// deregister-previous: which services still run the previous revision (every ListServices page,
// DescribeServices in tens), and what the step does and says after each way a deployment can end.
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  type Service
} from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import type { Step } from '../../src/main.js'
import { deregisterPrevious, servicesRunning } from '../../src/plan/previous-revision.js'
import { NEXT_ARN, RUNNING_ARN, TD_ARN, accessDenied } from './aws-fixtures.js'
import { type FakeIo, fakeIo } from './fake-io.js'
import { fakeStep } from './fake-step.js'

const ecsMock = mockClient(ECSClient)
beforeEach(() => {
  ecsMock.reset()
})

const svcArn = (name: string): string => `arn:aws:ecs:us-east-1:123456789012:service/prod/${name}`
const service = (name: string, more: Partial<Service> = {}): Service => ({
  serviceArn: svcArn(name),
  serviceName: name,
  taskDefinition: `${TD_ARN}/${name}:1`,
  ...more
})

/** ListServices answers these services in pages of `pageSize`; DescribeServices describes them. */
function cluster(services: Service[], pageSize = 100): void {
  const arns = services.map(s => s.serviceArn!)
  ecsMock.on(ListServicesCommand).callsFake((input: { nextToken?: string }) => {
    const start = Number(input.nextToken ?? 0)
    const next = start + pageSize < arns.length ? String(start + pageSize) : undefined
    return { serviceArns: arns.slice(start, start + pageSize), ...(next ? { nextToken: next } : {}) }
  })
  ecsMock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => {
    if (input.services.length > 10) throw new Error('DescribeServices takes at most 10 services')
    return { services: services.filter(s => input.services.includes(s.serviceArn!)), failures: [] }
  })
}

describe('servicesRunning', () => {
  it('reads every page and describes the services ten at a time', async () => {
    const many = Array.from({ length: 23 }, (_, i) => service(`svc${i}`))
    many[21] = service('svc21', { taskDefinition: RUNNING_ARN })
    cluster(many, 7)
    const running = await servicesRunning(new ECSClient({ region: 'us-east-1' }), 'prod', RUNNING_ARN)
    expect(running).toEqual(['svc21'])
    expect(ecsMock).toHaveReceivedCommandTimes(ListServicesCommand, 4)
    // Pages of 7: each is one DescribeServices call (7 ≤ 10).
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeServicesCommand, 4)
    expect(ecsMock).toHaveReceivedCommandWith(ListServicesCommand, { cluster: 'prod', maxResults: 100 })
  })

  it('splits a page of more than ten into batches of ten', async () => {
    cluster(Array.from({ length: 25 }, (_, i) => service(`svc${i}`)))
    await servicesRunning(new ECSClient({ region: 'us-east-1' }), 'prod', RUNNING_ARN)
    const sizes = ecsMock
      .commandCalls(DescribeServicesCommand)
      .map(c => (c.args[0].input as { services: string[] }).services.length)
    expect(sizes).toEqual([10, 10, 5])
  })

  it.each<[string, Partial<Service>]>([
    ['its own revision', { taskDefinition: RUNNING_ARN }],
    ['a deployment not yet replaced', { deployments: [{ status: 'ACTIVE', taskDefinition: RUNNING_ARN }] }],
    ['a task set (CODE_DEPLOY, EXTERNAL)', { taskSets: [{ status: 'ACTIVE', taskDefinition: RUNNING_ARN }] }]
  ])('counts a service that runs it as %s', async (_, more) => {
    cluster([service('web'), service('worker', more)])
    expect(await servicesRunning(new ECSClient({ region: 'us-east-1' }), 'prod', RUNNING_ARN)).toEqual([
      'worker'
    ])
  })

  it('does not count a deployment ECS has replaced (INACTIVE)', async () => {
    cluster([service('worker', { deployments: [{ status: 'INACTIVE', taskDefinition: RUNNING_ARN }] })])
    expect(await servicesRunning(new ECSClient({ region: 'us-east-1' }), 'prod', RUNNING_ARN)).toEqual([])
  })
})

describe('deregisterPrevious', () => {
  let io: FakeIo

  async function step(inputs: Record<string, string> = {}, previous = RUNNING_ARN): Promise<Step> {
    io = fakeIo({ inputs: { service: 'web', cluster: 'prod', 'deregister-previous': 'true', ...inputs } })
    const s = fakeStep(io)
    await s.reporter.taskDefinition(NEXT_ARN, previous)
    return s
  }
  const target = { cluster: 'prod', deployed: NEXT_ARN }

  it('after success, deregisters the previous revision when no service runs it, and says so', async () => {
    cluster([service('web', { taskDefinition: NEXT_ARN }), service('api')])
    ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
    await deregisterPrevious(await step(), 'succeeded', target)
    expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, {
      taskDefinition: RUNNING_ARN
    })
    const said = `Deregistered ${RUNNING_ARN}: no service of cluster prod runs it any more.`
    expect(io.lines).toContain(said)
    expect(io.summaries.at(-1)).toContain('#### Previous revision')
    expect(io.summaries.at(-1)).toContain(
      'Deregistered arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
    )
    expect(io.warnings).toEqual([])
  })

  it('keeps it when other services run it, and names them', async () => {
    cluster([
      service('web', { taskDefinition: NEXT_ARN }),
      service('web-eu', { taskDefinition: RUNNING_ARN }),
      service('web-admin', { taskSets: [{ taskDefinition: RUNNING_ARN }] })
    ])
    await deregisterPrevious(await step(), 'succeeded', target)
    expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
    expect(io.lines).toContain(`Kept ${RUNNING_ARN}: services web-eu, web-admin still run it.`)
  })

  it.each([
    ['goal-reached', { 'wait-until': 'ready' }, 'wait-until: ready returns before the deployment ends'],
    [
      'goal-reached',
      { 'wait-until': 'traffic-shifted' },
      'wait-until: traffic-shifted returns before the deployment ends'
    ],
    ['handed-off', { 'wait-for-deployment': 'false' }, 'wait-for-deployment: false returns before']
  ] as const)('is skipped with a notice when the step ended at %s (%j)', async (outcome, inputs, why) => {
    await deregisterPrevious(await step(inputs), outcome, target)
    expect(ecsMock.calls()).toHaveLength(0)
    expect(io.notices).toHaveLength(1)
    expect(io.notices[0]!.message).toContain(`deregister-previous skipped: ${why}`)
    expect(io.notices[0]!.message).toContain(`a rollback needs ${RUNNING_ARN}`)
    expect(io.summaries.at(-1)).toContain('deregister-previous skipped')
  })

  it.each(['failed', 'stopped', 'timeout'] as const)('keeps it when the deployment %s', async outcome => {
    await deregisterPrevious(await step(), outcome, target)
    expect(ecsMock.calls()).toHaveLength(0)
    expect(io.lines).toContain(`Kept ${RUNNING_ARN}: the deployment did not succeed.`)
  })

  it('keeps the revision that was just deployed (redeploying the running revision)', async () => {
    await deregisterPrevious(await step({}, NEXT_ARN), 'succeeded', target)
    expect(ecsMock.calls()).toHaveLength(0)
    expect(io.lines).toContain(`Kept ${NEXT_ARN}: it is the revision just deployed.`)
  })

  it('does nothing at all without deregister-previous', async () => {
    await deregisterPrevious(await step({ 'deregister-previous': 'false' }), 'succeeded', target)
    expect(ecsMock.calls()).toHaveLength(0)
    expect(io.summaries).toEqual([])
  })

  it('a ListServices the role may not make keeps the revision, with a warning naming the permission', async () => {
    ecsMock.on(ListServicesCommand).rejects(accessDenied())
    await deregisterPrevious(await step(), 'succeeded', target)
    expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
    expect(io.warnings).toHaveLength(1)
    expect(io.warnings[0]!.message).toMatch(
      /^Kept .*web:7: could not check whether a service of cluster prod/
    )
    expect(io.warnings[0]!.message).toContain('Allow ecs:ListServices and ecs:DescribeServices')
  })

  it('a DeregisterTaskDefinition that fails is a warning: the deployment succeeded', async () => {
    cluster([service('web', { taskDefinition: NEXT_ARN })])
    ecsMock.on(DeregisterTaskDefinitionCommand).rejects(accessDenied())
    const s = await step()
    await deregisterPrevious(s, 'succeeded', target)
    expect(io.warnings).toHaveLength(1)
    expect(io.warnings[0]!.message).toContain(`Could not deregister ${RUNNING_ARN}`)
    expect(io.warnings[0]!.message).toContain('the deployment succeeded all the same')
    expect(io.errors).toEqual([])
    expect(io.exitCode).toBeUndefined()
  })
})
