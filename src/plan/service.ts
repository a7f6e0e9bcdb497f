// Discovery: the ECS service to deploy, the CodeDeploy deployment group that deploys it, and how that
// group's deployment configuration shifts traffic. Read-only calls; clients are passed in.
import {
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo as SdkDeploymentGroupInfo
} from '@aws-sdk/client-codedeploy'
import { DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs'
import type { CapacityProviderStrategyItem, NetworkConfiguration } from '../backends/codedeploy/appspec.js'
import { ActionError, InputError, awsErrorName, errorMessage } from '../runtime/errors.js'
import type { TrafficRouting } from '../watch/snapshot.js'

export interface ServiceInfo {
  serviceArn: string
  serviceName: string
  clusterName: string
  clusterArn: string
  region?: string
  /** The revision the service runs now (for CODE_DEPLOY services, the PRIMARY task set's). */
  taskDefinitionArn: string
  /** `ECS` when the service has none, as ECS means by an absent controller. */
  deploymentController: string
  loadBalancer?: { containerName: string; containerPort: number; targetGroupArn: string }
  networkConfiguration?: NetworkConfiguration
  platformVersion?: string
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  launchType?: string
  status: string
}

export interface DeploymentGroupInfo {
  applicationName: string
  deploymentGroupName: string
  deploymentConfigName: string
  /** Set when the group keeps the replacement in `Ready` until rerouted (or until the wait runs out). */
  readyWait?: { actionOnTimeout: string; waitTimeInMinutes: number }
  terminationWaitMinutes: number
  hasTestListener: boolean
  autoRollback: { enabled: boolean; events: string[] }
  alarms: string[]
  serviceRoleArn?: string
}

const ECS_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d+:(service|cluster)\/(.+)$/

function parseEcsArn(value: string): { region: string; kind: string; path: string[] } | undefined {
  const m = ECS_ARN.exec(value)
  return m ? { region: m[1]!, kind: m[2]!, path: m[3]!.split('/') } : undefined
}

/** A name from an ECS name or ARN: the last path segment (`service/prod/web` → `web`). */
function nameOf(nameOrArn: string): string {
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
async function regionOf(client: ECSClient | CodeDeployClient): Promise<string | undefined> {
  try {
    return await client.config.region()
  } catch {
    return undefined
  }
}

function isAccessDenied(e: unknown): boolean {
  return /AccessDenied/i.test(awsErrorName(e) ?? '')
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

/** Reads the service and checks that a CodeDeploy blue/green deployment can target it. */
export async function describeService(
  ecs: ECSClient,
  cluster: string,
  service: string
): Promise<ServiceInfo> {
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
        'Check the cluster input (it defaults to default) and the region the credentials step set.'
      )
    }
    if (isAccessDenied(e)) {
      throw new ActionError(
        `Not allowed to describe ${label}: ${errorMessage(e)}`,
        'Allow ecs:DescribeServices on the service to the role this workflow assumes.'
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
  const info = toServiceInfo(found, target.cluster)
  const named = `ECS service ${info.serviceName} in cluster ${info.clusterName}`
  if (info.status !== 'ACTIVE') {
    throw new ActionError(
      `${named} is ${info.status}, not ACTIVE.`,
      'A deleted service cannot be deployed to: recreate it with the CODE_DEPLOY deployment controller.'
    )
  }
  if (info.deploymentController !== 'CODE_DEPLOY') {
    const what = found.deploymentController?.type
      ? info.deploymentController
      : 'ECS (no deployment controller set)'
    throw new ActionError(
      `${named} uses the ${what} deployment controller, not CODE_DEPLOY, so CodeDeploy cannot deploy it.`,
      'For rolling updates use aws-actions/amazon-ecs-deploy-task-definition; for CodeDeploy blue/green, recreate the service with deploymentController CODE_DEPLOY (the controller cannot be changed on an existing service) and a CodeDeploy deployment group.'
    )
  }
  if (!info.loadBalancer) {
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

/**
 * The names the ECS console gives the application and deployment group it creates for a service.
 * Cut at 46 characters each as the AWS CLI does (awscli/customizations/ecs/filehelpers.py): 7 + 46 + 1 + 46
 * is CodeDeploy's limit of 100; 47 would make names CodeDeploy cannot hold.
 */
export function consoleDeploymentGroupNames(
  clusterName: string,
  serviceName: string
): { application: string; deploymentGroup: string } {
  const suffix = `${clusterName.slice(0, 46)}-${serviceName.slice(0, 46)}`
  return { application: `AppECS-${suffix}`, deploymentGroup: `DgpECS-${suffix}` }
}

function deploysService(g: SdkDeploymentGroupInfo, svc: ServiceInfo): boolean {
  return (g.ecsServices ?? []).some(
    s =>
      s.serviceName !== undefined &&
      s.clusterName !== undefined &&
      nameOf(s.serviceName) === svc.serviceName &&
      nameOf(s.clusterName) === svc.clusterName
  )
}

function deployedServices(g: SdkDeploymentGroupInfo): string {
  const list = (g.ecsServices ?? []).map(
    s => `${nameOf(s.clusterName ?? '?')}/${nameOf(s.serviceName ?? '?')}`
  )
  return list.length ? list.join(', ') : 'no ECS service'
}

function toDeploymentGroupInfo(
  g: SdkDeploymentGroupInfo,
  application: string,
  group: string
): DeploymentGroupInfo {
  const bg = g.blueGreenDeploymentConfiguration
  const ready = bg?.deploymentReadyOption
  const waitTime = ready?.waitTimeInMinutes ?? 0
  // STOP_DEPLOYMENT is the console's "specify when to reroute traffic": the deployment parks in Ready.
  const readyWait =
    ready?.actionOnTimeout === 'STOP_DEPLOYMENT' || waitTime > 0
      ? { actionOnTimeout: ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: waitTime }
      : undefined
  const alarmConfig = g.alarmConfiguration
  return {
    applicationName: g.applicationName ?? application,
    deploymentGroupName: g.deploymentGroupName ?? group,
    deploymentConfigName: g.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce',
    ...(readyWait ? { readyWait } : {}),
    terminationWaitMinutes: bg?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0,
    hasTestListener: (g.loadBalancerInfo?.targetGroupPairInfoList ?? []).some(
      p => (p.testTrafficRoute?.listenerArns ?? []).length > 0
    ),
    autoRollback: {
      enabled: g.autoRollbackConfiguration?.enabled ?? false,
      events: g.autoRollbackConfiguration?.events ?? []
    },
    alarms: alarmConfig?.enabled ? (alarmConfig.alarms ?? []).flatMap(a => (a.name ? [a.name] : [])) : [],
    ...(g.serviceRoleArn ? { serviceRoleArn: g.serviceRoleArn } : {})
  }
}

const INPUTS_HINT =
  'Set codedeploy-application and codedeploy-deployment-group to the deployment group that deploys the service.'

async function getDeploymentGroup(
  cd: CodeDeployClient,
  application: string,
  group: string
): Promise<SdkDeploymentGroupInfo | undefined> {
  const out = await cd.send(
    new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group })
  )
  return out.deploymentGroupInfo
}

/** The deployment group both inputs name: it must exist, be ECS, and deploy this service. */
async function givenDeploymentGroup(
  cd: CodeDeployClient,
  svc: ServiceInfo,
  application: string,
  group: string
): Promise<DeploymentGroupInfo> {
  let g
  try {
    g = await getDeploymentGroup(cd, application, group)
  } catch (e) {
    const name = awsErrorName(e)
    if (name === 'ApplicationDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy application ${application} does not exist.`,
        'Check codedeploy-application (and the region), or leave both CodeDeploy inputs empty to find the group that deploys the service.'
      )
    }
    if (name === 'DeploymentGroupDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy application ${application} has no deployment group ${group}.`,
        'Check codedeploy-deployment-group, or leave both CodeDeploy inputs empty to find the group that deploys the service.'
      )
    }
    if (isAccessDenied(e)) {
      throw new ActionError(
        `Not allowed to read deployment group ${application}/${group}: ${errorMessage(e)}`,
        'Allow codedeploy:GetDeploymentGroup on it to the role this workflow assumes.'
      )
    }
    throw e
  }
  if (!g) throw new ActionError(`CodeDeploy returned no deployment group for ${application}/${group}.`)
  if (g.computePlatform !== 'ECS') {
    throw new ActionError(
      `Deployment group ${application}/${group} is for the ${g.computePlatform ?? 'unknown'} compute platform, not ECS.`,
      INPUTS_HINT
    )
  }
  if (!deploysService(g, svc)) {
    throw new ActionError(
      `Deployment group ${application}/${group} deploys ${deployedServices(g)}, not ${svc.clusterName}/${svc.serviceName}.`,
      `${INPUTS_HINT} Or leave both empty to find it.`
    )
  }
  return toDeploymentGroupInfo(g, application, group)
}

function searchDenied(step: string, e: unknown, svc: ServiceInfo): ActionError {
  return new ActionError(
    `Could not search CodeDeploy for the deployment group of ECS service ${svc.serviceName} in cluster ${svc.clusterName}: ${step} was denied (${errorMessage(e)}).`,
    `${INPUTS_HINT} Or allow codedeploy:ListApplications, codedeploy:BatchGetApplications, codedeploy:ListDeploymentGroups and codedeploy:BatchGetDeploymentGroups.`
  )
}

async function listEcsApplications(cd: CodeDeployClient, svc: ServiceInfo): Promise<string[]> {
  const names: string[] = []
  let nextToken: string | undefined
  try {
    do {
      const page = await cd.send(new ListApplicationsCommand(nextToken ? { nextToken } : {}))
      names.push(...(page.applications ?? []))
      nextToken = page.nextToken
    } while (nextToken)
  } catch (e) {
    if (isAccessDenied(e)) throw searchDenied('codedeploy:ListApplications', e, svc)
    throw e
  }
  const ecs: string[] = []
  // BatchGetApplications takes at most 100 names.
  for (let i = 0; i < names.length; i += 100) {
    try {
      const out = await cd.send(
        new BatchGetApplicationsCommand({ applicationNames: names.slice(i, i + 100) })
      )
      for (const a of out.applicationsInfo ?? []) {
        if (a.computePlatform === 'ECS' && a.applicationName) ecs.push(a.applicationName)
      }
    } catch (e) {
      if (isAccessDenied(e)) throw searchDenied('codedeploy:BatchGetApplications', e, svc)
      throw e
    }
  }
  return ecs
}

async function listGroupNames(
  cd: CodeDeployClient,
  application: string,
  svc: ServiceInfo
): Promise<string[]> {
  const names: string[] = []
  let nextToken: string | undefined
  try {
    do {
      const page = await cd.send(
        new ListDeploymentGroupsCommand({ applicationName: application, ...(nextToken ? { nextToken } : {}) })
      )
      names.push(...(page.deploymentGroups ?? []))
      nextToken = page.nextToken
    } while (nextToken)
  } catch (e) {
    if (isAccessDenied(e)) throw searchDenied('codedeploy:ListDeploymentGroups', e, svc)
    if (awsErrorName(e) === 'ApplicationDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy application ${application} does not exist.`,
        'Check codedeploy-application (and the region), or leave it empty to search every ECS application.'
      )
    }
    throw e
  }
  return names
}

async function findInApplication(
  cd: CodeDeployClient,
  application: string,
  groupNames: string[],
  svc: ServiceInfo
): Promise<DeploymentGroupInfo | undefined> {
  // BatchGetDeploymentGroups takes at most 25 names.
  for (let i = 0; i < groupNames.length; i += 25) {
    let out
    try {
      out = await cd.send(
        new BatchGetDeploymentGroupsCommand({
          applicationName: application,
          deploymentGroupNames: groupNames.slice(i, i + 25)
        })
      )
    } catch (e) {
      if (isAccessDenied(e)) throw searchDenied('codedeploy:BatchGetDeploymentGroups', e, svc)
      throw e
    }
    const match = (out.deploymentGroupsInfo ?? []).find(
      g => g.computePlatform === 'ECS' && deploysService(g, svc)
    )
    if (match) return toDeploymentGroupInfo(match, application, match.deploymentGroupName ?? '')
  }
  return undefined
}

/**
 * The CodeDeploy deployment group that deploys `svc`: the one the inputs name (checked), else the
 * console's default names, else the first found by searching the ECS applications.
 */
export async function findDeploymentGroup(
  cd: CodeDeployClient,
  svc: ServiceInfo,
  given: { application?: string; deploymentGroup?: string }
): Promise<DeploymentGroupInfo> {
  const application = given.application?.trim() || undefined
  const group = given.deploymentGroup?.trim() || undefined
  if (application && group) return givenDeploymentGroup(cd, svc, application, group)

  const tried: string[] = []
  if (!application && !group) {
    const names = consoleDeploymentGroupNames(svc.clusterName, svc.serviceName)
    const pair = `${names.application}/${names.deploymentGroup}`
    try {
      const g = await getDeploymentGroup(cd, names.application, names.deploymentGroup)
      if (g?.computePlatform === 'ECS' && deploysService(g, svc)) {
        return toDeploymentGroupInfo(g, names.application, names.deploymentGroup)
      }
      tried.push(
        `the console's names ${pair} (${g ? `it deploys ${deployedServices(g)}` : 'no such deployment group'})`
      )
    } catch (e) {
      const name = awsErrorName(e)
      const known: Record<string, string> = {
        ApplicationDoesNotExistException: 'no such application',
        DeploymentGroupDoesNotExistException: 'no such deployment group'
      }
      // A policy scoped to other applications answers AccessDenied for names it does not cover.
      const why = (name && known[name]) ?? (isAccessDenied(e) ? 'access denied' : undefined)
      if (why === undefined) throw e
      tried.push(`the console's names ${pair} (${why})`)
    }
  }

  const applications = application ? [application] : await listEcsApplications(cd, svc)
  let groupCount = 0
  for (const app of applications) {
    const groupNames = (await listGroupNames(cd, app, svc)).filter(n => group === undefined || n === group)
    groupCount += groupNames.length
    const found = await findInApplication(cd, app, groupNames, svc)
    if (found) return found
  }
  const scope = application
    ? `application ${application}`
    : `${applications.length} ECS application${applications.length === 1 ? '' : 's'}${applications.length ? ` (${applications.slice(0, 5).join(', ')}${applications.length > 5 ? ', …' : ''})` : ''}`
  tried.push(
    `${groupCount} deployment group${groupCount === 1 ? '' : 's'}${group ? ` named ${group}` : ''} in ${scope}`
  )
  throw new ActionError(
    `No CodeDeploy deployment group deploys ECS service ${svc.serviceName} in cluster ${svc.clusterName}${svc.region ? ` (${svc.region})` : ''}. Tried ${tried.join(', then ')}.`,
    `${INPUTS_HINT} If there is none, create one for the service (CodeDeploy console, compute platform Amazon ECS).`
  )
}

// The predefined ECS configurations, known without a call (reference §2.6); custom ones are read.
const PREDEFINED_ROUTING: Record<string, TrafficRouting> = {
  'CodeDeployDefault.ECSAllAtOnce': { type: 'AllAtOnce' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 1
  },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 3
  },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 5
  },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 15
  }
}

/** How a deployment configuration shifts production traffic. */
export async function getTrafficRouting(
  cd: CodeDeployClient,
  deploymentConfigName: string
): Promise<TrafficRouting> {
  const known = PREDEFINED_ROUTING[deploymentConfigName]
  if (known) return known
  let info
  try {
    info = (await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName }))).deploymentConfigInfo
  } catch (e) {
    if (awsErrorName(e) === 'DeploymentConfigDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy deployment configuration ${deploymentConfigName} does not exist.`,
        `Check codedeploy-deployment-config; the predefined ECS ones are ${Object.keys(PREDEFINED_ROUTING).join(', ')}.`
      )
    }
    if (isAccessDenied(e)) {
      throw new ActionError(
        `Not allowed to read deployment configuration ${deploymentConfigName}: ${errorMessage(e)}`,
        'Allow codedeploy:GetDeploymentConfig to the role this workflow assumes.'
      )
    }
    throw e
  }
  if (info?.computePlatform !== 'ECS') {
    throw new ActionError(
      `Deployment configuration ${deploymentConfigName} is for the ${info?.computePlatform ?? 'unknown'} compute platform, not ECS.`,
      `Use an ECS configuration, e.g. ${Object.keys(PREDEFINED_ROUTING).join(', ')}.`
    )
  }
  const routing = info.trafficRoutingConfig
  if (routing?.type === 'TimeBasedCanary') {
    return {
      type: 'TimeBasedCanary',
      percentage: routing.timeBasedCanary?.canaryPercentage ?? 0,
      intervalMinutes: routing.timeBasedCanary?.canaryInterval ?? 0
    }
  }
  if (routing?.type === 'TimeBasedLinear') {
    return {
      type: 'TimeBasedLinear',
      percentage: routing.timeBasedLinear?.linearPercentage ?? 0,
      intervalMinutes: routing.timeBasedLinear?.linearInterval ?? 0
    }
  }
  return { type: 'AllAtOnce' }
}

export function describeTrafficRouting(r: TrafficRouting): string {
  switch (r.type) {
    case 'AllAtOnce':
      return 'all at once'
    case 'TimeBasedCanary':
      return `canary: ${r.percentage}% then the rest after ${r.intervalMinutes} min`
    case 'TimeBasedLinear':
      return `linear: ${r.percentage}% every ${r.intervalMinutes} min`
  }
}
