import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import {
  type AppSpecFile,
  defaultAppSpecName,
  parseAppSpecFile
} from '../backends/codedeploy/appspec-file.js'
import {
  ActionError,
  AwsAccessError,
  InputError,
  awsCallOf,
  credentialsHint,
  errorMessage
} from '../runtime/errors.js'
import type { Inputs } from '../inputs/inputs.js'
import { changesTaskDefinition } from '../inputs/overrides.js'
import type { TrafficRouting } from '../watch/snapshot.js'
import type { Io } from '../runtime/io.js'
import { type DeploymentGroupInfo, findDeploymentGroup } from '../backends/codedeploy/deployment-group.js'
import { getTrafficRouting } from '../backends/codedeploy/traffic-routing.js'
import { type ServiceInfo, describeService } from './service.js'
import { validateImage } from './image.js'
import { containerPortMappings, renderTaskDefinition } from './render.js'
import {
  type TaskDefinitionSource,
  classifyTaskDefinitionInput,
  loadTaskDefinition,
  parseTaskDefinitionTemplate
} from './template.js'
import { deriveTimeoutMinutes } from '../watch/timeout.js'
import { deriveEcsTimeoutMinutes, gateHooks } from '../backends/ecs/configuration.js'
import { findInWorkspace } from './workspace.js'

/**
 * The task-definition input found, and with the image input checked before AWS is read. A file is
 * read and checked too, its template parsed: its mistakes are found without credentials.
 */
export function readTaskDefinitionInput(
  inputs: Inputs,
  io: Io,
  workspace: string
): Exclude<TaskDefinitionSource, { kind: 'file' }> | { kind: 'file'; template: Record<string, unknown> } {
  if (inputs.image !== undefined) validateImage(inputs.image)
  const source = classifyTaskDefinitionInput(
    inputs.taskDefinition,
    given => findInWorkspace(io, workspace, 'task-definition', given),
    workspace
  )
  return source.kind === 'file'
    ? { kind: 'file', template: parseTaskDefinitionTemplate(source.text, source.path) }
    : source
}

/**
 * The revision to register: `template` rendered with the inputs, or none when the input names a
 * registered revision (or the service's) and no input changes it, which is then used as it is.
 * `containerName` is asked only when there is something to render.
 */
export function revisionToRegister(
  inputs: Inputs,
  io: Io,
  start: { kind: string },
  template: Record<string, unknown>,
  containerName: () => string
): RegisterTaskDefinitionCommandInput | undefined {
  const asIs =
    start.kind !== 'file' &&
    inputs.image === undefined &&
    inputs.environment.length === 0 &&
    !changesTaskDefinition(inputs.overrides)
  if (asIs) return undefined
  return renderTaskDefinition(template, {
    containerName: containerName(),
    image: inputs.image,
    environment: inputs.environment,
    overrides: inputs.overrides,
    fromAws: start.kind !== 'file',
    warn: m => {
      io.warning(m, 'Task definition')
    }
  })
}

/** Everything a deployment needs, checked before the first write to AWS. */
export interface Plan {
  service?: ServiceInfo
  /**
   * Who deploys: the service's deployment controller decides, never an input. A dry run that could
   * not read the service plans for CodeDeploy, which the inputs can describe alone.
   */
  backend: 'codedeploy' | 'ecs'
  group?: DeploymentGroupInfo
  trafficRouting?: TrafficRouting
  deploymentConfigName?: string
  /** The revision to register; absent when an existing revision is deployed as it is. */
  register?: RegisterTaskDefinitionCommandInput
  /** The existing revision deployed as it is (promotion, redeploying a known-good revision). */
  existingArn?: string
  family: string
  containerName: string
  /** The load balancer's port: CodeDeploy's AppSpec needs it; ECS's own deployments do not. */
  containerPort?: number
  appSpecFile?: AppSpecFile
  timeoutMinutes: number
  /** Set in dry-run when AWS could not be read: why, for the printout. */
  offline?: string
}

export async function preparePlan(inputs: Inputs, io: Io): Promise<Plan> {
  const workspace = io.env.GITHUB_WORKSPACE ?? process.cwd()
  const start = readTaskDefinitionInput(inputs, io, workspace)
  // A file named by the input is checked before AWS is read; one found by default may not apply.
  // Its mistakes are reported once the service is known: on a service ECS deploys, the input
  // itself is the mistake, and that is what the step says.
  let named: AppSpecFile | undefined
  let namedError: Error | undefined
  try {
    named = inputs.appspecPath === undefined ? undefined : readAppSpecFile(inputs, io, workspace)
  } catch (e) {
    namedError = e instanceof Error ? e : new Error(String(e))
  }

  const aws = await discover(inputs, io).catch((e: unknown) => {
    throw namedError ?? e
  })
  const { service, group } = aws
  const backend = service?.deploymentController === 'ECS' ? 'ecs' : 'codedeploy'
  if (service && backend === 'ecs') checkEcsInputs(inputs, service)
  if (namedError) throw namedError
  if (backend === 'ecs') noticeUnusedAppSpecFile(io, workspace)
  const appSpecFile = backend === 'ecs' ? undefined : (named ?? readAppSpecFile(inputs, io, workspace))
  const loaded =
    start.kind === 'file'
      ? { template: start.template, arn: undefined }
      : aws.offline !== undefined
        ? offlineError(aws.offline)
        : await loadTaskDefinition(io.aws().ecs, start, service?.taskDefinitionArn)

  const lb = service?.loadBalancer
  const containerName =
    inputs.containerName ??
    appSpecFile?.containerName ??
    lb?.containerName ??
    (backend === 'ecs' ? onlyContainer(loaded.template) : undefined)
  const containerPort = inputs.containerPort ?? appSpecFile?.containerPort ?? lb?.containerPort
  if (containerName === undefined) {
    throw new InputError(
      `No container-name to deploy: the inputs, the AppSpec file and the service do not name one${backend === 'ecs' ? ', and the task definition has several containers' : ''}.`,
      'Set container-name to the container whose image this step sets.'
    )
  }
  if (backend === 'codedeploy' && containerPort === undefined) {
    throw new InputError(
      'No container-port to deploy: the inputs, the AppSpec file and the service do not name one.',
      'Set container-name and container-port (the container and port of the service load balancer).'
    )
  }
  if (
    backend === 'codedeploy' &&
    service &&
    lb &&
    (lb.containerName !== containerName || lb.containerPort !== containerPort)
  ) {
    throw new InputError(
      `Service ${service.serviceName} routes its load balancer to container ${lb.containerName} port ${lb.containerPort}, not ${containerName} port ${containerPort}.`,
      'CodeDeploy can only shift traffic to the container and port of the service load balancer: fix container-name/container-port or the AppSpec file.'
    )
  }

  const register = revisionToRegister(inputs, io, start, loaded.template, () => containerName)
  const ports = containerPortMappings(register ?? loaded.template, containerName)
  if (containerPort !== undefined && !ports.includes(containerPort)) {
    throw new InputError(
      `Container ${containerName} does not map port ${containerPort} (its port mappings: ${ports.length > 0 ? ports.join(', ') : 'none'}).`,
      'Set container-port to one of its containerPort values, or add the port to the task definition.'
    )
  }

  const family =
    register?.family ?? (typeof loaded.template.family === 'string' ? loaded.template.family : '')
  warnAboutGroup(inputs, io, group)
  const timeoutMinutes =
    inputs.timeoutMinutes ??
    (backend === 'ecs'
      ? deriveEcsTimeoutMinutes(service?.deploymentConfiguration, inputs.waitUntil)
      : deriveTimeout(inputs, group, aws.trafficRouting, appSpecFile?.hooks.length ?? 0))
  if (timeoutMinutes > 60 && io.env.AWS_SESSION_TOKEN && inputs.waitForDeployment) {
    io.warning(
      `This step may wait ${Math.round(timeoutMinutes)} minutes, longer than the default one-hour session of assumed-role credentials; expired credentials end the watch.`,
      'Session may expire'
    )
  }
  return {
    service,
    backend,
    group,
    trafficRouting: aws.trafficRouting,
    deploymentConfigName: inputs.deploymentConfig ?? group?.deploymentConfigName,
    register,
    existingArn: register ? undefined : loaded.arn,
    family,
    containerName,
    containerPort,
    appSpecFile,
    timeoutMinutes,
    offline: aws.offline
  }
}

/** The AppSpec file: the one codedeploy-appspec names, else appspec.yaml/.yml/.json when there. */
function readAppSpecFile(inputs: Inputs, io: Io, workspace: string): AppSpecFile | undefined {
  const given = inputs.appspecPath
  const name = given ?? defaultAppSpecName(workspace, p => io.realPath(p) !== undefined)
  if (name === undefined) return undefined
  const found = findInWorkspace(io, workspace, given ? 'codedeploy-appspec' : 'The AppSpec file', name)
  if (found.kind !== 'file') {
    throw new InputError(
      `${given ? 'codedeploy-appspec' : 'The AppSpec file'} '${name}' is ${found.kind === 'directory' ? 'a directory' : 'not a file in the workspace'}.`,
      given
        ? 'Fix the path, or remove the input to build the AppSpec from the service.'
        : 'Remove it, or make it an ECS AppSpec file.'
    )
  }
  // A file picked up by default changes the deployment: the log says which one, and why.
  io.info(
    given
      ? `AppSpec file: ${name} (codedeploy-appspec).`
      : `AppSpec file: ${name}, found in the workspace (codedeploy-appspec is not set).`
  )
  const file = parseAppSpecFile(found.text, name)
  for (const warning of file.warnings) io.warning(warning, 'AppSpec file')
  return file
}

interface Discovery {
  service?: ServiceInfo
  group?: DeploymentGroupInfo
  trafficRouting?: TrafficRouting
  offline?: string
}

async function discover(inputs: Inputs, io: Io): Promise<Discovery> {
  try {
    const service = await describeService(io.aws().ecs, inputs.cluster, inputs.service ?? '')
    // ECS's own deployments need no CodeDeploy: its client is not even created.
    if (service.deploymentController === 'ECS') return { service }
    const { codedeploy } = io.aws()
    const group = await findDeploymentGroup(codedeploy, service, {
      application: inputs.application,
      deploymentGroup: inputs.deploymentGroup
    })
    const trafficRouting = await getTrafficRouting(
      codedeploy,
      inputs.deploymentConfig ?? group.deploymentConfigName
    )
    return { service, group, trafficRouting }
  } catch (e) {
    return { offline: offlineReason(inputs, e) }
  }
}

/** Why AWS could not be read, for a dry run that goes on without it; any other run fails with the error. */
export function offlineReason(inputs: Pick<Inputs, 'dryRun'>, e: unknown): string {
  const reason = credentialsHint(e)
  // dry-run works without credentials when the inputs suffice; a real run needs AWS.
  if (!inputs.dryRun || (reason instanceof ActionError && !(reason instanceof AwsAccessError))) throw reason
  const call = awsCallOf(reason)
  return `${call ? `${call.operation}: ` : ''}${errorMessage(reason).split('\n')[0] ?? ''}`
}

/** Inputs that only CodeDeploy reads: on a service ECS deploys itself they would silently do nothing. */
const CODEDEPLOY_INPUTS = [
  ['codedeploy-appspec', 'appspecPath'],
  ['codedeploy-application', 'application'],
  ['codedeploy-deployment-group', 'deploymentGroup'],
  ['codedeploy-deployment-config', 'deploymentConfig'],
  ['codedeploy-deployment-description', 'description']
] as const

function checkEcsInputs(inputs: Inputs, service: ServiceInfo): void {
  const named = `Service ${service.serviceName}`
  const given = CODEDEPLOY_INPUTS.filter(([, key]) => inputs[key] !== undefined).map(([name]) => name)
  if (given.length > 0) {
    throw new InputError(
      `${named} uses ECS deployments (deployment controller ECS), so ${given.join(', ')} ${given.length === 1 ? 'does' : 'do'} not apply.`,
      "Remove the codedeploy-* inputs: the strategy, hooks, bake time and alarms come from the service's own deploymentConfiguration."
    )
  }
  if (inputs.waitUntil === 'ready' && gateHooks(service.deploymentConfiguration).length === 0) {
    throw new InputError(
      `wait-until: ready needs a PAUSE lifecycle hook that holds the deployment with test traffic on the new revision, and ${named} has none.`,
      "Add a lifecycle hook with targetType PAUSE at POST_TEST_TRAFFIC_SHIFT (or PRE_PRODUCTION_TRAFFIC_SHIFT) to the service's deploymentConfiguration (blue/green, linear or canary), or use wait-until: traffic-shifted."
    )
  }
}

/** An appspec.* file beside the workflow's files means nothing to ECS's own deployments: said once, then ignored. */
function noticeUnusedAppSpecFile(io: Io, workspace: string): void {
  const name = defaultAppSpecName(workspace, p => io.realPath(p) !== undefined)
  if (name !== undefined) {
    io.notice(
      `${name} is ignored: this service uses ECS deployments, which take their strategy, hooks and network from the service.`,
      'AppSpec file not used'
    )
  }
}

/** The container of a one-container task definition: there is no other the image can be meant for. */
function onlyContainer(template: Record<string, unknown>): string | undefined {
  const containers = template.containerDefinitions
  if (!Array.isArray(containers) || containers.length !== 1) return undefined
  const name = (containers[0] as { name?: unknown } | undefined)?.name
  return typeof name === 'string' ? name : undefined
}

export function offlineError(reason: string): never {
  throw new InputError(
    `dry-run without AWS access needs a task-definition file (AWS could not be read: ${reason}).`,
    'Pass a JSON template path, or run with AWS credentials.'
  )
}

function warnAboutGroup(inputs: Inputs, io: Io, group: DeploymentGroupInfo | undefined): void {
  if (!group) return
  if (inputs.waitUntil === 'ready' && group.readyWait?.actionOnTimeout !== 'STOP_DEPLOYMENT') {
    throw new InputError(
      `wait-until: ready needs a deployment group that waits before rerouting traffic, and ${group.deploymentGroupName} reroutes at once.`,
      'Set the group\'s deployment settings to "Specify when to reroute traffic" (deploymentReadyOption STOP_DEPLOYMENT), or use wait-until: traffic-shifted.'
    )
  }
  if (inputs.waitUntil === 'ready' && !group.hasTestListener) {
    io.warning(
      `wait-until: ready, but deployment group ${group.deploymentGroupName} has no test listener: nothing routes test traffic to the replacement.`,
      'Nothing to test'
    )
  }
  if (!group.autoRollback.enabled || !group.autoRollback.events.includes('DEPLOYMENT_FAILURE')) {
    io.warning(
      `Deployment group ${group.deploymentGroupName} does not roll back on failure: a failed deployment would leave traffic split between the task sets.`,
      'No automatic rollback'
    )
  }
}

function deriveTimeout(
  inputs: Inputs,
  group: DeploymentGroupInfo | undefined,
  routing: TrafficRouting | undefined,
  hooks: number
): number {
  return deriveTimeoutMinutes({
    goal: inputs.waitUntil,
    hooks,
    readyWaitMinutes:
      group?.readyWait?.actionOnTimeout === 'STOP_DEPLOYMENT' ? group.readyWait.waitTimeInMinutes : 0,
    trafficRouting: routing ?? { type: 'AllAtOnce' },
    terminationWaitMinutes: group?.terminationWaitMinutes ?? 0
  })
}
