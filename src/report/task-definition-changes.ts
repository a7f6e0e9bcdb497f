// The task definition as the log and the job summary show it: what changed against the running
// revision, and a copy with the values that may be secrets hidden.
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition
} from '@aws-sdk/client-ecs'
import { isObject } from '../plan/template.js'

/** A revision, with its tags when DescribeTaskDefinition was asked for them. */
type AnyTaskDefinition =
  | RegisterTaskDefinitionCommandInput
  | (TaskDefinition & { tags?: RegisterTaskDefinitionCommandInput['tags'] })

/**
 * The values that may hold secrets, and are never shown: environment values (a token passed in
 * from the workflow), docker label and log option values (log drivers take tokens and passwords as
 * options, e.g. `splunk-token`). Only their names are.
 */
export const HIDDEN_VALUES = 'environment, docker label and log option values'

/**
 * One line per change between the running revision and the one to deploy, for the log and the job
 * summary. Values in HIDDEN_VALUES are named, never shown; secrets show their ARNs (the value stays
 * in the store).
 */
export function describeTaskDefinitionChanges(
  previous: AnyTaskDefinition,
  next: AnyTaskDefinition
): string[] {
  const lines: string[] = []
  const before = new Map((previous.containerDefinitions ?? []).map(c => [c.name ?? '', c]))
  const after = new Map((next.containerDefinitions ?? []).map(c => [c.name ?? '', c]))
  for (const [name, container] of after) {
    const old = before.get(name)
    if (!old) {
      lines.push(`container ${name} added (image ${container.image ?? 'none'})`)
      continue
    }
    lines.push(...containerChanges(old, container).map(change => `${name}: ${change}`))
  }
  for (const name of before.keys()) {
    if (!after.has(name)) lines.push(`container ${name} removed`)
  }
  for (const field of ['cpu', 'memory'] as const) {
    if (previous[field] !== next[field]) {
      lines.push(`task ${field}: ${previous[field] ?? 'unset'} → ${next[field] ?? 'unset'}`)
    }
  }
  const roles = [
    ['taskRoleArn', 'task role'],
    ['executionRoleArn', 'task execution role']
  ] as const
  for (const [field, label] of roles) {
    if (previous[field] !== next[field]) {
      lines.push(`${label}: ${previous[field] ?? 'none'} → ${next[field] ?? 'none'}`)
    }
  }
  const tags = keyedChanges(
    pairs(previous.tags, t => [t.key, t.value]),
    pairs(next.tags, t => [t.key, t.value]),
    (key, value) => `${key}=${value ?? ''}`
  )
  if (tags) lines.push(`tags ${tags}`)
  return lines
}

function containerChanges(old: ContainerDefinition, next: ContainerDefinition): string[] {
  const changes: string[] = []
  if (old.image !== next.image) changes.push(`image ${old.image ?? 'none'} → ${next.image ?? 'none'}`)
  const named = (label: string, change: string | undefined): void => {
    if (change) changes.push(`${label} ${change}`)
  }
  named(
    'environment',
    keyedChanges(
      pairs(old.environment, e => [e.name, e.value]),
      pairs(next.environment, e => [e.name, e.value])
    )
  )
  named(
    'secrets',
    keyedChanges(
      pairs(old.secrets, s => [s.name, s.valueFrom]),
      pairs(next.secrets, s => [s.name, s.valueFrom]),
      (name, arn) => `${name}=${arn ?? ''}`
    )
  )
  const files = (c: ContainerDefinition): string =>
    (c.environmentFiles ?? []).map(f => f.value ?? '').join(', ') || 'none'
  if (files(old) !== files(next)) changes.push(`environment files ${files(old)} → ${files(next)}`)
  named(
    'docker labels',
    keyedChanges(
      new Map(Object.entries(old.dockerLabels ?? {})),
      new Map(Object.entries(next.dockerLabels ?? {}))
    )
  )
  const command = (c: ContainerDefinition): string =>
    c.command && c.command.length > 0 ? JSON.stringify(c.command) : 'none'
  if (command(old) !== command(next)) changes.push(`command ${command(old)} → ${command(next)}`)
  const driver = (c: ContainerDefinition): string => c.logConfiguration?.logDriver ?? 'none'
  if (driver(old) !== driver(next)) changes.push(`log driver ${driver(old)} → ${driver(next)}`)
  named(
    'log options',
    keyedChanges(
      new Map(Object.entries(old.logConfiguration?.options ?? {})),
      new Map(Object.entries(next.logConfiguration?.options ?? {}))
    )
  )
  return changes
}

function pairs<T>(
  list: T[] | undefined,
  entry: (item: T) => [string | undefined, string | undefined]
): Map<string, string | undefined> {
  return new Map(
    (list ?? []).map(item => {
      const [key, value] = entry(item)
      return [key ?? '', value]
    })
  )
}

/**
 * `added A, B; removed C; changed D`, or undefined when nothing changed. Keys are shown as
 * `show` makes them: their name alone unless the value may be shown.
 */
function keyedChanges(
  before: Map<string, string | undefined>,
  after: Map<string, string | undefined>,
  show: (key: string, value: string | undefined) => string = key => key
): string | undefined {
  const added = [...after.keys()].filter(k => !before.has(k))
  const removed = [...before.keys()].filter(k => !after.has(k))
  const changed = [...after.keys()].filter(k => before.has(k) && before.get(k) !== after.get(k))
  const parts = [
    added.length > 0 ? `added ${added.map(k => show(k, after.get(k))).join(', ')}` : '',
    removed.length > 0 ? `removed ${removed.join(', ')}` : '',
    changed.length > 0 ? `changed ${changed.map(k => show(k, after.get(k))).join(', ')}` : ''
  ].filter(p => p !== '')
  return parts.length > 0 ? parts.join('; ') : undefined
}

/** A copy fit for the log: every value named in HIDDEN_VALUES becomes `***`. */
export function redactTaskDefinition<T extends AnyTaskDefinition | Record<string, unknown>>(td: T): T {
  const copy = structuredClone(td) as { containerDefinitions?: unknown }
  if (Array.isArray(copy.containerDefinitions)) {
    for (const container of copy.containerDefinitions as unknown[]) {
      if (!isObject(container)) continue
      if (Array.isArray(container.environment)) {
        for (const variable of container.environment as unknown[]) {
          if (isObject(variable) && 'value' in variable) variable.value = '***'
        }
      }
      hideMapValues(container.dockerLabels)
      if (isObject(container.logConfiguration)) hideMapValues(container.logConfiguration.options)
    }
  }
  return copy as T
}

function hideMapValues(map: unknown): void {
  if (!isObject(map)) return
  for (const key of Object.keys(map)) map[key] = '***'
}
