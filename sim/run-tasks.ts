// One-off tasks: RunTask and StopTask, and the CloudWatch Logs stream (GetLogEvents) that the
// awslogs driver fills for each of their containers. A task's life is a timeline fixed when it is
// run (PROVISIONING, PENDING, RUNNING, DEPROVISIONING, STOPPED), read at the request's simulated
// time, with the exit code, stopped reason and log lines of the scenario's `runTask`. The tasks
// are records of state.tasks, so DescribeTasks and ListTasks (sim/ecs.ts) answer for them as for
// a service's. Requests have passed model validation (sim/wire.ts) already.
import type { Ctx } from './codedeploy.js'
import { taskJson } from './ecs.js'
import type { SimState, TaskRecord } from './state.js'
import { AwsError } from './wire.js'

/** What a one-off task does, for every task RunTask starts in the scenario. */
export interface OneOffTaskSpec {
  /** Seconds in PROVISIONING, then in PENDING, then RUNNING. Defaults 5, 10, 20. */
  provisioningSeconds?: number
  pendingSeconds?: number
  runSeconds?: number
  /** Every container's exit code when the task ends on its own. Default 0. */
  exitCode?: number
  /** Default ECS's for an essential container that exited: 'Essential container in task exited'. */
  stoppedReason?: string
  /** The task stops in PENDING, before any container ran (an image that cannot be pulled, a secret that cannot be read). */
  neverStarts?: { stoppedReason: string; stopCode?: string; containerReason?: string }
  /** RunTask places no task and answers these failures (no capacity, a missing attribute). */
  failures?: { reason: string; detail?: string }[]
  /** Log lines, `at` seconds after the containers start; in the first container unless one is named. */
  logs?: { at: number; message: string; container?: string }[]
  /** GetLogEvents answers AccessDeniedException, as for a role without logs:GetLogEvents. */
  logsAccessDenied?: boolean
}

/** ECS takes this long from DEPROVISIONING to STOPPED (the ENI detaches). */
const DEPROVISIONING_SECONDS = 2
/** A container stopped by StopTask exits on SIGTERM. */
const SIGTERM_EXIT = 143

interface OneOff {
  task: TaskRecord
  spec: OneOffTaskSpec
  runAt: number
  startAt: number
  /** Ends by itself, or when StopTask asked. */
  end: { at: number; reason: string; stopCode: string; exitCode?: number; containerReason?: string }
  /** The awslogs options of each container, by name. */
  logStreams: Map<string, { group: string; stream: string }>
}

const registry = new WeakMap<SimState, OneOff[]>()

function oneOffs(state: SimState): OneOff[] {
  let list = registry.get(state)
  if (!list) registry.set(state, (list = []))
  return list
}

/** Sets each one-off task's record to where its timeline stands at `now`. */
function advance(state: SimState, now: number): void {
  for (const o of oneOffs(state)) {
    const { task, end } = o
    const started = now >= o.startAt && o.startAt < end.at
    task.lastStatus =
      now >= end.at + DEPROVISIONING_SECONDS
        ? 'STOPPED'
        : now >= end.at
          ? 'DEPROVISIONING'
          : started
            ? 'RUNNING'
            : now >= o.runAt + (o.spec.provisioningSeconds ?? 5)
              ? 'PENDING'
              : 'PROVISIONING'
    if (started) task.startedAt = o.startAt
    if (now < end.at) continue
    task.desiredStatus = 'STOPPED'
    task.stoppingAt = end.at
    task.stoppedReason = end.reason
    task.stopCode = end.stopCode
    if (task.lastStatus === 'STOPPED') task.stoppedAt = end.at + DEPROVISIONING_SECONDS
    for (const c of task.containers) {
      c.lastStatus = 'STOPPED'
      if (end.exitCode !== undefined) c.exitCode = end.exitCode
      if (end.containerReason !== undefined) c.reason = end.containerReason
    }
  }
}

function awslogsStreams(
  containers: Record<string, any>[],
  taskId: string
): Map<string, { group: string; stream: string }> {
  const streams = new Map<string, { group: string; stream: string }>()
  for (const c of containers) {
    const log = c.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined
    const group = log?.options?.['awslogs-group']
    const prefix = log?.options?.['awslogs-stream-prefix']
    if (log?.logDriver === 'awslogs' && group && prefix)
      streams.set(String(c.name), { group, stream: `${prefix}/${String(c.name)}/${taskId}` })
  }
  return streams
}

function runTask(b: Record<string, any>, { state, now }: Ctx): unknown {
  if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
  const td = state.findTaskDefinition(b.taskDefinition)
  if (!td) throw new AwsError('ClientException', 'TaskDefinition not found.')
  if (td.status !== 'ACTIVE') throw new AwsError('ClientException', 'TaskDefinition is inactive')
  if (b.launchType !== undefined && b.capacityProviderStrategy !== undefined)
    throw new AwsError(
      'InvalidParameterException',
      'Specifying both a launch type and capacity provider strategy is not supported.'
    )
  if (td.body.networkMode === 'awsvpc' && !b.networkConfiguration?.awsvpcConfiguration?.subnets?.length)
    throw new AwsError(
      'InvalidParameterException',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    )
  const containers = (td.body.containerDefinitions ?? []) as Record<string, any>[]
  for (const o of (b.overrides?.containerOverrides ?? []) as { name?: string }[]) {
    if (!containers.some(c => c.name === o.name))
      throw new AwsError(
        'InvalidParameterException',
        `Override for container named ${o.name ?? ''} is not a container in the TaskDefinition.`
      )
  }
  const spec = state.scenario.runTask ?? {}
  const cluster = String(b.cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
  const clusterArn = `arn:aws:ecs:${state.region}:${state.account}:cluster/${cluster}`
  if (spec.failures?.length)
    return { tasks: [], failures: spec.failures.map(f => ({ arn: clusterArn, ...f })) }

  const taskId = state.rng.chars(32, '0123456789abcdef')
  const task: TaskRecord = {
    taskArn: `arn:aws:ecs:${state.region}:${state.account}:task/${cluster}/${taskId}`,
    clusterArn,
    serviceName: '',
    group: b.group ?? `family:${td.family}`,
    startedBy: b.startedBy ?? '',
    taskDefinitionArn: td.arn,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    createdAt: now,
    ...(b.launchType ? { launchType: b.launchType } : {}),
    containers: containers.map(c => ({ name: String(c.name), image: String(c.image), lastStatus: 'PENDING' }))
  }
  const startAt = now + (spec.provisioningSeconds ?? 5) + (spec.pendingSeconds ?? 10)
  const never = spec.neverStarts
  const oneOff: OneOff = {
    task,
    spec,
    runAt: now,
    startAt,
    end: never
      ? {
          at: startAt,
          reason: never.stoppedReason,
          stopCode: never.stopCode ?? 'TaskFailedToStart',
          ...(never.containerReason !== undefined ? { containerReason: never.containerReason } : {})
        }
      : {
          at: startAt + (spec.runSeconds ?? 20),
          reason: spec.stoppedReason ?? 'Essential container in task exited',
          stopCode: 'EssentialContainerExited',
          exitCode: spec.exitCode ?? 0
        },
    logStreams: awslogsStreams(containers, taskId)
  }
  state.tasks.push(task)
  oneOffs(state).push(oneOff)
  advance(state, now)
  return { tasks: [taskJson(task)], failures: [] }
}

function stopTask(b: Record<string, any>, { state, now }: Ctx): unknown {
  if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
  const ref = String(b.task)
  const o = oneOffs(state).find(x => x.task.taskArn === ref || x.task.taskArn.endsWith(`/${ref}`))
  if (!o) throw new AwsError('InvalidParameterException', 'The referenced task was not found.')
  if (now < o.end.at) {
    const running = now >= o.startAt
    o.end = {
      at: now,
      reason: b.reason ?? 'Task stopped by user',
      stopCode: 'UserInitiated',
      ...(running ? { exitCode: SIGTERM_EXIT } : {})
    }
  }
  advance(state, now)
  return { task: taskJson(o.task) }
}

function getLogEvents(b: Record<string, any>, { state, now }: Ctx): unknown {
  advance(state, now)
  const spec = state.scenario.runTask ?? {}
  const group = String(b.logGroupName ?? b.logGroupIdentifier ?? '')
  const streamName = String(b.logStreamName)
  if (spec.logsAccessDenied)
    throw new AwsError(
      'AccessDeniedException',
      `User: arn:aws:sts::${state.account}:assumed-role/github-deploy/run is not authorized to perform: logs:GetLogEvents on resource: arn:aws:logs:${state.region}:${state.account}:log-group:${group}:log-stream:${streamName} because no identity-based policy allows the logs:GetLogEvents action`
    )
  const found = oneOffs(state).flatMap(o =>
    [...o.logStreams].flatMap(([container, s]) =>
      s.group === group && s.stream === streamName ? [{ o, container }] : []
    )
  )
  const match = found[0]
  // The awslogs driver creates the stream when the container starts.
  if (!match || now < match.o.startAt || match.o.end.at <= match.o.startAt)
    throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.')
  const first = match.o.task.containers[0]?.name
  const events = (spec.logs ?? [])
    .filter(l => (l.container ?? first) === match.container)
    .map(l => ({ timestamp: Math.round((match.o.startAt + l.at) * 1000), message: l.message }))
    .filter(e => e.timestamp <= Math.min(now, match.o.end.at) * 1000)
  const limit = Math.min(Number(b.limit ?? 10_000), 10_000)
  let from: number
  if (b.nextToken !== undefined) {
    const m = /^f\/(\d+)$/.exec(String(b.nextToken))
    if (!m) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.')
    from = Number(m[1])
  } else {
    from = b.startFromHead ? 0 : Math.max(0, events.length - limit)
  }
  const page = events.slice(from, from + limit)
  const ingested = Math.round(now * 1000)
  return {
    events: page.map(e => ({ ...e, ingestionTime: ingested })),
    nextForwardToken: `f/${from + page.length}`,
    nextBackwardToken: `b/${from}`
  }
}

/** The ECS handlers with RunTask and StopTask added, each request seeing the one-off tasks where their timelines stand. */
export function withRunTasks(
  handlers: Record<string, (b: any, ctx: Ctx) => unknown>
): Record<string, (b: any, ctx: Ctx) => unknown> {
  const wrapped: Record<string, (b: any, ctx: Ctx) => unknown> = {}
  for (const [name, handler] of Object.entries(handlers)) {
    wrapped[name] = (b, ctx) => {
      advance(ctx.state, ctx.now)
      return handler(b, ctx)
    }
  }
  return { ...wrapped, RunTask: runTask, StopTask: stopTask }
}

export const logsHandlers: Record<string, (b: any, ctx: Ctx) => unknown> = { GetLogEvents: getLogEvents }
