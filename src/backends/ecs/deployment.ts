// ECS's own deployments: start one (UpdateService), read, list, stop and continue them.
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
  StopServiceDeploymentCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { ActionError } from '../../runtime/errors.js'
import { RUNNING_STATUSES } from './snapshot.js'

/** The service a deployment belongs to, as ECS calls take it. */
export interface EcsService {
  cluster: string
  service: string
}

/** `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>` */
const SERVICE_DEPLOYMENT_ARN =
  /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):service-deployment\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/

export function isServiceDeploymentArn(id: string): boolean {
  return SERVICE_DEPLOYMENT_ARN.test(id)
}

/** The region, cluster and service a service deployment ARN names. */
export function parseServiceDeploymentArn(
  arn: string
): { region: string; cluster: string; service: string } | undefined {
  const m = SERVICE_DEPLOYMENT_ARN.exec(arn)
  return m ? { region: m[1]!, cluster: m[3]!, service: m[4]! } : undefined
}

export async function getServiceDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))
  const found = out.serviceDeployments?.[0]
  if (!found) {
    const reason = out.failures?.[0]?.reason
    throw new ActionError(
      `ECS has no service deployment ${arn}${reason ? ` (${reason})` : ''}.`,
      'Check deployment-id, and that this job uses the region and account of the step that created it.'
    )
  }
  return found
}

/**
 * Starts a deployment of `taskDefinition` and changes nothing else on the service: strategy, hooks,
 * bake time, alarms and load balancers belong to the service's own configuration. The same revision
 * starts nothing unless forced.
 */
export async function startServiceDeployment(
  ecs: ECSClient,
  target: EcsService,
  taskDefinition: string,
  force: boolean
): Promise<string> {
  const sentAt = new Date()
  const out = await ecs.send(
    new UpdateServiceCommand({ ...target, taskDefinition, ...(force ? { forceNewDeployment: true } : {}) })
  )
  const arn = out.service?.currentServiceDeployment
  if (arn) return arn
  // Inferred (docs/aws-behaviour.md 24): older answers leave currentServiceDeployment out: the newest deployment created since the call
  // is this one (ecspresso reads it the same way before v2.6.5).
  const listed = await ecs.send(
    new ListServiceDeploymentsCommand({
      ...target,
      status: ['PENDING', 'IN_PROGRESS'],
      createdAt: { after: new Date(sentAt.getTime() - 60_000) }
    })
  )
  const newest = listed.serviceDeployments?.[0]?.serviceDeploymentArn
  if (!newest) {
    throw new ActionError(
      'UpdateService was accepted, but ECS names no deployment for it.',
      "The service was updated; follow the deployment in the ECS console (the service's Deployments tab)."
    )
  }
  return newest
}

/** The deployments of the service that have not ended, newest first. */
export async function runningServiceDeployments(
  ecs: ECSClient,
  target: EcsService
): Promise<ServiceDeployment[]> {
  const listed = await ecs.send(
    new ListServiceDeploymentsCommand({ ...target, status: [...RUNNING_STATUSES] })
  )
  const arns = (listed.serviceDeployments ?? []).flatMap(d =>
    d.serviceDeploymentArn ? [d.serviceDeploymentArn] : []
  )
  if (arns.length === 0) return []
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns }))
  // The list can lag behind a deployment that has just ended: its status is read again.
  return (out.serviceDeployments ?? []).filter(d =>
    (RUNNING_STATUSES as readonly string[]).includes(d.status ?? '')
  )
}

/** Stops it and rolls it back; a second stop of a deployment already stopping is harmless. */
export async function stopServiceDeployment(ecs: ECSClient, arn: string): Promise<void> {
  await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
}

/** Releases the PAUSE hook `hookId`: the deployment goes on to its next stage. */
export async function continueServiceDeployment(ecs: ECSClient, arn: string, hookId: string): Promise<void> {
  await ecs.send(
    new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' })
  )
}

/**
 * The service's deployment of `taskDefinition` created since `since`, for an UpdateService whose
 * answer never came: the newest such one, its revision read with DescribeServiceRevisions.
 */
export async function findServiceDeploymentOf(
  ecs: ECSClient,
  target: EcsService,
  taskDefinition: string,
  since: Date
): Promise<string | undefined> {
  const listed = await ecs.send(new ListServiceDeploymentsCommand({ ...target, createdAt: { after: since } }))
  const arns = (listed.serviceDeployments ?? []).flatMap(d =>
    d.serviceDeploymentArn ? [d.serviceDeploymentArn] : []
  )
  if (arns.length === 0) return undefined
  const out = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns.slice(0, 20) })
  )
  for (const d of out.serviceDeployments ?? []) {
    const revision = d.targetServiceRevision?.arn
    if (!revision || !d.serviceDeploymentArn) continue
    // Inferred (docs/aws-behaviour.md 26): the target revision exists, and names its task definition, from the start.
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revision] }))
    if (revisions.serviceRevisions?.[0]?.taskDefinition === taskDefinition) return d.serviceDeploymentArn
  }
  return undefined
}
