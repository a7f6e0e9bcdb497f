// ECS's own deployments (deployment controller ECS): a DescribeServiceDeployments answer as the
// backend-neutral DeploymentSnapshot. ECS reports where a deployment is (its lifecycle stage), not when
// each stage began or ended, so the reader keeps those times as it sees them.
import type {
  DeploymentLifecycleHookDetail,
  ServiceDeployment,
  ServiceRevisionSummary
} from '@aws-sdk/client-ecs'
import type { DeploymentSnapshot, Hook, LifecycleEvent, Phase, TaskSet } from '../../watch/snapshot.js'

/** The stages of a blue/green, linear or canary deployment, in the order they run. */
export const STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP'
] as const
export type Stage = (typeof STAGES)[number]

/** Stages whose lifecycle hooks (Lambda functions) the user configures. */
const HOOK_STAGES: readonly string[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT'
]

export const RUNNING_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS'
] as const

/** Stopped or failed, the rollback still under way. */
export const ROLLING_BACK: readonly string[] = [
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS'
]

/** A service deployment's end: success, or a stop or rollback that is over. */
export const ENDED: readonly string[] = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']

/**
 * Stages where a waiting PAUSE hook means the replacement serves test traffic and production
 * traffic waits: the hook at POST_TEST_TRAFFIC_SHIFT, and the one at PRE_PRODUCTION_TRAFFIC_SHIFT,
 * which is a hook stage only. While such a hook waits, ECS is taken to report the stage it
 * paused after (POST_TEST_TRAFFIC_SHIFT) or, between linear and canary steps, PRODUCTION_TRAFFIC_SHIFT:
 * the API names no stage of its own for the pause (docs/aws-behaviour.md).
 */
// Inferred (docs/aws-behaviour.md 27): the stage a waiting PAUSE hook shows.
const GATE_STAGES: readonly string[] = ['POST_TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']

/** When the reader saw each stage begin and end: the API gives the current stage only. */
export interface StageTimes {
  readonly started: Readonly<Record<string, Date>>
  readonly ended: Readonly<Record<string, Date>>
  /** The furthest stage seen before a rollback began; a rollback runs stages again (docs/aws-behaviour.md 28). */
  readonly furthest?: number
  /** The stage that was running when the deployment turned to stop or roll back. */
  readonly interrupted?: number
  /** The first stage of this deployment: RECONCILE_SERVICE runs only when the service needs it. */
  readonly first?: number
  /** When the production shift began: linear and canary steps count from it. */
  readonly shiftStarted?: Date
  /** When the bake time began. */
  readonly bakeStarted?: Date
  /** Each hook as first seen: the stage it belongs to is the one the deployment was in then. */
  readonly hookStages: Readonly<Record<string, string>>
}

export const NO_STAGES: StageTimes = { started: {}, ended: {}, hookStages: {} }

const stageIndex = (stage: string | undefined): number =>
  stage === undefined ? -1 : STAGES.indexOf(stage as Stage)

/**
 * Pure: the stage times after one more read at `now`. Stages passed between two reads begin and end
 * at the read that first saw them passed, so they still get their lines (without a duration).
 */
export function observeStages(times: StageTimes, d: ServiceDeployment, now: Date): StageTimes {
  const started = { ...times.started }
  const ended = { ...times.ended }
  const hookStages = { ...times.hookStages }
  for (const h of d.lifecycleHookDetails ?? []) {
    if (h.hookId && !(h.hookId in hookStages) && d.lifecycleStage) hookStages[h.hookId] = d.lifecycleStage
  }
  const status = d.status ?? ''
  const rollingBack = ROLLING_BACK.includes(status) || status.startsWith('ROLLBACK') || status === 'STOPPED'
  let { furthest, interrupted, first, shiftStarted, bakeStarted } = times
  const at = stageIndex(d.lifecycleStage)
  if (rollingBack) {
    interrupted ??= furthest
    return { ...times, interrupted, hookStages }
  }
  if (status === 'SUCCESSFUL' && (d.deploymentConfiguration?.strategy ?? 'ROLLING') === 'ROLLING') {
    // Inferred (docs/aws-behaviour.md 28): a rolling update reports stages only where it runs hooks: its end ends those, no others.
    for (const name of Object.keys(started)) ended[name] ??= now
    return { ...times, started, ended, hookStages }
  }
  // A SUCCESSFUL deployment has passed every stage, whatever stage it last reported.
  const position = status === 'SUCCESSFUL' ? STAGES.length : at
  if (position >= 0) {
    first ??= at === stageIndex('RECONCILE_SERVICE') ? at : stageIndex('PRE_SCALE_UP')
    for (let i = first; i < Math.min(position, STAGES.length); i++) {
      const name = STAGES[i]!
      started[name] ??= now
      ended[name] ??= now
    }
    if (position < STAGES.length) started[STAGES[position]!] ??= now
    furthest = Math.max(furthest ?? -1, Math.min(position, STAGES.length - 1))
  }
  if (d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT') shiftStarted ??= now
  if (d.lifecycleStage === 'BAKE_TIME') bakeStarted ??= now
  return { started, ended, furthest, interrupted, first, shiftStarted, bakeStarted, hookStages }
}

function phaseOf(d: ServiceDeployment, hooks: readonly Hook[]): Phase {
  switch (d.status) {
    case 'PENDING':
      return 'created'
    case 'SUCCESSFUL':
      return 'succeeded'
    case 'STOPPED':
      return 'stopped'
    case 'ROLLBACK_SUCCESSFUL':
    case 'ROLLBACK_FAILED':
      return 'failed'
  }
  if (ROLLING_BACK.includes(d.status ?? '')) return 'rolling-back'
  const stage = d.lifecycleStage
  const gate = hooks.some(h => h.kind === 'pause' && h.status === 'AWAITING_ACTION')
  if (gate && stage && GATE_STAGES.includes(stage)) return 'ready'
  const at = stageIndex(stage)
  if (at >= stageIndex('BAKE_TIME')) return 'termination-wait'
  if (at >= stageIndex('PRODUCTION_TRAFFIC_SHIFT')) return 'shifting'
  return 'installing'
}

/**
 * The stage a hook belongs to, when the deployment's configuration leaves no doubt: its function (or
 * PAUSE) configured at one stage only. Otherwise the stage the reader saw it first in stands in.
 */
function configuredStage(d: ServiceDeployment, h: DeploymentLifecycleHookDetail): string | undefined {
  const stages = (d.deploymentConfiguration?.lifecycleHooks ?? [])
    .filter(
      c => c.targetType === h.targetType && (h.targetType === 'PAUSE' || c.hookTargetArn === h.targetArn)
    )
    .flatMap(c => c.lifecycleStages ?? [])
  return stages.length === 1 ? stages[0] : undefined
}

function toHook(h: DeploymentLifecycleHookDetail, stage: string | undefined): Hook {
  const hook: Hook = {
    id: h.hookId ?? '',
    kind: h.targetType === 'PAUSE' ? 'pause' : 'lambda',
    status: h.status ?? 'UNKNOWN'
  }
  if (stage) hook.stage = stage
  if (h.targetArn) hook.target = h.targetArn
  if (h.expiresAt) hook.expiresAt = h.expiresAt
  if (h.timeoutAction) hook.timeoutAction = h.timeoutAction
  return hook
}

function toTaskSet(r: ServiceRevisionSummary, role: TaskSet['role']): TaskSet {
  return {
    id: r.arn ?? '',
    role,
    trafficWeight: r.requestedProductionTrafficWeight ?? 0,
    desiredCount: r.requestedTaskCount,
    runningCount: r.runningTaskCount,
    pendingCount: r.pendingTaskCount
  }
}

/** The stages as lifecycle events: passed ones Succeeded, the current one InProgress, the rest Pending. */
function toEvents(d: ServiceDeployment, times: StageTimes, rolling: boolean): LifecycleEvent[] {
  const hooked = new Set(
    (d.deploymentConfiguration?.lifecycleHooks ?? [])
      .filter(h => h.targetType !== 'PAUSE')
      .flatMap(h => h.lifecycleStages ?? [])
  )
  const first = times.first ?? stageIndex('PRE_SCALE_UP')
  const failed = d.status === 'ROLLBACK_SUCCESSFUL' || d.status === 'ROLLBACK_FAILED'
  // A rolling update reports stages only where it runs hooks (entry 28 above): only the stages seen are listed.
  const stages = STAGES.slice(first).filter(name => !rolling || name in times.started)
  return stages.map(name => {
    const i = stageIndex(name)
    const ev: LifecycleEvent = { name, status: 'Pending' }
    const start = times.started[name]
    const end = times.ended[name]
    if (start) ev.startTime = start
    if (end) {
      ev.endTime = end
      ev.status = 'Succeeded'
      // Only a stage passed between two reads begins and ends at the same read.
      if (start?.getTime() === end.getTime()) ev.unobserved = true
    } else if (start) {
      ev.status = 'InProgress'
    }
    if (times.interrupted === i && !end) ev.status = failed ? 'Failed' : 'Stopped'
    if (HOOK_STAGES.includes(name) && hooked.has(name as never)) ev.hook = true
    return ev
  })
}

// Inferred (docs/aws-behaviour.md 29): when the first step is taken is not documented.
/** The next linear or canary step: one step bake time after each step, counted from the shift's start. */
function nextTrafficStep(
  d: ServiceDeployment,
  target: TaskSet | undefined,
  times: StageTimes
): Date | undefined {
  const c = d.deploymentConfiguration
  const weight = target?.trafficWeight ?? 0
  if (d.lifecycleStage !== 'PRODUCTION_TRAFFIC_SHIFT' || !times.shiftStarted || weight >= 100)
    return undefined
  const start = times.shiftStarted.getTime()
  if (c?.strategy === 'CANARY') {
    return new Date(start + (c.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60_000)
  }
  if (c?.strategy === 'LINEAR') {
    const step = c.linearConfiguration?.stepPercent ?? 10
    const steps = Math.max(1, Math.round(weight / step))
    return new Date(start + steps * (c.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60_000)
  }
  return undefined
}

/** Pure: one service deployment, as the reader has watched it so far, as a snapshot. */
export function toSnapshot(d: ServiceDeployment, times: StageTimes = NO_STAGES): DeploymentSnapshot {
  const hooks = (d.lifecycleHookDetails ?? []).map(h =>
    toHook(h, configuredStage(d, h) ?? times.hookStages[h.hookId ?? ''])
  )
  const phase = phaseOf(d, hooks)
  const rolling = (d.deploymentConfiguration?.strategy ?? 'ROLLING') === 'ROLLING'
  const target = d.targetServiceRevision ? toTaskSet(d.targetServiceRevision, 'replacement') : undefined
  const taskSets = [
    ...(d.sourceServiceRevisions ?? []).map(r => toTaskSet(r, 'original')),
    ...(target ? [target] : [])
  ]
  const snap: DeploymentSnapshot = {
    id: d.serviceDeploymentArn ?? '',
    status: d.status ?? 'UNKNOWN',
    phase,
    events: times.furthest === undefined ? [] : toEvents(d, times, rolling),
    taskSets,
    statusMessages: d.statusReason ? [d.statusReason] : [],
    stoppedTasks: [],
    hooks,
    revisions: true
  }
  if (rolling) snap.rolling = true
  if (d.createdAt) snap.createTime = d.createdAt
  if (d.startedAt) snap.startTime = d.startedAt
  const end = d.finishedAt ?? d.stoppedAt
  if (end && (phase === 'succeeded' || phase === 'failed' || phase === 'stopped')) snap.completeTime = end
  const gate = hooks.find(h => h.kind === 'pause' && h.status === 'AWAITING_ACTION')
  if (phase === 'ready' && gate?.expiresAt) snap.readyWaitUntil = gate.expiresAt
  if (phase === 'shifting') snap.nextTrafficStepAt = nextTrafficStep(d, target, times)
  const bake = d.deploymentConfiguration?.bakeTimeInMinutes
  if (d.lifecycleStage === 'BAKE_TIME' && times.bakeStarted && bake !== undefined) {
    snap.terminationWaitUntil = new Date(times.bakeStarted.getTime() + bake * 60_000)
  }
  if ((phase === 'failed' || phase === 'stopped') && d.statusReason) snap.error = { message: d.statusReason }
  // ECS rolls back inside the deployment itself: its end is the rollback's end, with no other id to wait for.
  if (phase === 'failed' || phase === 'stopped')
    snap.rollbackRuledOut = 'ECS rolls back within the same service deployment'
  if (d.rollback) {
    snap.rollback = {}
    if (d.rollback.reason) snap.rollback.message = d.rollback.reason
    if (d.rollback.serviceRevisionArn) snap.rollback.revision = d.rollback.serviceRevisionArn
    if (d.rollback.startedAt) snap.rollback.startedAt = d.rollback.startedAt
  }
  if (d.status === 'ROLLBACK_SUCCESSFUL' || d.status === 'ROLLBACK_FAILED') {
    snap.rollback = { ...snap.rollback, outcome: d.status === 'ROLLBACK_SUCCESSFUL' ? 'succeeded' : 'failed' }
  }
  const cb = d.deploymentCircuitBreaker
  if (cb && cb.status !== 'DISABLED') {
    snap.circuitBreaker = { failureCount: cb.failureCount ?? 0 }
    if (cb.status) snap.circuitBreaker.status = cb.status
    if (cb.threshold !== undefined) snap.circuitBreaker.threshold = cb.threshold
  }
  const alarms = d.alarms
  if (alarms && alarms.status !== 'DISABLED' && (alarms.alarmNames?.length ?? 0) > 0) {
    snap.alarms = { watched: alarms.alarmNames ?? [], triggered: alarms.triggeredAlarmNames ?? [] }
    if (alarms.status) snap.alarms.status = alarms.status
  }
  return snap
}
