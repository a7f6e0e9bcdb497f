import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { type BuiltAppSpec, buildAppSpec } from './backends/codedeploy/appspec.js'
import {
  type DeploymentTarget,
  GroupBusyError,
  createDeployment,
  createRefused,
  defaultDescription,
  describeDeployment
} from './backends/codedeploy/deployment.js'
import { type WaitBehind, freeDeploymentGroup } from './backends/codedeploy/if-running.js'
import { codeDeployReaders } from './backends/codedeploy/snapshot.js'
import { followUp } from './follow-up.js'
import { type Inputs, parseInputs } from './inputs/inputs.js'
import { type Plan, preparePlan } from './plan/plan.js'
import { deregisterPrevious } from './plan/previous-revision.js'
import { registerOnly } from './plan/register-only.js'
import { deregisterTaskDefinition, registerTaskDefinition } from './plan/revision.js'
import { deploymentConsoleUrl } from './report/console-url.js'
import { Outputs } from './report/outputs.js'
import { Reporter } from './report/report.js'
import { HIDDEN_VALUES, redactTaskDefinition } from './report/task-definition-changes.js'
import { CancelGuard } from './runtime/cancel-guard.js'
import { ActionError, credentialsHint } from './runtime/errors.js'
import { type Io, actionsIo } from './runtime/io.js'
import { StepState } from './runtime/state.js'
import { planOneOffTask } from './run-task/plan.js'
import { runTaskBeforeShift } from './run-task/run.js'
import { DeploymentWatch } from './watch/deployment-watch.js'
import { GoalWatch } from './watch/goal-watch.js'

/** What every part of one step shares: built once the inputs are read, never patched after. */
export interface Step {
  io: Io
  inputs: Inputs
  guard: CancelGuard
  reporter: Reporter
  outputs: Outputs
  startedAt: Date
}

/** One step: a new deployment, or a follow-up on an existing one (`deployment-id`). */
export async function run(io: Io = actionsIo(), exit: () => void = () => process.exit()): Promise<void> {
  const startedAt = io.now()
  const outputs = new Outputs(io)
  const state = new StepState(io)
  const reporter = new Reporter(io, outputs, state, startedAt)
  let guard: CancelGuard | undefined
  let unlisten = (): void => undefined
  try {
    const inputs = parseInputs(
      name => io.input(name),
      (message, title) => {
        io.warning(message, title)
      }
    )
    guard = new CancelGuard(
      io,
      state,
      reporter,
      inputs.rollbackOnCancel,
      () => io.aws().cancelCodedeploy,
      exit
    )
    unlisten = guard.listen()
    const step: Step = { io: guard.interruptible(io), inputs, guard, reporter, outputs, startedAt }
    if (inputs.deploymentId !== undefined) await followUp(inputs.deploymentId, step)
    else await deploy(step)
  } catch (e) {
    // A cancelled run is reported and cleaned up by the signal handler, which exits the process.
    if (guard?.cancelled) return
    await guard?.dropOrphan()
    await reporter.fail(credentialsHint(e), guard?.whatChanged)
  } finally {
    unlisten()
  }
}

/** inputs → template → revision → AppSpec → deployment → watch → report. */
async function deploy(step: Step): Promise<void> {
  const { io, inputs, guard, reporter, outputs } = step
  if (inputs.registerOnly) return registerOnly(step)
  const plan = await preparePlan(inputs, io)
  const oneOff = await planOneOffTask(inputs.runTask, plan, plan.service?.clusterName ?? inputs.cluster, io)
  if (inputs.dryRun) return printDryRun(plan, step)
  const target = deploymentTarget(plan)
  const freeGroup = (): Promise<void> =>
    freeDeploymentGroup(io.aws().codedeploy, target, inputs.ifDeploymentRunning, waitBehind(step, plan))
  // `fail` only reads, so it fails before anything is registered. `wait` and `replace` act on
  // someone else's deployment (an hour's wait, a rollback): only once this step's revision exists,
  // so that a step that cannot deploy has not stopped anyone's release for nothing.
  if (inputs.ifDeploymentRunning === 'fail') await freeGroup()
  const revision = await registerRevision(plan, step)
  if (inputs.ifDeploymentRunning !== 'fail') await freeGroup()
  if (oneOff) await runTaskBeforeShift(step, oneOff, revision)
  const appSpec = buildAppSpec({ ...appSpecParts(plan), taskDefinitionArn: revision })
  outputs.appSpec(appSpec.content)
  const id = await startDeployment(step, plan, { ...target, appSpec })
  reporter.deployment(id, { ...target, deploymentConfigName: plan.deploymentConfigName, plan })
  await reporter.githubDeployment(inputs, id, false)
  const deployments = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: codeDeployReaders(io, { taskDefinitionArn: revision, trafficRouting: plan.trafficRouting })
  })
  const goal = new GoalWatch(io, deployments, guard, reporter, plan.timeoutMinutes, step.startedAt)
  if (inputs.waitForDeployment) await goal.follow(id, inputs.waitUntil)
  else await goal.handOff(id)
  await deregisterPrevious(step, goal.outcome, {
    cluster: plan.service?.clusterName ?? inputs.cluster,
    deployed: revision
  })
}

function deploymentTarget(plan: Plan): DeploymentTarget {
  // preparePlan leaves the group out only in a dry run without AWS access.
  if (!plan.group) throw new ActionError('No CodeDeploy deployment group was found for the service.')
  return { applicationName: plan.group.applicationName, deploymentGroupName: plan.group.deploymentGroupName }
}

/** How this step waits behind another team's deployment: streamed to its end, never stopped on cancel. */
function waitBehind(step: Step, plan: Plan): WaitBehind {
  const { io, inputs } = step
  const watch = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: codeDeployReaders(io)
  })
  return {
    watch,
    deadline: () => watch.after(plan.timeoutMinutes),
    timeoutMinutes: plan.timeoutMinutes,
    log: line => {
      io.info(line)
    },
    changed: what => {
      step.guard.changed(what)
    },
    consoleUrl: id => deploymentConsoleUrl(io.aws().region, id)
  }
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

async function printDryRun(plan: Plan, { io, reporter, outputs }: Step): Promise<void> {
  const appSpec = buildAppSpec({
    ...appSpecParts(plan),
    taskDefinitionArn: plan.existingArn ?? `${plan.family}:NEXT`
  })
  if (plan.offline) io.info(`AWS was not read (${plan.offline}); the inputs and files alone were checked.`)
  if (plan.register) {
    io.startGroup(`Task definition to register (${HIDDEN_VALUES} hidden)`)
    io.info(JSON.stringify(redactTaskDefinition(plan.register), null, 2))
    io.endGroup()
  } else {
    io.info(`Task definition: ${plan.existingArn ?? '?'} would be deployed as it is.`)
  }
  io.startGroup('AppSpec')
  io.info(JSON.stringify(appSpec.appSpec, null, 2))
  io.endGroup()
  outputs.appSpec(appSpec.content)
  const group = plan.group ? ` through ${plan.group.applicationName}/${plan.group.deploymentGroupName}` : ''
  io.info(`Dry run: nothing was registered or deployed${group}.`)
  await reporter.dryRun(appSpec.content)
}

async function registerRevision(plan: Plan, { io, guard, reporter, outputs }: Step): Promise<string> {
  const previous = plan.service?.taskDefinitionArn
  if (previous) outputs.previousTaskDefinition(previous)
  const arn = plan.register ? await register(plan.register, io, guard) : (plan.existingArn ?? '')
  if (!plan.register) io.info(`Deploying ${arn} as it is (no input changes the task definition).`)
  outputs.taskDefinition(arn)
  await reporter.taskDefinition(arn, previous, plan)
  return arn
}

async function register(
  request: RegisterTaskDefinitionCommandInput,
  io: Io,
  guard: CancelGuard
): Promise<string> {
  const { ecs } = io.aws()
  const arn = await guard.register(
    () => registerTaskDefinition(ecs, request, ms => io.sleep(ms)),
    registered => deregisterTaskDefinition(ecs, registered)
  )
  io.info(`Registered ${arn}.`)
  return arn
}

async function startDeployment(
  step: Step,
  plan: Plan,
  d: DeploymentTarget & { appSpec: BuiltAppSpec }
): Promise<string> {
  const { io, inputs, guard, outputs } = step
  const { codedeploy, region } = io.aws()
  const request = {
    ...d,
    deploymentConfigName: inputs.deploymentConfig,
    description: inputs.description ?? defaultDescription(io.env),
    appSpec: { content: d.appSpec.content, sha256: d.appSpec.sha256 }
  }
  for (;;) {
    try {
      const { id, adopted } = await guard.create(
        {
          applicationName: d.applicationName,
          deploymentGroupName: d.deploymentGroupName,
          appSpecSha256: d.appSpec.sha256
        },
        () => createDeployment(codedeploy, request),
        createRefused
      )
      const url = deploymentConsoleUrl(region, id)
      outputs.deployment(id, url)
      io.info(
        `${adopted ? 'Adopted' : 'Created'} deployment ${id} of ${d.applicationName}/${d.deploymentGroupName}: ${url}`
      )
      if (adopted)
        io.info(
          'A retried CreateDeployment had already gone through: the deployment running this AppSpec is ours.'
        )
      return id
    } catch (e) {
      // Any other refusal is reported with the call and what this step has written (runtime/aws.ts).
      if (!(e instanceof GroupBusyError)) throw e
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
      await freeDeploymentGroup(codedeploy, d, inputs.ifDeploymentRunning, waitBehind(step, plan))
    }
  }
}
