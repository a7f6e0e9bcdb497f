// register-only: render and register the revision, set its outputs, report its changes, and deploy
// nothing. Several services that run one revision register it once; later jobs deploy that ARN as
// it is (task-definition: <arn>), so every service gets the very same revision. No deployment
// backend is asked anything: the service, when given, is only the comparison base.
import { DescribeTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { Inputs } from '../inputs/inputs.js'
import type { Step } from '../main.js'
import { InputError, errorMessage } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'
import { offlineError, offlineReason, readTaskDefinitionInput, revisionToRegister } from './plan.js'
import { deregisterTaskDefinition, printDryRunRevision, registerTaskDefinition } from './revision.js'
import { type ServiceInfo, readService } from './service.js'
import { type LoadedTaskDefinition, isObject, loadTaskDefinition } from './template.js'

/** What register-only registers, checked before the first write. */
export interface Registration {
  /** The revision to register; absent when task-definition names one and no input changes it. */
  register?: RegisterTaskDefinitionCommandInput
  /** That revision, output as it is. */
  existingArn?: string
  /** The service given: its running revision is the comparison base and previous-task-definition-arn. */
  service?: ServiceInfo
  /** What the new revision is compared with: the service's revision, else the family's latest ACTIVE one. */
  base?: string
  /** Set in dry-run when AWS could not be read: why, for the printout. */
  offline?: string
}

export async function prepareRegistration(inputs: Inputs, io: Io): Promise<Registration> {
  const source = readTaskDefinitionInput(inputs, io, io.env.GITHUB_WORKSPACE ?? process.cwd())
  const file = source.kind === 'file' ? source.template : undefined

  let service: ServiceInfo | undefined
  let loaded: LoadedTaskDefinition | undefined
  let offline: string | undefined
  try {
    const { ecs } = io.aws()
    service =
      inputs.service === undefined ? undefined : await readService(ecs, inputs.cluster, inputs.service)
    if (source.kind !== 'file') loaded = await loadTaskDefinition(ecs, source, service?.taskDefinitionArn)
  } catch (e) {
    offline = offlineReason(inputs, e)
  }
  const template = file ?? loaded?.template ?? offlineError(offline ?? '')

  const register = revisionToRegister(inputs, io, source, template, () =>
    containerName(inputs, service, template)
  )
  const base =
    service?.taskDefinitionArn ||
    (register && offline === undefined ? await latestOfFamily(io, register.family) : undefined)
  return { register, existingArn: register ? undefined : loaded?.arn, service, base, offline }
}

/**
 * The container that image, environment-variables and the per-container inputs without a
 * `<container>: ` prefix go to: container-name, else the service's load balancer container, else
 * the only container there is. No load balancer decides it for register-only without a service.
 */
function containerName(
  inputs: Inputs,
  service: ServiceInfo | undefined,
  template: Record<string, unknown>
): string {
  const named = inputs.containerName ?? service?.loadBalancer?.containerName
  if (named !== undefined) return named
  const containers = Array.isArray(template.containerDefinitions) ? template.containerDefinitions : []
  const names = containers.flatMap(c => (isObject(c) && typeof c.name === 'string' ? [c.name] : []))
  if (names.length === 1) return names[0]!
  throw new InputError(
    `register-only cannot tell which container image and the other per-container inputs are for: ${
      service ? `service ${service.serviceName} has no load balancer and ` : ''
    }the task definition has ${names.length === 0 ? 'no named container' : `containers ${names.join(', ')}`}.`,
    'Set container-name.'
  )
}

/**
 * The family's latest ACTIVE revision, read before this one is registered (afterwards it would be
 * this one): what a register-only step without a service compares against. Nothing to compare
 * with is no error: a new family has no revision yet, and the comparison is only for the report.
 */
async function latestOfFamily(io: Io, family: string | undefined): Promise<string | undefined> {
  if (!family) return undefined
  try {
    const out = await io.aws().ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))
    return out.taskDefinition?.taskDefinitionArn
  } catch (e) {
    io.info(`(No earlier revision of ${family} to compare with: ${errorMessage(e).split('\n')[0] ?? ''})`)
    return undefined
  }
}

/** The whole register-only step: what deploy() does up to the revision, then the report. */
export async function registerOnly(step: Step): Promise<void> {
  const { io, inputs, guard, reporter, outputs } = step
  const r = await prepareRegistration(inputs, io)
  if (inputs.dryRun) return printDryRun(r, step)
  if (r.service) outputs.previousTaskDefinition(r.service.taskDefinitionArn)
  let arn: string
  if (r.register) {
    const { ecs } = io.aws()
    const request = r.register
    // Until the step has reported, a failure or cancellation takes the revision back: no job
    // should deploy the revision of a step that failed.
    arn = await guard.register(
      () => registerTaskDefinition(ecs, request, ms => io.sleep(ms)),
      registered => deregisterTaskDefinition(ecs, registered)
    )
    io.info(`Registered ${arn}.`)
  } else {
    arn = r.existingArn ?? ''
    io.info(`Nothing to register: no input changes ${arn}, so it is the revision to deploy as it is.`)
  }
  outputs.taskDefinition(arn)
  await reporter.taskDefinition(arn, r.base, r)
  io.info(
    `register-only: nothing was deployed. Deploy this revision as it is with task-definition: ${arn} (the task-definition-arn output).`
  )
  await reporter.end({ outcome: 'registered' })
}

async function printDryRun(r: Registration, { io, reporter }: Step): Promise<void> {
  printDryRunRevision(
    io,
    r,
    `Task definition: ${r.existingArn ?? '?'} would be output as it is (no input changes it).`
  )
  io.info('Dry run (register-only): nothing was registered.')
  await reporter.dryRun()
}
