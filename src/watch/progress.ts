// The watch loop's pure half: (view so far, new snapshot) -> (new view, lines to print). Only what changed
// since the last read gets a line, so a poll that sees nothing new prints nothing.
import {
  isTerminal,
  type DeploymentSnapshot,
  type Hook,
  type LifecycleEvent,
  type TaskSet
} from './snapshot.js'

export interface TimelineEntry {
  name: string
  status: string
  start?: Date
  end?: Date
  /**
   * A stage of a deployment between service revisions, or one of its lifecycle hooks (from when it
   * was first seen to when it was first seen ended); a CodeDeploy lifecycle event when unset.
   */
  kind?: 'stage' | 'hook'
  /** A hook's stage, and its id: a function can run at several stages, a pause hook before each step. */
  stage?: string
  id?: string
}

export interface TrafficStep {
  at: Date
  original: number
  replacement: number
}

export interface StatusChange {
  at: Date
  status: string
}

/** A block too long for the visible log (a hook's log tail): the watch prints it inside a log group. */
export interface DetailGroup {
  title: string
  lines: string[]
  /** How many of the read's lines come before it: the group follows the line it explains. */
  after: number
}

export interface ProgressView {
  /** When the step began: every line's `[+m:ss]` counts from here. */
  readonly startedAt: Date
  /** Lifecycle events with their times, for the job summary. */
  readonly timeline: readonly TimelineEntry[]
  /** Each traffic split seen, the first one included. */
  readonly traffic: readonly TrafficStep[]
  readonly statuses: readonly StatusChange[]
  readonly lastSnapshot?: DeploymentSnapshot
  /** What has been printed already, so that no line is repeated. */
  readonly shown: Shown
}

interface Shown {
  /** Per lifecycle event, the last status that got a line. */
  readonly events: Readonly<Record<string, string>>
  readonly stoppedTasks: readonly string[]
  readonly messages: readonly string[]
  readonly ready?: string
  readonly terminationWait?: string
  readonly replacementCounts?: string
  readonly error?: string
  readonly rollbackId?: string
  readonly rollbackTrigger?: string
  /** Per hook id, the last status (with a pause's expiry) that got a line. */
  readonly hooks?: Readonly<Record<string, string>>
  readonly circuitBreaker?: string
  readonly alarms?: readonly string[]
  readonly rollbackTo?: string
}

export interface Reduced {
  view: ProgressView
  lines: string[]
  details: DetailGroup[]
}

export function initialView(startedAt: Date): ProgressView {
  return {
    startedAt,
    timeline: [],
    traffic: [],
    statuses: [],
    shown: { events: {}, stoppedTasks: [], messages: [] }
  }
}

/** `45s`, `1m12s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  if (total < 60) return `${total}s`
  const minutes = Math.floor(total / 60)
  if (minutes < 60) return `${minutes}m${pad(total % 60)}s`
  return `${Math.floor(minutes / 60)}h${pad(minutes % 60)}m`
}

/** `+0:05`, `+12:04`, `+1:02:03`: time since the step began, as the log and the summary show it. */
export function elapsed(startedAt: Date, at: Date): string {
  const total = Math.max(0, Math.floor((at.getTime() - startedAt.getTime()) / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = pad(total % 60)
  return h > 0 ? `+${h}:${pad(m)}:${s}` : `+${m}:${s}`
}

/** `[+0:05] `: the prefix of every progress line. */
export function elapsedTag(startedAt: Date, now: Date): string {
  return `[${elapsed(startedAt, now)}] `
}

/** `15:04 UTC`, with the date when it is not today: a ready wait can last days. */
export function formatClock(at: Date, now: Date): string {
  const iso = at.toISOString()
  const time = `${iso.slice(11, 16)} UTC`
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`
}

/** How long until `at`, coarse on purpose (`in 59m`, `in 2h05m`, `in 40s`). */
function formatRemaining(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime()
  if (ms <= 0) return 'now'
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return `in ${Math.round(ms / 1000)}s`
  if (minutes <= 120) return `in ${minutes}m`
  return `in ${Math.floor(minutes / 60)}h${pad(minutes % 60)}m`
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

function percent(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(1)}%`
}

/** The production traffic split, or undefined while no task set is known (the backend has not said yet). */
export function trafficSplit(
  taskSets: readonly TaskSet[]
): { original: number; replacement: number } | undefined {
  if (taskSets.length === 0) return undefined
  const sum = (role: TaskSet['role']): number =>
    taskSets.filter(t => t.role === role).reduce((acc, t) => acc + t.trafficWeight, 0)
  return { original: sum('original'), replacement: sum('replacement') }
}

function eventLines(
  ev: LifecycleEvent,
  shownStatus: string | undefined,
  snap: DeploymentSnapshot,
  now: Date
): string[] {
  const { name, status } = ev
  const duration =
    ev.startTime && ev.endTime && !ev.unobserved ? ev.endTime.getTime() - ev.startTime.getTime() : undefined
  const notStartedYet = shownStatus === undefined
  switch (status) {
    case 'InProgress':
      return notStartedYet ? [`${name} started`] : []
    case 'Succeeded':
    case 'Failed': {
      // An event that started and ended between two reads still gets its start line.
      const lines = notStartedYet ? [`${name} started`] : []
      if (status === 'Succeeded') {
        lines.push(
          duration === undefined ? `${name} succeeded` : `${name} succeeded in ${formatDuration(duration)}`
        )
      } else {
        lines.push(
          duration === undefined ? `${name} FAILED` : `${name} FAILED after ${formatDuration(duration)}`
        )
        const d = ev.diagnostics
        const what = [d?.errorCode, d?.message].filter(Boolean).join(': ')
        if (what) lines.push(`${name}: ${what}`)
      }
      return lines
    }
    case 'Skipped':
      return [`${name} skipped`]
    case 'Stopped': {
      // A stage cut short by a stop or a rollback: it has no end of its own.
      const after = ev.startTime ? ` after ${formatDuration(now.getTime() - ev.startTime.getTime())}` : ''
      return [`${name} interrupted${after}${snap.rollback ? ': rolling back' : ''}`]
    }
    default:
      return [`${name} is ${status}`]
  }
}

function stoppedTaskLines(task: DeploymentSnapshot['stoppedTasks'][number], revisions: boolean): string[] {
  const id = task.taskArn.split('/').pop() ?? task.taskArn
  const code = task.stopCode ? ` (${task.stopCode})` : ''
  // ECS's own deployments replace revisions, not task sets: the task is the target revision's.
  const what = revisions ? `Task ${id} of the target revision` : `Replacement task ${id}`
  const lines = [`${what} stopped${code}: ${task.stoppedReason ?? 'no reason given'}`]
  for (const c of task.containers) {
    const exit = c.exitCode === undefined ? 'no exit code' : `exit code ${c.exitCode}`
    lines.push(`  container ${c.name}: ${exit}${c.reason ? `, ${c.reason}` : ''}`)
  }
  return lines
}

/** `my-fn` from a Lambda function's ARN (an alias or version kept), else the ARN as it is. */
function functionName(arn: string): string {
  return /:function:(.+)$/.exec(arn)?.[1] ?? arn
}

/** The Lambda function's name, or `pause`. */
export function hookLabel(hook: Hook): string {
  if (hook.kind === 'pause') return 'pause'
  return hook.target ? functionName(hook.target) : hook.id
}

/** `Hook my-fn at POST_TEST_TRAFFIC_SHIFT` or `Pause hook at POST_TEST_TRAFFIC_SHIFT`. */
export function hookName(hook: Hook): string {
  const at = hook.stage ? ` at ${hook.stage}` : ''
  return hook.kind === 'pause' ? `Pause hook${at}` : `Hook ${hookLabel(hook)}${at}`
}

/** A pause hook waiting for a continue: how to give it, by when, and what ECS does otherwise. */
function pauseLine(hook: Hook, snap: DeploymentSnapshot, now: Date): string {
  const where = hook.stage ? ` at ${hook.stage}` : ''
  const what =
    snap.phase === 'ready'
      ? 'the target revision serves test traffic. Test it, then continue'
      : 'a pause hook waits. Continue'
  const until = hook.expiresAt
    ? ` before ${formatClock(hook.expiresAt, now)} (${formatRemaining(hook.expiresAt, now)})`
    : ''
  const then =
    hook.timeoutAction === 'ROLLBACK'
      ? '; after that ECS rolls the deployment back'
      : hook.timeoutAction === 'CONTINUE'
        ? '; after that ECS continues on its own'
        : hook.timeoutAction
          ? `; after that ECS takes the timeout action ${hook.timeoutAction}`
          : ''
  return `Paused${where}: ${what} with continue-deployment: true and deployment-id: ${snap.id}${until}${then}.`
}

const HOOK_ENDS = ['SUCCEEDED', 'FAILED', 'TIMED_OUT']

/** Hooks that ended read before the stage that follows them begins; the others after it. */
function hookLines(
  snap: DeploymentSnapshot,
  shown: Readonly<Record<string, string>>,
  now: Date
): { ended: string[]; other: string[]; shown: Record<string, string> } {
  const ended: string[] = []
  const other: string[] = []
  const next = { ...shown }
  for (const hook of snap.hooks ?? []) {
    const waiting = hook.kind === 'pause' && hook.status === 'AWAITING_ACTION'
    const key = waiting ? `${hook.status} ${hook.expiresAt?.toISOString() ?? ''}` : hook.status
    if (next[hook.id] === key) continue
    next[hook.id] = key
    if (waiting) other.push(pauseLine(hook, snap, now))
    else (HOOK_ENDS.includes(hook.status) ? ended : other).push(`${hookName(hook)}: ${hook.status}`)
  }
  return { ended, other, shown: next }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `3 failed tasks (threshold 3), TRIGGERED`, or undefined while no task has failed. */
export function circuitBreakerText(cb: DeploymentSnapshot['circuitBreaker']): string | undefined {
  if (!cb || cb.failureCount <= 0) return undefined
  const threshold = cb.threshold === undefined ? '' : ` (threshold ${cb.threshold})`
  const triggered = cb.status === 'TRIGGERED' ? ', TRIGGERED' : ''
  return `${plural(cb.failureCount, 'failed task')}${threshold}${triggered}`
}

/** The rollback inside the same deployment (ECS), once it is known to run. */
function rollbackToLine(rb: DeploymentSnapshot['rollback']): { key: string; line: string } | undefined {
  if (!rb || (rb.revision === undefined && rb.startedAt === undefined)) return undefined
  const to = rb.revision ? ` to ${rb.revision}` : ''
  return {
    key: `${rb.revision ?? ''} ${rb.startedAt?.toISOString() ?? ''}`,
    line: `Rolling back${to}${rb.message ? `: ${rb.message}` : ''}`
  }
}

/** Target and source revisions' tasks: a rolling update's only progress, a blue/green scale-up's. */
function revisionCountsLine(snap: DeploymentSnapshot): string | undefined {
  if (isTerminal(snap.phase)) return undefined
  const target = snap.taskSets.find(t => t.role === 'replacement')
  if (!target || target.desiredCount === undefined) return undefined
  // Before scale-up the target revision asks for no task and runs none: nothing to count yet.
  if (target.desiredCount === 0 && !target.runningCount && !target.pendingCount) return undefined
  const pending = target.pendingCount ? `, ${target.pendingCount} pending` : ''
  const sources = snap.taskSets.filter(t => t.role === 'original')
  const source = sources.length
    ? `; source revision: ${sources.reduce((n, t) => n + (t.runningCount ?? 0), 0)} running`
    : ''
  return `Target revision: ${target.runningCount ?? 0}/${target.desiredCount} tasks running${pending}${source}`
}

function countsLine(snap: DeploymentSnapshot): string | undefined {
  if (snap.revisions) return revisionCountsLine(snap)
  const install = snap.events.find(e => e.name === 'Install')
  const installing = install ? install.status === 'InProgress' : snap.phase === 'installing'
  const replacement = snap.taskSets.find(t => t.role === 'replacement')
  if (!installing || !replacement || replacement.desiredCount === undefined) return undefined
  const pending = replacement.pendingCount ? `, ${replacement.pendingCount} pending` : ''
  return `Replacement task set: ${replacement.runningCount ?? 0}/${replacement.desiredCount} running${pending}`
}

export function reduce(view: ProgressView, snap: DeploymentSnapshot, now: Date): Reduced {
  const lines: string[] = []
  const details: DetailGroup[] = []
  let shown = view.shown

  // A terminal or Ready status reads best after the events that led to it; any other before them.
  const statusChanged = view.statuses.at(-1)?.status !== snap.status
  const statusLine = `Deployment ${snap.id} is ${snap.status}`
  const statusLast = snap.phase === 'ready' || isTerminal(snap.phase)
  if (statusChanged && !statusLast) lines.push(statusLine)

  const hooks = hookLines(snap, shown.hooks ?? {}, now)
  lines.push(...hooks.ended)
  shown = { ...shown, hooks: hooks.shown }

  const events = { ...shown.events }
  for (const ev of snap.events) {
    const before = events[ev.name]
    if (ev.status === before || ev.status === 'Pending') continue
    // The interruption already had its line; the deployment's end status says how it ended.
    if (!(before === 'Stopped' && ev.status === 'Failed')) lines.push(...eventLines(ev, before, snap, now))
    events[ev.name] = ev.status
    if (ev.status === 'Failed' && ev.diagnostics?.logTail) {
      details.push({
        title: `${ev.name} log tail`,
        lines: ev.diagnostics.logTail.trimEnd().split('\n'),
        after: lines.length
      })
    }
  }
  shown = { ...shown, events }

  lines.push(...hooks.other)

  const breaker = circuitBreakerText(snap.circuitBreaker)
  if (breaker && breaker !== shown.circuitBreaker) {
    lines.push(`Circuit breaker: ${breaker}`)
    shown = { ...shown, circuitBreaker: breaker }
  }

  const newAlarms = (snap.alarms?.triggered ?? []).filter(a => !(shown.alarms ?? []).includes(a))
  for (const a of newAlarms) lines.push(`Alarm ${a} triggered`)
  if (newAlarms.length) shown = { ...shown, alarms: [...(shown.alarms ?? []), ...newAlarms] }

  const rollbackTo = rollbackToLine(snap.rollback)
  if (rollbackTo && rollbackTo.key !== shown.rollbackTo) {
    lines.push(rollbackTo.line)
    shown = { ...shown, rollbackTo: rollbackTo.key }
  }

  let traffic = view.traffic
  // A rolling update moves no traffic between revisions: its weights say nothing.
  const split = snap.rolling ? undefined : trafficSplit(snap.taskSets)
  const lastSplit = traffic.at(-1)
  if (split && (split.original !== lastSplit?.original || split.replacement !== lastSplit.replacement)) {
    // The split the production shift reached reads before the shift's end.
    const end = lines.findIndex(l => /^(AllowTraffic|PRODUCTION_TRAFFIC_SHIFT) (succeeded|FAILED)/.test(l))
    const at = end < 0 ? lines.length : end
    const next =
      snap.revisions && snap.nextTrafficStepAt
        ? `; next step at ${formatClock(snap.nextTrafficStepAt, now)} (${formatRemaining(snap.nextTrafficStepAt, now)})`
        : ''
    lines.splice(
      at,
      0,
      `Traffic: original ${percent(split.original)} | replacement ${percent(split.replacement)}${next}`
    )
    for (const d of details) if (d.after > at) d.after++
    traffic = [...traffic, { at: now, ...split }]
  }

  const counts = countsLine(snap)
  if (counts && counts !== shown.replacementCounts) {
    lines.push(counts)
    shown = { ...shown, replacementCounts: counts }
  }

  const newTasks = snap.stoppedTasks.filter(t => !shown.stoppedTasks.includes(t.taskArn))
  for (const t of newTasks) lines.push(...stoppedTaskLines(t, snap.revisions === true))
  if (newTasks.length) {
    shown = { ...shown, stoppedTasks: [...shown.stoppedTasks, ...newTasks.map(t => t.taskArn)] }
  }

  const newMessages = snap.statusMessages.filter(m => !shown.messages.includes(m))
  for (const m of newMessages) lines.push(`Status message: ${m}`)
  if (newMessages.length) shown = { ...shown, messages: [...shown.messages, ...newMessages] }

  if (statusChanged && statusLast) lines.push(statusLine)

  // A waiting pause hook has its own line, which says how to continue it.
  const paused = snap.hooks?.some(h => h.kind === 'pause' && h.status === 'AWAITING_ACTION')
  if (snap.phase === 'ready' && !paused) {
    const key = snap.readyWaitUntil?.toISOString() ?? 'no limit'
    if (key !== shown.ready) {
      const until = snap.readyWaitUntil
        ? ` before ${formatClock(snap.readyWaitUntil, now)} (${formatRemaining(snap.readyWaitUntil, now)}), or the deployment is stopped`
        : ''
      lines.push(
        `Ready: the replacement task set serves test traffic. Test it, then reroute production traffic with continue-deployment: true${until}.`
      )
      shown = { ...shown, ready: key }
    }
  }

  if (snap.phase === 'termination-wait' && snap.revisions) {
    // ECS names no bake end while cleaning up: the source revision is on its way out then.
    const until = snap.terminationWaitUntil
    const key = until?.toISOString()
    if (until && key !== shown.terminationWait) {
      lines.push(
        `Bake time: the source revision is kept until ${formatClock(until, now)} (${formatRemaining(until, now)}); stop-deployment can still roll back until then.`
      )
      shown = { ...shown, terminationWait: key }
    }
  } else if (snap.phase === 'termination-wait') {
    const key = snap.terminationWaitUntil?.toISOString() ?? 'unknown end'
    if (key !== shown.terminationWait) {
      const when = snap.terminationWaitUntil
        ? `is removed at ${formatClock(snap.terminationWaitUntil, now)} (${formatRemaining(snap.terminationWaitUntil, now)})`
        : 'is kept until the termination wait ends'
      lines.push(
        `Termination wait: the original task set ${when}; stop-deployment can still roll back until then.`
      )
      shown = { ...shown, terminationWait: key }
    }
  }

  if (snap.error && isTerminal(snap.phase)) {
    const text = [snap.error.code, snap.error.message].filter(Boolean).join(': ')
    // ECS's status reason is both the error and a status message: once is enough.
    if (text && text !== shown.error && !(snap.revisions && shown.messages.includes(text))) {
      lines.push(`Error: ${text}`)
      shown = { ...shown, error: text }
    }
  }

  const rb = snap.rollback
  if (rb?.triggeringDeploymentId && rb.triggeringDeploymentId !== shown.rollbackTrigger) {
    lines.push(`This deployment rolls back ${rb.triggeringDeploymentId}`)
    shown = { ...shown, rollbackTrigger: rb.triggeringDeploymentId }
  }
  if (rb?.deploymentId && rb.deploymentId !== shown.rollbackId) {
    lines.push(`Rollback deployment ${rb.deploymentId} started`)
    shown = { ...shown, rollbackId: rb.deploymentId }
  }

  const tag = elapsedTag(view.startedAt, now)
  return {
    view: {
      startedAt: view.startedAt,
      timeline: mergeTimeline(view.timeline, snap, now),
      traffic,
      statuses: statusChanged ? [...view.statuses, { at: now, status: snap.status }] : view.statuses,
      lastSnapshot: snap,
      shown
    },
    lines: lines.map(l => tag + l),
    details
  }
}

/**
 * The latest word on each event; a read without events (target not known yet) keeps what was seen.
 * Hooks follow, timed as seen: one that drops out of the list keeps its last entry.
 */
function mergeTimeline(
  timeline: readonly TimelineEntry[],
  snap: DeploymentSnapshot,
  now: Date
): TimelineEntry[] {
  const before = timeline.filter(e => e.kind !== 'hook')
  const events: TimelineEntry[] = snap.events.length
    ? snap.events.map(e => {
        const entry: TimelineEntry = { name: e.name, status: e.status }
        if (snap.revisions) entry.kind = 'stage'
        // A stage passed between two reads has no times of its own to show.
        if (e.unobserved) return entry
        if (e.startTime) entry.start = e.startTime
        if (e.endTime) entry.end = e.endTime
        return entry
      })
    : before
  const hooks = new Map(timeline.filter(e => e.kind === 'hook').map(e => [e.id, e]))
  for (const h of snap.hooks ?? []) {
    const seen = hooks.get(h.id)
    const entry: TimelineEntry = {
      name: hookLabel(h),
      status: h.status,
      kind: 'hook',
      id: h.id,
      start: seen?.start ?? now
    }
    if (h.stage) entry.stage = h.stage
    const end = seen?.end ?? (HOOK_ENDS.includes(h.status) ? now : undefined)
    if (end) entry.end = end
    hooks.set(h.id, entry)
  }
  return [...events, ...hooks.values()]
}
