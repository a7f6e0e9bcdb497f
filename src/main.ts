import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { type BuiltAppSpec, buildAppSpec } from './backends/codedeploy/appspec.js'
import { deploymentConsoleUrl } from './report/console-url.js'
import {
  type DeploymentTarget,
  GroupBusyError,
  clearTheWay,
  createDeployment,
  defaultDescription,
  describeDeployment
} from './backends/codedeploy/deployment.js'
import { ActionError, awsErrorName, credentialsHint, errorMessage } from './runtime/errors.js'
import { actOnExisting } from './follow-up.js'
import { Guard } from './runtime/cancel-guard.js'
import { type Inputs, parseInputs } from './inputs/inputs.js'
import { type Io, actionsIo } from './runtime/io.js'
import { type Plan, preparePlan } from './plan/plan.js'
import { Reporter } from './report/report.js'
import { deregisterTaskDefinition, registerTaskDefinition } from './plan/revision.js'
import { redactTaskDefinition } from './report/task-definition-changes.js'
import { Tracker } from './watch/track.js'

/** One step: a new deployment, or a follow-up on an existing one (`deployment-id`). */
export async function run(
  io: Io = actionsIo(),
  exit: (code: number) => void = code => process.exit(code)
): Promise<void> {
  const startedAt = io.now()
  const reporter = new Reporter(io, startedAt)
  let guard: Guard | undefined
  let unlisten = (): void => undefined
  try {
    const inputs = parseInputs(name => io.input(name))
    guard = new Guard(io, inputs.rollbackOnCancel, () => io.aws().cancelCodedeploy, exit)
    unlisten = guard.listen()
    const tracker = new Tracker(io, inputs, guard, reporter, startedAt)
    if (inputs.deploymentId !== undefined) await actOnExisting(inputs.deploymentId, inputs, io, tracker)
    else await deploy(inputs, io, tracker)
  } catch (e) {
    // A cancelled run is reported and cleaned up by the signal handler, which exits the process.
    if (guard?.cancelled) return
    await guard?.dropOrphan()
    await reporter.fail(credentialsHint(e))
  } finally {
    unlisten()
  }
}

/** inputs → template → revision → AppSpec → deployment → watch → report. */
async function deploy(inputs: Inputs, io: Io, tracker: Tracker): Promise<void> {
  const { guard, reporter } = tracker
  const plan = await preparePlan(inputs, io)
  if (inputs.dryRun) {
    await printDryRun(plan, io, reporter)
    return
  }
  tracker.timeoutMinutes = plan.timeoutMinutes
  const target = deploymentTarget(plan)
  await clearTheWay(io.aws().codedeploy, target, inputs.ifDeploymentRunning, tracker.runway())
  const revision = await registerRevision(plan, io, guard, reporter)
  tracker.watcher.taskDefinitionArn = revision
  tracker.watcher.trafficRouting = plan.trafficRouting
  const appSpec = buildAppSpec({ ...appSpecParts(plan), taskDefinitionArn: revision })
  io.setOutput('appspec', appSpec.content)
  const left = plan.register ? `Nothing was deployed; ${revision} is deregistered.` : 'Nothing was deployed.'
  const deploymentId = await startDeployment(inputs, io, tracker, { ...target, appSpec }, left)
  reporter.deployment(deploymentId, { ...target, deploymentConfigName: plan.deploymentConfigName, plan })
  await reporter.githubDeployment(inputs, deploymentId, false)
  if (inputs.waitForDeployment) await tracker.follow(deploymentId, inputs.waitUntil, tracker.deadline())
  else await tracker.handOff(deploymentId)
}

function deploymentTarget(plan: Plan): DeploymentTarget {
  // preparePlan leaves the group out only in a dry run without AWS access.
  if (!plan.group) throw new ActionError('No CodeDeploy deployment group was found for the service.')
  return { applicationName: plan.group.applicationName, deploymentGroupName: plan.group.deploymentGroupName }
}

function appSpecParts(plan: Plan): Omit<Parameters<typeof buildAppSpec>[0], 'taskDefinitionArn'> {
  // The AppSpec file wins over the service: it is how users change network settings on deploy.
  const file = plan.appSpecFile
  const svc = plan.service
  return {
    containerName: plan.containerName,
    containerPort: plan.containerPort,
    platformVersion: file?.platformVersion ?? svc?.platformVersion,
    networkConfiguration: file?.networkConfiguration ?? svc?.networkConfiguration,
    capacityProviderStrategy: file?.capacityProviderStrategy ?? svc?.capacityProviderStrategy,
    hooks: file?.hooks ?? []
  }
}

async function printDryRun(plan: Plan, io: Io, reporter: Reporter): Promise<void> {
  const appSpec = buildAppSpec({
    ...appSpecParts(plan),
    taskDefinitionArn: plan.existingArn ?? `${plan.family}:NEXT`
  })
  if (plan.offline) io.info(`AWS was not read (${plan.offline}); the inputs and files alone were checked.`)
  if (plan.register) {
    io.startGroup('Task definition to register (environment values hidden)')
    io.info(JSON.stringify(redactTaskDefinition(plan.register), null, 2))
    io.endGroup()
  } else {
    io.info(`Task definition: ${plan.existingArn ?? '?'} would be deployed as it is.`)
  }
  io.startGroup('AppSpec')
  io.info(JSON.stringify(appSpec.appSpec, null, 2))
  io.endGroup()
  io.setOutput('appspec', appSpec.content)
  const group = plan.group ? ` through ${plan.group.applicationName}/${plan.group.deploymentGroupName}` : ''
  io.info(`Dry run: nothing was registered or deployed${group}.`)
  await reporter.dryRun(appSpec.content)
}

async function registerRevision(plan: Plan, io: Io, guard: Guard, reporter: Reporter): Promise<string> {
  const previous = plan.service?.taskDefinitionArn
  if (previous) io.setOutput('previous-task-definition-arn', previous)
  const arn = plan.register ? await register(plan.register, io, guard) : (plan.existingArn ?? '')
  if (!plan.register) io.info(`Deploying ${arn} as it is (no image or environment-variables given).`)
  io.setOutput('task-definition-arn', arn)
  await reporter.taskDefinition(arn, previous, plan)
  return arn
}

async function register(request: RegisterTaskDefinitionCommandInput, io: Io, guard: Guard): Promise<string> {
  const { ecs } = io.aws()
  try {
    const arn = await guard.register(
      () => registerTaskDefinition(ecs, request, ms => io.sleep(ms)),
      registered => deregisterTaskDefinition(ecs, registered)
    )
    io.info(`Registered ${arn}.`)
    return arn
  } catch (e) {
    throw writeFailed(e, 'RegisterTaskDefinition', 'Nothing was changed in AWS.')
  }
}

/** A write that AWS refused for good (after the SDK's retries): which call, and what it left. */
function writeFailed(e: unknown, call: string, left: string): unknown {
  const mapped = credentialsHint(e)
  if (mapped instanceof ActionError) return mapped
  return new ActionError(
    `${call} failed (${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}).`,
    `${left} Run the step again; if it keeps failing, check the AWS Health Dashboard and the role's permissions.`
  )
}

async function startDeployment(
  inputs: Inputs,
  io: Io,
  tracker: Tracker,
  d: DeploymentTarget & { appSpec: BuiltAppSpec },
  left: string
): Promise<string> {
  const { codedeploy, region } = io.aws()
  const request = {
    ...d,
    deploymentConfigName: inputs.deploymentConfig,
    description: inputs.description ?? defaultDescription(io.env),
    appSpec: { content: d.appSpec.content, sha256: d.appSpec.sha256 }
  }
  for (;;) {
    try {
      const { id, adopted } = await tracker.guard.create(() => createDeployment(codedeploy, request))
      const url = deploymentConsoleUrl(region, id)
      io.setOutput('deployment-id', id)
      io.setOutput('codedeploy-deployment-id', id)
      io.setOutput('deployment-url', url)
      io.info(
        `${adopted ? 'Adopted' : 'Created'} deployment ${id} of ${d.applicationName}/${d.deploymentGroupName}: ${url}`
      )
      if (adopted)
        io.info(
          'A retried CreateDeployment had already gone through: the deployment running this AppSpec is ours.'
        )
      return id
    } catch (e) {
      if (!(e instanceof GroupBusyError)) {
        throw writeFailed(e, 'CreateDeployment', left)
      }
      // A race: another deployment started between the check and CreateDeployment.
      if (!e.running) {
        throw new ActionError(
          `CreateDeployment was refused: ${e.refusal}`,
          'Allow codedeploy:ListDeployments and codedeploy:GetDeployment so that if-deployment-running can name, wait for or replace it; or run again when it ends.',
          'Deployment already running'
        )
      }
      const running = describeDeployment(e.running, id => deploymentConsoleUrl(region, id))
      if (inputs.ifDeploymentRunning === 'fail') {
        throw new ActionError(
          `Deployment group ${d.deploymentGroupName} got a deployment in progress just before this one: ${running}.`,
          'Wait for it to end and run again, or set if-deployment-running: wait or replace.',
          'Deployment already running'
        )
      }
      io.info(`${running} took the deployment group first.`)
      await clearTheWay(codedeploy, d, inputs.ifDeploymentRunning, tracker.runway())
    }
  }
}
