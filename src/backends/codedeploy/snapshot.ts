// The CodeDeploy backend: reads a deployment and fills the backend-neutral DeploymentSnapshot.
// Nothing downstream of this file sees a CodeDeploy shape.
import {
  GetDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type ECSTarget
} from '@aws-sdk/client-codedeploy'
import type { ECSClient, Task } from '@aws-sdk/client-ecs'
import { StoppedTaskFinder } from '../stopped-tasks.js'
import type { Io } from '../../runtime/io.js'
import type { DeploymentReader } from '../../watch/deployment-watch.js'
import { isHookEvent } from './lifecycle-events.js'
import { TargetReader, inTerminationWait } from './target.js'
import { awsErrorKind, awsErrorName, errorMessage } from '../../runtime/errors.js'
import type {
  DeploymentSnapshot,
  LifecycleEvent,
  Phase,
  StoppedTask,
  TaskSet,
  TrafficRouting
} from '../../watch/snapshot.js'

/** Stopped tasks are looked for at most this often: they matter, but not enough for two ECS calls a poll. */
export const STOPPED_TASKS_EVERY_MS = 15_000

const MINUTE = 60_000

export interface CodeDeployReaderDeps {
  codedeploy: CodeDeployClient
  /** Without it, stopped replacement tasks are not reported. */
  ecs?: ECSClient
  now: () => Date
  /** Told once when stopped-task diagnostics cannot be read (e.g. no ecs:ListTasks permission). */
  warn?: (line: string) => void
}

export interface CodeDeployReaderOptions {
  /** The cluster as ECS calls accept it (name or ARN); by default the one in the target id `<cluster>:<service>`. */
  cluster?: string
  /** The revision being deployed: stopped tasks of this revision count as the replacement's. */
  taskDefinitionArn?: string
  /** The deployment configuration's traffic steps: when the next one is due. */
  trafficRouting?: TrafficRouting
}

function phaseOf(info: DeploymentInfo, target: ECSTarget | undefined, events: LifecycleEvent[]): Phase {
  switch (info.status) {
    case 'Created':
    case 'Queued':
      return 'created'
    case 'Ready':
      return 'ready'
    case 'Succeeded':
      return 'succeeded'
    case 'Failed':
      return 'failed'
    case 'Stopped':
      return 'stopped'
  }
  // InProgress, and Baking or anything new: not terminal, placed by its lifecycle events.
  if (inTerminationWait(info, target)) return 'termination-wait'
  const status = (name: string): string | undefined => events.find(e => e.name === name)?.status
  const after = status('AfterAllowTraffic')
  if (after === 'Succeeded' || after === 'Skipped') return 'traffic-shifted'
  const allow = status('AllowTraffic')
  if (allow === 'InProgress' || allow === 'Succeeded') return 'shifting'
  return 'installing'
}

function toEvents(target: ECSTarget | undefined): LifecycleEvent[] {
  return (target?.lifecycleEvents ?? []).map(e => {
    const name = e.lifecycleEventName ?? 'Unknown'
    const ev: LifecycleEvent = { name, status: e.status ?? 'Unknown' }
    if (isHookEvent(name)) ev.hook = true
    if (e.startTime) ev.startTime = e.startTime
    if (e.endTime) ev.endTime = e.endTime
    const d = e.diagnostics
    if (d && (d.message || d.logTail || (d.errorCode && d.errorCode !== 'Success'))) {
      ev.diagnostics = { errorCode: d.errorCode, message: d.message, logTail: d.logTail }
    }
    return ev
  })
}

function toTaskSets(target: ECSTarget | undefined): TaskSet[] {
  const sets: TaskSet[] = []
  for (const t of target?.taskSetsInfo ?? []) {
    // Labels other than Blue/Green would be a new kind of task set; better left out than misfiled.
    const role =
      t.taskSetLabel === 'Blue' ? 'original' : t.taskSetLabel === 'Green' ? 'replacement' : undefined
    if (!role) continue
    sets.push({
      id: t.identifer ?? '', // sic: the model spells it `identifer`
      role,
      trafficWeight: t.trafficWeight ?? 0,
      status: t.status,
      desiredCount: t.desiredCount,
      runningCount: t.runningCount,
      pendingCount: t.pendingCount,
      targetGroup: t.targetGroup?.name
    })
  }
  return sets
}

const endOf = (events: LifecycleEvent[], name: string): Date | undefined =>
  events.find(e => e.name === name)?.endTime

const plusMinutes = (at: Date | undefined, minutes: number | undefined): Date | undefined =>
  at && minutes !== undefined ? new Date(at.getTime() + minutes * MINUTE) : undefined

/** Pure: one GetDeployment answer (+ its ECS target and the stopped tasks found) as a snapshot. */
export function toSnapshot(
  info: DeploymentInfo,
  target?: ECSTarget,
  stoppedTasks: StoppedTask[] = [],
  routing?: TrafficRouting
): DeploymentSnapshot {
  const events = toEvents(target)
  const phase = phaseOf(info, target, events)
  const bg = info.blueGreenDeploymentConfiguration
  const snap: DeploymentSnapshot = {
    id: info.deploymentId ?? '',
    status: info.status ?? 'Unknown',
    phase,
    events,
    taskSets: toTaskSets(target),
    statusMessages: info.deploymentStatusMessages ?? [],
    stoppedTasks,
    createTime: info.createTime,
    startTime: info.startTime,
    completeTime: info.completeTime,
    creator: info.creator,
    description: info.description,
    deploymentConfigName: info.deploymentConfigName,
    applicationName: info.applicationName,
    deploymentGroupName: info.deploymentGroupName
  }
  const ready = bg?.deploymentReadyOption
  if (phase === 'ready' && ready?.actionOnTimeout === 'STOP_DEPLOYMENT') {
    // Inferred (docs/aws-behaviour.md 9): the wait runs "after the replacement task set is successfully provisioned".
    const from = endOf(events, 'Install') ?? endOf(events, 'AfterAllowTestTraffic')
    snap.readyWaitUntil = plusMinutes(from, ready.waitTimeInMinutes)
  }
  if (phase === 'shifting' && routing) snap.nextTrafficStepAt = nextTrafficStep(routing, snap)
  if (phase === 'termination-wait') {
    // Inferred (docs/aws-behaviour.md 4): the wait starts as AfterAllowTraffic ends.
    snap.terminationWaitUntil = plusMinutes(
      endOf(events, 'AfterAllowTraffic'),
      bg?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes
    )
  }
  if (info.errorInformation) {
    snap.error = { code: info.errorInformation.code, message: info.errorInformation.message }
  }
  const ruledOut = rollbackRuledOut(info, phase, events)
  if (ruledOut) snap.rollbackRuledOut = ruledOut
  const rb = info.rollbackInfo
  if (rb && (rb.rollbackDeploymentId || rb.rollbackTriggeringDeploymentId || rb.rollbackMessage)) {
    snap.rollback = {
      deploymentId: rb.rollbackDeploymentId,
      triggeringDeploymentId: rb.rollbackTriggeringDeploymentId,
      message: rb.rollbackMessage
    }
  }
  return snap
}

/**
 * Why no rollback deployment can follow a failed or stopped deployment, when that is known. A stop's
 * rollback is whoever stopped it's choice (StopDeployment autoRollbackEnabled), which GetDeployment does
 * not show: a stopped deployment is always given the time to name one.
 */
function rollbackRuledOut(info: DeploymentInfo, phase: Phase, events: LifecycleEvent[]): string | undefined {
  if (phase !== 'failed' && phase !== 'stopped') return undefined
  // Inferred (docs/aws-behaviour.md 6): CodeDeploy rolls back the deployment that failed, never the rollback that did.
  if (info.creator === 'codeDeployRollback') return 'it is a rollback itself'
  if (phase !== 'failed') return undefined
  // The AppSpec hooks reference: "BeforeInstall: A rollback is not possible at this point."
  if (events.find(e => e.status === 'Failed')?.name === 'BeforeInstall')
    return 'a rollback is not possible after BeforeInstall'
  const auto = info.autoRollbackConfiguration
  if (auto && !(auto.enabled === true && auto.events?.includes('DEPLOYMENT_FAILURE')))
    return 'the deployment group does not roll back on failure'
  return undefined
}

/**
 * When the next canary or linear step is due, from when AllowTraffic started: canary shifts the
 * rest one interval after its first step, linear one step per interval.
 */
function nextTrafficStep(routing: TrafficRouting, snap: DeploymentSnapshot): Date | undefined {
  // Inferred (docs/aws-behaviour.md 10): one step at AllowTraffic's start, then one every interval.
  const start = snap.events.find(e => e.name === 'AllowTraffic')?.startTime
  const replacement = snap.taskSets.find(t => t.role === 'replacement')?.trafficWeight ?? 0
  if (routing.type === 'AllAtOnce' || !start || replacement >= 100) return undefined
  const stepsDone =
    routing.type === 'TimeBasedCanary' ? 1 : Math.max(1, Math.round(replacement / routing.percentage))
  return plusMinutes(start, stepsDone * routing.intervalMinutes)
}

/** ECS's reason for tasks it removes on purpose: a scale-in, not a crash or a failed health check. */
/**
 * Whether a stopped task belongs to the replacement task set. ECS documents a task's
 * `taskDefinitionArn`, so the revision being deployed identifies it; that a task set's tasks carry the
 * task set id in `startedBy` is inferred (ECS documents `startedBy` as the deployment id for service
 * deployments, not for task sets): it only names the replacement's tasks when the revision is not
 * known, and keeps out the original task set's tasks when both sets run the same revision.
 */
function isReplacementTask(
  t: Task,
  revision: string | undefined,
  sets: { original?: string; replacement?: string }
): boolean {
  // Inferred (docs/aws-behaviour.md 7): a task set's tasks carry its id in startedBy.
  if (sets.original !== undefined && t.startedBy === sets.original) return false
  if (revision !== undefined) return t.taskDefinitionArn === revision
  return sets.replacement !== undefined && t.startedBy === sets.replacement
}

/**
 * Reads one deployment per call with as few API calls as the phase allows: GetDeployment, plus
 * GetDeploymentTarget while the target can still change (ListDeploymentTargets once, to learn its id),
 * plus ListTasks/DescribeTasks every 15 s while Install runs.
 */
export function createCodeDeployReader(
  deps: CodeDeployReaderDeps,
  deploymentId: string,
  opts: CodeDeployReaderOptions = {}
): DeploymentReader {
  const targets = new TargetReader(deps.codedeploy, deploymentId)
  let target: ECSTarget | undefined
  // A state in which the target no longer changes (Ready, the termination wait, the end), once read in it.
  let targetSettledIn: string | undefined
  let finder: StoppedTaskFinder | undefined
  let lastStoppedLookup: number | undefined
  let lookedAfterInstallFailed = false
  let stoppedLookupOff = false
  const warned = new Set<string>()

  const settledState = (info: DeploymentInfo, known: ECSTarget | undefined): string | undefined => {
    if (info.status === 'Ready') return 'ready'
    if (info.status === 'Succeeded' || info.status === 'Failed' || info.status === 'Stopped') return 'end'
    if (inTerminationWait(info, known)) return 'termination-wait'
    return undefined
  }

  function needsTargetRead(info: DeploymentInfo): boolean {
    if (info.status === 'Created' || info.status === 'Queued') return false
    const settled = settledState(info, target)
    return !settled || settled !== targetSettledIn
  }

  function warnOnce(key: string, line: string): void {
    if (warned.has(key)) return
    warned.add(key)
    deps.warn?.(line)
  }

  async function lookForStoppedTasks(info: DeploymentInfo): Promise<void> {
    const ecs = deps.ecs
    const targetId = targets.id
    if (!ecs || stoppedLookupOff || !targetId?.includes(':')) return
    const install = target?.lifecycleEvents?.find(e => e.lifecycleEventName === 'Install')
    const now = deps.now().getTime()
    const installRunning =
      install?.status === 'InProgress' &&
      (lastStoppedLookup === undefined || now - lastStoppedLookup >= STOPPED_TASKS_EVERY_MS)
    // Tasks that crashed since the last look explain a failed Install: look once more at the end.
    const installFailed = install?.status === 'Failed' && !lookedAfterInstallFailed
    if (!installRunning && !installFailed) return
    const setId = (label: string): string | undefined =>
      target?.taskSetsInfo?.find(t => t.taskSetLabel === label)?.identifer
    const sets = { original: setId('Blue'), replacement: setId('Green') }
    if (!sets.replacement && !opts.taskDefinitionArn) return // nothing yet to tell the replacement's tasks apart

    const sep = targetId.indexOf(':')
    const cluster = opts.cluster ?? targetId.slice(0, sep)
    const serviceName = targetId.slice(sep + 1)
    lastStoppedLookup = now
    if (installFailed) lookedAfterInstallFailed = true
    try {
      finder ??= new StoppedTaskFinder(ecs, cluster, serviceName)
      await finder.look(info.startTime?.getTime() ?? 0, now, t =>
        isReplacementTask(t, opts.taskDefinitionArn, sets)
      )
    } catch (e) {
      const name = awsErrorName(e) ?? 'Error'
      if (awsErrorKind(e) === 'access-denied') stoppedLookupOff = true
      warnOnce(
        name,
        `Could not look for stopped replacement tasks (${name}: ${errorMessage(e)}); the deployment is still watched. ` +
          'Allow ecs:ListTasks and ecs:DescribeTasks to see why tasks stop.'
      )
    }
  }

  return {
    async read(): Promise<DeploymentSnapshot> {
      const { deploymentInfo: info } = await deps.codedeploy.send(new GetDeploymentCommand({ deploymentId }))
      if (!info) throw new Error(`GetDeployment returned no deploymentInfo for ${deploymentId}.`)
      if (needsTargetRead(info)) {
        const fresh = await targets.read()
        if (fresh) {
          target = fresh
          targetSettledIn = settledState(info, fresh)
        }
      }
      await lookForStoppedTasks(info)
      return toSnapshot(
        { ...info, deploymentId: info.deploymentId ?? deploymentId },
        target,
        finder?.tasks ?? [],
        opts.trafficRouting
      )
    }
  }
}

/** Readers of CodeDeploy deployments through the step's clients. */
export function codeDeployReaders(
  io: Io,
  opts: CodeDeployReaderOptions = {}
): (deploymentId: string) => DeploymentReader {
  return deploymentId => {
    const { codedeploy, ecs } = io.aws()
    const deps = {
      codedeploy,
      ecs,
      now: () => io.now(),
      warn: (line: string) => {
        io.warning(line)
      }
    }
    return createCodeDeployReader(deps, deploymentId, opts)
  }
}
