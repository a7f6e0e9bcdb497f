import { DeploymentAlreadyCompletedException } from '@aws-sdk/client-codedeploy'
import { getDeployment, stopDeployment } from '../backends/codedeploy/deployment.js'
import { errorMessage } from './errors.js'
import { STATE } from './cancel-guard.js'
import type { Io } from './io.js'
import { GitHubDeployments } from '../report/github-deployment.js'
import { statusTarget } from '../report/report.js'
import { Watcher } from '../watch/track.js'

const POLL_MS = 5000

/** The GitHub deployment the main step made ends `error`: the run that owned it did not finish. */
async function markGitHubDeployment(io: Io, description: string): Promise<void> {
  const id = Number(io.getState(STATE.githubDeploymentId))
  const token = io.input('github-token')
  if (!id || !token) return
  const deployments = new GitHubDeployments(io.github(token), m => {
    io.warning(m, 'GitHub deployment')
  })
  await deployments.setStatus(
    statusTarget(io, io.input('environment-url') || undefined),
    id,
    'error',
    description
  )
}

/**
 * The safety net at the end of the job, which runs after cancellations too: a deployment the main
 * step owned and did not settle is stopped with rollback, and the rollback is watched to its end.
 */
export async function post(io: Io): Promise<void> {
  const id = io.getState(STATE.deploymentId)
  const settled = io.getState(STATE.settled)
  if (!id || ['goal', 'ended', 'handed-off'].includes(settled)) return

  try {
    if (settled !== 'stop-requested') {
      if (io.getState(STATE.rollbackOnCancel) !== 'true') {
        io.warning(
          `Deployment ${id} was left running by the deploy step (rollback-on-cancel: false).`,
          'Deployment left running'
        )
        return
      }
      const { codedeploy } = io.aws()
      const info = await getDeployment(codedeploy, id)
      if (['Succeeded', 'Failed', 'Stopped'].includes(info.status ?? '')) {
        io.info(`Deployment ${id} had already ended ${info.status ?? ''}.`)
      } else {
        await stopDeployment(codedeploy, id).catch((e: unknown) => {
          if (!(e instanceof DeploymentAlreadyCompletedException)) throw e
        })
        io.info(`The deploy step did not finish: stopped deployment ${id} with rollback.`)
      }
    }
    const { snapshot, rollback } = await new Watcher(io, POLL_MS, io.now()).stopped(id)
    const ended = `Deployment ${id} ended ${snapshot.status}${rollback ? `; its rollback ${rollback.id} ended ${rollback.status}` : ''}.`
    io.info(ended)
    await markGitHubDeployment(io, `The deploy step did not finish. ${ended}`)
  } catch (e) {
    io.warning(
      `Could not stop or follow deployment ${id}: ${errorMessage(e)}. Check it in the CodeDeploy console.`,
      'Deployment may still run'
    )
  }
}
