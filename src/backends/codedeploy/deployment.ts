import {
  type CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  InvalidDeploymentStatusException,
  ListDeploymentsCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { parse } from 'yaml'
import { ActionError } from '../../runtime/errors.js'

/** What CodeDeploy counts as an active deployment: only one may run per deployment group. */
export const RUNNING_STATUSES = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'] as const

/** CodeDeploy's limit, as the official action enforces it. */
export const MAX_DESCRIPTION = 512

export interface DeploymentTarget {
  applicationName: string
  deploymentGroupName: string
}

export async function getDeployment(cd: CodeDeployClient, deploymentId: string): Promise<DeploymentInfo> {
  const out = await cd.send(new GetDeploymentCommand({ deploymentId }))
  if (!out.deploymentInfo)
    throw new ActionError(`CodeDeploy returned nothing for deployment ${deploymentId}.`)
  return out.deploymentInfo
}

/**
 * The group's active deployment, newest first (as ecspresso reads ListDeployments). Its status is
 * checked again: the list can lag behind a deployment that has just ended.
 */
export async function findRunningDeployment(
  cd: CodeDeployClient,
  target: DeploymentTarget
): Promise<DeploymentInfo | undefined> {
  const out = await cd.send(
    new ListDeploymentsCommand({ ...target, includeOnlyStatuses: [...RUNNING_STATUSES] })
  )
  for (const id of out.deployments ?? []) {
    const info = await getDeployment(cd, id)
    if ((RUNNING_STATUSES as readonly string[]).includes(info.status ?? '')) return info
  }
  return undefined
}

export function describeDeployment(info: DeploymentInfo, consoleUrl: (id: string) => string): string {
  const id = info.deploymentId ?? '?'
  const started = info.createTime ? ` started ${info.createTime.toISOString().replace(/\.\d+Z$/, 'Z')}` : ''
  const creator = info.creator ? ` by ${info.creator}` : ''
  const phase = info.instanceTerminationWaitTimeStarted
    ? `${info.status ?? '?'}, in its termination wait`
    : (info.status ?? '?')
  return `${id} (${phase}${started}${creator}; ${consoleUrl(id)})`
}

export interface NewDeployment extends DeploymentTarget {
  deploymentConfigName?: string
  description: string
  appSpec: { content: string; sha256: string }
}

/** Raised when another deployment holds the group at CreateDeployment time. */
export class GroupBusyError extends ActionError {
  /** `running` is undefined when the group's deployments cannot be listed; CodeDeploy's message names it. */
  constructor(
    readonly running: DeploymentInfo | undefined,
    groupName: string,
    readonly refusal: string
  ) {
    super(`Deployment group ${groupName} already has an active deployment: ${refusal}`)
  }
}

/**
 * CreateDeployment is not idempotent: when a retried call meets a running deployment whose
 * AppSpec is ours byte for byte, the first attempt went through and that deployment is adopted.
 */
export async function createDeployment(
  cd: CodeDeployClient,
  d: NewDeployment
): Promise<{ id: string; adopted: boolean }> {
  try {
    const out = await cd.send(
      new CreateDeploymentCommand({
        applicationName: d.applicationName,
        deploymentGroupName: d.deploymentGroupName,
        deploymentConfigName: d.deploymentConfigName,
        description: d.description.slice(0, MAX_DESCRIPTION),
        revision: { revisionType: 'AppSpecContent', appSpecContent: d.appSpec }
      })
    )
    if (!out.deploymentId) throw new ActionError('CodeDeploy accepted the deployment but returned no id.')
    return { id: out.deploymentId, adopted: false }
  } catch (e) {
    if (!(e instanceof DeploymentLimitExceededException)) throw e
    const running = await findRunningDeployment(cd, d).catch(() => undefined)
    if (running?.deploymentId && running.revision?.appSpecContent?.sha256 === d.appSpec.sha256) {
      return { id: running.deploymentId, adopted: true }
    }
    throw new GroupBusyError(running, d.deploymentGroupName, e.message)
  }
}

/**
 * Whether a failed createDeployment is known to have created nothing: AWS answered and refused (a
 * 4xx, or the group was busy). Without an answer (the network, a timeout) or with a 5xx after the
 * SDK's retries, the deployment may exist.
 */
export function createRefused(e: unknown): boolean {
  if (e instanceof GroupBusyError) return true
  const status = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode
  return status !== undefined && status < 500
}

/**
 * The group's deployment of this AppSpec (by its SHA-256, as adoption finds it): the running one,
 * else one created since `since`, for a CreateDeployment whose answer never came.
 */
export async function findDeploymentOfAppSpec(
  cd: CodeDeployClient,
  target: DeploymentTarget,
  sha256: string,
  since: Date
): Promise<DeploymentInfo | undefined> {
  const ours = (info: DeploymentInfo | undefined): boolean =>
    info?.revision?.appSpecContent?.sha256 === sha256
  const running = await findRunningDeployment(cd, target)
  if (ours(running)) return running
  const out = await cd.send(new ListDeploymentsCommand({ ...target, createTimeRange: { start: since } }))
  for (const id of out.deployments ?? []) {
    const info = await getDeployment(cd, id)
    if (ours(info)) return info
  }
  return undefined
}

export async function stopDeployment(cd: CodeDeployClient, deploymentId: string): Promise<void> {
  await cd.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }))
}

/**
 * Returns false when the deployment moved on between the read and the call (the wait ended, or the
 * deployment did): what happened instead shows in the next read.
 */
export async function continueDeployment(
  cd: CodeDeployClient,
  deploymentId: string,
  waitType: 'READY_WAIT' | 'TERMINATION_WAIT'
): Promise<boolean> {
  try {
    await cd.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: waitType }))
    return true
  } catch (e) {
    if (e instanceof DeploymentAlreadyCompletedException || e instanceof InvalidDeploymentStatusException)
      return false
    throw e
  }
}

/**
 * The task definition of a deployment's revision or previous revision. GetDeployment never
 * returns AppSpec content, GetApplicationRevision does.
 */
export async function revisionTaskDefinition(
  cd: CodeDeployClient,
  info: DeploymentInfo,
  which: 'revision' | 'previousRevision'
): Promise<string | undefined> {
  const sha256 = info[which]?.appSpecContent?.sha256
  if (!sha256 || !info.applicationName) return undefined
  const out = await cd.send(
    new GetApplicationRevisionCommand({
      applicationName: info.applicationName,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256 } }
    })
  )
  return taskDefinitionOfAppSpec(out.revision?.appSpecContent?.content)
}

/** TaskDefinition of an AppSpec's target service, its keys read case-insensitively as CodeDeploy does. */
export function taskDefinitionOfAppSpec(content: string | undefined): string | undefined {
  if (!content) return undefined
  const resources = member(parse(content), 'resources')
  const first: unknown = Array.isArray(resources) ? resources[0] : undefined
  const service: unknown = first && typeof first === 'object' ? Object.values(first)[0] : undefined
  const value = member(member(service, 'properties'), 'taskdefinition')
  return typeof value === 'string' ? value : undefined
}

function member(node: unknown, key: string): unknown {
  if (!node || typeof node !== 'object') return undefined
  return Object.entries(node).find(([k]) => k.toLowerCase() === key)?.[1]
}

/** The default description: where the deployment came from, for whoever finds it in the console. */
export function defaultDescription(env: NodeJS.ProcessEnv): string {
  const repo = env.GITHUB_REPOSITORY ?? 'unknown repository'
  const sha = (env.GITHUB_SHA ?? '').slice(0, 7)
  const run = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
    : ''
  return [
    `GitHub Actions: ${repo}${sha ? `@${sha}` : ''}`,
    env.GITHUB_WORKFLOW ? `workflow ${env.GITHUB_WORKFLOW}` : '',
    run
  ]
    .filter(Boolean)
    .join(' ')
    .slice(0, MAX_DESCRIPTION)
}
