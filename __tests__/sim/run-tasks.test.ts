// One-off tasks on the wire: RunTask and StopTask through the real @aws-sdk/client-ecs, and the
// awslogs streams of their containers through the real @aws-sdk/client-cloudwatch-logs, on a
// frozen clock that the tests move.
import {
  AccessDeniedException,
  CloudWatchLogsClient,
  GetLogEventsCommand,
  ResourceNotFoundException
} from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Task
} from '@aws-sdk/client-ecs'
import type { OneOffTaskSpec } from '../../sim/run-tasks.js'
import { scenarios } from '../../sim/scenarios.js'
import { startSimulator, type Simulator } from '../../sim/server.js'

const WEB_3 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3'
const RUN: RunTaskCommandInput = {
  cluster: 'sim-cluster',
  taskDefinition: WEB_3,
  startedBy: 'GitHub-Actions',
  launchType: 'FARGATE',
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'] } }
}

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

async function frozen(runTask: OneOffTaskSpec = {}): Promise<{ ecs: ECSClient; logs: CloudWatchLogsClient }> {
  sim = await startSimulator({ scenario: { ...scenarios['all-at-once'], runTask }, timeScale: 0 })
  const config = {
    region: 'us-east-1',
    endpoint: sim.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1
  }
  return { ecs: new ECSClient(config), logs: new CloudWatchLogsClient(config) }
}

/** RunTask of RUN: the task's ARN. */
async function runTask(ecs: ECSClient): Promise<string> {
  return (await ecs.send(new RunTaskCommand(RUN))).tasks![0]!.taskArn!
}

/** How the task stopped: its last status, stop code and stopped reason. */
const stopped = (task: Task): unknown[] => [task.lastStatus, task.stopCode, task.stoppedReason]

async function describe1(ecs: ECSClient, arn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster: 'sim-cluster', tasks: [arn] }))
  return out.tasks![0]!
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a rejection')
}

test('a task goes PROVISIONING, PENDING, RUNNING, DEPROVISIONING, STOPPED on the clock, and its containers exit with the scenario code', async () => {
  const { ecs } = await frozen({ provisioningSeconds: 5, pendingSeconds: 10, runSeconds: 20, exitCode: 3 })
  const out = await ecs.send(new RunTaskCommand(RUN))
  expect(out.failures).toEqual([])
  const arn = out.tasks![0]!.taskArn!
  expect(arn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/sim-cluster\/[0-9a-f]{32}$/)
  expect(out.tasks![0]!.lastStatus).toBe('PROVISIONING')

  const seen: string[] = []
  for (const step of [0, 5, 10, 20, 2]) {
    sim.advance(step)
    seen.push((await describe1(ecs, arn)).lastStatus!)
  }
  expect(seen).toEqual(['PROVISIONING', 'PENDING', 'RUNNING', 'DEPROVISIONING', 'STOPPED'])
  const task = await describe1(ecs, arn)
  expect(task.group).toBe('family:web')
  expect(task.startedBy).toBe('GitHub-Actions')
  expect(task.taskDefinitionArn).toBe(WEB_3)
  expect(task.startedAt).toBeInstanceOf(Date)
  expect(task.stopCode).toBe('EssentialContainerExited')
  expect(task.stoppedReason).toBe('Essential container in task exited')
  expect(task.containers!.map(c => [c.name, c.lastStatus, c.exitCode])).toEqual([['web', 'STOPPED', 3]])
  expect(task.stoppedAt!.getTime() - task.startedAt!.getTime()).toBe(22_000)
  // A one-off task is no service's: ListTasks for the service does not list it.
  const listed = await ecs.send(new ListTasksCommand({ cluster: 'sim-cluster', serviceName: 'web' }))
  expect(listed.taskArns).not.toContain(arn)
})

test('StopTask of a running task: SIGTERM exit code, UserInitiated, the reason given; of a stopped one: no change', async () => {
  const { ecs } = await frozen({ runSeconds: 600 })
  const arn = await runTask(ecs)
  sim.advance(30)
  const out = await ecs.send(new StopTaskCommand({ cluster: 'sim-cluster', task: arn, reason: 'cancelled' }))
  expect(out.task!.lastStatus).toBe('DEPROVISIONING')
  expect(out.task!.desiredStatus).toBe('STOPPED')
  sim.advance(2)
  const task = await describe1(ecs, arn)
  expect(stopped(task)).toEqual(['STOPPED', 'UserInitiated', 'cancelled'])
  expect(task.containers![0]!.exitCode).toBe(143)

  sim.advance(60)
  const again = await ecs.send(new StopTaskCommand({ cluster: 'sim-cluster', task: arn }))
  expect([again.task!.lastStatus, again.task!.stoppedReason]).toEqual(['STOPPED', 'cancelled'])
})

test('a task stopped before it ran has no exit code; one that never starts stops with the scenario reason', async () => {
  const { ecs } = await frozen({ neverStarts: { stoppedReason: 'CannotPullContainerError: not found' } })
  const arn = await runTask(ecs)
  sim.advance(60)
  const task = await describe1(ecs, arn)
  expect(stopped(task)).toEqual(['STOPPED', 'TaskFailedToStart', 'CannotPullContainerError: not found'])
  expect(task.startedAt).toBeUndefined()
  expect(task.containers![0]!.exitCode).toBeUndefined()
})

test('RunTask answers the scenario failures and starts nothing', async () => {
  const { ecs } = await frozen({ failures: [{ reason: 'RESOURCE:MEMORY' }] })
  const out = await ecs.send(new RunTaskCommand(RUN))
  expect(out.tasks).toEqual([])
  expect(out.failures).toEqual([
    { arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/sim-cluster', reason: 'RESOURCE:MEMORY' }
  ])
})

test('RunTask refuses what ECS refuses: no subnets for awsvpc, a launch type with a strategy, an override for no container', async () => {
  const { ecs } = await frozen()
  const refused = async (input: RunTaskCommandInput): Promise<string> => {
    const e = await rejection(ecs.send(new RunTaskCommand(input)))
    expect(e).toBeInstanceOf(InvalidParameterException)
    return e.message
  }
  expect(await refused({ ...RUN, networkConfiguration: undefined })).toContain(
    'Network Configuration must be provided'
  )
  expect(await refused({ ...RUN, capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] })).toContain(
    'launch type and capacity provider strategy'
  )
  expect(
    await refused({ ...RUN, overrides: { containerOverrides: [{ name: 'migrate', command: ['x'] }] } })
  ).toBe('Override for container named migrate is not a container in the TaskDefinition.')
  expect(sim.calls.filter(c => c.operation === 'RunTask' && c.status === 200)).toHaveLength(0)
})

test("GetLogEvents: no stream before the container starts, then the lines logged by the clock's time, a token that stays put when nothing is new", async () => {
  const { ecs, logs } = await frozen({
    logs: [
      { at: 1, message: 'one' },
      { at: 2, message: 'two' },
      { at: 15, message: 'three' }
    ]
  })
  const arn = await runTask(ecs)
  const stream = { logGroupName: '/ecs/web', logStreamName: `ecs/web/${arn.split('/').pop()!}` }
  expect(
    await rejection(logs.send(new GetLogEventsCommand({ ...stream, startFromHead: true })))
  ).toBeInstanceOf(ResourceNotFoundException)

  sim.advance(15 + 5)
  const first = await logs.send(new GetLogEventsCommand({ ...stream, startFromHead: true }))
  expect(first.events!.map(e => e.message)).toEqual(['one', 'two'])
  const idle = await logs.send(new GetLogEventsCommand({ ...stream, nextToken: first.nextForwardToken }))
  expect(idle.events).toEqual([])
  expect(idle.nextForwardToken).toBe(first.nextForwardToken)

  sim.advance(60)
  const rest = await logs.send(new GetLogEventsCommand({ ...stream, nextToken: first.nextForwardToken }))
  expect(rest.events!.map(e => e.message)).toEqual(['three'])
  expect(rest.events![0]!.timestamp! - first.events![0]!.timestamp!).toBe(14_000)
  // Another stream name (a wrong prefix) does not exist.
  const e = await rejection(
    logs.send(new GetLogEventsCommand({ ...stream, logStreamName: `web/web/${arn.split('/').pop()!}` }))
  )
  expect(e).toBeInstanceOf(ResourceNotFoundException)
})

test('GetLogEvents answers AccessDeniedException for a role without logs:GetLogEvents', async () => {
  const { ecs, logs } = await frozen({ logsAccessDenied: true, logs: [{ at: 1, message: 'one' }] })
  const arn = await runTask(ecs)
  sim.advance(30)
  const e = await rejection(
    logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: `ecs/web/${arn.split('/').pop()!}` })
    )
  )
  expect(e).toBeInstanceOf(AccessDeniedException)
  expect(e.message).toContain('logs:GetLogEvents')
  expect(sim.calls.at(-1)).toMatchObject({ service: 'logs', operation: 'GetLogEvents', status: 400 })
})
