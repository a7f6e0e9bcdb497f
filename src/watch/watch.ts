// The watch loop's I/O half: read, reduce, print, sleep; until the goal, the end, or the deadline.
import { ActionError, awsCallOf, awsErrorKind, awsErrorName, errorMessage } from '../runtime/errors.js'
import { type DetailGroup, elapsedTag, formatDuration, reduce, type ProgressView } from './progress.js'
import type { DeploymentSnapshot, Phase } from './snapshot.js'

export interface Logger {
  info(line: string): void
  warning(line: string): void
  startGroup(name: string): void
  endGroup(): void
}

export type Goal = 'succeeded' | 'traffic-shifted' | 'ready'
/**
 * Where a watch can stop: the step's goals; the termination wait, which steps that end it watch for;
 * and, for a step that continues ECS's PAUSE hooks, the next gate (or the end, or all traffic moved).
 */
export type WatchGoal = Goal | 'termination-wait' | 'next-gate' | 'next-gate-or-traffic-shifted'

export interface WatchResult {
  outcome: 'goal' | 'failed' | 'stopped' | 'timeout'
  snapshot: DeploymentSnapshot
  view: ProgressView
}

export interface WatchDeps {
  deadline: Date
  pollIntervalMs: number
  sleep: (ms: number) => Promise<void>
  now: () => Date
  log: Logger
}

export interface WatchOptions extends WatchDeps {
  read: () => Promise<DeploymentSnapshot>
  goal: WatchGoal
  view: ProgressView
}

/**
 * Longest sleep while nothing moves: a stop or continue from elsewhere shows within 75 s, and an
 * hour's termination wait costs fewer than 60 reads, the backoff's first short sleeps included.
 */
export const MAX_IDLE_INTERVAL_MS = 75_000
const BACKOFF_FACTOR = 1.5
/**
 * How long, on the wall clock, a failed or stopped deployment is read for the id of its rollback before
 * concluding there is none: CodeDeploy creates the rollback after the terminal status and names it some
 * time later (ecspresso waits about a minute, kayac/ecspresso#679), whatever the poll interval.
 */
// Inferred (docs/aws-behaviour.md 5): how late the id comes is not documented; ecspresso's minute is the measure.
export const ROLLBACK_ID_WAIT_MS = 60_000

const GOAL_PHASES: Record<WatchGoal, readonly Phase[]> = {
  succeeded: ['succeeded'],
  'traffic-shifted': ['traffic-shifted', 'termination-wait', 'succeeded'],
  ready: ['ready', 'shifting', 'traffic-shifted', 'termination-wait', 'succeeded'],
  'termination-wait': ['termination-wait', 'succeeded'],
  'next-gate': ['ready', 'succeeded'],
  'next-gate-or-traffic-shifted': ['ready', 'traffic-shifted', 'termination-wait', 'succeeded']
}

export function goalReached(goal: WatchGoal, phase: Phase): boolean {
  return GOAL_PHASES[goal].includes(phase)
}

/** Credentials do not come back by retrying: end the watch with the fix instead of polling blind. */
function credentialError(e: unknown, deploymentId: string): ActionError | undefined {
  const kind = awsErrorKind(e)
  const name = awsErrorName(e) ?? 'Error'
  const which = deploymentId ? `deployment ${deploymentId}` : 'the deployment'
  const goesOn = 'The deployment itself goes on in CodeDeploy.'
  if (kind === 'credentials') {
    return new ActionError(
      `The AWS credentials expired or became invalid while watching ${which} (${name}: ${errorMessage(e)}). ${goesOn}`,
      'OIDC sessions last an hour by default: set role-duration-seconds of aws-actions/configure-aws-credentials ' +
        "(within the role's maximum session duration) to cover the wait, or stop waiting earlier with wait-until: traffic-shifted.",
      'AWS credentials expired',
      e
    )
  }
  if (kind === 'access-denied') {
    return new ActionError(
      `Access denied while reading ${which} (${name}: ${errorMessage(e)}). ${goesOn}`,
      'Allow codedeploy:GetDeployment, codedeploy:ListDeploymentTargets and codedeploy:GetDeploymentTarget ' +
        'to the role; if it worked earlier in this run, the session may have run out: see role-duration-seconds ' +
        'of aws-actions/configure-aws-credentials.',
      'AWS access denied',
      e
    )
  }
  return undefined
}

/** When the next change can be foreseen: the end of the ready wait, of the termination wait, the next traffic step. */
function predictedChange(snap: DeploymentSnapshot): Date | undefined {
  if (snap.phase === 'ready') return snap.readyWaitUntil
  if (snap.phase === 'termination-wait') return snap.terminationWaitUntil
  if (snap.phase === 'shifting') return snap.nextTrafficStepAt
  return undefined
}

/**
 * Once a foreseen change is due, it is polled for at the poll interval this long: CodeDeploy takes
 * a moment (the original task set drains, the next weight is written) and the end must show fast.
 */
// Inferred (docs/aws-behaviour.md 11): how long CodeDeploy takes to show a foreseen change is not documented.
const DUE_WINDOW_MS = 120_000

/**
 * Nothing moves on its own for a while: the ready wait, the termination wait, a canary's bake. A shift
 * with a second partial step seen is linear: its steps come every few minutes, so it is polled closely
 * (step times seen through a backed-off poll are too late to foresee the next one from).
 */
function isWaiting(snap: DeploymentSnapshot, view: ProgressView): boolean {
  if (snap.phase === 'ready' || snap.phase === 'termination-wait') return true
  if (snap.phase !== 'shifting') return false
  if (snap.nextTrafficStepAt) return true
  const partial = (replacement: number): boolean => replacement > 0 && replacement < 100
  const allow = snap.events.find(e => e.name === 'AllowTraffic')
  const split = view.traffic.at(-1)
  const partialSteps = view.traffic.filter(t => partial(t.replacement)).length
  return (
    allow?.status === 'InProgress' && split !== undefined && partial(split.replacement) && partialSteps === 1
  )
}

function printLines(log: Logger, lines: string[], details: DetailGroup[]): void {
  lines.forEach((line, i) => {
    for (const d of details.filter(g => g.after === i)) printGroup(log, d)
    log.info(line)
  })
  for (const d of details.filter(g => g.after >= lines.length)) printGroup(log, d)
}

function printGroup(log: Logger, d: DetailGroup): void {
  log.startGroup(d.title)
  for (const line of d.lines) log.info(line)
  log.endGroup()
}

export async function watch(opts: WatchOptions): Promise<WatchResult> {
  const { read, goal, deadline, pollIntervalMs, sleep, now, log } = opts
  const idleCap = Math.max(MAX_IDLE_INTERVAL_MS, pollIntervalMs)
  let view = opts.view
  let last: DeploymentSnapshot | undefined
  let failures = 0
  let unchanged = 0
  let lastError: unknown

  const remaining = (): number => deadline.getTime() - now().getTime()
  const timeout = (): WatchResult => {
    if (!last) {
      throw new ActionError(
        `The deployment could not be read before the timeout (${errorMessage(lastError)}).`,
        'Check the AWS endpoint and network from the runner, then watch it again with deployment-id.',
        'Deployment not read',
        lastError
      )
    }
    return { outcome: 'timeout', snapshot: last, view }
  }

  for (;;) {
    let snap: DeploymentSnapshot
    try {
      snap = await read()
      failures = 0
    } catch (e) {
      const fatal = credentialError(e, last?.id ?? '')
      if (fatal) throw fatal
      lastError = e
      failures++
      // Throttling that outlived the SDK's retries, a 5xx, the network: the deployment is not failed.
      const delay = Math.min(pollIntervalMs * 2 ** (failures - 1), idleCap)
      const call = awsCallOf(e)?.operation
      log.warning(
        `Reading the deployment failed (${call ? `${call}: ` : ''}${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}); ` +
          `attempt ${failures}, trying again in ${formatDuration(delay)}.`
      )
      if (remaining() <= 0) return timeout()
      await sleep(Math.min(delay, remaining()))
      continue
    }

    const reduced = reduce(view, snap, now())
    view = reduced.view
    last = snap
    printLines(log, reduced.lines, reduced.details)
    unchanged = reduced.lines.length > 0 ? 0 : unchanged + 1

    if (goalReached(goal, snap.phase)) return { outcome: 'goal', snapshot: snap, view }
    if (snap.phase === 'failed' || snap.phase === 'stopped') return awaitRollbackId(opts, snap, view)
    if (remaining() <= 0) return timeout()

    let delay = pollIntervalMs
    if (isWaiting(snap, view)) {
      const at = predictedChange(snap)?.getTime()
      const current = now().getTime()
      if (at !== undefined && at > current) {
        // A known end still starts with short sleeps: the end foreseen from AWS's numbers can come
        // early (someone ends the wait in the console, or a stand-in runs on a faster clock).
        delay = Math.min(idleCap, pollIntervalMs * BACKOFF_FACTOR ** unchanged, at - current)
      } else if (at !== undefined && current - at < DUE_WINDOW_MS) {
        delay = pollIntervalMs
      } else {
        delay = Math.min(idleCap, pollIntervalMs * BACKOFF_FACTOR ** unchanged)
      }
    }
    await sleep(Math.min(delay, remaining()))
  }
}

/** Reads a failed or stopped deployment until it names its rollback, unless none can come. */
async function awaitRollbackId(
  opts: WatchOptions,
  snap: DeploymentSnapshot,
  view: ProgressView
): Promise<WatchResult> {
  const outcome = snap.phase === 'failed' ? 'failed' : 'stopped'
  if (snap.rollback?.deploymentId || snap.rollbackRuledOut) return { outcome, snapshot: snap, view }
  const { now, log } = opts
  const until = now().getTime() + ROLLBACK_ID_WAIT_MS
  log.info(
    `${elapsedTag(view.startedAt, now())}Waiting up to ${formatDuration(ROLLBACK_ID_WAIT_MS)} for CodeDeploy to name the rollback deployment of ${snap.id}.`
  )
  let last = snap
  while (!last.rollback?.deploymentId) {
    const left = until - now().getTime()
    if (left <= 0) break
    await opts.sleep(Math.min(opts.pollIntervalMs, left))
    try {
      last = await opts.read()
    } catch (e) {
      const fatal = credentialError(e, snap.id)
      if (fatal) throw fatal
      log.warning(`Reading deployment ${snap.id} for its rollback failed (${errorMessage(e)}).`)
      continue
    }
    const reduced = reduce(view, last, now())
    view = reduced.view
    printLines(log, reduced.lines, reduced.details)
  }
  if (!last.rollback?.deploymentId) {
    log.info(`${elapsedTag(view.startedAt, now())}CodeDeploy named no rollback deployment of ${snap.id}.`)
  }
  return { outcome, snapshot: last, view }
}

/**
 * Watches a rollback deployment (read by `opts.read`) to its goal, normally `succeeded`. Its progress goes
 * into a log group, each line naming the rollback; how it ended is printed outside the group, where it is
 * seen without unfolding anything.
 */
export async function followRollback(opts: WatchOptions): Promise<WatchResult> {
  const { log } = opts
  // Set from inside the logger and the reader; an object so the flow analysis sees them change.
  const state = { id: '', grouped: false }
  // `[+1:05] Rollback d-Y: Install started`: the time stays first, as on every other line.
  const prefix = (line: string): string => line.replace(/^(\[\+[\d:]+\] )?/, `$1Rollback ${state.id}: `)
  const open = (): void => {
    if (state.grouped) return
    state.grouped = true
    log.startGroup(`Rollback deployment ${state.id}`)
  }
  const inner: Logger = {
    info: line => {
      open()
      log.info(prefix(line))
    },
    warning: line => {
      open()
      log.warning(prefix(line))
    },
    // GitHub does not nest groups: a log tail inside the rollback's group stays plain lines.
    startGroup: () => undefined,
    endGroup: () => undefined
  }
  const read = async (): Promise<DeploymentSnapshot> => {
    const snap = await opts.read()
    state.id = snap.id
    return snap
  }
  let result: WatchResult
  try {
    result = await watch({ ...opts, read, log: inner })
  } finally {
    if (state.grouped) log.endGroup()
  }
  const s = result.snapshot
  const how =
    result.outcome === 'goal'
      ? s.phase === 'succeeded'
        ? 'succeeded: production traffic is back on the original task set'
        : `reached ${s.status}`
      : result.outcome === 'timeout'
        ? `had not ended by the timeout (last status ${s.status})`
        : `ended ${s.status}${s.error?.message ? `: ${s.error.message.replace(/[.\s]+$/, '')}` : ''}`
  const line = `Rollback deployment ${s.id} ${how}.`
  if (result.outcome === 'goal') log.info(line)
  else log.warning(line)
  return result
}
