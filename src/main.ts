import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { Backend } from './backends/backend.js'
import { codeDeployBackend } from './backends/codedeploy/backend.js'
import { readersFor } from './backends/deployments.js'
import { ecsBackend } from './backends/ecs/backend.js'
import { followUp } from './follow-up.js'
import { type Inputs, parseInputs } from './inputs/inputs.js'
import { type Plan, preparePlan } from './plan/plan.js'
import { deregisterPrevious } from './plan/previous-revision.js'
import { registerOnly } from './plan/register-only.js'
import { deregisterTaskDefinition, printDryRunRevision, registerTaskDefinition } from './plan/revision.js'
import { Outputs } from './report/outputs.js'
import { Reporter } from './report/report.js'
import { CancelGuard } from './runtime/cancel-guard.js'
import { credentialsHint } from './runtime/errors.js'
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
      { codedeploy: () => io.aws().cancelCodedeploy, ecs: () => io.aws().cancelEcs },
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

/** inputs → template → revision → deployment (AppSpec or UpdateService) → watch → report. */
async function deploy(step: Step): Promise<void> {
  const { io, inputs, guard, reporter } = step
  if (inputs.registerOnly) return registerOnly(step)
  const plan = await preparePlan(inputs, io)
  const oneOff = await planOneOffTask(inputs.runTask, plan, plan.service?.clusterName ?? inputs.cluster, io)
  const backend = plan.backend === 'ecs' ? ecsBackend(step, plan) : codeDeployBackend(step, plan)
  if (inputs.dryRun) return printDryRun(plan, backend, step)
  // `fail` only reads, so it fails before anything is registered. `wait` and `replace` act on
  // someone else's deployment (an hour's wait, a rollback): only once this step's revision exists,
  // so that a step that cannot deploy has not stopped anyone's release for nothing.
  if (inputs.ifDeploymentRunning === 'fail') await backend.makeRoom()
  const revision = await registerRevision(plan, step)
  if (inputs.ifDeploymentRunning !== 'fail') await backend.makeRoom()
  if (oneOff) await runTaskBeforeShift(step, oneOff, revision)
  const id = await backend.start(revision)
  reporter.deployment(id, { ...backend.reported, plan })
  await reporter.githubDeployment(inputs, id, false)
  const deployments = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: readersFor(io, { taskDefinitionArn: revision, trafficRouting: plan.trafficRouting })
  })
  const goal = new GoalWatch(io, deployments, guard, reporter, plan.timeoutMinutes, step.startedAt)
  if (inputs.waitForDeployment) await goal.follow(id, inputs.waitUntil)
  else await goal.handOff(id, backend.reported.status)
  await deregisterPrevious(step, goal.outcome, {
    cluster: plan.service?.clusterName ?? inputs.cluster,
    deployed: revision
  })
}

async function printDryRun(plan: Plan, backend: Backend, { io, reporter }: Step): Promise<void> {
  printDryRunRevision(io, plan, `Task definition: ${plan.existingArn ?? '?'} would be deployed as it is.`)
  await reporter.dryRun(backend.printDryRun())
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
