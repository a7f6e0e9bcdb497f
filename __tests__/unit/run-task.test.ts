// The one-off task: planned against the task definition and the service, run, followed and judged,
// with ECS and CloudWatch Logs mocked at the client.
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
  type Task
} from '@aws-sdk/client-ecs'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { parseInputs } from '../../src/inputs/inputs.js'
import type { Step } from '../../src/main.js'
import type { Plan } from '../../src/plan/plan.js'
import type { ServiceInfo } from '../../src/plan/service.js'
import { type OneOffTask, planOneOffTask } from '../../src/run-task/plan.js'
import { runTaskBeforeShift, stopLeftTask } from '../../src/run-task/run.js'
import { InputError } from '../../src/runtime/errors.js'
import { rejection } from './thrown.js'
import { StepState } from '../../src/runtime/state.js'
import { NEXT_ARN, accessDenied } from './aws-fixtures.js'
import { type FakeIo, T0, fakeIo } from './fake-io.js'
import { fakeStep } from './fake-step.js'

const ecsMock = mockClient(ECSClient)
const logsMock = mockClient(CloudWatchLogsClient)

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef'
const TASK_ID = '0123456789abcdef0123456789abcdef'
const AWSLOGS = {
  logDriver: 'awslogs' as const,
  options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'eu-west-1' }
}
const SERVICE: ServiceInfo = {
  serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
  serviceName: 'web',
  clusterName: 'prod',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',
  deploymentController: 'CODE_DEPLOY',
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-11111111'],
      securityGroups: ['sg-11111111'],
      assignPublicIp: 'DISABLED'
    }
  },
  launchType: 'FARGATE',
  platformVersion: '1.4.0',
  status: 'ACTIVE'
}

function plan(over: Partial<Plan> = {}): Plan {
  return {
    service: SERVICE,
    backend: 'codedeploy',
    family: 'web',
    containerName: 'web',
    containerPort: 8080,
    timeoutMinutes: 60,
    register: {
      family: 'web',
      networkMode: 'awsvpc',
      containerDefinitions: [
        { name: 'web', image: 'repo/web:2', logConfiguration: AWSLOGS },
        { name: 'log-router', image: 'fluent-bit', essential: false },
        {
          name: 'sidecar',
          image: 'envoy',
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/x' } }
        }
      ]
    },
    ...over
  }
}

function runTaskInputs(
  inputs: Record<string, string>
): NonNullable<ReturnType<typeof parseInputs>['runTask']> {
  return parseInputs(name => ({ service: 'web', 'run-task': 'true', ...inputs })[name] ?? '').runTask!
}

const planned = (inputs: Record<string, string>, over: Partial<Plan> = {}): Promise<OneOffTask | undefined> =>
  planOneOffTask(runTaskInputs(inputs), plan(over), 'prod', fakeIo())

const inputError = (p: Promise<unknown>): Promise<InputError> => rejection(p, InputError)

beforeEach(() => {
  ecsMock.reset()
  logsMock.reset()
})

describe('planOneOffTask', () => {
  it('runs as the service does: its network, launch type and platform version', async () => {
    const task = await planned({ 'run-task-command': '["npm", "run", "migrate"]' })
    expect(task).toEqual({
      request: {
        cluster: 'prod',
        count: 1,
        startedBy: 'GitHub-Actions',
        overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
        networkConfiguration: SERVICE.networkConfiguration,
        launchType: 'FARGATE',
        platformVersion: '1.4.0'
      },
      cluster: 'prod',
      essential: ['web', 'sidecar'],
      logs: [{ container: 'web', group: '/ecs/web', prefix: 'ecs', region: 'eu-west-1' }],
      unnamedStreams: ['sidecar'],
      waitForStop: true
    })
  })

  it("takes each given network member over the service's, and a launch type or strategy without the service's platform version", async () => {
    const task = await planned({
      'run-task-security-groups': 'sg-22222222',
      'run-task-assign-public-IP': 'ENABLED',
      'run-task-capacity-provider-strategy': '[{"capacityProvider": "FARGATE_SPOT"}]',
      'run-task-tags': '[{"key": "k", "value": "v"}]'
    })
    expect(task?.request).toEqual({
      cluster: 'prod',
      count: 1,
      startedBy: 'GitHub-Actions',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-11111111'],
          securityGroups: ['sg-22222222'],
          assignPublicIp: 'ENABLED'
        }
      },
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
      tags: [{ key: 'k', value: 'v' }]
    })
    const strategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }]
    const fromService = await planned({}, { service: { ...SERVICE, capacityProviderStrategy: strategy } })
    expect(fromService?.request.capacityProviderStrategy).toEqual(strategy)
    expect(fromService?.request.launchType).toBeUndefined()
  })

  it('merges run-task-command into the overrides of its container, and refuses a second command for it', async () => {
    const task = await planned({
      'run-task-command': '["migrate"]',
      'run-task-container-overrides':
        '[{"name": "web", "cpu": 512}, {"name": "sidecar", "command": ["sleep", "1"]}]'
    })
    expect(task?.request.overrides?.containerOverrides).toEqual([
      { name: 'web', cpu: 512, command: ['migrate'] },
      { name: 'sidecar', command: ['sleep', '1'] }
    ])
    const e = await inputError(
      planned({
        'run-task-command': '["migrate"]',
        'run-task-container-overrides': '[{"name": "web", "command": ["x"]}]'
      })
    )
    expect(e.message).toBe(
      'run-task-command and run-task-container-overrides both set the command of container web.'
    )
  })

  it('refuses containers the task definition lacks, naming those it has', async () => {
    const e = await inputError(
      planned(
        { 'run-task-command': '["x"]', 'run-task-container-overrides': '[{"name": "worker"}]' },
        { containerName: 'app' }
      )
    )
    expect(e.message).toBe(
      "The task to run would change container worker, app, which the task definition does not have; it has 'web', 'log-router', 'sidecar'."
    )
    expect(e.hint).toContain('set run-task-container')
  })

  it('awsvpc needs subnets from the inputs or the service; other network modes take none', async () => {
    const none = await inputError(planned({}, { service: { ...SERVICE, networkConfiguration: undefined } }))
    expect(none.message).toContain('needs subnets, and the service has no network configuration to lend')
    const given = await planned(
      { 'run-task-subnets': 'subnet-33333333' },
      { service: { ...SERVICE, networkConfiguration: undefined } }
    )
    expect(given?.request.networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-33333333'] }
    })

    const bridge = plan().register!
    const e = await inputError(
      planned({ 'run-task-subnets': 'subnet-33333333' }, { register: { ...bridge, networkMode: 'bridge' } })
    )
    expect(e.message).toBe(
      "run-task-subnets is set, but the task definition's network mode is bridge, not awsvpc."
    )
    const plain = await planned(
      {},
      {
        register: { ...bridge, networkMode: undefined },
        service: { ...SERVICE, networkConfiguration: undefined }
      }
    )
    expect(plain?.request.networkConfiguration).toBeUndefined()
  })

  it('reads a revision deployed as it is, and plans nothing without run-task', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: NEXT_ARN }).resolves({
      taskDefinition: { networkMode: 'awsvpc', containerDefinitions: [{ name: 'web', essential: true }] }
    })
    const task = await planned(
      { 'run-task-command': '["x"]' },
      { register: undefined, existingArn: NEXT_ARN }
    )
    expect(task?.essential).toEqual(['web'])
    expect(await planOneOffTask(undefined, plan(), 'prod', fakeIo())).toBeUndefined()
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1)
  })
})

// --- running it -----------------------------------------------------------------------------

let io: FakeIo

function step(inputs: Record<string, string> = {}): Step {
  io = fakeIo({ inputs: { service: 'web', 'poll-interval-seconds': '2', ...inputs } })
  return fakeStep(io)
}

const ONE_OFF: OneOffTask = {
  request: { cluster: 'prod', count: 1, startedBy: 'GitHub-Actions' },
  cluster: 'prod',
  essential: ['web'],
  logs: [{ container: 'web', group: '/ecs/web', prefix: 'ecs' }],
  unnamedStreams: [],
  waitForStop: true
}

const frame = (lastStatus: string, more: Partial<Task> = {}): { tasks: Task[] } => ({
  tasks: [{ taskArn: TASK, lastStatus, ...more }]
})
const started = new Date(T0.getTime() + 4000)

/** DescribeTasks answers these frames, one a call, the last one from then on. */
function frames(...list: ({ tasks: Task[] } | Error)[]): void {
  const chain = ecsMock.on(DescribeTasksCommand)
  let c = chain
  for (const f of list.slice(0, -1)) c = f instanceof Error ? c.rejectsOnce(f) : c.resolvesOnce(f)
  const last = list.at(-1)!
  if (last instanceof Error) c.rejects(last)
  else c.resolves(last)
}

const STOPPED_OK = frame('STOPPED', {
  startedAt: started,
  stoppedReason: 'Essential container in task exited',
  containers: [
    { name: 'web', exitCode: 0 },
    { name: 'log-router', exitCode: 137 }
  ]
})

describe('runTaskBeforeShift', () => {
  beforeEach(() => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }], failures: [] })
  })

  it('runs the revision, streams each state once and the log lines, and passes when the essential containers exit 0', async () => {
    const s = step()
    frames(
      frame('PENDING'),
      frame('RUNNING', { startedAt: started }),
      frame('RUNNING', { startedAt: started }),
      STOPPED_OK
    )
    logsMock
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ message: 'one\n' }, { message: 'two\r\nthree' }], nextForwardToken: 'f/2' })
      .resolvesOnce({ events: [], nextForwardToken: 'f/2' })
      .resolvesOnce({ events: [{ message: '::error::four' }], nextForwardToken: 'f/3' })
      .resolves({ events: [], nextForwardToken: 'f/3' })
    await runTaskBeforeShift(s, ONE_OFF, NEXT_ARN)

    expect(ecsMock).toHaveReceivedCommandWith(RunTaskCommand, {
      ...ONE_OFF.request,
      taskDefinition: NEXT_ARN
    })
    expect(io.outputs['run-task-arn']).toBe(TASK)
    expect(io.lines).toEqual([
      'Running a task of web:8 before the deployment.',
      `Started task ${TASK_ID}: https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/${TASK_ID}/configuration?region=us-east-1`,
      `[+0:00] Task ${TASK_ID} is PENDING`,
      `[+0:02] Task ${TASK_ID} is RUNNING`,
      'web | one',
      'web | two',
      'web | three',
      'web | ::error::four',
      `[+0:06] Task ${TASK_ID} is STOPPED: Essential container in task exited`,
      '  container web: exited with code 0',
      '  container log-router: exited with code 137',
      `Task ${TASK_ID} succeeded: deploying ${NEXT_ARN}.`
    ])
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, {
      logGroupName: '/ecs/web',
      logStreamName: `ecs/web/${TASK_ID}`,
      startFromHead: true
    })
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, { nextToken: 'f/2' })
    expect(io.slept).toEqual([2000, 2000, 2000])
    expect(new StepState(io).read().runningTask).toBeUndefined()
  })

  it('while it waits, the post step knows the task to stop', async () => {
    const s = step()
    let during: unknown
    ecsMock.on(DescribeTasksCommand).callsFake(() => {
      during = new StepState(io).read().runningTask
      return STOPPED_OK
    })
    logsMock.on(GetLogEventsCommand).resolves({ events: [] })
    await runTaskBeforeShift(s, ONE_OFF, NEXT_ARN)
    expect(during).toEqual({ cluster: 'prod', taskArn: TASK })
  })

  it('a non-zero exit of an essential container fails, saying that nothing was deployed', async () => {
    const s = step()
    frames(
      frame('STOPPED', {
        startedAt: started,
        containers: [{ name: 'web', exitCode: 2, reason: 'migration failed' }, { name: 'sidecar' }]
      })
    )
    logsMock.on(GetLogEventsCommand).resolves({ events: [] })
    const e = await rejection(runTaskBeforeShift(s, { ...ONE_OFF, essential: ['web', 'sidecar'] }, NEXT_ARN))
    expect(e.message).toBe(
      `Task ${TASK_ID} failed: container web exited with code 2: migration failed; container sidecar did not exit (no exit code).`
    )
    expect(e.title).toBe('Task failed')
  })

  it('a task that stopped before it started fails with its reasons; a revision deployed as it is is not deregistered', async () => {
    const s = step()
    frames(
      frame('STOPPED', {
        stoppedReason: 'ResourceInitializationError: unable to pull secrets',
        containers: [{ name: 'web', reason: 'CannotStartContainerError' }]
      })
    )
    const e = await rejection(runTaskBeforeShift(s, ONE_OFF, NEXT_ARN))
    expect(e.message).toBe(
      `Task ${TASK_ID} stopped before it started: ResourceInitializationError: unable to pull secrets (web: CannotStartContainerError).`
    )
    expect(e.title).toBe('Task did not start')
    expect(logsMock).not.toHaveReceivedCommand(GetLogEventsCommand)
  })

  it('RunTask failures, a refusal and a missing permission each say what to do', async () => {
    step()
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:CPU', detail: 'no room' }] })
    const none = await rejection(runTaskBeforeShift(step(), ONE_OFF, NEXT_ARN))
    expect(none.message).toBe(`RunTask started no task: RESOURCE:CPU (no room).`)
    expect(new StepState(io).read().runningTask).toBeUndefined()

    ecsMock.on(RunTaskCommand).rejects(accessDenied())
    const denied = await rejection(runTaskBeforeShift(step(), ONE_OFF, NEXT_ARN))
    expect(denied.message).toContain('RunTask failed (AccessDeniedException:')
    expect(denied.hint).toContain('Allow ecs:RunTask')
  })

  it('wait-for-task-stopped: false hands the task off with a notice and reads nothing more', async () => {
    const s = step()
    await runTaskBeforeShift(s, { ...ONE_OFF, waitForStop: false }, NEXT_ARN)
    expect(io.notices).toEqual([
      {
        message: `The deployment does not wait for task ${TASK_ID} (wait-for-task-stopped: false): it goes ahead while the task runs, whatever its exit code.`,
        title: 'Task not waited for'
      }
    ])
    expect(ecsMock).not.toHaveReceivedCommand(DescribeTasksCommand)
    expect(new StepState(io).read().runningTask).toBeUndefined()
  })

  it('a failed read is retried; a missing permission to read ends the step', async () => {
    const s = step()
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    frames(throttled, STOPPED_OK)
    logsMock.on(GetLogEventsCommand).resolves({ events: [] })
    await runTaskBeforeShift(s, ONE_OFF, NEXT_ARN)
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeTasksCommand, 2)

    ecsMock.reset()
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] })
    frames(accessDenied())
    const e = await rejection(runTaskBeforeShift(step(), ONE_OFF, NEXT_ARN))
    expect(e.hint).toContain('Allow ecs:DescribeTasks')
  })

  it('logs: a stream not there yet is no error, a missing permission is one warning, another failure is said at the end', async () => {
    const s = step()
    frames(frame('RUNNING', { startedAt: started }), frame('RUNNING', { startedAt: started }), STOPPED_OK)
    const notFound = Object.assign(new Error('The specified log stream does not exist.'), {
      name: 'ResourceNotFoundException'
    })
    logsMock.on(GetLogEventsCommand).rejectsOnce(notFound).rejects(accessDenied())
    await runTaskBeforeShift(s, ONE_OFF, NEXT_ARN)
    expect(io.warnings).toEqual([
      {
        message:
          "The task's log cannot be read (AccessDeniedException): allow logs:GetLogEvents on log group /ecs/web to see it here. The task is waited for all the same.",
        title: 'Task log not shown'
      }
    ])
    expect(logsMock).toHaveReceivedCommandTimes(GetLogEventsCommand, 2)

    const again = step()
    frames(STOPPED_OK)
    logsMock.reset()
    logsMock.on(GetLogEventsCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'Error' }))
    await runTaskBeforeShift(again, ONE_OFF, NEXT_ARN)
    expect(io.lines).toContain('(The log of container web could not be read: socket hang up.)')
  })

  it('says which containers on awslogs have no stream to read', async () => {
    const s = step()
    frames(STOPPED_OK)
    logsMock.on(GetLogEventsCommand).resolves({ events: [] })
    await runTaskBeforeShift(s, { ...ONE_OFF, unnamedStreams: ['sidecar'] }, NEXT_ARN)
    expect(io.lines).toContain(
      'Container sidecar logs with awslogs without awslogs-stream-prefix: its stream cannot be found, so its log is not shown here.'
    )
  })
})

describe('stopLeftTask (the post step)', () => {
  it('stops the task the main step left, or says it had stopped', async () => {
    ecsMock
      .on(StopTaskCommand)
      .resolvesOnce({ task: { lastStatus: 'RUNNING' } })
      .resolves({ task: { lastStatus: 'STOPPED' } })
    const post = fakeIo()
    await stopLeftTask(post, { cluster: 'prod', taskArn: TASK })
    await stopLeftTask(post, { cluster: 'prod', taskArn: TASK })
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, {
      cluster: 'prod',
      task: TASK,
      reason: 'The deploy step did not finish.'
    })
    expect(post.lines).toEqual([
      `The deploy step did not finish: stopped task ${TASK}.`,
      `Task ${TASK} had stopped already.`
    ])
  })

  it('a failed stop is a warning', async () => {
    ecsMock.on(StopTaskCommand).rejects(new Error('connect ETIMEDOUT'))
    const post = fakeIo()
    await stopLeftTask(post, { cluster: 'prod', taskArn: TASK })
    expect(post.warnings).toEqual([
      {
        message: `Could not stop task ${TASK} (connect ETIMEDOUT); stop it in the ECS console.`,
        title: 'Task may still run'
      }
    ])
  })

  it('takes only a task ARN from the saved state', () => {
    const saved = fakeIo({
      state: { 'running-task': 'arn:aws:ecs:us-east-1:123456789012:task/prod/../../x' }
    })
    expect(new StepState(saved).read().runningTask).toBeUndefined()
  })
})

jest.setTimeout(10_000)
