// The render action's inputs applied to the cleaned request: each line goes to the container it
// names, or to container-name's. Every container named must exist, and no container may get two
// images, commands or log drivers: both are mistakes the step would otherwise deploy.
import type { ContainerDefinition, LogDriver, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { KeyValue, Targeted, TaskDefinitionOverrides } from '../inputs/overrides.js'
import { InputError } from '../runtime/errors.js'

// ECS's limit on the tags of one resource.
const MAX_TAGS = 50

/**
 * Sets what the inputs give on `request` (a fresh copy: it is changed in place). `image` is the
 * `image` input, for container-name: a container-images line for the same container clashes with it.
 */
export function applyOverrides(
  request: RegisterTaskDefinitionCommandInput,
  o: TaskDefinitionOverrides,
  containerName: string,
  image: string | undefined
): void {
  const containers = request.containerDefinitions ?? []
  const byName = new Map(containers.map(c => [c.name ?? '', c]))
  const target = <T>(t: Targeted<T>): string => t.container ?? containerName

  const unknown = [
    ...o.containerImages.map(c => ({ name: c.container, at: `container-images line ${c.line}` })),
    ...perContainer(o).map(([input, t]) => ({ name: target(t), at: `${input} line ${t.line}` }))
  ].filter(u => !byName.has(u.name))
  if (unknown.length > 0) {
    const names = containers.map(c => `'${c.name ?? ''}'`).join(', ')
    throw new InputError(
      `${unknown.map(u => `${u.at} names container '${u.name}'`).join('; ')}, which the task definition does not have; it has ${names}.`,
      'Use the names as the task definition spells them (case-sensitive).'
    )
  }
  refuseTwice('image', [
    ...(image !== undefined ? [{ container: containerName, at: 'The image input' }] : []),
    ...o.containerImages.map(c => ({ container: c.container, at: `container-images line ${c.line}` }))
  ])
  refuseTwice(
    'command',
    o.command.map(t => ({ container: target(t), at: `command line ${t.line}` }))
  )
  refuseTwice(
    'log driver',
    o.logDriver.map(t => ({ container: target(t), at: `log-configuration-log-driver line ${t.line}` }))
  )

  const container = (t: Targeted<unknown>): ContainerDefinition => byName.get(target(t))!
  for (const { container: name, image: uri } of o.containerImages) byName.get(name)!.image = uri
  for (const t of o.secrets) {
    const secrets = (container(t).secrets ??= [])
    const existing = secrets.find(s => s.name === t.value.name)
    if (existing) existing.valueFrom = t.value.valueFrom
    else secrets.push({ ...t.value })
  }
  // The render action's meaning: the lines given for a container are its environment files.
  const envFiles = new Map<ContainerDefinition, string[]>()
  for (const t of o.envFiles) envFiles.set(container(t), [...(envFiles.get(container(t)) ?? []), t.value])
  for (const [c, arns] of envFiles) c.environmentFiles = arns.map(value => ({ value, type: 's3' }))
  for (const t of o.dockerLabels) (container(t).dockerLabels ??= {})[t.value.key] = t.value.value
  for (const t of o.command) {
    if (t.value.length > 0) container(t).command = t.value
    else delete container(t).command
  }
  for (const t of o.logDriver) {
    const c = container(t)
    // parseOverrides took it from the model's list of drivers.
    c.logConfiguration = { ...c.logConfiguration, logDriver: t.value as LogDriver }
  }
  for (const t of o.logOptions) {
    const c = container(t)
    if (!c.logConfiguration?.logDriver) {
      throw new InputError(
        `log-configuration-options line ${t.line} sets an option of ${c.name ?? ''}, which has no log driver.`,
        'Set its driver too, with a log-configuration-log-driver line for that container.'
      )
    }
    ;(c.logConfiguration.options ??= {})[t.value.key] = t.value.value
  }
  if (o.taskRoleArn !== undefined) request.taskRoleArn = o.taskRoleArn
  if (o.executionRoleArn !== undefined) request.executionRoleArn = o.executionRoleArn
  if (o.tags.length > 0) request.tags = mergeTags(request.tags ?? [], o.tags)
}

function perContainer(o: TaskDefinitionOverrides): [string, Targeted<unknown>][] {
  const inputs: [string, Targeted<unknown>[]][] = [
    ['secrets', o.secrets],
    ['env-files', o.envFiles],
    ['docker-labels', o.dockerLabels],
    ['command', o.command],
    ['log-configuration-log-driver', o.logDriver],
    ['log-configuration-options', o.logOptions]
  ]
  return inputs.flatMap(([input, list]) => list.map(t => [input, t] as [string, Targeted<unknown>]))
}

function refuseTwice(what: string, settings: { container: string; at: string }[]): void {
  const seen = new Map<string, string>()
  for (const { container, at } of settings) {
    const first = seen.get(container)
    if (first !== undefined) {
      throw new InputError(
        `${first} and ${at} both set the ${what} of container ${container}.`,
        'Keep one of them.'
      )
    }
    seen.set(container, at)
  }
}

/** The template's tags with the input's: a key in both takes the input's value. */
function mergeTags(template: { key?: string; value?: string }[], given: KeyValue[]): KeyValue[] {
  const byKey = new Map(template.map(t => [t.key ?? '', t.value ?? '']))
  for (const { key, value } of given) byKey.set(key, value)
  if (byKey.size > MAX_TAGS) {
    throw new InputError(
      `The revision would have ${byKey.size} tags (the template's and the tags input's); ECS allows ${MAX_TAGS}.`,
      'Remove some from the template or from the tags input.'
    )
  }
  return [...byKey].map(([key, value]) => ({ key, value }))
}
