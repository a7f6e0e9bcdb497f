// GitHub-native reporting: a GitHub deployment for the `environment` input whose status follows
// the CodeDeploy deployment, so the environment page and the PR show what runs where.
// Reporting must never fail a deploy: a token without `deployments: write` (or no token) is
// warned about once, and every later call is a no-op.

import type { getOctokit } from '@actions/github'
import { errorMessage } from '../runtime/errors.js'

export type Octokit = ReturnType<typeof getOctokit>

export type GitHubDeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'

export interface GitHubDeploymentContext {
  owner: string
  repo: string
  /** The commit deployed: the head commit, not a pull request's merge ref (see `headSha`). */
  ref: string
  environment: string
  codedeployDeploymentId?: string
  description: string
  /** The workflow run, shown as the deployment's log. */
  logUrl: string
  environmentUrl?: string
}

export interface GitHubDeploymentQuery {
  owner: string
  repo: string
  environment?: string
  codedeployDeploymentId: string
}

/** The parts of `@actions/github`'s context that decide which commit a deployment is for. */
export interface CommitContext {
  eventName: string
  sha: string
  payload: Record<string, unknown>
}

/** `obj.a.b...` when every step is an object and the end is a non-empty string. */
function stringAt(obj: unknown, ...path: string[]): string | undefined {
  let value = obj
  for (const key of path) {
    if (!value || typeof value !== 'object' || !(key in value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === 'string' && value ? value : undefined
}

/**
 * The commit that is deployed. For pull request events `context.sha` is the merge commit
 * GitHub made for the PR (refs/pull/N/merge), which nobody can find in the branch's history.
 */
export function headSha(context: CommitContext): string {
  if (context.eventName.startsWith('pull_request')) {
    return stringAt(context.payload, 'pull_request', 'head', 'sha') ?? context.sha
  }
  if (context.eventName === 'merge_group') {
    return stringAt(context.payload, 'merge_group', 'head_sha') ?? context.sha
  }
  return context.sha
}

/** GitHub cuts status descriptions longer than 140 characters with an error. */
const MAX_DESCRIPTION = 140

function shorten(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text
}

function httpStatus(e: unknown): number | undefined {
  if (e && typeof e === 'object' && 'status' in e && typeof e.status === 'number') return e.status
  return undefined
}

/** `payload` comes back as an object, or as a JSON string from older deployments and some APIs. */
function payloadDeploymentId(payload: unknown): unknown {
  let value = payload
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown
    } catch {
      return undefined
    }
  }
  if (value && typeof value === 'object' && 'codedeployDeploymentId' in value)
    return value.codedeployDeploymentId
  return undefined
}

export class GitHubDeployments {
  private disabled = false

  /** `octokit` undefined: no token was given; the first call warns and reporting is off. */
  constructor(
    private readonly octokit: Octokit | undefined,
    private readonly warn: (message: string) => void
  ) {}

  /** Creates the deployment and marks it in progress; undefined when GitHub reporting is off. */
  async create(ctx: GitHubDeploymentContext): Promise<number | undefined> {
    const id = await this.call(`create a GitHub deployment for environment "${ctx.environment}"`, async o => {
      const res = await o.rest.repos.createDeployment({
        owner: ctx.owner,
        repo: ctx.repo,
        ref: ctx.ref,
        environment: ctx.environment,
        description: shorten(ctx.description),
        // The workflow has run its checks already; GitHub must not re-check them or merge branches.
        required_contexts: [],
        auto_merge: false,
        transient_environment: false,
        payload: { codedeployDeploymentId: ctx.codedeployDeploymentId }
      })
      // 202 means GitHub merged or queued instead of creating (only with auto_merge); no id then.
      return 'id' in res.data ? res.data.id : undefined
    })
    if (id !== undefined) await this.setStatus(ctx, id, 'in_progress', ctx.description)
    return id
  }

  async setStatus(
    ctx: Pick<GitHubDeploymentContext, 'owner' | 'repo' | 'logUrl' | 'environmentUrl'>,
    id: number | undefined,
    state: GitHubDeploymentState,
    description: string
  ): Promise<void> {
    if (id === undefined) return
    await this.call(`set GitHub deployment ${id} to ${state}`, async o => {
      await o.rest.repos.createDeploymentStatus({
        owner: ctx.owner,
        repo: ctx.repo,
        deployment_id: id,
        state,
        description: shorten(description),
        log_url: ctx.logUrl,
        ...(ctx.environmentUrl ? { environment_url: ctx.environmentUrl } : {})
      })
    })
  }

  /** The newest GitHub deployment made for this CodeDeploy deployment (a follow-up step's). */
  async find(q: GitHubDeploymentQuery): Promise<number | undefined> {
    return this.call(`find the GitHub deployment of ${q.codedeployDeploymentId}`, async o => {
      const res = await o.rest.repos.listDeployments({
        owner: q.owner,
        repo: q.repo,
        per_page: 100,
        ...(q.environment ? { environment: q.environment } : {})
      })
      return res.data.find(d => payloadDeploymentId(d.payload) === q.codedeployDeploymentId)?.id
    })
  }

  private async call<T>(what: string, fn: (octokit: Octokit) => Promise<T>): Promise<T | undefined> {
    if (this.disabled) return undefined
    if (!this.octokit) {
      this.disable(
        `No github-token was given, so the step cannot ${what}. Pass \`github-token\` (the default \`\${{ github.token }}\` works) with \`permissions: deployments: write\`; the deployment goes on without GitHub deployment statuses.`
      )
      return undefined
    }
    try {
      return await fn(this.octokit)
    } catch (e) {
      const status = httpStatus(e)
      if (status === 401 || status === 403 || status === 404) {
        this.disable(
          `Could not ${what} (HTTP ${status}: ${errorMessage(e)}): the token may not write deployments. Add \`permissions: deployments: write\` to the job (or pass a \`github-token\` that has it); the deployment goes on without GitHub deployment statuses.`
        )
      } else {
        this.warn(
          `Could not ${what}: ${errorMessage(e)}. The deployment goes on; only its GitHub status may lag.`
        )
      }
      return undefined
    }
  }

  private disable(message: string): void {
    this.disabled = true
    this.warn(message)
  }
}
