import { DeploymentAlreadyCompletedException } from '@aws-sdk/client-codedeploy'
import { findDeploymentOfAppSpec, getDeployment, stopDeployment } from '../backends/codedeploy/deployment.js'
import { codeDeployReaders } from '../backends/codedeploy/snapshot.js'
import { deregisterTaskDefinition } from '../plan/revision.js'
import { deploymentConsoleUrl } from '../report/console-url.js'
import { GitHubDeployments } from '../report/github-deployment.js'
import { statusTarget } from '../report/report.js'
import { postSummary } from '../report/summary.js'
import { DeploymentWatch } from '../watch/deployment-watch.js'
import { errorMessage } from './errors.js'
import type { Io } from './io.js'
import { stopLeftTask } from '../run-task/run.js'
import { type PendingCreate, StepState } from './state.js'

const POLL_MS = 5000
/**
 * How long after a CreateDeployment was sent its deployment may still appear: the request can
 * reach CodeDeploy after the main step was killed. Long past the seconds AWS takes.
 */
const CREATE_SETTLE_MS = 30_000
/** ListDeployments' createTimeRange is CodeDeploy's clock, not the runner's. */
const CLOCK_SKEW_MS = 5 * 60_000

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
 * The deployment a CreateDeployment made that never answered the main step, found by its
 * AppSpec as adoption finds one. When none came of it, its revision is deregistered: only now is
 * it known that no deployment uses it.
 */
async function findCreated(io: Io, pending: PendingCreate): Promise<string | undefined> {
  const { codedeploy, ecs } = io.aws()
  const target = {
    applicationName: pending.applicationName,
    deploymentGroupName: pending.deploymentGroupName
  }
  const sentAt = new Date(pending.sentAt)
  const since = new Date(sentAt.getTime() - CLOCK_SKEW_MS)
  for (;;) {
    const info = await findDeploymentOfAppSpec(codedeploy, target, pending.appSpecSha256, since)
    if (info?.deploymentId) {
      io.info(
        `The deploy step was cut short before CreateDeployment answered; it created deployment ${info.deploymentId}.`
      )
      return info.deploymentId
    }
    const left = sentAt.getTime() + CREATE_SETTLE_MS - io.now().getTime()
    if (left <= 0) break
    await io.sleep(Math.min(POLL_MS, left))
  }
  const group = `${pending.applicationName}/${pending.deploymentGroupName}`
  if (!pending.taskDefinitionArn) {
    io.info(
      `The deploy step's CreateDeployment never took effect: ${group} has no deployment of its AppSpec.`
    )
    return undefined
  }
  await deregisterTaskDefinition(ecs, pending.taskDefinitionArn)
  io.info(
    `The deploy step's CreateDeployment never took effect (${group} has no deployment of its AppSpec): deregistered ${pending.taskDefinitionArn}, which no deployment uses.`
  )
  return undefined
}

/**
 * The safety net at the end of the job, which runs after cancellations too: a one-off task the
 * main step did not see stop is stopped; a deployment the main step owned and did not settle is
 * stopped with rollback, and the rollback is watched to its end. It acts only on what this run's
 * main step saved (StepState): a task it started, a deployment it created or continued, or a
 * CreateDeployment it sent and never heard back from.
 */
export async function post(io: Io): Promise<void> {
  const saved = new StepState(io).read()
  if (saved.runningTask) await stopLeftTask(io, saved.runningTask)
  const pending = saved.deploymentId === undefined ? saved.creating : undefined
  if (saved.deploymentId === undefined && pending === undefined) return
  if (saved.settled !== undefined && saved.settled !== 'stop-requested') return

  let id = saved.deploymentId
  try {
    if (pending) id = await findCreated(io, pending)
    if (id === undefined) return
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
    const region = io.aws().region
    await io.summary(
      postSummary({
        deployment: { id, status: snapshot.status, url: deploymentConsoleUrl(region, id) },
        rollback: rollback && {
          id: rollback.id,
          status: rollback.status,
          url: deploymentConsoleUrl(region, rollback.id)
        }
      })
    )
  } catch (e) {
    io.warning(
      `Could not stop or follow ${id ? `deployment ${id}` : "the deploy step's deployment"}: ${errorMessage(e)}. Check it in the CodeDeploy console.`,
      'Deployment may still run'
    )
  }
}
