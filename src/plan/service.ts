// The ECS service to deploy: looked up once, before anything is written. Read-only; the client is passed in.
import {
  type DeploymentConfiguration,
  DescribeServicesCommand,
  type ECSClient,
  type Service
} from '@aws-sdk/client-ecs'
import { ActionError, InputError, awsErrorKind, awsErrorName, errorMessage } from '../runtime/errors.js'

export interface NetworkConfiguration {
  awsvpcConfiguration: {
    subnets: string[]
    securityGroups?: string[]
    assignPublicIp?: 'ENABLED' | 'DISABLED'
  }
}

export interface CapacityProviderStrategyItem {
  capacityProvider: string
  base?: number
  weight?: number
}

export interface ServiceInfo {
  serviceArn: string
  serviceName: string
  clusterName: string
  clusterArn: string
  region?: string
  /** The revision the service runs now (for CODE_DEPLOY services, the PRIMARY task set's). */
  taskDefinitionArn: string
  /** `ECS` when the service has none, as ECS means by an absent controller. */
  deploymentController: 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL'
  /** ECS's own deployments: strategy, hooks, bake time, circuit breaker and alarms, as the service has them. */
  deploymentConfiguration?: DeploymentConfiguration
  loadBalancer?: { containerName: string; containerPort: number; targetGroupArn: string }
  networkConfiguration?: NetworkConfiguration
  platformVersion?: string
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  launchType?: string
  status: string
}
/** AWS's guide to moving a service between CodeDeploy blue/green and ECS's own blue/green deployments. */
const MIGRATION_GUIDE =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-codedeploy-to-ecs-bluegreen.html'

const ECS_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d+:(service|cluster)\/(.+)$/

function parseEcsArn(value: string): { region: string; kind: string; path: string[] } | undefined {
  const m = ECS_ARN.exec(value)
  return m ? { region: m[1]!, kind: m[2]!, path: m[3]!.split('/') } : undefined
}

/** A name from an ECS name or ARN: the last path segment (`service/prod/web` → `web`). */
export function nameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn
}

/**
 * The cluster and service to ask ECS for. A service ARN of the long form names its cluster, which then
 * wins over the default cluster; a different explicit cluster is an input error.
 */
export function serviceTarget(cluster: string, service: string): { cluster: string; service: string } {
  const given = cluster.trim() || 'default'
  const svcArn = parseEcsArn(service)
  const clusterArn = parseEcsArn(given)
  if (clusterArn && clusterArn.kind !== 'cluster') {
    throw new InputError(
      `cluster is a ${clusterArn.kind} ARN: ${given}.`,
      'Set cluster to a cluster name or cluster ARN.'
    )
  }
  if (svcArn && svcArn.kind !== 'service') {
    throw new InputError(
      `service is a ${svcArn.kind} ARN: ${service}.`,
      'Set service to a service name or service ARN.'
    )
  }
  const arnCluster = svcArn?.path.length === 2 ? svcArn.path[0] : undefined
  if (arnCluster === undefined || given === 'default') {
    return { cluster: arnCluster ?? given, service }
  }
  if (nameOf(given) !== arnCluster) {
    throw new InputError(
      `The service ARN ${service} is in cluster ${arnCluster}, but cluster is ${given}.`,
      'Remove the cluster input or make it match the service ARN.'
    )
  }
  return { cluster: given, service }
}

// Only for messages: a client without a region has already failed its call, and that error is the one to report.
async function regionOf(client: ECSClient): Promise<string | undefined> {
  try {
    return await client.config.region()
  } catch {
    return undefined
  }
}

function toServiceInfo(s: Service, cluster: string): ServiceInfo {
  const lb = s.loadBalancers?.[0]
  const awsvpc = s.networkConfiguration?.awsvpcConfiguration
  const clusterArn = s.clusterArn ?? ''
  const strategy = (s.capacityProviderStrategy ?? []).flatMap(c =>
    c.capacityProvider
      ? [
          {
            capacityProvider: c.capacityProvider,
            ...(c.base !== undefined ? { base: c.base } : {}),
            ...(c.weight !== undefined ? { weight: c.weight } : {})
          }
        ]
      : []
  )
  return {
    serviceArn: s.serviceArn ?? '',
    serviceName: s.serviceName ?? '',
    clusterName: clusterArn ? nameOf(clusterArn) : nameOf(cluster),
    clusterArn,
    ...(s.serviceArn && parseEcsArn(s.serviceArn) ? { region: parseEcsArn(s.serviceArn)!.region } : {}),
    taskDefinitionArn: s.taskDefinition ?? '',
    deploymentController: s.deploymentController?.type ?? 'ECS',
    ...(s.deploymentConfiguration ? { deploymentConfiguration: s.deploymentConfiguration } : {}),
    ...(lb?.containerName && lb.containerPort !== undefined
      ? {
          loadBalancer: {
            containerName: lb.containerName,
            containerPort: lb.containerPort,
            targetGroupArn: lb.targetGroupArn ?? ''
          }
        }
      : {}),
    ...(awsvpc?.subnets?.length
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: awsvpc.subnets,
              ...(awsvpc.securityGroups?.length ? { securityGroups: awsvpc.securityGroups } : {}),
              ...(awsvpc.assignPublicIp ? { assignPublicIp: awsvpc.assignPublicIp } : {})
            }
          }
        }
      : {}),
    ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
    ...(strategy.length ? { capacityProviderStrategy: strategy } : {}),
    ...(s.launchType ? { launchType: s.launchType } : {}),
    status: s.status ?? 'UNKNOWN'
  }
}

/**
 * Reads the service and checks that this step can deploy it: its deployment controller chooses the
 * backend (CODE_DEPLOY: CodeDeploy; ECS or none: ECS's own deployments); EXTERNAL has neither.
 */
export async function describeService(
  ecs: ECSClient,
  cluster: string,
  service: string
): Promise<ServiceInfo> {
  const { info } = await lookUp(ecs, cluster, service)
  const named = `ECS service ${info.serviceName} in cluster ${info.clusterName}`
  const controller = info.deploymentController
  if (controller === 'EXTERNAL') {
    // Inferred (docs/aws-behaviour.md 20): UpdateService can change a service's deployment controller.
    throw new ActionError(
      `${named} uses the ${controller} deployment controller: its deployments are made by another tool, through task sets, and neither CodeDeploy nor ECS deploys it.`,
      `Deploy it with the tool that owns its task sets, or give it the ECS deployment controller (ECS runs blue/green, linear, canary and rolling deployments itself) or CODE_DEPLOY; AWS documents moving a service between controllers: ${MIGRATION_GUIDE}`
    )
  }
  if (info.status !== 'ACTIVE') {
    throw new ActionError(
      `${named} is ${info.status}, not ACTIVE.`,
      'A deleted service cannot be deployed to: recreate it, or check the service input.'
    )
  }
  if (controller === 'CODE_DEPLOY' && !info.loadBalancer) {
    throw new ActionError(
      `${named} has no load balancer with a container name and port.`,
      'CodeDeploy blue/green shifts traffic between two target groups of an Application or Network Load Balancer: create the service with one.'
    )
  }
  if (!info.taskDefinitionArn) {
    throw new ActionError(`${named} reports no task definition.`, 'Check the service in the ECS console.')
  }
  return info
}

/** Reads the service whatever its deployment controller: register-only deploys nothing to it. */
export async function readService(ecs: ECSClient, cluster: string, service: string): Promise<ServiceInfo> {
  return (await lookUp(ecs, cluster, service)).info
}

async function lookUp(
  ecs: ECSClient,
  cluster: string,
  service: string
): Promise<{ found: Service; info: ServiceInfo }> {
  const target = serviceTarget(cluster, service)
  const label = `service ${nameOf(target.service)} in cluster ${nameOf(target.cluster)}`
  let out
  try {
    out = await ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }))
  } catch (e) {
    const region = await regionOf(ecs)
    const where = region ? ` in ${region}` : ''
    if (awsErrorName(e) === 'ClusterNotFoundException') {
      throw new ActionError(
        `Cluster ${target.cluster} was not found${where}.`,
        'Check the cluster input (it defaults to default) and the region the credentials step set.',
        undefined,
        e
      )
    }
    if (awsErrorKind(e) === 'access-denied') {
      throw new ActionError(
        `Not allowed to describe ${label}: ${errorMessage(e)}`,
        'Allow ecs:DescribeServices on the service to the role this workflow assumes.',
        undefined,
        e
      )
    }
    // Anything else (credentials, network) goes up as the SDK raised it: the caller tells those apart by name.
    throw e
  }
  const failure = out.failures?.[0]
  const found = out.services?.[0]
  if (!found) {
    const region = await regionOf(ecs)
    const where = region ? ` (region ${region})` : ''
    if (failure?.reason === 'MISSING' || !failure) {
      throw new ActionError(
        `ECS ${label} does not exist${where}.`,
        'Check the service and cluster inputs; cluster defaults to default when not given.'
      )
    }
    throw new ActionError(
      `ECS could not describe ${label}${where}: ${failure.reason ?? 'unknown reason'}${failure.detail ? ` (${failure.detail})` : ''}.`
    )
  }
  return { found, info: toServiceInfo(found, target.cluster) }
}
