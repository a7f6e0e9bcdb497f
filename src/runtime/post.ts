import { DeploymentAlreadyCompletedException } from '@aws-sdk/client-codedeploy'
import { getDeployment, stopDeployment } from '../backends/codedeploy/deployment.js'
import { codeDeployReaders } from '../backends/codedeploy/snapshot.js'
import { GitHubDeployments } from '../report/github-deployment.js'
import { statusTarget } from '../report/report.js'
import { DeploymentWatch } from '../watch/deployment-watch.js'
import { errorMessage } from './errors.js'
import type { Io } from './io.js'
import { stopLeftTask } from '../run-task/run.js'
import { StepState } from './state.js'

const POLL_MS = 5000

/** The GitHub deployment the main step made ends `error`: the run that owned it did not finish. */
async function markGitHubDeployment(io: Io, id: number | undefined, description: string): Promise<void> {
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
 * The safety net at the end of the job, which runs after cancellations too: a one-off task the
 * main step did not see stop is stopped; a deployment the main step owned and did not settle is
 * stopped with rollback, and the rollback is watched to its end.
 */
export async function post(io: Io): Promise<void> {
  const saved = new StepState(io).read()
  if (saved.runningTask) await stopLeftTask(io, saved.runningTask)
  const id = saved.deploymentId
  if (!id || (saved.settled !== undefined && saved.settled !== 'stop-requested')) return

  try {
    if (saved.settled !== 'stop-requested') {
      if (!saved.rollbackOnCancel) {
        io.warning(
          `Deployment ${id} was left running by the deploy step (rollback-on-cancel: false).`,
          'Deployment left running'
        )
        return
      }
      const { codedeploy } = io.aws()
      const info = await getDeployment(codedeploy, id)
      if (['Succeeded', 'Failed', 'Stopped'].includes(info.status ?? '')) {
        io.info(`Deployment ${id} had already ended ${info.status}.`)
      } else {
        await stopDeployment(codedeploy, id).catch((e: unknown) => {
          if (!(e instanceof DeploymentAlreadyCompletedException)) throw e
        })
        io.info(`The deploy step did not finish: stopped deployment ${id} with rollback.`)
      }
    }
    const watch = new DeploymentWatch(io, {
      pollIntervalMs: POLL_MS,
      startedAt: io.now(),
      readerFor: codeDeployReaders(io)
    })
    const { snapshot, rollback } = await watch.afterStop(id)
    const ended = `Deployment ${id} ended ${snapshot.status}${rollback ? `; its rollback ${rollback.id} ended ${rollback.status}` : ''}.`
    io.info(ended)
    await markGitHubDeployment(io, saved.githubDeploymentId, `The deploy step did not finish. ${ended}`)
  } catch (e) {
    io.warning(
      `Could not stop or follow deployment ${id}: ${errorMessage(e)}. Check it in the CodeDeploy console.`,
      'Deployment may still run'
    )
  }
}
