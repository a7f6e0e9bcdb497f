// The job summary: one Markdown page that says how the run ended, what was deployed, how the
// deployment went step by step (table and Gantt chart) and, on failure, why. Pure: the caller
// hands it to `core.summary.addRaw(...)`.
//
// Everything that comes from AWS or the user is escaped: a hook's log or a task's stopped reason
// could otherwise inject Markdown, HTML or break a table. The report never receives environment
// variable values (`taskDefinition.changes` names variables only), so none can leak here.

import { taskDefinitionConsoleUrl } from './console-url.js'
import { type TimelineEntry, type TrafficStep, elapsed, formatDuration } from '../watch/progress.js'

export type { TimelineEntry, TrafficStep }

export type RunOutcome =
  | 'succeeded'
  | 'goal-reached'
  | 'failed'
  | 'stopped'
  | 'timeout'
  | 'cancelled'
  | 'handed-off'
  | 'not-deployed'
  | 'dry-run'
  | 'registered'

export interface RunReport {
  outcome: RunOutcome
  /** The step's goal when it was not the deployment's end: `ready`, `traffic-shifted`, ... */
  goal?: string
  region: string
  taskDefinition?: { arn?: string; previousArn?: string; changes: string[] }
  deployment?: {
    id: string
    url: string
    status: string
    applicationName?: string
    deploymentGroupName?: string
    deploymentConfigName?: string
    trafficRouting?: string
  }
  timeline: TimelineEntry[]
  traffic: TrafficStep[]
  startedAt: Date
  endedAt: Date
  failure?: { message: string; details: string[] }
  rollback?: { id: string; status: string; url: string }
  appSpec?: string
  github?: { deploymentId?: number; environment?: string }
}

const HEADLINES: Record<RunOutcome, string> = {
  succeeded: '✅ Deployment succeeded',
  'goal-reached': '✅ Goal reached',
  failed: '❌ Deployment failed',
  stopped: '🛑 Deployment stopped',
  timeout: '⏱️ Timed out',
  cancelled: '🚫 Run cancelled',
  'handed-off': '↪️ Deployment created, not waited for',
  'not-deployed': '❌ Nothing deployed',
  'dry-run': '🧪 Dry run: nothing was changed in AWS',
  registered: '📦 Revision registered, nothing deployed (register-only)'
}

const GOALS: Record<string, string> = {
  ready: 'the replacement serves test traffic and waits to be rerouted',
  'traffic-shifted': 'all production traffic is on the replacement',
  succeeded: 'the deployment succeeded'
}

/** Escapes text for Markdown and inline HTML, table cells included. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ')
}

/** A link only for http(s) URLs; the label is escaped, the URL cannot close the link early. */
function link(label: string, url: string | undefined): string {
  const text = escapeMarkdown(label)
  if (!url || !/^https?:\/\//i.test(url)) return text
  const safe = url.replace(
    /[()\s<>]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
  )
  return `[${text}](${safe})`
}

/** A fenced block whose fence is longer than any backtick run inside, so content cannot end it. */
function fence(content: string, lang = ''): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map(m => m[0].length))
  const marks = '`'.repeat(Math.max(3, longest + 1))
  return `${marks}${lang}\n${content.replace(/\s+$/, '')}\n${marks}`
}

function revisionName(arn: string): string {
  return arn.startsWith('arn:') ? (arn.split('/').pop() ?? arn) : arn
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map(r => `| ${r.join(' | ')} |`)
  ]
}

function headline(r: RunReport): string {
  const goal = r.outcome === 'goal-reached' && r.goal ? `: ${GOALS[r.goal] ?? r.goal}` : ''
  return `### ${HEADLINES[r.outcome]}${escapeMarkdown(goal)}`
}

function overview(r: RunReport): string[] {
  const rows: string[][] = []
  const td = r.taskDefinition
  if (td?.arn) {
    const previous = td.previousArn
      ? ` (previous: ${link(revisionName(td.previousArn), taskDefinitionConsoleUrl(r.region, td.previousArn))})`
      : ''
    rows.push([
      'Task definition',
      `${link(revisionName(td.arn), taskDefinitionConsoleUrl(r.region, td.arn))}${previous}`
    ])
  } else if (td?.previousArn) {
    rows.push([
      'Previous task definition',
      link(revisionName(td.previousArn), taskDefinitionConsoleUrl(r.region, td.previousArn))
    ])
  }
  const d = r.deployment
  if (d) {
    rows.push(['Deployment', `${link(d.id, d.url)}: ${escapeMarkdown(d.status)}`])
    if (d.applicationName || d.deploymentGroupName) {
      rows.push([
        'Application / group',
        [d.applicationName, d.deploymentGroupName].map(x => escapeMarkdown(x ?? '?')).join(' / ')
      ])
    }
    if (d.deploymentConfigName) {
      const routing = d.trafficRouting ? ` (${escapeMarkdown(d.trafficRouting)})` : ''
      rows.push(['Configuration', `${escapeMarkdown(d.deploymentConfigName)}${routing}`])
    }
  }
  if (r.rollback) {
    rows.push(['Rollback', `${link(r.rollback.id, r.rollback.url)}: ${escapeMarkdown(r.rollback.status)}`])
  }
  if (r.github?.environment) {
    const id = r.github.deploymentId !== undefined ? ` (GitHub deployment ${r.github.deploymentId})` : ''
    rows.push(['Environment', `${escapeMarkdown(r.github.environment)}${id}`])
  }
  rows.push(['Region', escapeMarkdown(r.region)])
  rows.push([
    'Duration',
    `${formatDuration(r.endedAt.getTime() - r.startedAt.getTime())} (${r.startedAt.toISOString()} to ${r.endedAt.toISOString()})`
  ])
  return table(['', ''], rows)
}

function changes(r: RunReport): string[] {
  const td = r.taskDefinition
  if (!td?.changes.length) return []
  const against = td.previousArn ? ` against ${escapeMarkdown(revisionName(td.previousArn))}` : ''
  return [`#### Changes${against}`, '', ...td.changes.map(c => `- ${escapeMarkdown(c)}`)]
}

function timing(r: RunReport, e: TimelineEntry): string[] {
  return [
    e.start ? elapsed(r.startedAt, e.start) : '',
    e.start && e.end ? formatDuration(e.end.getTime() - e.start.getTime()) : ''
  ]
}

function timelineTable(r: RunReport): string[] {
  const events = r.timeline.filter(e => e.kind !== 'hook')
  if (!events.length) return []
  const rows = events.map(e => [escapeMarkdown(e.name), ...timing(r, e), escapeMarkdown(e.status)])
  // A deployment between service revisions goes through stages where CodeDeploy has lifecycle events.
  return events.some(e => e.kind === 'stage')
    ? ['#### Stages', '', ...table(['Stage', 'Start', 'Duration', 'Status'], rows)]
    : ['#### Lifecycle events', '', ...table(['Event', 'Start', 'Duration', 'Status'], rows)]
}

/** Lifecycle hooks of ECS's own deployments: each run, timed from when it was seen to begin and end. */
function hooksTable(r: RunReport): string[] {
  const hooks = r.timeline.filter(e => e.kind === 'hook')
  if (!hooks.length) return []
  const rows = hooks.map(h => [
    escapeMarkdown(h.name),
    escapeMarkdown(h.stage ?? ''),
    ...timing(r, h),
    escapeMarkdown(h.status)
  ])
  return ['#### Hooks', '', ...table(['Hook', 'Stage', 'Seen', 'Duration', 'Status'], rows)]
}

const SECTIONS: Record<string, string> = {
  BeforeInstall: 'Install',
  Install: 'Install',
  AfterInstall: 'Install',
  AllowTestTraffic: 'Test traffic',
  AfterAllowTestTraffic: 'Test traffic',
  BeforeAllowTraffic: 'Production traffic',
  AllowTraffic: 'Production traffic',
  AfterAllowTraffic: 'Production traffic',
  RECONCILE_SERVICE: 'Scale up',
  PRE_SCALE_UP: 'Scale up',
  SCALE_UP: 'Scale up',
  POST_SCALE_UP: 'Scale up',
  TEST_TRAFFIC_SHIFT: 'Test traffic',
  POST_TEST_TRAFFIC_SHIFT: 'Test traffic',
  PRODUCTION_TRAFFIC_SHIFT: 'Production traffic',
  POST_PRODUCTION_TRAFFIC_SHIFT: 'Production traffic',
  BAKE_TIME: 'Bake time',
  CLEAN_UP: 'Clean up'
}

/** Mermaid reads `:` as the end of a task name and `#`/`;` as comment and statement marks. */
function mermaidText(text: string): string {
  return (
    text
      .replace(/[:;#\r\n]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || '?'
  )
}

/** A hook's status in the words the chart's tags know. */
function ganttStatus(e: TimelineEntry): string {
  if (e.kind !== 'hook') return e.status
  if (e.status === 'SUCCEEDED') return 'Succeeded'
  if (e.status === 'FAILED' || e.status === 'TIMED_OUT') return 'Failed'
  return 'InProgress'
}

function ganttTags(status: string): string {
  switch (status) {
    case 'Failed':
      return 'crit, done, '
    case 'InProgress':
      return 'active, '
    case 'Succeeded':
    case 'Skipped':
      return 'done, '
    default:
      return ''
  }
}

/** The timeline as a Gantt chart; events that never started have no bar. */
export function ganttChart(r: RunReport): string | undefined {
  const started = r.timeline.filter((e): e is TimelineEntry & { start: Date } => e.start !== undefined)
  if (!started.length) return undefined
  const first = Math.min(...started.map(e => e.start.getTime()))
  const last = Math.max(...started.map(e => (e.end ?? r.endedAt).getTime()))
  const lines = [
    'gantt',
    `  title ${mermaidText(r.deployment ? `Deployment ${r.deployment.id}` : 'Deployment')}`,
    '  dateFormat x',
    `  axisFormat ${last - first >= 3_600_000 ? '%H:%M' : '%H:%M:%S'}`,
    '  todayMarker off'
  ]
  let section: string | undefined
  started.forEach((e, i) => {
    const name = e.kind === 'hook' ? 'Hooks' : (SECTIONS[e.name] ?? 'Other')
    if (name !== section) {
      section = name
      lines.push(`  section ${name}`)
    }
    const start = e.start.getTime()
    // A bar of zero width does not show; an instant event gets one second.
    const end = Math.max((e.end ?? r.endedAt).getTime(), start + 1000)
    const label = e.kind === 'hook' && e.stage ? `${e.name} at ${e.stage}` : e.name
    lines.push(`  ${mermaidText(label)} :${ganttTags(ganttStatus(e))}e${i}, ${start}, ${end}`)
  })
  return fence(lines.join('\n'), 'mermaid')
}

function trafficTable(r: RunReport): string[] {
  if (!r.traffic.length) return []
  const rows = r.traffic.map(t => [elapsed(r.startedAt, t.at), `${t.original}%`, `${t.replacement}%`])
  return ['#### Production traffic', '', ...table(['Time', 'Original', 'Replacement'], rows)]
}

function result(r: RunReport): string[] {
  const lines = ['#### Result', '']
  const d = r.deployment
  if (r.failure) {
    lines.push(`> ${escapeMarkdown(r.failure.message)}`)
  } else if (r.outcome === 'dry-run') {
    lines.push(
      r.appSpec
        ? 'The task definition and AppSpec were rendered and validated; nothing was registered or deployed.'
        : 'The task definition was rendered and validated; nothing was registered.'
    )
  } else if (d) {
    lines.push(`Deployment ${link(d.id, d.url)} ended this step as ${escapeMarkdown(d.status)}.`)
  } else if (r.outcome === 'registered' && r.taskDefinition?.arn) {
    lines.push(
      `Nothing was deployed. Deploy this revision as it is with task-definition: ${escapeMarkdown(r.taskDefinition.arn)}`
    )
  } else {
    lines.push(escapeMarkdown(HEADLINES[r.outcome].replace(/^\S+\s/, '')))
  }
  if (r.failure?.details.length) {
    lines.push(
      '',
      '<details><summary>Diagnostics</summary>',
      '',
      fence(r.failure.details.join('\n'), 'text'),
      '',
      '</details>'
    )
  }
  return lines
}

function appSpec(r: RunReport): string[] {
  if (!r.appSpec) return []
  return ['<details><summary>AppSpec</summary>', '', fence(r.appSpec, 'json'), '', '</details>']
}

export function renderSummary(r: RunReport): string {
  const gantt = ganttChart(r)
  const blocks: string[][] = [
    [headline(r)],
    overview(r),
    changes(r),
    timelineTable(r),
    hooksTable(r),
    gantt ? [gantt] : [],
    trafficTable(r),
    result(r),
    appSpec(r)
  ]
  return `${blocks
    .filter(b => b.length)
    .map(b => b.join('\n'))
    .join('\n\n')}\n`
}

/** A section of its own after the report: the summary file is appended to, never rewritten. */
export function renderSection(heading: string, text: string): string {
  return `#### ${escapeMarkdown(heading)}\n\n${escapeMarkdown(text)}\n`
}

/**
 * The post step's summary, after a deploy step that was cancelled or killed: how the deployment it
 * stopped and the rollback ended, which the main step could no longer see.
 */
export function postSummary(p: {
  deployment: { id: string; status: string; url: string }
  rollback?: { id: string; status: string; url: string }
}): string {
  const rows = [
    ['Deployment', `${link(p.deployment.id, p.deployment.url)}: ${escapeMarkdown(p.deployment.status)}`]
  ]
  if (p.rollback) {
    rows.push(['Rollback', `${link(p.rollback.id, p.rollback.url)}: ${escapeMarkdown(p.rollback.status)}`])
  }
  const back = p.rollback
    ? p.rollback.status === 'Succeeded'
      ? 'The rollback succeeded: production traffic is back on the original task set.'
      : 'The rollback did not succeed: check which task set serves production traffic in the console.'
    : endAfterStop(p.deployment.status)
  return `${['### 🚫 Deploy step cut short', table(['', ''], rows).join('\n'), back].join('\n\n')}\n`
}

/** How a deployment the post step stopped ended, when no rollback deployment of its own followed. */
function endAfterStop(status: string): string {
  switch (status) {
    case 'Succeeded':
    case 'SUCCESSFUL':
      return 'The deployment had succeeded before it could be stopped.'
    case 'ROLLBACK_SUCCESSFUL':
      return 'ECS rolled the deployment back: the service runs the previous revision again.'
    case 'ROLLBACK_FAILED':
    case 'STOPPED':
      return "ECS did not roll the deployment back: check which revision serves production traffic in the service's deployments tab."
    default:
      return 'CodeDeploy made no rollback deployment.'
  }
}
