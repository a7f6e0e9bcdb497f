import {
  type DeploymentInfo,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException
} from '@aws-sdk/client-codedeploy'
import { continueDeployment, getDeployment, revisionAppSpec, stopDeployment } from './deployment.js'
import { codeDeployReaders } from './snapshot.js'
import { getTrafficRouting } from './traffic-routing.js'
import type { Inputs } from '../../inputs/inputs.js'
import type { Step } from '../../main.js'
import { nothingToStop } from '../backend.js'
import { deploymentConsoleUrl } from '../../report/console-url.js'
import { describeFailure } from '../../report/failure.js'
import { ActionError } from '../../runtime/errors.js'
import type { Io } from '../../runtime/io.js'
import { DeploymentWatch } from '../../watch/deployment-watch.js'
import { GoalWatch } from '../../watch/goal-watch.js'
import type { TrafficRouting } from '../../watch/snapshot.js'
import { deriveTimeoutMinutes } from '../../watch/timeout.js'

/** A follow-up step on a CodeDeploy deployment: continued, stopped or only watched. */
export async function followCodeDeployDeployment(id: string, step: Step): Promise<void> {
  const { io, inputs, guard, reporter, outputs } = step
  const { codedeploy, region } = io.aws()
  const info = await readDeployment(io, id)
  const [appSpec, previousAppSpec] = await Promise.all([
    revisionAppSpec(codedeploy, info, 'revision').catch(() => undefined),
    revisionAppSpec(codedeploy, info, 'previousRevision').catch(() => undefined)
  ])
  const revision = appSpec?.taskDefinition
  const previous = previousAppSpec?.taskDefinition
  const url = deploymentConsoleUrl(region, id)
  outputs.deployment(id, url)
  if (revision) outputs.taskDefinition(revision)
  if (previous) outputs.previousTaskDefinition(previous)
  io.info(
    `Deployment ${id} of ${info.applicationName ?? '?'}/${info.deploymentGroupName ?? '?'} is ${info.status ?? '?'}: ${url}`
  )
  reporter.deployment(id, { ...info, status: info.status })
  if (revision) await reporter.taskDefinition(revision, previous)
  await reporter.githubDeployment(inputs, id, true)
  const trafficRouting = await trafficRoutingOf(io, info)
  const deployments = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: codeDeployReaders(io, { taskDefinitionArn: revision, trafficRouting })
  })
  if (inputs.stopDeployment) return stop(step, deployments, info, previous)
  const timeoutMinutes = inputs.timeoutMinutes ?? timeoutOf(info, inputs, trafficRouting, appSpec?.hooks ?? 0)
  const goal = new GoalWatch(io, deployments, guard, reporter, timeoutMinutes, step.startedAt)
  if (!inputs.continueDeployment) return goal.follow(id, inputs.waitUntil)

  // Until it is rerouted, the deployment is not this step's: it is waited for, never stopped.
  let before = await goal.watch(id, 'ready')
  // All traffic moved and AfterAllowTraffic passed: the termination wait starts as the target turns Succeeded.
  if (before.outcome === 'goal' && before.snapshot.phase === 'traffic-shifted')
    before = await goal.watch(id, 'termination-wait')
  if (before.outcome !== 'goal') return goal.conclude(before, 'ready')
  const phase = before.snapshot.phase
  if (phase === 'ready' || phase === 'termination-wait') {
    io.info(
      phase === 'ready'
        ? `Rerouting production traffic of ${id} to the replacement (ContinueDeployment READY_WAIT).`
        : `Ending the termination wait of ${id}: the original task set is removed now (ContinueDeployment TERMINATION_WAIT).`
    )
    const done = await continueDeployment(
      codedeploy,
      id,
      phase === 'ready' ? 'READY_WAIT' : 'TERMINATION_WAIT'
    )
    if (done === 'moved-on') io.info(`Deployment ${id} had already left that wait; following it from here.`)
    else
      guard.changed(
        phase === 'ready'
          ? `rerouted production traffic of deployment ${id} (continue-deployment)`
          : `ended the termination wait of deployment ${id} (continue-deployment)`
      )
  }
  if (phase !== 'succeeded') guard.own(id)
  await goal.follow(id, inputs.waitUntil)
}

async function readDeployment(io: Io, id: string): Promise<DeploymentInfo> {
  try {
    return await getDeployment(io.aws().codedeploy, id)
  } catch (e) {
    if (!(e instanceof DeploymentDoesNotExistException)) throw e
    throw new ActionError(
      `Deployment ${id} does not exist in ${io.aws().region}.`,
      'Check deployment-id, and that this job uses the region and account of the step that created it.',
      undefined,
      e
    )
  }
}

/**
 * stop-deployment succeeds when the deployment ends stopped and rolled back. One that already
 * succeeded cannot be rolled back this way, only by deploying the previous revision.
 */
async function stop(
  { io, guard, reporter }: Step,
  deployments: DeploymentWatch,
  info: DeploymentInfo,
  previous: string | undefined
): Promise<void> {
  const id = info.deploymentId ?? ''
  if (info.status === 'Succeeded') {
    throw nothingToStop(`Deployment ${id} had already succeeded; there is nothing to stop.`, previous)
  }
  if (info.status === 'Failed' || info.status === 'Stopped') {
    io.info(`Deployment ${id} had already ended ${info.status}; reporting its rollback.`)
  } else {
    try {
      await stopDeployment(io.aws().codedeploy, id)
      guard.changed(`asked CodeDeploy to stop deployment ${id} with rollback (stop-deployment)`)
      io.info(`Stopped deployment ${id} with rollback.`)
    } catch (e) {
      // It ended between the read and the stop: how it ended is reported below.
      if (!(e instanceof DeploymentAlreadyCompletedException)) throw e
    }
  }
  const { snapshot, rollback } = await deployments.afterStop(id)
  if (snapshot.phase === 'succeeded') {
    throw nothingToStop(`Deployment ${id} succeeded before it could be stopped.`, previous)
  }
  const report = describeFailure(snapshot, rollback, { previousTaskDefinition: previous })
  const rolledBack = rollback === undefined ? snapshot.phase === 'stopped' : rollback.phase === 'succeeded'
  if (rolledBack) {
    io.info(
      rollback
        ? `Deployment ${id} is ${snapshot.status}, and its rollback ${rollback.id} succeeded: production traffic is back on the original task set.`
        : `Deployment ${id} is ${snapshot.status}; CodeDeploy made no rollback deployment (no traffic had moved to the replacement, or the group does not roll back).`
    )
  }
  await reporter.end({
    outcome: rolledBack ? 'stopped' : 'failed',
    snapshot,
    rollback,
    failure: rolledBack ? undefined : report
  })
}

async function trafficRoutingOf(io: Io, info: DeploymentInfo): Promise<TrafficRouting> {
  const allAtOnce: TrafficRouting = { type: 'AllAtOnce' }
  if (!info.deploymentConfigName) return allAtOnce
  return getTrafficRouting(io.aws().codedeploy, info.deploymentConfigName).catch(() => allAtOnce)
}

function timeoutOf(
  info: DeploymentInfo,
  inputs: Inputs,
  trafficRouting: TrafficRouting,
  hooks: number
): number {
  const bg = info.blueGreenDeploymentConfiguration
  const ready = bg?.deploymentReadyOption
  return deriveTimeoutMinutes({
    goal: inputs.waitUntil,
    hooks,
    readyWaitMinutes: ready?.actionOnTimeout === 'STOP_DEPLOYMENT' ? (ready.waitTimeInMinutes ?? 0) : 0,
    trafficRouting,
    terminationWaitMinutes: bg?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0
  })
}
