import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { isServiceDeploymentArn } from '../backends/ecs/deployment.js'
import { deploymentConsoleUrl } from './console-url.js'
import {
  ActionError,
  InputError,
  awsCallOf,
  awsErrorName,
  errorMessage,
  unexpectedError
} from '../runtime/errors.js'
import type { FailureReport } from './failure.js'
import {
  GitHubDeployments,
  type GitHubDeploymentContext,
  type GitHubDeploymentState,
  headSha
} from './github-deployment.js'
import type { Inputs } from '../inputs/inputs.js'
import type { Io } from '../runtime/io.js'
import type { StepState } from '../runtime/state.js'
import type { Outputs } from './outputs.js'
import type { Plan } from '../plan/plan.js'
import { describeTrafficRouting } from '../backends/codedeploy/traffic-routing.js'
import type { DeploymentSnapshot } from '../watch/snapshot.js'
import {
  type RunOutcome,
  type RunReport,
  type TimelineEntry,
  type TrafficStep,
  renderSection,
  renderSummary
} from './summary.js'
import { describeTaskDefinitionChanges } from './task-definition-changes.js'

export interface Ending {
  outcome: RunOutcome
  snapshot?: DeploymentSnapshot
  /** The deployment-status output when there is no snapshot (Created for wait-for-deployment: false). */
  status?: string
  timeline?: TimelineEntry[]
  traffic?: TrafficStep[]
  failure?: FailureReport
  rollback?: DeploymentSnapshot
  goal?: string
  /** The annotation's title when the outcome's own does not say it (an ActionError's). */
  title?: string
}

const GITHUB_STATE: Record<RunOutcome, GitHubDeploymentState> = {
  succeeded: 'success',
  'goal-reached': 'in_progress',
  'handed-off': 'in_progress',
  failed: 'failure',
  stopped: 'failure',
  timeout: 'error',
  cancelled: 'error',
  'not-deployed': 'error',
  'dry-run': 'inactive',
  // register-only makes no GitHub deployment (environment is refused with it).
  registered: 'inactive'
}

/**
 * The step's result as users see it: outputs, the job summary, the GitHub deployment's status and
 * the one `::error::` line. Collected as the run goes, so a failure at any point reports what
 * was already done.
 */
export class Reporter {
  private readonly report: RunReport
  private github?: { deployments: GitHubDeployments; ctx: GitHubDeploymentContext; id?: number }
  /** The step's one ending: whichever comes first of the flow's result and a cancellation. */
  private ending?: Promise<void>
  private interrupted = false

  constructor(
    private readonly io: Io,
    private readonly outputs: Outputs,
    private readonly state: StepState,
    startedAt: Date
  ) {
    this.report = {
      outcome: 'failed',
      // As awsRegion reads them: an empty AWS_REGION (an unset workflow variable) is no region.
      region: io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || '',
      timeline: [],
      traffic: [],
      startedAt,
      endedAt: startedAt
    }
  }

  async taskDefinition(
    arn: string,
    previousArn: string | undefined,
    plan?: Pick<Plan, 'register'>
  ): Promise<void> {
    let changes: string[] = []
    if (plan?.register && previousArn && previousArn !== arn) {
      try {
        const out = await this.io
          .aws()
          .ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: previousArn, include: ['TAGS'] }))
        if (out.taskDefinition) {
          const previous = { ...out.taskDefinition, tags: out.tags }
          changes = describeTaskDefinitionChanges(previous, plan.register)
        }
      } catch (e) {
        this.io.info(`(Could not read ${previousArn} to compare: ${errorMessage(e)})`)
      }
    }
    this.report.taskDefinition = { arn, previousArn, changes }
    for (const change of changes) this.io.info(`  ${change}`)
  }

  deployment(
    id: string,
    d: {
      status?: string
      applicationName?: string
      deploymentGroupName?: string
      deploymentConfigName?: string
      plan?: Plan
    }
  ): void {
    const url = deploymentConsoleUrl(this.report.region, id)
    this.report.deployment = {
      id,
      url,
      status: d.status ?? 'Created',
      applicationName: d.applicationName,
      deploymentGroupName: d.deploymentGroupName,
      deploymentConfigName: d.deploymentConfigName,
      trafficRouting: d.plan?.trafficRouting ? describeTrafficRouting(d.plan.trafficRouting) : undefined
    }
  }

  /** A GitHub deployment for `environment`, or the one an earlier step made for this CodeDeploy id. */
  async githubDeployment(inputs: Inputs, codedeployId: string, find: boolean): Promise<void> {
    if (inputs.environmentName === undefined && !find) return
    const context = await this.io.context()
    // A follow-up step without `environment` only looks for a GitHub deployment an earlier step
    // may have made: workflows that use none must not get warnings about it.
    const quiet = inputs.environmentName === undefined
    const deployments = new GitHubDeployments(
      inputs.githubToken ? await this.io.github(inputs.githubToken) : undefined,
      m => {
        if (!quiet) this.io.warning(m, 'GitHub deployment')
      }
    )
    const ctx: GitHubDeploymentContext = {
      ...(await statusTarget(this.io, inputs.environmentUrl)),
      ref: headSha(context),
      environment: inputs.environmentName ?? '',
      codedeployDeploymentId: codedeployId,
      description: deploymentLabel(codedeployId)
    }
    const id = find
      ? await deployments.find({
          ...context.repo,
          environment: inputs.environmentName,
          codedeployDeploymentId: codedeployId
        })
      : await deployments.create(ctx)
    if (id === undefined) return
    this.github = { deployments, ctx, id }
    this.report.github = { deploymentId: id, environment: inputs.environmentName }
    this.outputs.githubDeployment(id)
    // For the post step: a cancelled run's GitHub deployment must not stay "in progress".
    this.state.githubDeployment(id)
  }

  /** The step's result. Once the run is cancelled, the cancellation is the result: this is dropped. */
  end(e: Ending): Promise<void> {
    if (this.interrupted) return Promise.resolve()
    this.ending ??= this.write(e)
    return this.ending
  }

  /**
   * A signal came: from now on only `cancelled` ends the step. Returns the flow's ending when it
   * had already begun: then the step had its result before the signal, and that result stands.
   */
  interrupt(): Promise<void> | undefined {
    this.interrupted = true
    return this.ending
  }

  /** The cancelled run's ending: the error line and the job summary say what was stopped and what is left. */
  cancelled(message: string, status?: string): Promise<void> {
    this.ending ??= this.write({
      outcome: 'cancelled',
      status,
      failure: { message, details: [] }
    })
    return this.ending
  }

  private async write(e: Ending): Promise<void> {
    const snap = e.snapshot
    this.report.outcome = e.outcome
    this.report.goal = e.goal
    this.report.endedAt = this.io.now()
    if (e.timeline) this.report.timeline = e.timeline
    if (e.traffic) this.report.traffic = e.traffic
    const status = snap?.status ?? e.status ?? this.report.deployment?.status
    if (status !== undefined) {
      if (this.report.deployment) this.report.deployment.status = status
      this.outputs.status(status)
    }
    const rollbackId = snap?.rollback?.deploymentId
    if (rollbackId) {
      this.outputs.rollbackDeployment(rollbackId)
      this.report.rollback = {
        id: rollbackId,
        status: e.rollback?.status ?? 'unknown',
        url: deploymentConsoleUrl(this.report.region, rollbackId)
      }
    }
    if (e.failure) {
      this.report.failure = e.failure
      this.io.error(e.failure.message, e.title ?? titleOf(e.outcome))
      for (const line of e.failure.details) this.io.info(line)
      this.outputs.failed()
    }
    // A cancelled run's seconds before SIGKILL are for the stop: the post step marks the GitHub
    // deployment once the rollback has ended.
    if (e.outcome !== 'cancelled') {
      await this.github?.deployments.setStatus(
        this.github.ctx,
        this.github.id,
        GITHUB_STATE[e.outcome],
        describeOutcome(e)
      )
    }
    await this.writeSummary()
  }

  /**
   * Any error that ended the run early: input, AWS access, a failed API call. An error that explains
   * an AWS error also names the call that failed; `whatChanged` says what the step changed in AWS
   * before it (an input error comes before any change, by contract).
   */
  async fail(e: unknown, whatChanged?: string): Promise<void> {
    const error = e instanceof ActionError ? e : unexpectedError(e)
    const call = error.cause === undefined ? undefined : awsCallOf(error.cause)
    const named =
      call && !error.message.includes(call.operation)
        ? `(${call.operation}: ${awsErrorName(error.cause) ?? 'Error'}.)`
        : undefined
    const changed = error instanceof InputError ? undefined : whatChanged
    const message = [error.message, named, changed, error.hint].filter(Boolean).join(' ')
    const deployed = this.report.deployment !== undefined
    await this.end({
      outcome: deployed ? 'failed' : 'not-deployed',
      failure: { message, details: [] },
      title: error.title ?? (deployed ? 'Deployment failed' : 'Nothing deployed')
    })
  }

  get previousTaskDefinition(): string | undefined {
    return this.report.taskDefinition?.previousArn
  }

  /** `appSpec`: what CodeDeploy would be sent; ECS's own deployments and register-only have none. */
  async dryRun(appSpec?: string): Promise<void> {
    if (appSpec !== undefined) this.report.appSpec = appSpec
    this.report.outcome = 'dry-run'
    this.report.endedAt = this.io.now()
    await this.writeSummary()
  }

  /** What the step did after its result (deregister-previous): a section after the summary's. */
  async section(heading: string, text: string): Promise<void> {
    await this.writeSummary(renderSection(heading, text))
  }

  private async writeSummary(markdown = renderSummary(this.report)): Promise<void> {
    try {
      await this.io.summary(markdown)
    } catch (e) {
      this.io.warning(`Could not write the job summary: ${errorMessage(e)}`)
    }
  }
}

/** Where a GitHub deployment status points: the repository, this run's log, the environment's URL. */
export async function statusTarget(
  io: Io,
  environmentUrl: string | undefined
): Promise<Pick<GitHubDeploymentContext, 'owner' | 'repo' | 'logUrl' | 'environmentUrl'>> {
  const { repo, runId } = await io.context()
  const server = io.env.GITHUB_SERVER_URL ?? 'https://github.com'
  return { ...repo, logUrl: `${server}/${repo.owner}/${repo.repo}/actions/runs/${runId}`, environmentUrl }
}

function titleOf(outcome: RunOutcome): string {
  return outcome === 'timeout'
    ? 'Deployment timed out'
    : outcome === 'cancelled'
      ? 'Deployment cancelled'
      : outcome === 'not-deployed'
        ? 'Nothing deployed'
        : 'Deployment failed'
}

/** The deployment as a GitHub deployment status names it, within GitHub's 140 characters. */
function deploymentLabel(id: string): string {
  return isServiceDeploymentArn(id) ? `ECS deployment ${id.split('/').pop() ?? id}` : `CodeDeploy ${id}`
}

function describeOutcome(e: Ending): string {
  const label = deploymentLabel(e.snapshot?.id ?? '')
  switch (e.outcome) {
    case 'succeeded':
      return `${label} succeeded`
    case 'goal-reached':
      return `${label}: ${e.goal ?? ''} reached`
    case 'handed-off':
      return `${label} created`
    default:
      return e.failure?.message ?? `${label} ${e.outcome}`
  }
}
