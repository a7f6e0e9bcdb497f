// The task definition as the log and the job summary show it: what changed against the running
// revision, and a copy with the values that may be secrets hidden.
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition
} from '@aws-sdk/client-ecs'
import { isObject } from '../plan/template.js'

type AnyTaskDefinition = RegisterTaskDefinitionCommandInput | TaskDefinition

/**
 * One line per change between the running revision and the one to deploy, for the job summary.
 * Environment variables are named, never shown: their values may be secrets.
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
    if (old.image !== container.image)
      lines.push(`${name}: image ${old.image ?? 'none'} → ${container.image ?? 'none'}`)
    const variables = environmentChanges(old, container)
    if (variables) lines.push(`${name}: environment ${variables}`)
  }
  for (const name of before.keys()) {
    if (!after.has(name)) lines.push(`container ${name} removed`)
  }
  for (const field of ['cpu', 'memory'] as const) {
    if (previous[field] !== next[field]) {
      lines.push(`task ${field}: ${previous[field] ?? 'unset'} → ${next[field] ?? 'unset'}`)
    }
  }
  return lines
}

function environmentChanges(old: ContainerDefinition, next: ContainerDefinition): string | undefined {
  const before = new Map((old.environment ?? []).map(e => [e.name ?? '', e.value]))
  const after = new Map((next.environment ?? []).map(e => [e.name ?? '', e.value]))
  const added = [...after.keys()].filter(n => !before.has(n))
  const removed = [...before.keys()].filter(n => !after.has(n))
  const changed = [...after.keys()].filter(n => before.has(n) && before.get(n) !== after.get(n))
  const parts = [
    added.length > 0 ? `added ${added.join(', ')}` : '',
    removed.length > 0 ? `removed ${removed.join(', ')}` : '',
    changed.length > 0 ? `changed ${changed.join(', ')}` : ''
  ].filter(p => p !== '')
  return parts.length > 0 ? parts.join('; ') : undefined
}

/** A copy fit for the log: every environment value becomes `***` (they may be secrets). */
export function redactTaskDefinition<T extends AnyTaskDefinition | Record<string, unknown>>(td: T): T {
  const copy = structuredClone(td) as { containerDefinitions?: unknown }
  if (Array.isArray(copy.containerDefinitions)) {
    for (const container of copy.containerDefinitions as unknown[]) {
      if (!isObject(container) || !Array.isArray(container.environment)) continue
      for (const variable of container.environment as unknown[]) {
        if (isObject(variable) && 'value' in variable) variable.value = '***'
      }
    }
  }
  return copy as T
}
