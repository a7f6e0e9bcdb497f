// if-deployment-running: what to do when the deployment group already runs a deployment. The
// deployments waited behind are not this step's: they are streamed, never stopped on cancel.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import type { IfRunning } from '../../inputs/inputs.js'
import { ActionError, awsErrorKind, awsErrorName } from '../../runtime/errors.js'
import { type WaitBehind, runningOrSkip } from '../backend.js'
import {
  type DeploymentTarget,
  continueDeployment,
  describeDeployment,
  findRunningDeployment,
  stopDeployment
} from './deployment.js'
import { inTerminationWait } from './target.js'

/**
 * Applies `if-deployment-running` until the group is free. A rollback CodeDeploy started is
 * always waited for; a deployment in its termination wait is finished rather
 * than rolled back: its release is done, only the old task set is still kept.
 */
export async function freeDeploymentGroup(
  cd: CodeDeployClient,
  target: DeploymentTarget,
  policy: IfRunning,
  behind: WaitBehind
): Promise<void> {
  for (;;) {
    // Without codedeploy:ListDeployments the check is skipped: CreateDeployment still refuses
    // a second deployment, and that answer is handled the same way.
    const running = await runningOrSkip(
      findRunningDeployment(cd, target),
      behind,
      undefined,
      error =>
        `Could not list the group's deployments (${error}); CreateDeployment will tell if one is running.`
    )
    const id = running?.info.deploymentId
    if (!running || !id) return
    const { info } = running
    const what = describeDeployment(running, behind.consoleUrl)

    if (info.creator === 'codeDeployRollback') {
      behind.log(
        `Deployment group ${target.deploymentGroupName} is rolling back: ${what}. Waiting for the rollback to end.`
      )
    } else if (policy === 'fail') {
      throw new ActionError(
        `Deployment group ${target.deploymentGroupName} already has a deployment in progress: ${what}.`,
        'Wait for it to end and run again, or set if-deployment-running: wait (deploy after it) or replace (roll it back first).',
        'Deployment already running'
      )
    } else if (inTerminationWait(info, running.target)) {
      behind.log(
        `${what} has shifted all its traffic: its termination wait is ended so this deployment can start.`
      )
    } else if (policy === 'wait' && info.status === 'Ready') {
      throw new ActionError(
        `Deployment ${what} waits in Ready for its traffic to be rerouted; a ready wait can last days.`,
        'Continue it (continue-deployment: true) or stop it (stop-deployment: true), or set if-deployment-running: replace.',
        'Deployment already running'
      )
    } else if (policy === 'wait') {
      behind.log(`Waiting for ${what} to end before deploying.`)
    } else {
      behind.log(`Replacing ${what}: stopping it with rollback.`)
      await stopDeployment(cd, id)
      behind.changed(`stopped deployment ${id} with rollback (if-deployment-running: replace)`)
    }
    // `fail` touches nothing: it only waits for a rollback CodeDeploy started, to its very end.
    await waitBehind(cd, id, policy !== 'fail', behind)
  }
}

/**
 * Streams a deployment this step does not own until it ends. With `endTerminationWait`, a
 * termination wait it reaches is ended rather than waited out: that release is done.
 */
async function waitBehind(
  cd: CodeDeployClient,
  id: string,
  endTerminationWait: boolean,
  behind: WaitBehind
): Promise<void> {
  const { watch } = behind
  const deadline = behind.deadline()
  let result = await watch.watch(id, endTerminationWait ? 'termination-wait' : 'succeeded', deadline)
  if (result.outcome === 'goal' && result.snapshot.phase === 'termination-wait') {
    behind.log(
      `Ending the termination wait of ${id} (ContinueDeployment TERMINATION_WAIT): its release is done.`
    )
    await endTerminationWaitOf(cd, id, behind)
    result = await watch.watch(id, 'succeeded', deadline, result.view)
  }
  if (result.outcome === 'timeout') {
    throw new ActionError(
      `Deployment ${id} did not end within ${behind.timeoutMinutes} minutes; this step gave up waiting behind it.`,
      'Run again later, or raise timeout-minutes.',
      'Deployment already running'
    )
  }
  // The rollback CodeDeploy starts for a failed or stopped deployment holds the group next.
  await watch.rollbackOf(result.snapshot)
}

/**
 * Ending another team's termination wait only saves time: without codedeploy:ContinueDeployment the
 * step waits the wait out instead, as far as timeout-minutes allows.
 */
async function endTerminationWaitOf(cd: CodeDeployClient, id: string, behind: WaitBehind): Promise<void> {
  try {
    if ((await continueDeployment(cd, id, 'TERMINATION_WAIT')) === 'continued')
      behind.changed(`ended the termination wait of deployment ${id} (if-deployment-running)`)
  } catch (e) {
    if (awsErrorKind(e) !== 'access-denied') throw e
    behind.log(
      `Could not end the termination wait of ${id} (${awsErrorName(e) ?? 'Error'}); ` +
        `waiting for it to end, at most ${behind.timeoutMinutes} minutes (timeout-minutes). ` +
        'Allow codedeploy:ContinueDeployment to end such waits at once.'
    )
  }
}
