import { findDeploymentOfAppSpec } from '../backends/codedeploy/deployment.js'
import { isEndStatus, readersFor, statusOf, stopWithRollback } from '../backends/deployments.js'
import { findServiceDeploymentOf } from '../backends/ecs/deployment.js'
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
  const deployments = new GitHubDeployments(await io.github(token), m => {
    io.warning(m, 'GitHub deployment')
  })
  await deployments.setStatus(
    await statusTarget(io, io.input('environment-url') || undefined),
    id,
    'error',
    description
  )
}

/**
 * The deployment a CreateDeployment (or UpdateService) made that never answered the main step, found
 * by its AppSpec as adoption finds one (or by its revision among the service's deployments). When
 * none came of it, its revision is deregistered: only now is it known that no deployment uses it.
 */
async function findCreated(io: Io, pending: PendingCreate): Promise<string | undefined> {
  const sentAt = new Date(pending.sentAt)
  const since = new Date(sentAt.getTime() - CLOCK_SKEW_MS)
  const ecsService = 'cluster' in pending
  const call = ecsService ? 'UpdateService' : 'CreateDeployment'
  const where = ecsService
    ? `service ${pending.service} has no deployment of ${pending.revision}`
    : `${pending.applicationName}/${pending.deploymentGroupName} has no deployment of its AppSpec`
  const find = async (): Promise<string | undefined> =>
    ecsService
      ? findServiceDeploymentOf(io.aws().ecs, pending, pending.revision, since)
      : (
          await findDeploymentOfAppSpec(
            io.aws().codedeploy,
            { applicationName: pending.applicationName, deploymentGroupName: pending.deploymentGroupName },
            pending.appSpecSha256,
            since
          )
        )?.deploymentId
  for (;;) {
    const id = await find()
    if (id) {
      io.info(`The deploy step was cut short before ${call} answered; it created deployment ${id}.`)
      return id
    }
    const left = sentAt.getTime() + CREATE_SETTLE_MS - io.now().getTime()
    if (left <= 0) break
    await io.sleep(Math.min(POLL_MS, left))
  }
  if (!pending.taskDefinitionArn) {
    io.info(`The deploy step's ${call} never took effect: ${where}.`)
    return undefined
  }
  await deregisterTaskDefinition(io.aws().ecs, pending.taskDefinitionArn)
  io.info(
    `The deploy step's ${call} never took effect (${where}): deregistered ${pending.taskDefinitionArn}, which no deployment uses.`
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
      const clients = { codedeploy: () => io.aws().codedeploy, ecs: () => io.aws().ecs }
      const status = await statusOf(clients, id)
      if (isEndStatus(status)) {
        io.info(`Deployment ${id} had already ended ${status}.`)
      } else {
        await stopWithRollback(clients, id)
        io.info(`The deploy step did not finish: stopped deployment ${id} with rollback.`)
      }
    }
    const watch = new DeploymentWatch(io, {
      pollIntervalMs: POLL_MS,
      startedAt: io.now(),
      readerFor: readersFor(io)
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
      `Could not stop or follow ${id ? `deployment ${id}` : "the deploy step's deployment"}: ${errorMessage(e)}. Check it in the AWS console.`,
      'Deployment may still run'
    )
  }
}
