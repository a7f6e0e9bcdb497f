// Turns what the backend reports about a failed, stopped, timed-out or cancelled deployment into
// the one `::error::` line (what failed and what to do) and the plain diagnostic lines after it.
// Pure: everything comes from snapshots, so the texts are the same for any backend.

import { circuitBreakerText, hookLabel, hookName } from '../watch/progress.js'
import type { DeploymentSnapshot, Hook, LifecycleEvent, StoppedTask } from '../watch/snapshot.js'

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

/** The previous revision, named when known, for advice to deploy it. */
function previousRevision(ctx: FailureContext): string {
  return ctx.previousTaskDefinition ? ` (${ctx.previousTaskDefinition})` : ''
}

/** How a rollback inside the same deployment went (ECS), or undefined when there was none. */
function inPlaceRollbackClause(snap: DeploymentSnapshot, ctx: FailureContext): string | undefined {
  if (!snap.revisions) return undefined
  const rb = snap.rollback
  const to = rb?.revision ? ` to ${rb.revision}` : ''
  if (rb?.outcome === 'succeeded') {
    return `ECS rolled back${to}: production traffic is back on the source revision${previousRevision(ctx)}`
  }
  if (rb?.outcome === 'failed') {
    return `The rollback${to} failed too: check the service's deployments tab in the console for which revision serves production traffic, and deploy the previous revision${previousRevision(ctx)}`
  }
  if (snap.phase === 'rolling-back') return `ECS is rolling back${to}; how it ends shows in the console`
  if (snap.phase !== 'stopped' && snap.phase !== 'failed') return undefined
  const target = snap.taskSets.find(t => t.role === 'replacement')
  const where =
    target && !snap.rolling
      ? `the target revision keeps ${target.trafficWeight}% of production traffic`
      : 'the service keeps the tasks it has of both revisions'
  return `No rollback was made: ${where}; deploy the previous revision${previousRevision(ctx)}, or fix forward`
}

/** How the rollback went, as one sentence for the error line. */
function rollbackClause(
  snap: DeploymentSnapshot,
  rollback: DeploymentSnapshot | undefined,
  ctx: FailureContext = {}
): string | undefined {
  // A stop's own read of the deployment's end, when there is one, says how the rollback went.
  if (snap.revisions) return inPlaceRollbackClause(rollback ?? snap, ctx)
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
  const rb = snap.rollback
  if (rb && (rb.revision !== undefined || rb.startedAt !== undefined)) {
    const to = rb.revision ? ` to ${rb.revision}` : ''
    const when = rb.startedAt ? `, started at ${rb.startedAt.toISOString()}` : ''
    const how = rb.outcome ? ` (${rb.outcome})` : ''
    const why = rb.message ? `: ${cut(oneLine(rb.message, MAX_LINE))}` : ''
    return [`Rollback${to}${when}${how}${why}`]
  }
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
  if (snap.revisions) return describeRevisionFailure(snap, ctx)
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

const HOOK_FAILURES = ['FAILED', 'TIMED_OUT']

function failedHooks(snap: DeploymentSnapshot): Hook[] {
  return (snap.hooks ?? []).filter(h => HOOK_FAILURES.includes(h.status))
}

/** The hooks, the circuit breaker and the alarms of ECS's own deployments, one line each. */
function watchedLines(snap: DeploymentSnapshot): string[] {
  const lines = (snap.hooks ?? []).map(h => `${hookName(h)}: ${h.status}`)
  const breaker = circuitBreakerText(snap.circuitBreaker)
  if (breaker) lines.push(`Circuit breaker: ${breaker}`)
  const alarms = snap.alarms
  if (alarms?.triggered.length) {
    lines.push(`Alarms triggered: ${alarms.triggered.map(a => cut(a)).join(', ')}`)
  } else if (alarms) {
    lines.push(`Alarms watched, none triggered: ${alarms.watched.map(a => cut(a)).join(', ')}`)
  }
  return lines
}

function hookClause(hook: Hook): string {
  const at = hook.stage ? ` at ${hook.stage}` : ''
  const name = hook.kind === 'pause' ? 'pause hook' : `hook ${hookLabel(hook)}`
  if (hook.status !== 'TIMED_OUT') return `The ${name}${at} failed`
  const action = hook.timeoutAction ? ` (timeout action ${hook.timeoutAction})` : ''
  return hook.kind === 'pause'
    ? `The ${name}${at} timed out: nobody continued it in time${action}`
    : `The ${name}${at} timed out${action}`
}

/** What to do next when a deployment between service revisions failed or stopped. */
function revisionAdvice(snap: DeploymentSnapshot, hook: Hook | undefined): string {
  if (hook?.kind === 'lambda') {
    return `Check the hook's CloudWatch logs (log group /aws/lambda/${hookLabel(hook).replace(/:.*$/, '')}), fix the hook or the service and deploy again`
  }
  if (hook?.status === 'TIMED_OUT') {
    return "Deploy again and continue the pause before it times out (a later step with deployment-id and continue-deployment: true), or lengthen its timeoutInMinutes in the service's lifecycle hooks"
  }
  if (hook) return 'Deploy again when ready'
  if (snap.stoppedTasks.length) {
    return 'Fix what stops the new tasks (image, command, health check, secrets or roles of the task definition) and deploy again'
  }
  if (snap.circuitBreaker?.status === 'TRIGGERED') {
    return "The new tasks did not start or stay healthy: check the service's events and the new tasks' logs, fix the task definition and deploy again"
  }
  if (snap.alarms?.triggered.length) {
    return "Find out what the alarm saw on the new revision's tasks (metrics, logs), fix it and deploy again"
  }
  if (snap.phase === 'stopped') return 'Deploy again when ready'
  return "See the details below and the service's deployments tab in the console, fix the cause and deploy again"
}

/** ECS's own deployments: the rollback runs inside the deployment, and hooks, breaker and alarms say why. */
function describeRevisionFailure(snap: DeploymentSnapshot, ctx: FailureContext): FailureReport {
  const stage = failedEvent(snap) ?? snap.events.find(e => e.status === 'Stopped') ?? activeEvent(snap)
  const hooks = failedHooks(snap)
  const breaker = circuitBreakerText(snap.circuitBreaker)
  const alarms = snap.alarms?.triggered ?? []
  const head =
    snap.phase === 'stopped'
      ? `Deployment ${snap.id} was stopped${stage ? ` during ${stage.name}` : ''}`
      : `Deployment ${snap.id} failed${stage ? ` in ${stage.name}` : ''}`
  const message = join([
    head,
    snap.error?.message ? oneLine(snap.error.message) : undefined,
    ...hooks.map(hookClause),
    stoppedTasksClause(snap.stoppedTasks),
    breaker ? `The circuit breaker counted ${breaker}` : undefined,
    alarms.length
      ? `CloudWatch alarm${alarms.length > 1 ? 's' : ''} ${alarms.map(a => oneLine(a, 120)).join(', ')} triggered`
      : undefined,
    inPlaceRollbackClause(snap, ctx),
    revisionAdvice(snap, hooks[0])
  ])
  const details = [
    ...watchedLines(snap),
    ...stoppedTaskLines(snap.stoppedTasks),
    ...snap.statusMessages.map(m => `Status: ${cut(m)}`),
    ...rollbackLines(snap, undefined)
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
    ...watchedLines(snap),
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
