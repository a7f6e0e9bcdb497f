// The watch loop's pure half: (view so far, new snapshot) -> (new view, lines to print). Only what changed
// since the last read gets a line, so a poll that sees nothing new prints nothing.
import { isTerminal, type DeploymentSnapshot, type LifecycleEvent, type TaskSet } from './snapshot.js'

export interface TimelineEntry {
  name: string
  status: string
  start?: Date
  end?: Date
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

function eventLines(ev: LifecycleEvent, shownStatus: string | undefined): string[] {
  const { name, status } = ev
  const duration = ev.startTime && ev.endTime ? ev.endTime.getTime() - ev.startTime.getTime() : undefined
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
    default:
      return [`${name} is ${status}`]
  }
}

function stoppedTaskLines(task: DeploymentSnapshot['stoppedTasks'][number]): string[] {
  const id = task.taskArn.split('/').pop() ?? task.taskArn
  const code = task.stopCode ? ` (${task.stopCode})` : ''
  const lines = [`Replacement task ${id} stopped${code}: ${task.stoppedReason ?? 'no reason given'}`]
  for (const c of task.containers) {
    const exit = c.exitCode === undefined ? 'no exit code' : `exit code ${c.exitCode}`
    lines.push(`  container ${c.name}: ${exit}${c.reason ? `, ${c.reason}` : ''}`)
  }
  return lines
}

function countsLine(snap: DeploymentSnapshot): string | undefined {
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

  const events = { ...shown.events }
  for (const ev of snap.events) {
    const before = events[ev.name]
    if (ev.status === before || ev.status === 'Pending') continue
    lines.push(...eventLines(ev, before))
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

  let traffic = view.traffic
  const split = trafficSplit(snap.taskSets)
  const lastSplit = traffic.at(-1)
  if (split && (split.original !== lastSplit?.original || split.replacement !== lastSplit.replacement)) {
    // The split AllowTraffic reached reads before AllowTraffic's end.
    const end = lines.findIndex(l => /^AllowTraffic (succeeded|FAILED)/.test(l))
    const at = end < 0 ? lines.length : end
    lines.splice(
      at,
      0,
      `Traffic: original ${percent(split.original)} | replacement ${percent(split.replacement)}`
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
  for (const t of newTasks) lines.push(...stoppedTaskLines(t))
  if (newTasks.length) {
    shown = { ...shown, stoppedTasks: [...shown.stoppedTasks, ...newTasks.map(t => t.taskArn)] }
  }

  const newMessages = snap.statusMessages.filter(m => !shown.messages.includes(m))
  for (const m of newMessages) lines.push(`Status message: ${m}`)
  if (newMessages.length) shown = { ...shown, messages: [...shown.messages, ...newMessages] }

  if (statusChanged && statusLast) lines.push(statusLine)

  if (snap.phase === 'ready') {
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

  if (snap.phase === 'termination-wait') {
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
    if (text && text !== shown.error) {
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
      timeline: mergeTimeline(view.timeline, snap.events),
      traffic,
      statuses: statusChanged ? [...view.statuses, { at: now, status: snap.status }] : view.statuses,
      lastSnapshot: snap,
      shown
    },
    lines: lines.map(l => tag + l),
    details
  }
}

/** The latest word on each event; a read without events (target not known yet) keeps what was seen. */
function mergeTimeline(
  timeline: readonly TimelineEntry[],
  events: readonly LifecycleEvent[]
): TimelineEntry[] {
  if (events.length === 0) return [...timeline]
  return events.map(e => {
    const entry: TimelineEntry = { name: e.name, status: e.status }
    if (e.startTime) entry.start = e.startTime
    if (e.endTime) entry.end = e.endTime
    return entry
  })
}
