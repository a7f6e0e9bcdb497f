// The CodeDeploy deployment group that deploys an ECS service: the one the inputs name, checked, or
// found by the console's names or by a search. Read-only calls; the client is passed in.
import {
  BatchGetDeploymentGroupsCommand,
  GetDeploymentGroupCommand,
  paginateListApplications,
  paginateListDeploymentGroups,
  BatchGetApplicationsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo as SdkDeploymentGroupInfo
} from '@aws-sdk/client-codedeploy'
import { nameOf, type ServiceInfo } from '../../plan/service.js'
import { ActionError, awsErrorKind, awsErrorName, errorMessage } from '../../runtime/errors.js'

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
/**
 * The names the ECS console gives the application and deployment group it creates for a service.
 * Cut at 46 characters each as the AWS CLI does (awscli/customizations/ecs/filehelpers.py): 7 + 46 + 1 + 46
 * is CodeDeploy's limit of 100; 47 would make names CodeDeploy cannot hold.
 */
export function consoleDeploymentGroupNames(
  clusterName: string,
  serviceName: string
): { application: string; deploymentGroup: string } {
  // Inferred (docs/aws-behaviour.md 18): the names the AWS CLI gives, as the console does.
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
        'Check codedeploy-application (and the region), or leave both CodeDeploy inputs empty to find the group that deploys the service.',
        undefined,
        e
      )
    }
    if (name === 'DeploymentGroupDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy application ${application} has no deployment group ${group}.`,
        'Check codedeploy-deployment-group, or leave both CodeDeploy inputs empty to find the group that deploys the service.',
        undefined,
        e
      )
    }
    if (awsErrorKind(e) === 'access-denied') {
      throw new ActionError(
        `Not allowed to read deployment group ${application}/${group}: ${errorMessage(e)}`,
        'Allow codedeploy:GetDeploymentGroup on it to the role this workflow assumes.',
        undefined,
        e
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
    `${INPUTS_HINT} Or allow codedeploy:ListApplications, codedeploy:BatchGetApplications, codedeploy:ListDeploymentGroups and codedeploy:BatchGetDeploymentGroups.`,
    undefined,
    e
  )
}

async function listEcsApplications(cd: CodeDeployClient, svc: ServiceInfo): Promise<string[]> {
  const names: string[] = []
  try {
    for await (const page of paginateListApplications({ client: cd }, {}))
      names.push(...(page.applications ?? []))
  } catch (e) {
    if (awsErrorKind(e) === 'access-denied') throw searchDenied('codedeploy:ListApplications', e, svc)
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
      if (awsErrorKind(e) === 'access-denied') throw searchDenied('codedeploy:BatchGetApplications', e, svc)
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
  try {
    for await (const page of paginateListDeploymentGroups({ client: cd }, { applicationName: application }))
      names.push(...(page.deploymentGroups ?? []))
  } catch (e) {
    if (awsErrorKind(e) === 'access-denied') throw searchDenied('codedeploy:ListDeploymentGroups', e, svc)
    if (awsErrorName(e) === 'ApplicationDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy application ${application} does not exist.`,
        'Check codedeploy-application (and the region), or leave it empty to search every ECS application.',
        undefined,
        e
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
      if (awsErrorKind(e) === 'access-denied')
        throw searchDenied('codedeploy:BatchGetDeploymentGroups', e, svc)
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
      const why = (name && known[name]) ?? (awsErrorKind(e) === 'access-denied' ? 'access denied' : undefined)
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
