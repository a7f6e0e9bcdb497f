// Turns what the backend reports about a failed, stopped, timed-out or cancelled deployment into
// the one `::error::` line (what failed and what to do) and the plain diagnostic lines after it.
// Pure: everything comes from snapshots, so the texts are the same for any backend.

import type { DeploymentSnapshot, LifecycleEvent, StoppedTask } from '../watch/snapshot.js'

export interface FailureReport {
  /** The one line for `::error::`: what failed and what to do about it. */
  message: string
  /** Plain lines printed after it (and shown in the job summary). */
  details: string[]
}

export interface FailureContext {
  /** The revision the service ran before, named when production traffic stays on it. */
  previousTaskDefinition?: string
}

/** AWS free text can be long and multi-line; the error line must stay one readable line. */
const MAX_INLINE = 300
const MAX_LOG_LINES = 40
const MAX_LINE = 500
const SHOWN_REASONS = 2

function oneLine(text: string, max = MAX_INLINE): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

function cut(line: string, max = MAX_LINE): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** Adds a final full stop unless the text already ends a sentence. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`
}

function taskId(arn: string): string {
  return arn.split('/').pop() ?? arn
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function failedEvent(snap: DeploymentSnapshot): LifecycleEvent | undefined {
  return snap.events.find(e => e.status === 'Failed')
}

function activeEvent(snap: DeploymentSnapshot): LifecycleEvent | undefined {
  return snap.events.find(e => e.status === 'InProgress')
}

/** `CODE: message`, either part optional. */
function codeAndMessage(error: { code?: string; message?: string } | undefined): string | undefined {
  const parts = [error?.code, error?.message ? oneLine(error.message) : undefined].filter(Boolean)
  return parts.length ? parts.join(': ') : undefined
}

const ALARM_LIST =
  /alarms?\s*(?:activated|triggered|in alarm state|that (?:was|were) activated)?\s*[:=]\s*([^\n;]+)/i
const ALARM_SINGLE = /\balarm\s+(?:named\s+)?["'“<[]?([\w.\-/#:+=@]+)/gi
const NOT_A_NAME = new Set([
  'is',
  'was',
  'were',
  'has',
  'have',
  'state',
  'configuration',
  'in',
  'and',
  'or',
  'that',
  'the',
  'status',
  'information'
])

/** Alarm names found in CodeDeploy's free text ("Activated alarms: a, b", "the alarm my-5xx"). */
export function alarmNames(texts: readonly string[]): string[] {
  // Inferred (docs/aws-behaviour.md 21): alarm names are only in CodeDeploy's free text.
  const names = new Set<string>()
  const clean = (raw: string): string => raw.trim().replace(/^["'“<[]+|["'”>\].,]+$/g, '')
  for (const text of texts) {
    const list = ALARM_LIST.exec(text)
    if (list?.[1]) {
      for (const part of list[1].split(/,|\s+and\s+/)) {
        const name = clean(part)
        if (name && !NOT_A_NAME.has(name.toLowerCase())) names.add(name)
      }
      continue
    }
    for (const m of text.matchAll(ALARM_SINGLE)) {
      const name = clean(m[1] ?? '')
      if (name && !NOT_A_NAME.has(name.toLowerCase())) names.add(name)
    }
  }
  return [...names]
}

/** "web exited 1: OutOfMemoryError" for the containers that say why the task stopped. */
function containerSummary(task: StoppedTask): string | undefined {
  const telling = task.containers.filter(c => (c.exitCode !== undefined && c.exitCode !== 0) || c.reason)
  if (!telling.length) return undefined
  return telling
    .map(c => {
      const exit = c.exitCode !== undefined ? ` exited ${c.exitCode}` : ''
      return `${c.name}${exit}${c.reason ? `: ${oneLine(c.reason, 120)}` : ''}`
    })
    .join('; ')
}

/** The stopped reasons in one clause: distinct reasons, the first two shown, the rest counted. */
function stoppedTasksClause(tasks: readonly StoppedTask[]): string | undefined {
  if (!tasks.length) return undefined
  const byReason = new Map<string, StoppedTask[]>()
  for (const t of tasks) {
    const reason = oneLine(t.stoppedReason ?? t.stopCode ?? 'no reason given', 200)
    byReason.set(reason, [...(byReason.get(reason) ?? []), t])
  }
  const reasons = [...byReason.entries()]
  const shown = reasons.slice(0, SHOWN_REASONS).map(([reason, group]) => {
    const notes = [
      group[0] && containerSummary(group[0]),
      group.length > 1 ? `${group.length} tasks` : undefined
    ]
    const said = notes.filter(Boolean).join(', ')
    return `"${reason}"${said ? ` (${said})` : ''}`
  })
  const rest = reasons.slice(SHOWN_REASONS).reduce((n, [, group]) => n + group.length, 0)
  return `ECS stopped ${plural(tasks.length, 'replacement task')}: ${shown.join('; ')}${rest ? `; and ${rest} more` : ''}`
}

function stoppedTaskLines(tasks: readonly StoppedTask[]): string[] {
  const lines: string[] = []
  for (const t of tasks) {
    const when = t.stoppedAt ? ` at ${t.stoppedAt.toISOString()}` : ''
    const code = t.stopCode ? ` [${t.stopCode}]` : ''
    lines.push(
      `Stopped task ${taskId(t.taskArn)}${when}${code}: ${cut(t.stoppedReason ?? 'no reason given')}`
    )
    for (const c of t.containers) {
      const exit = c.exitCode !== undefined ? `exit code ${c.exitCode}` : 'no exit code'
      lines.push(`  container ${c.name}: ${exit}${c.reason ? `, ${cut(c.reason)}` : ''}`)
    }
  }
  return lines
}

/** The end of the hook's log: the last lines are where the failure is. */
function logTailLines(event: LifecycleEvent): string[] {
  const tail = event.diagnostics?.logTail?.replace(/\r\n?/g, '\n').trimEnd()
  if (!tail) return []
  const lines = tail.split('\n')
  const kept = lines.slice(-MAX_LOG_LINES)
  const skipped = lines.length - kept.length
  return [
    `${event.name} log tail${skipped ? ` (last ${kept.length} of ${lines.length} lines)` : ''}:`,
    ...kept.map(l => `    ${cut(l)}`)
  ]
}

function eventDiagnosticLines(event: LifecycleEvent): string[] {
  const d = event.diagnostics
  const lines: string[] = []
  const what = codeAndMessage({ code: d?.errorCode, message: d?.message })
  if (what) lines.push(`${event.name} diagnostics: ${cut(what)}`)
  return [...lines, ...logTailLines(event)]
}

/** How the rollback went, as one sentence for the error line. */
function rollbackClause(
  snap: DeploymentSnapshot,
  rollback: DeploymentSnapshot | undefined
): string | undefined {
  const id = rollback?.id ?? snap.rollback?.deploymentId
  if (!id) return noRollbackClause(snap)
  if (!rollback) return `CodeDeploy started the rollback ${id}.`
  switch (rollback.phase) {
    case 'succeeded':
      return `The rollback ${id} succeeded: production traffic is back on the original task set.`
    case 'failed':
    case 'stopped':
      return `The rollback ${id} ${rollback.phase === 'failed' ? 'failed' : 'was stopped'} too (${
        codeAndMessage(rollback.error) ?? rollback.status
      }): check which task set serves production traffic in the console.`
    default:
      return `The rollback ${id} is ${rollback.status}.`
  }
}

/**
 * Without a rollback, nothing moved traffic back: past Install the replacement task set keeps
 * whatever share of production traffic it had when the deployment failed.
 */
function noRollbackClause(snap: DeploymentSnapshot): string | undefined {
  if (snap.phase !== 'failed' && snap.phase !== 'stopped') return undefined
  const replacement = snap.taskSets.find(t => t.role === 'replacement')
  if (!replacement)
    return 'No rollback was made; the deployment ended before a replacement task set served traffic'
  const why = snap.rollbackRuledOut ?? 'CodeDeploy named none within a minute of the end'
  return `No rollback was made (${why}): the replacement task set ${replacement.id} stays in place with ${replacement.trafficWeight}% of production traffic; deploy the previous revision, or fix forward`
}

function rollbackLines(snap: DeploymentSnapshot, rollback: DeploymentSnapshot | undefined): string[] {
  const lines: string[] = []
  // Once the rollback was followed to its end, the message read before it is stale.
  if (snap.rollback?.message && !rollback)
    lines.push(`Rollback: ${cut(oneLine(snap.rollback.message, MAX_LINE))}`)
  if (rollback) {
    const error = codeAndMessage(rollback.error)
    lines.push(`Rollback deployment ${rollback.id}: ${rollback.status}${error ? ` (${error})` : ''}`)
    for (const m of rollback.statusMessages) lines.push(`  ${cut(m)}`)
  }
  return lines
}

/** Where production traffic is, in words a user can act on; undefined when unknown. */
function trafficClause(
  snap: DeploymentSnapshot,
  rollback: DeploymentSnapshot | undefined,
  ctx: FailureContext
): string | undefined {
  const original = snap.taskSets.find(t => t.role === 'original')
  const onOriginal = rollback?.phase === 'succeeded' || original?.trafficWeight === 100
  if (!onOriginal) return undefined
  return ctx.previousTaskDefinition
    ? `The service still runs ${ctx.previousTaskDefinition}.`
    : 'Production traffic stays on the original task set.'
}

/** Is this stop the ready wait running out (nobody called ContinueDeployment in time)? */
function isReadyWaitTimeout(snap: DeploymentSnapshot): boolean {
  // Inferred (docs/aws-behaviour.md 21): its error code is undocumented; its message and timing tell.
  if (snap.phase !== 'stopped' || snap.error?.code === 'MANUAL_STOP') return false
  const text = [snap.error?.message ?? '', ...snap.statusMessages].join(' ')
  if (/ready|reroute|rerouting/i.test(text) && /wait|time/i.test(text)) return true
  const allowTrafficStarted = snap.events.some(
    e =>
      (e.name === 'BeforeAllowTraffic' || e.name === 'AllowTraffic') &&
      (e.startTime !== undefined || !['Pending', 'Unknown'].includes(e.status))
  )
  return snap.readyWaitUntil !== undefined && !allowTrafficStarted && snap.error?.code !== 'ALARM_ACTIVE'
}

function isAlarmStop(snap: DeploymentSnapshot): boolean {
  if (snap.error?.code === 'ALARM_ACTIVE') return true
  return [snap.error?.message ?? '', ...snap.statusMessages].some(t => /\balarms?\b/i.test(t))
}

function join(parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => Boolean(p))
    .map(sentence)
    .join(' ')
}

/** What to do next for a failed lifecycle event. */
function failedEventAdvice(event: LifecycleEvent | undefined, snap: DeploymentSnapshot): string {
  if (event?.hook) {
    return `Check the ${event.name} hook's CloudWatch logs (the Lambda function named in the AppSpec hooks), fix the hook or the service and deploy again`
  }
  if (snap.stoppedTasks.length) {
    return 'Fix what stops the new tasks (image, command, health check, secrets or roles of the task definition) and deploy again'
  }
  if (event?.name === 'Install') {
    return "The replacement task set did not become healthy: check the service's events and the new tasks' logs, fix the task definition and deploy again"
  }
  return 'See the details below and the deployment in the console, fix the cause and deploy again'
}

/**
 * The error line and diagnostics for a deployment that ended `failed` or `stopped`.
 * `rollback` is the rollback deployment CodeDeploy started, when it was read.
 */
export function describeFailure(
  snap: DeploymentSnapshot,
  rollback?: DeploymentSnapshot,
  ctx: FailureContext = {}
): FailureReport {
  const failed = failedEvent(snap)
  const during = failed ?? activeEvent(snap)
  const error = codeAndMessage(snap.error)
  const tasks = stoppedTasksClause(snap.stoppedTasks)
  const after = [rollbackClause(snap, rollback), trafficClause(snap, rollback, ctx)]
  let message: string

  if (snap.phase === 'stopped' && isAlarmStop(snap)) {
    const alarms = alarmNames([
      snap.error?.message ?? '',
      ...snap.statusMessages,
      snap.rollback?.message ?? ''
    ])
    const named = alarms.length
      ? `the CloudWatch alarm${alarms.length > 1 ? 's' : ''} ${alarms.join(', ')} went into ALARM`
      : 'a CloudWatch alarm of the deployment group went into ALARM'
    message = join([
      `Deployment ${snap.id} was stopped because ${named}${during ? ` during ${during.name}` : ''}`,
      error,
      ...after,
      'Find out what the alarm saw on the replacement tasks (metrics, logs), fix it and deploy again'
    ])
  } else if (isReadyWaitTimeout(snap)) {
    const until = snap.readyWaitUntil ? ` by ${snap.readyWaitUntil.toISOString()}` : ''
    message = join([
      `Deployment ${snap.id} was not continued in time: its ready wait ended${until} before production traffic was rerouted, so CodeDeploy stopped it`,
      error,
      ...after,
      'Deploy again and continue it within the wait (a later step with deployment-id and continue-deployment: true), or lengthen the ready wait of the deployment group'
    ])
  } else if (snap.phase === 'stopped') {
    const by =
      snap.error?.code === 'MANUAL_STOP' || !snap.error?.code
        ? 'manually (StopDeployment: the console, the CLI or another workflow)'
        : 'by CodeDeploy'
    message = join([
      `Deployment ${snap.id} was stopped ${by}${during ? ` during ${during.name}` : ''}`,
      error,
      ...after,
      'Deploy again when ready'
    ])
  } else {
    message = join([
      `Deployment ${snap.id} failed${failed ? ` in ${failed.name}` : ''}`,
      error,
      failed?.diagnostics?.message && failed.diagnostics.message !== snap.error?.message
        ? oneLine(failed.diagnostics.message)
        : undefined,
      tasks,
      ...after,
      failedEventAdvice(failed, snap)
    ])
  }

  const details = [
    ...(failed ? eventDiagnosticLines(failed) : []),
    ...stoppedTaskLines(snap.stoppedTasks),
    ...snap.statusMessages.map(m => `Status: ${cut(m)}`),
    ...rollbackLines(snap, rollback)
  ]
  return { message, details }
}

export interface InterruptionInput {
  /** The deployment as last read, when there was one. */
  snap?: DeploymentSnapshot
  /** Whether the step stopped the deployment with rollback (rollback-on-cancel). */
  stopped: boolean
  rollback?: DeploymentSnapshot
}

function whereItWas(snap: DeploymentSnapshot | undefined): string {
  if (!snap) return ''
  const event = activeEvent(snap)
  return ` while deployment ${snap.id} was ${snap.status}${event ? ` in ${event.name}` : ''}`
}

function interruptionOutcome(input: InterruptionInput, ifLeft: string): (string | undefined)[] {
  const { snap, stopped, rollback } = input
  if (!snap) return []
  if (!stopped) return [ifLeft]
  return [
    `The step stopped ${snap.id} with rollback (rollback-on-cancel)`,
    rollbackClause(snap, rollback) ?? (rollback ? undefined : 'How the rollback ends shows in the console')
  ]
}

function interruptionDetails(input: InterruptionInput): string[] {
  const { snap, rollback } = input
  if (!snap) return []
  const event = activeEvent(snap)
  return [
    ...(event ? eventDiagnosticLines(event) : []),
    ...stoppedTaskLines(snap.stoppedTasks),
    ...snap.statusMessages.map(m => `Status: ${cut(m)}`),
    ...rollbackLines(snap, rollback)
  ]
}

/** The wait ran out (`timeout-minutes`) before the step's goal was reached. */
export function describeTimeout(input: InterruptionInput & { minutes: number; goal: string }): FailureReport {
  const message = join([
    `Timed out after ${input.minutes} minutes waiting for ${input.goal}${whereItWas(input.snap)}`,
    ...interruptionOutcome(
      input,
      'The deployment goes on (rollback-on-cancel is false): follow it in the console, or stop it with stop-deployment'
    ),
    'Raise timeout-minutes if the deployment needs longer, or find out what holds it up in the details below'
  ])
  return { message, details: interruptionDetails(input) }
}
