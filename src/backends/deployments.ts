// What the shared flow, the cancel guard and the post step do to a deployment they know only by its
// id. The id says its backend: a service deployment ARN is ECS's own deployment, anything else a
// CodeDeploy deployment id.
import {
  type CodeDeployClient,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import type { ECSClient } from '@aws-sdk/client-ecs'
import type { Io } from '../runtime/io.js'
import type { DeploymentReader } from '../watch/deployment-watch.js'
import type { TrafficRouting } from '../watch/snapshot.js'
import { codeDeployReaders } from './codedeploy/snapshot.js'
import { getServiceDeployment, isServiceDeploymentArn, stopServiceDeployment } from './ecs/deployment.js'
import { ecsReaders } from './ecs/reader.js'
import { ENDED as ECS_ENDED } from './ecs/snapshot.js'

export { isServiceDeploymentArn }

/** The clients a stop may use: the fast ones of a cancelled run, or the step's own. */
export interface StopClients {
  codedeploy: () => CodeDeployClient
  ecs: () => ECSClient
}

const CODEDEPLOY_ENDED = ['Succeeded', 'Failed', 'Stopped']

/** Whether a status word, of either backend, is a deployment's end. */
export function isEndStatus(status: string | undefined): boolean {
  return ECS_ENDED.includes(status ?? '') || CODEDEPLOY_ENDED.includes(status ?? '')
}

/**
 * Stops the deployment and rolls it back: `stopped`, or `ended` when it had already ended and there
 * was nothing to stop.
 */
export async function stopWithRollback(clients: StopClients, id: string): Promise<'stopped' | 'ended'> {
  if (isServiceDeploymentArn(id)) {
    const ecs = clients.ecs()
    // Inferred (docs/aws-behaviour.md 25): which error a finished deployment gives is not documented: ask first.
    if (ECS_ENDED.includes((await getServiceDeployment(ecs, id)).status ?? '')) return 'ended'
    await stopServiceDeployment(ecs, id)
    return 'stopped'
  }
  try {
    await clients
      .codedeploy()
      .send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    return 'stopped'
  } catch (e) {
    if (e instanceof DeploymentAlreadyCompletedException) return 'ended'
    throw e
  }
}

/** The deployment's status word as its backend says it (the deployment-status output). */
export async function statusOf(clients: StopClients, id: string): Promise<string | undefined> {
  if (isServiceDeploymentArn(id)) return (await getServiceDeployment(clients.ecs(), id)).status
  const out = await clients.codedeploy().send(new GetDeploymentCommand({ deploymentId: id }))
  return out.deploymentInfo?.status
}

export interface ReaderOptions {
  /** The revision being deployed: its stopped tasks are the new tasks'. */
  taskDefinitionArn?: string
  /** CodeDeploy's traffic steps: when the next one is due. */
  trafficRouting?: TrafficRouting
}

/** A reader for any deployment id, through the step's clients. */
export function readersFor(io: Io, opts: ReaderOptions = {}): (id: string) => DeploymentReader {
  const codedeploy = codeDeployReaders(io, opts)
  const ecs = ecsReaders(io, { taskDefinitionArn: opts.taskDefinitionArn })
  return id => (isServiceDeploymentArn(id) ? ecs(id) : codedeploy(id))
}
