import { LIFECYCLE_EVENTS } from '../../src/backends/codedeploy/lifecycle-events.js'
import {
  CodeDeployClient,
  DeploymentNotStartedException,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
  type ECSTarget,
  type LifecycleEvent as CdEvent
} from '@aws-sdk/client-codedeploy'
import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import type { TrafficRouting } from '../../src/watch/snapshot.js'
import { createCodeDeployReader, toSnapshot } from '../../src/backends/codedeploy/snapshot.js'

const T0 = new Date('2026-11-27T14:00:00Z')
const at = (sec: number): Date => new Date(T0.getTime() + sec * 1000)
const TARGET_ID = 'prod:web'
const NEW_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8'

const info = (over: Partial<DeploymentInfo> = {}): DeploymentInfo => ({
  deploymentId: 'd-X',
  status: 'InProgress',
  startTime: at(0),
  blueGreenDeploymentConfiguration: {
    deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 }
  },
  ...over
})

const EVENT_NAMES: readonly string[] = LIFECYCLE_EVENTS

/** The eight events: those before `running` Succeeded (each 10 s), `running` with `runningStatus`, the rest Pending. */
function events(running: string | undefined, runningStatus = 'InProgress'): CdEvent[] {
  const idx = running === undefined ? EVENT_NAMES.length : EVENT_NAMES.indexOf(running)
  return EVENT_NAMES.map((name, i): CdEvent => {
    if (i < idx)
      return {
        lifecycleEventName: name,
        status: 'Succeeded',
        startTime: at(i * 10),
        endTime: at(i * 10 + 10)
      }
    if (i === idx) {
      return {
        lifecycleEventName: name,
        status: runningStatus as CdEvent['status'],
        startTime: at(i * 10),
        ...(runningStatus === 'InProgress' ? {} : { endTime: at(i * 10 + 5) })
      }
    }
    return { lifecycleEventName: name, status: 'Pending' }
  })
}

const target = (running: string | undefined, blue = 100, over: Partial<ECSTarget> = {}): ECSTarget => ({
  targetId: TARGET_ID,
  lifecycleEvents: events(running),
  taskSetsInfo: [
    {
      identifer: 'ecs-svc/111',
      taskSetLabel: 'Blue',
      trafficWeight: blue,
      status: 'PRIMARY',
      targetGroup: { name: 'tg-a' }
    },
    {
      identifer: 'ecs-svc/222',
      taskSetLabel: 'Green',
      trafficWeight: 100 - blue,
      status: 'ACTIVE',
      desiredCount: 4,
      runningCount: 2,
      pendingCount: 1
    }
  ],
  ...over
})

describe('toSnapshot', () => {
  it.each<[string, Partial<DeploymentInfo>, ECSTarget | undefined, string]>([
    ['Created', { status: 'Created' }, undefined, 'created'],
    ['Queued', { status: 'Queued' }, undefined, 'created'],
    ['Ready', { status: 'Ready' }, target(undefined), 'ready'],
    ['Succeeded', { status: 'Succeeded' }, target(undefined, 0), 'succeeded'],
    ['Failed', { status: 'Failed' }, target('Install', 100), 'failed'],
    ['Stopped', { status: 'Stopped' }, target('AllowTraffic', 50), 'stopped'],
    // Real CodeDeploy never sets the flag for ECS (aws/containers-roadmap#269): the target says it.
    ['the termination wait', {}, target(undefined, 0, { status: 'Succeeded' }), 'termination-wait'],
    [
      'the termination wait, flagged as AWS documents it',
      { instanceTerminationWaitTimeStarted: true },
      target(undefined, 0),
      'termination-wait'
    ],
    ['AfterAllowTraffic passed, the target not yet Succeeded', {}, target(undefined, 0), 'traffic-shifted'],
    [
      'a Succeeded target with an event not done',
      {},
      target('AfterAllowTraffic', 0, { status: 'Succeeded' }),
      'shifting'
    ],
    [
      'the original task set draining: the wait is over, its removal under way',
      { instanceTerminationWaitTimeStarted: true },
      target(undefined, 0, {
        status: 'Succeeded',
        taskSetsInfo: [
          { identifer: 'ecs-svc/111', taskSetLabel: 'Blue', status: 'DRAINING', trafficWeight: 0 }
        ]
      }),
      'traffic-shifted'
    ],
    [
      'a Succeeded target of a deployment no longer InProgress',
      { status: 'Stopped' },
      target(undefined, 0, { status: 'Succeeded' }),
      'stopped'
    ],
    ['AllowTraffic running', {}, target('AllowTraffic', 90), 'shifting'],
    ['AfterAllowTraffic running', {}, target('AfterAllowTraffic', 0), 'shifting'],
    ['Install running', {}, target('Install'), 'installing'],
    ['no target yet', {}, undefined, 'installing'],
    ['Baking (undocumented)', { status: 'Baking' }, target('AllowTraffic', 90), 'shifting']
  ])('maps %s to its phase', (_, over, t, phase) => {
    expect(toSnapshot(info(over), t).phase).toBe(phase)
  })

  it('maps Blue to the original and Green to the replacement, reading the model’s `identifer`', () => {
    const t = target('AllowTraffic', 90)
    t.taskSetsInfo!.push({ identifer: 'ecs-svc/333', taskSetLabel: 'Purple' as never, trafficWeight: 0 })
    expect(toSnapshot(info(), t).taskSets).toEqual([
      { id: 'ecs-svc/111', role: 'original', trafficWeight: 90, status: 'PRIMARY', targetGroup: 'tg-a' },
      {
        id: 'ecs-svc/222',
        role: 'replacement',
        trafficWeight: 10,
        status: 'ACTIVE',
        desiredCount: 4,
        runningCount: 2,
        pendingCount: 1,
        targetGroup: undefined
      }
    ])
  })

  it('keeps event times and failure diagnostics, not a successful event’s empty ones', () => {
    const t = target('AfterInstall')
    t.lifecycleEvents![0]!.diagnostics = { errorCode: 'Success', message: '' }
    t.lifecycleEvents![2] = {
      lifecycleEventName: 'AfterInstall',
      status: 'Failed',
      startTime: at(20),
      endTime: at(50),
      diagnostics: { errorCode: 'ScriptFailed', message: 'hook said no', logTail: 'tail' }
    }
    const s = toSnapshot(info({ status: 'Failed' }), t)
    expect(s.events[0]).toEqual({
      name: 'BeforeInstall',
      status: 'Succeeded',
      hook: true,
      startTime: at(0),
      endTime: at(10)
    })
    expect(s.events[1]?.hook).toBeUndefined()
    expect(s.events[2]?.diagnostics).toEqual({
      errorCode: 'ScriptFailed',
      message: 'hook said no',
      logTail: 'tail'
    })
  })

  it('gives the ready wait’s end: Install’s end plus the wait, with STOP_DEPLOYMENT only', () => {
    const installEnd = at(20) // Install is the second event: 10..20 s
    const ready = toSnapshot(info({ status: 'Ready' }), target(undefined))
    expect(ready.readyWaitUntil).toEqual(new Date(installEnd.getTime() + 60 * 60_000))
    const continuing = info({
      status: 'Ready',
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 }
      }
    })
    expect(toSnapshot(continuing, target(undefined)).readyWaitUntil).toBeUndefined()
    expect(toSnapshot(info(), target('Install')).readyWaitUntil).toBeUndefined()
  })

  it('foresees the next canary or linear step from when AllowTraffic started', () => {
    const canary = { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 } as const
    const linear = { type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 1 } as const
    const shifting = (blue: number, routing?: TrafficRouting): Date | undefined =>
      toSnapshot(info(), target('AllowTraffic', blue), [], routing).nextTrafficStepAt
    expect(shifting(90, canary)).toEqual(new Date(at(60).getTime() + 5 * 60_000))
    expect(shifting(70, linear)).toEqual(new Date(at(60).getTime() + 3 * 60_000))
    expect(shifting(0, linear)).toBeUndefined()
    expect(shifting(90, { type: 'AllAtOnce' })).toBeUndefined()
    expect(shifting(90)).toBeUndefined()
  })

  it('gives the termination wait’s end: AfterAllowTraffic’s end plus the wait', () => {
    const s = toSnapshot(info({ instanceTerminationWaitTimeStarted: true }), target(undefined, 0))
    expect(s.terminationWaitUntil).toEqual(new Date(at(80).getTime() + 60 * 60_000))
    expect(toSnapshot(info(), target(undefined, 0)).terminationWaitUntil).toBeUndefined()
  })

  it.each<[string, Partial<DeploymentInfo>, ECSTarget | undefined, string | undefined]>([
    [
      'a rollback that failed',
      { status: 'Failed', creator: 'codeDeployRollback' },
      undefined,
      'it is a rollback itself'
    ],
    [
      'a failure in BeforeInstall',
      { status: 'Failed' },
      { lifecycleEvents: events('BeforeInstall', 'Failed') },
      'a rollback is not possible after BeforeInstall'
    ],
    [
      'a failure without rollback on failure',
      {
        status: 'Failed',
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] }
      },
      target('Install', 100),
      'the deployment group does not roll back on failure'
    ],
    [
      'a failure with rollback on failure',
      { status: 'Failed', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } },
      target('Install', 100),
      undefined
    ],
    [
      'a stop: whoever stopped it chose',
      { status: 'Stopped', autoRollbackConfiguration: { enabled: false } },
      target('AllowTraffic', 50),
      undefined
    ],
    ['a running deployment', { autoRollbackConfiguration: { enabled: false } }, target('Install'), undefined]
  ])('rules out a rollback only when none can come: %s', (_, over, t, why) => {
    expect(toSnapshot(info(over), t).rollbackRuledOut).toBe(why)
  })

  it('carries the error, the rollback and the deployment’s own facts', () => {
    const s = toSnapshot(
      info({
        status: 'Stopped',
        errorInformation: { code: 'ALARM_ACTIVE', message: 'Alarm my-5xx fired' },
        rollbackInfo: { rollbackDeploymentId: 'd-Y', rollbackMessage: 'Rolling back' },
        deploymentStatusMessages: ['rolled back by the alarm my-5xx'],
        deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
        applicationName: 'AppECS-prod-web',
        deploymentGroupName: 'DgpECS-prod-web',
        creator: 'user'
      })
    )
    expect(s).toMatchObject({
      id: 'd-X',
      status: 'Stopped',
      error: { code: 'ALARM_ACTIVE', message: 'Alarm my-5xx fired' },
      rollback: { deploymentId: 'd-Y', message: 'Rolling back' },
      statusMessages: ['rolled back by the alarm my-5xx'],
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      applicationName: 'AppECS-prod-web',
      deploymentGroupName: 'DgpECS-prod-web',
      creator: 'user',
      events: [],
      taskSets: [],
      stoppedTasks: []
    })
    expect(toSnapshot(info({ rollbackInfo: {} })).rollback).toBeUndefined()
  })
})

describe('createCodeDeployReader', () => {
  const cd = mockClient(CodeDeployClient)
  const ecs = mockClient(ECSClient)
  let clock = at(0)
  const warnings: string[] = []
  const deps = () => ({
    codedeploy: new CodeDeployClient({ region: 'us-east-1' }),
    ecs: new ECSClient({ region: 'us-east-1' }),
    now: () => clock,
    warn: (l: string) => warnings.push(l)
  })
  const calls = (command: unknown) => cd.commandCalls(command as never).length

  beforeEach(() => {
    cd.reset()
    ecs.reset()
    clock = at(0)
    warnings.length = 0
    cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: [TARGET_ID] })
    ecs.on(ListTasksCommand).resolves({ taskArns: [] })
  })

  const notStarted = () =>
    new DeploymentNotStartedException({ message: 'The specified deployment has not started.', $metadata: {} })

  it('does not ask for the target before the deployment starts', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info({ status: 'Created' }) })
    const s = await createCodeDeployReader(deps(), 'd-X').read()
    expect(s.phase).toBe('created')
    expect(calls(ListDeploymentTargetsCommand)).toBe(0)
  })

  it('takes DeploymentNotStartedException for "not yet", then finds the target and keeps its id', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info() })
    cd.on(ListDeploymentTargetsCommand)
      .rejectsOnce(notStarted())
      .resolves({ targetIds: [TARGET_ID] })
    cd.on(GetDeploymentTargetCommand)
      .rejectsOnce(notStarted())
      .resolves({ deploymentTarget: { deploymentTargetType: 'ECSTarget', ecsTarget: target('Install') } })
    const reader = createCodeDeployReader(deps(), 'd-X')

    const first = await reader.read()
    expect(first).toMatchObject({ phase: 'installing', events: [], taskSets: [] })
    const second = await reader.read() // GetDeploymentTarget still not started
    expect(second.events).toEqual([])
    const third = await reader.read()
    expect(third.events.map(e => e.status)).toContain('InProgress')
    await reader.read()
    expect(calls(ListDeploymentTargetsCommand)).toBe(2)
    expect(cd.commandCalls(GetDeploymentTargetCommand).map(c => c.args[0].input)).toEqual(
      Array(3).fill({ deploymentId: 'd-X', targetId: TARGET_ID })
    )
  })

  it('treats an empty target list as not yet', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info() })
    cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] })
    const s = await createCodeDeployReader(deps(), 'd-X').read()
    expect(s.events).toEqual([])
    expect(calls(GetDeploymentTargetCommand)).toBe(0)
  })

  it('passes other target errors on, for the watch to retry', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info() })
    cd.on(GetDeploymentTargetCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    )
    await expect(createCodeDeployReader(deps(), 'd-X').read()).rejects.toThrow('Rate exceeded')
  })

  it('fails loudly on an empty GetDeployment answer', async () => {
    cd.on(GetDeploymentCommand).resolves({})
    await expect(createCodeDeployReader(deps(), 'd-X').read()).rejects.toThrow('no deploymentInfo for d-X')
  })

  it('makes at most 2 calls a poll while traffic moves', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info() })
    cd.on(GetDeploymentTargetCommand).resolves({
      deploymentTarget: { ecsTarget: target('AllowTraffic', 90) }
    })
    const reader = createCodeDeployReader(deps(), 'd-X')
    await reader.read() // learns the target id
    cd.resetHistory()
    ecs.resetHistory()
    for (let i = 0; i < 5; i++) await reader.read()
    expect(cd.calls().length + ecs.calls().length).toBe(10)
  })

  describe.each([
    ['real CodeDeploy: the target turns Succeeded, the flag stays false', {}, { status: 'Succeeded' }],
    ['the flag set, as the model promises', { instanceTerminationWaitTimeStarted: true }, {}]
  ] as [string, Partial<DeploymentInfo>, Partial<ECSTarget>][])(
    'the termination wait, %s',
    (_, flag, done) => {
      it('reads only GetDeployment in it, then the target once at the end', async () => {
        cd.on(GetDeploymentCommand)
          .resolvesOnce({ deploymentInfo: info() })
          .resolvesOnce({ deploymentInfo: info(flag) })
          .resolvesOnce({ deploymentInfo: info(flag) })
          .resolvesOnce({ deploymentInfo: info(flag) })
          .resolves({ deploymentInfo: info({ status: 'Succeeded', completeTime: at(3700) }) })
        cd.on(GetDeploymentTargetCommand)
          .resolvesOnce({ deploymentTarget: { ecsTarget: target('AfterAllowTraffic', 0) } })
          .resolvesOnce({ deploymentTarget: { ecsTarget: target(undefined, 0, done) } })
          .resolves({ deploymentTarget: { ecsTarget: target(undefined, 0, { taskSetsInfo: [] }) } })
        const reader = createCodeDeployReader(deps(), 'd-X')
        expect((await reader.read()).phase).toBe('shifting')
        const wait = await reader.read()
        expect(wait.phase).toBe('termination-wait')
        expect(wait.terminationWaitUntil).toEqual(new Date(at(80).getTime() + 3_600_000))
        expect(wait.taskSets).toHaveLength(2)
        await reader.read()
        await reader.read()
        expect(calls(GetDeploymentTargetCommand)).toBe(2)
        const done2 = await reader.read()
        expect(done2.phase).toBe('succeeded')
        expect(done2.taskSets).toEqual([])
        await reader.read()
        expect(calls(GetDeploymentTargetCommand)).toBe(3)
        expect(calls(GetDeploymentCommand)).toBe(6)
      })
    }
  )

  it('reads the target once while Ready: it does not change until the reroute', async () => {
    cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info({ status: 'Ready' }) })
    cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: target(undefined) } })
    const reader = createCodeDeployReader(deps(), 'd-X')
    for (let i = 0; i < 4; i++) await reader.read()
    expect(calls(GetDeploymentTargetCommand)).toBe(1)
  })

  describe('stopped replacement tasks', () => {
    const stoppedTask = (id: string, over: Partial<Task> = {}): Task => ({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`,
      startedBy: 'ecs-svc/222',
      taskDefinitionArn: NEW_TD,
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      stoppedAt: at(30),
      containers: [{ name: 'web', exitCode: 1, reason: 'boom' }],
      ...over
    })
    /** ECS lists these stopped tasks and describes them. */
    const ecsStops = (...tasks: Task[]): void => {
      ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map(t => t.taskArn!) })
      ecs.on(DescribeTasksCommand).resolves({ tasks })
    }

    beforeEach(() => {
      cd.on(GetDeploymentCommand).resolves({ deploymentInfo: info() })
      cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: target('Install') } })
    })

    it('reports each once, only the replacement’s, looking at most every 15 s', async () => {
      const arn = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: [arn('t1'), arn('old'), arn('before')] })
        .resolves({ taskArns: [arn('t2'), arn('t1'), arn('old'), arn('before')] })
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce({
          tasks: [
            stoppedTask('t1'),
            stoppedTask('old', { startedBy: 'ecs-svc/111', taskDefinitionArn: 'web:7' }),
            stoppedTask('before', { stoppedAt: new Date(T0.getTime() - 60_000) })
          ]
        })
        .resolves({ tasks: [stoppedTask('t2', { startedBy: 'ecs-svc/other' })] })
      const reader = createCodeDeployReader(deps(), 'd-X', { taskDefinitionArn: NEW_TD })

      const first = await reader.read()
      expect(first.stoppedTasks).toEqual([
        {
          taskArn: arn('t1'),
          stoppedReason: 'Essential container in task exited',
          stopCode: 'EssentialContainerExited',
          stoppedAt: at(30),
          containers: [{ name: 'web', exitCode: 1, reason: 'boom' }]
        }
      ])
      expect(ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toEqual({
        cluster: 'prod',
        serviceName: 'web',
        desiredStatus: 'STOPPED'
      })

      clock = at(10)
      await reader.read()
      expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(1)

      clock = at(15)
      const later = await reader.read()
      expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(2)
      // Only the task not seen before is described; t2 matches by revision, not by task set.
      expect(ecs.commandCalls(DescribeTasksCommand)[1]!.args[0].input.tasks).toEqual([arn('t2')])
      expect(later.stoppedTasks.map(t => t.taskArn)).toEqual([arn('t1'), arn('t2')])
    })

    it('pages through every ListTasks page: its order is not promised', async () => {
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: ['p1'], nextToken: 'page-2' })
        .resolvesOnce({ taskArns: ['p2'] })
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [stoppedTask('p1', { taskArn: 'p1' }), stoppedTask('p2', { taskArn: 'p2' })]
      })
      const s = await createCodeDeployReader(deps(), 'd-X', { taskDefinitionArn: NEW_TD }).read()
      // The paginator reuses one input object, so only the last call's token can be checked.
      const lists = ecs.commandCalls(ListTasksCommand)
      expect(lists).toHaveLength(2)
      expect(lists[1]!.args[0].input.nextToken).toBe('page-2')
      expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input.tasks).toEqual(['p1', 'p2'])
      expect(s.stoppedTasks.map(t => t.taskArn)).toEqual(['p1', 'p2'])
    })

    it('describes at most 100 tasks a call', async () => {
      const arns = Array.from({ length: 150 }, (_, i) => `t${i}`)
      ecs.on(ListTasksCommand).resolves({ taskArns: arns })
      ecs.on(DescribeTasksCommand).resolves({ tasks: [] })
      await createCodeDeployReader(deps(), 'd-X', { taskDefinitionArn: NEW_TD }).read()
      expect(ecs.commandCalls(DescribeTasksCommand).map(c => c.args[0].input.tasks?.length)).toEqual([
        100, 50
      ])
    })

    it('leaves out the original task set’s tasks when both run the same revision', async () => {
      ecsStops(
        stoppedTask('green', { taskArn: 'green' }),
        stoppedTask('blue', { taskArn: 'blue', startedBy: 'ecs-svc/111' })
      )
      const s = await createCodeDeployReader(deps(), 'd-X', { taskDefinitionArn: NEW_TD }).read()
      expect(s.stoppedTasks.map(t => t.taskArn)).toEqual(['green'])
    })

    it('leaves out replacement tasks that ECS scaled in: they did not fail', async () => {
      ecsStops(
        stoppedTask('crashed', { taskArn: 'crashed' }),
        stoppedTask('scaled-in', {
          taskArn: 'scaled-in',
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)'
        })
      )
      const s = await createCodeDeployReader(deps(), 'd-X', { taskDefinitionArn: NEW_TD }).read()
      expect(s.stoppedTasks.map(t => t.taskArn)).toEqual(['crashed'])
    })

    it('matches by the Green task set without a revision, and uses the cluster given', async () => {
      ecsStops(
        stoppedTask('a1', { taskArn: 'a1' }),
        stoppedTask('a2', { taskArn: 'a2', startedBy: 'ecs-svc/111' })
      )
      const cluster = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod'
      const s = await createCodeDeployReader(deps(), 'd-X', { cluster }).read()
      expect(s.stoppedTasks.map(t => t.taskArn)).toEqual(['a1'])
      expect(ecs.commandCalls(ListTasksCommand)[0]!.args[0].input.cluster).toBe(cluster)
    })

    it('does not look before it can tell the replacement’s tasks apart', async () => {
      cd.on(GetDeploymentTargetCommand).resolves({
        deploymentTarget: { ecsTarget: target('Install', 100, { taskSetsInfo: [] }) }
      })
      await createCodeDeployReader(deps(), 'd-X').read()
      expect(ecs.calls()).toHaveLength(0)
    })

    it('does not look outside Install, nor without an ECS client', async () => {
      cd.on(GetDeploymentTargetCommand).resolves({
        deploymentTarget: { ecsTarget: target('AllowTraffic', 90) }
      })
      await createCodeDeployReader(deps(), 'd-X').read()
      cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: target('Install') } })
      await createCodeDeployReader({ ...deps(), ecs: undefined }, 'd-X').read()
      expect(ecs.calls()).toHaveLength(0)
    })

    it('looks once more when Install failed, whatever the 15 s', async () => {
      cd.on(GetDeploymentCommand)
        .resolvesOnce({ deploymentInfo: info() })
        .resolves({ deploymentInfo: info({ status: 'Failed' }) })
      cd.on(GetDeploymentTargetCommand)
        .resolvesOnce({ deploymentTarget: { ecsTarget: target('Install') } })
        .resolves({
          deploymentTarget: {
            ecsTarget: { ...target('Install'), lifecycleEvents: events('Install', 'Failed') }
          }
        })
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: [] })
        .resolves({ taskArns: ['late'] })
      ecs.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask('late', { taskArn: 'late' })] })
      const reader = createCodeDeployReader(deps(), 'd-X')
      await reader.read()
      clock = at(2)
      const failed = await reader.read()
      expect(failed.stoppedTasks.map(t => t.taskArn)).toEqual(['late'])
      await reader.read()
      expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(2)
    })

    it('warns once and goes on when ECS refuses; stops asking on AccessDenied', async () => {
      ecs
        .on(ListTasksCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
      const reader = createCodeDeployReader(deps(), 'd-X')
      const s = await reader.read()
      expect(s.phase).toBe('installing')
      clock = at(60)
      await reader.read()
      expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(1)
      expect(warnings).toEqual([expect.stringContaining('AccessDeniedException: not authorized')])
      expect(warnings[0]).toContain('ecs:ListTasks and ecs:DescribeTasks')
    })

    it('tries again later after a passing ECS error, warning once', async () => {
      ecs
        .on(ListTasksCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      const reader = createCodeDeployReader(deps(), 'd-X')
      await reader.read()
      clock = at(20)
      await reader.read()
      expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(2)
      expect(warnings).toHaveLength(1)
    })
  })
})
