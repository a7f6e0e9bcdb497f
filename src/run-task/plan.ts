// The one-off task (run-task) settled before anything is written: which containers it changes and
// whether they exist, where it runs (the inputs, else what the service does), whose exit codes
// decide, and where its containers log. Only reads: the revision to run is known once registered.
import {
  type ContainerDefinition,
  type ContainerOverride,
  DescribeTaskDefinitionCommand,
  type RunTaskCommandInput
} from '@aws-sdk/client-ecs'
import type { RunTaskInputs } from '../inputs/run-task.js'
import type { Plan } from '../plan/plan.js'
import { InputError } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'

/** A container's awslogs stream, less the task id that completes its name. */
export interface LogSource {
  container: string
  group: string
  /** awslogs-region; undefined: the step's region. */
  region?: string
  /** awslogs-stream-prefix: the stream is `<prefix>/<container>/<task id>`. */
  prefix: string
}

export interface OneOffTask {
  /** RunTask's request, less the revision, known once it is registered. */
  request: Omit<RunTaskCommandInput, 'taskDefinition'>
  cluster: string
  /** The containers whose exit codes decide: the essential ones, whose exit stops the task. */
  essential: string[]
  logs: LogSource[]
  /** Containers on awslogs without a stream prefix: their stream is named by a container id no API gives. */
  unnamedStreams: string[]
  waitForStop: boolean
}

/** Checks the run-task inputs against the task definition and the service; undefined when no task runs. */
export async function planOneOffTask(
  inputs: RunTaskInputs | undefined,
  plan: Plan,
  cluster: string,
  io: Io
): Promise<OneOffTask | undefined> {
  if (!inputs) return undefined
  const td = plan.register ?? (await existingTaskDefinition(plan, io))
  const containers = td.containerDefinitions ?? []
  const names = containers.map(c => c.name ?? '')
  const containerOverrides = withCommand(inputs, plan.containerName)
  const unknown = containerOverrides.map(o => o.name ?? '').filter(n => !names.includes(n))
  if (unknown.length > 0) {
    throw new InputError(
      `The task to run would change container ${unknown.join(', ')}, which the task definition does not have; it has ${names.map(n => `'${n}'`).join(', ')}.`,
      inputs.command !== undefined && inputs.commandContainer === undefined
        ? 'run-task-command runs in container-name; set run-task-container to the one it is for, and name containers in run-task-container-overrides as the task definition spells them.'
        : 'Name containers in run-task-container and run-task-container-overrides as the task definition spells them (case-sensitive).'
    )
  }
  const svc = plan.service
  return {
    request: {
      cluster,
      count: 1,
      startedBy: inputs.startedBy,
      ...(containerOverrides.length > 0 ? { overrides: { containerOverrides } } : {}),
      ...network(inputs, td.networkMode, svc?.networkConfiguration?.awsvpcConfiguration),
      ...(inputs.launchType !== undefined
        ? { launchType: inputs.launchType }
        : inputs.capacityProviderStrategy !== undefined
          ? { capacityProviderStrategy: inputs.capacityProviderStrategy }
          : {
              // As the service runs its tasks; the platform version is the service's only then.
              ...(svc?.capacityProviderStrategy
                ? { capacityProviderStrategy: svc.capacityProviderStrategy }
                : svc?.launchType
                  ? { launchType: svc.launchType as RunTaskCommandInput['launchType'] }
                  : {}),
              ...(svc?.platformVersion ? { platformVersion: svc.platformVersion } : {})
            }),
      ...(inputs.tags.length > 0 ? { tags: inputs.tags } : {})
    },
    cluster,
    essential: containers.filter(c => c.essential !== false).map(c => c.name ?? ''),
    logs: containers.flatMap(logSource),
    unnamedStreams: containers
      .filter(c => c.logConfiguration?.logDriver === 'awslogs' && !logSource(c).length)
      .map(c => c.name ?? ''),
    waitForStop: inputs.waitForStop
  }
}

/** run-task-command as the override of its container, merged with that container's other overrides. */
function withCommand(inputs: RunTaskInputs, containerName: string): ContainerOverride[] {
  const overrides = inputs.containerOverrides.map(o => ({ ...o }))
  if (inputs.command === undefined) return overrides
  const name = inputs.commandContainer ?? containerName
  const existing = overrides.find(o => o.name === name)
  if (existing?.command !== undefined) {
    throw new InputError(
      `run-task-command and run-task-container-overrides both set the command of container ${name}.`,
      'Keep one of them.'
    )
  }
  if (existing) existing.command = inputs.command
  else overrides.push({ name, command: inputs.command })
  return overrides
}

/**
 * The inputs' network configuration, each member the service's where not given: the official
 * action sends none, which RunTask refuses for an awsvpc task definition.
 */
function network(
  inputs: RunTaskInputs,
  networkMode: string | undefined,
  service:
    { subnets: string[]; securityGroups?: string[]; assignPublicIp?: 'ENABLED' | 'DISABLED' } | undefined
): Pick<RunTaskCommandInput, 'networkConfiguration'> {
  const given = [
    inputs.subnets && 'run-task-subnets',
    inputs.securityGroups && 'run-task-security-groups',
    inputs.assignPublicIp && 'run-task-assign-public-IP'
  ].filter(n => typeof n === 'string')
  if (networkMode !== 'awsvpc') {
    if (given.length > 0) {
      throw new InputError(
        `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set, but the task definition's network mode is ${networkMode ?? 'the default (bridge on EC2)'}, not awsvpc.`,
        'Only awsvpc tasks take subnets, security groups and a public IP: remove them, or use networkMode awsvpc.'
      )
    }
    return {}
  }
  const subnets = inputs.subnets ?? service?.subnets
  if (!subnets?.length) {
    throw new InputError(
      'The task definition uses networkMode awsvpc, so the task needs subnets, and the service has no network configuration to lend.',
      'Set run-task-subnets (and run-task-security-groups).'
    )
  }
  const securityGroups = inputs.securityGroups ?? service?.securityGroups
  const assignPublicIp = inputs.assignPublicIp ?? service?.assignPublicIp
  return {
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets,
        ...(securityGroups?.length ? { securityGroups } : {}),
        ...(assignPublicIp ? { assignPublicIp } : {})
      }
    }
  }
}

function logSource(c: ContainerDefinition): LogSource[] {
  const options = c.logConfiguration?.options ?? {}
  const group = options['awslogs-group']
  const prefix = options['awslogs-stream-prefix']
  if (c.logConfiguration?.logDriver !== 'awslogs' || !group || !prefix) return []
  const region = options['awslogs-region']
  return [{ container: c.name ?? '', group, prefix, ...(region ? { region } : {}) }]
}

/** The revision deployed as it is: its containers are read, since the plan has only its ARN. */
async function existingTaskDefinition(
  plan: Plan,
  io: Io
): Promise<{ containerDefinitions?: ContainerDefinition[]; networkMode?: string }> {
  const out = await io
    .aws()
    .ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: plan.existingArn ?? plan.family }))
  return out.taskDefinition ?? {}
}
