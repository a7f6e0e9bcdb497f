import {
  type CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  type ECSTarget,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { parse } from 'yaml'
import { ActionError, awsErrorKind, refusedByAws } from '../../runtime/errors.js'
import { TargetReader, inTerminationWait } from './target.js'

/** What CodeDeploy counts as an active deployment: only one may run per deployment group. */
// Inferred (docs/aws-behaviour.md 16): Queued and Baking are not documented for ECS; counted as not ended.
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

/** A deployment read with its ECS target: only the target tells whether it is in its termination wait. */
export interface DeploymentState {
  info: DeploymentInfo
  target?: ECSTarget
}

/** GetDeployment, and the target while the deployment is InProgress (the target settles nothing else). */
export async function readDeploymentState(
  cd: CodeDeployClient,
  deploymentId: string
): Promise<DeploymentState> {
  const info = await getDeployment(cd, deploymentId)
  if (info.status !== 'InProgress') return { info }
  const target = await new TargetReader(cd, deploymentId).read()
  return target ? { info, target } : { info }
}

/**
 * The group's active deployment, newest first (as ecspresso reads ListDeployments). Its status is
 * checked again: the list can lag behind a deployment that has just ended.
 */
export async function findRunningDeployment(
  cd: CodeDeployClient,
  target: DeploymentTarget
): Promise<DeploymentState | undefined> {
  const out = await cd.send(
    new ListDeploymentsCommand({ ...target, includeOnlyStatuses: [...RUNNING_STATUSES] })
  )
  // Inferred (docs/aws-behaviour.md 15): newest first, and the list can lag behind an end.
  for (const id of out.deployments ?? []) {
    const state = await readDeploymentState(cd, id)
    if ((RUNNING_STATUSES as readonly string[]).includes(state.info.status ?? '')) return state
  }
  return undefined
}

export function describeDeployment(
  { info, target }: DeploymentState,
  consoleUrl: (id: string) => string
): string {
  const id = info.deploymentId ?? '?'
  const started = info.createTime ? ` started ${info.createTime.toISOString().replace(/\.\d+Z$/, 'Z')}` : ''
  const creator = info.creator ? ` by ${info.creator}` : ''
  const phase = inTerminationWait(info, target)
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
    readonly running: DeploymentState | undefined,
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
    const info = running?.info
    // Inferred (docs/aws-behaviour.md 17): a running deployment of our very AppSpec is our earlier attempt.
    if (info?.deploymentId && info.revision?.appSpecContent?.sha256 === d.appSpec.sha256) {
      return { id: info.deploymentId, adopted: true }
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
  return e instanceof GroupBusyError || refusedByAws(e)
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
  const running = (await findRunningDeployment(cd, target))?.info
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

export type WaitType = 'READY_WAIT' | 'TERMINATION_WAIT'

/** Whether the deployment still waits where `waitType` would end the wait. */
export function stillWaits({ info, target }: DeploymentState, waitType: WaitType): boolean {
  return waitType === 'READY_WAIT' ? info.status === 'Ready' : inTerminationWait(info, target)
}

/**
 * Ends a wait: 'continued', or 'moved-on' when the deployment had left that wait between the read and
 * the call (it ended, was continued or stopped by someone else): the next read shows how. A refusal
 * is judged by the deployment's state read again, not by its name: AWS documents
 * DeploymentAlreadyCompletedException for an ended deployment and DeploymentIsNotInReadyStateException
 * for READY_WAIT outside Ready, but not what TERMINATION_WAIT outside the termination wait answers.
 * Credentials and permissions are the caller's to handle: reading again would not tell.
 */
export async function continueDeployment(
  cd: CodeDeployClient,
  deploymentId: string,
  waitType: WaitType
): Promise<'continued' | 'moved-on'> {
  try {
    await cd.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: waitType }))
    return 'continued'
  } catch (e) {
    if (e instanceof DeploymentAlreadyCompletedException) return 'moved-on'
    if (awsErrorKind(e) !== 'other') throw e
    // Inferred (docs/aws-behaviour.md 3): what TERMINATION_WAIT outside the wait answers is undocumented.
    if (stillWaits(await readDeploymentState(cd, deploymentId), waitType)) throw e
    return 'moved-on'
  }
}

/** What an AppSpec sent to CodeDeploy says that matters after the fact. */
export interface AppSpecFacts {
  taskDefinition?: string
  /** How many hooks (Lambda functions) it runs. */
  hooks: number
}

/**
 * The AppSpec of a deployment's revision or previous revision. GetDeployment never returns AppSpec
 * content (its API reference: `content` is always null), GetApplicationRevision does, by its sha256.
 */
export async function revisionAppSpec(
  cd: CodeDeployClient,
  info: DeploymentInfo,
  which: 'revision' | 'previousRevision'
): Promise<AppSpecFacts | undefined> {
  const sha256 = info[which]?.appSpecContent?.sha256
  if (!sha256 || !info.applicationName) return undefined
  // Inferred (docs/aws-behaviour.md 13): CodeDeploy keeps an AppSpecContent revision under its sha256.
  const out = await cd.send(
    new GetApplicationRevisionCommand({
      applicationName: info.applicationName,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256 } }
    })
  )
  const content = out.revision?.appSpecContent?.content
  return content ? appSpecFacts(content) : undefined
}

/**
 * The target service's TaskDefinition and the hook count of an AppSpec, its keys read
 * case-insensitively as CodeDeploy does; hooks as a list of one-key maps, or one map.
 */
export function appSpecFacts(content: string): AppSpecFacts {
  // Inferred (docs/aws-behaviour.md 19): CodeDeploy reads keys in any case and Hooks as a list or a map.
  const spec: unknown = parse(content)
  const resources = member(spec, 'resources')
  const first: unknown = Array.isArray(resources) ? resources[0] : undefined
  const service: unknown = first && typeof first === 'object' ? Object.values(first)[0] : undefined
  const value = member(member(service, 'properties'), 'taskdefinition')
  const hooks = member(spec, 'hooks')
  const count = Array.isArray(hooks)
    ? hooks.length
    : hooks && typeof hooks === 'object'
      ? Object.keys(hooks).length
      : 0
  return { ...(typeof value === 'string' ? { taskDefinition: value } : {}), hooks: count }
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
