// A stand-in for GitHub's REST deployments API: enough for @actions/github's Octokit to create a
// deployment, post statuses and read them back. State is kept for test assertions.
import { createHash } from 'node:crypto'

export interface GitHubDeployment {
  id: number
  owner: string
  repo: string
  sha: string
  ref: string
  task: string
  payload: unknown
  environment: string
  original_environment: string
  description: string | null
  transient_environment: boolean
  production_environment: boolean
  created_at: string
  updated_at: string
}

export interface GitHubDeploymentStatus {
  id: number
  deploymentId: number
  state: string
  description: string
  environment: string
  environment_url: string
  log_url: string
  target_url: string
  created_at: string
}

export interface GitHubState {
  deployments: GitHubDeployment[]
  statuses: GitHubDeploymentStatus[]
  forbidden: boolean
  commitStatuses: Record<string, { context: string; state: string }[]>
}

export interface GitHubResponse {
  status: number
  body: unknown
}

const STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']
const DOCS = 'https://docs.github.com/rest/deployments'

export function createGitHubState(commitStatuses: GitHubState['commitStatuses'] = {}): GitHubState {
  return { deployments: [], statuses: [], forbidden: false, commitStatuses }
}

const shaOf = (ref: string): string =>
  /^[0-9a-f]{40}$/.test(ref) ? ref : createHash('sha1').update(ref).digest('hex')

function invalid(message: string): GitHubResponse {
  return { status: 422, body: { message, documentation_url: DOCS, status: '422' } }
}

export function handleGitHub(
  state: GitHubState,
  method: string,
  url: URL,
  body: Record<string, any>,
  baseUrl: string,
  authorized: boolean,
  now: Date
): GitHubResponse {
  if (!authorized)
    return {
      status: 401,
      body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' }
    }
  const m = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+))?(\/statuses)?\/?$/.exec(url.pathname)
  if (!m) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } }
  const [, owner = '', repo = '', idText, statuses] = m
  const repoUrl = `${baseUrl}/repos/${owner}/${repo}`
  const deploymentJson = (d: GitHubDeployment): unknown => ({
    url: `${repoUrl}/deployments/${d.id}`,
    id: d.id,
    node_id: `DE_sim${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.original_environment,
    environment: d.environment,
    description: d.description,
    creator: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    created_at: d.created_at,
    updated_at: d.updated_at,
    statuses_url: `${repoUrl}/deployments/${d.id}/statuses`,
    repository_url: repoUrl,
    transient_environment: d.transient_environment,
    production_environment: d.production_environment
  })
  const statusJson = (s: GitHubDeploymentStatus): unknown => ({
    url: `${repoUrl}/deployments/${s.deploymentId}/statuses/${s.id}`,
    id: s.id,
    node_id: `DES_sim${s.id}`,
    state: s.state,
    creator: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
    description: s.description,
    environment: s.environment,
    target_url: s.target_url,
    log_url: s.log_url,
    environment_url: s.environment_url,
    created_at: s.created_at,
    updated_at: s.created_at,
    deployment_url: `${repoUrl}/deployments/${s.deploymentId}`,
    repository_url: repoUrl
  })
  const forbidden = (what: string): GitHubResponse => ({
    status: 403,
    body: {
      message: 'Resource not accessible by integration',
      documentation_url: `${DOCS}/${what}`,
      status: '403'
    }
  })
  const inRepo = state.deployments.filter(d => d.owner === owner && d.repo === repo)
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z')

  if (!idText && !statuses) {
    if (method === 'GET') {
      const q = url.searchParams
      const list = inRepo
        .filter(d => !q.get('sha') || d.sha === q.get('sha'))
        .filter(d => !q.get('ref') || d.ref === q.get('ref'))
        .filter(d => !q.get('task') || d.task === q.get('task'))
        .filter(d => !q.get('environment') || d.environment === q.get('environment'))
        .reverse()
      const perPage = Number(q.get('per_page') ?? 30)
      const pageNo = Number(q.get('page') ?? 1)
      return { status: 200, body: list.slice((pageNo - 1) * perPage, pageNo * perPage).map(deploymentJson) }
    }
    if (method !== 'POST')
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } }
    if (state.forbidden) return forbidden('deployments#create-a-deployment')
    if (typeof body.ref !== 'string' || !body.ref)
      return invalid('Invalid request.\n\n"ref" wasn\'t supplied.')
    if (body.environment !== undefined && typeof body.environment !== 'string') {
      return invalid("Invalid request.\n\nFor 'properties/environment', is not a string.")
    }
    const required: string[] | undefined = body.required_contexts
    const checks = state.commitStatuses[body.ref] ?? []
    const failing = checks.filter(
      c => (required === undefined || required.includes(c.context)) && c.state !== 'success'
    )
    const missing = (required ?? []).filter(ctx => !checks.some(c => c.context === ctx))
    if (failing.length || missing.length) {
      return {
        status: 409,
        body: {
          message: `Conflict: Commit status checks failed for ${body.ref}.`,
          errors: [
            {
              contexts: [...failing, ...missing.map(context => ({ context, state: 'missing' }))],
              resource: 'Deployment',
              field: 'required_contexts',
              code: 'invalid'
            }
          ],
          documentation_url: `${DOCS}/deployments#create-a-deployment`,
          status: '409'
        }
      }
    }
    const environment: string = body.environment ?? 'production'
    let payload: unknown = body.payload ?? {}
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload)
      } catch {
        // GitHub keeps a non-JSON string payload as the string itself.
      }
    }
    const d: GitHubDeployment = {
      id: state.deployments.length + 1000,
      owner,
      repo,
      sha: shaOf(body.ref),
      ref: body.ref,
      task: body.task ?? 'deploy',
      payload,
      environment,
      original_environment: environment,
      description: body.description ?? null,
      transient_environment: body.transient_environment ?? false,
      production_environment: body.production_environment ?? environment === 'production',
      created_at: stamp,
      updated_at: stamp
    }
    state.deployments.push(d)
    return { status: 201, body: deploymentJson(d) }
  }

  const d = inRepo.find(x => x.id === Number(idText))
  if (!d) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } }
  if (!statuses)
    return method === 'GET'
      ? { status: 200, body: deploymentJson(d) }
      : { status: 404, body: { message: 'Not Found' } }
  if (method === 'GET') {
    return {
      status: 200,
      body: state.statuses
        .filter(s => s.deploymentId === d.id)
        .reverse()
        .map(statusJson)
    }
  }
  if (state.forbidden) return forbidden('statuses#create-a-deployment-status')
  if (!STATES.includes(body.state)) {
    return invalid(`Invalid request.\n\nstate must be one of ${STATES.join(', ')}.`)
  }
  const s: GitHubDeploymentStatus = {
    id: state.statuses.length + 5000,
    deploymentId: d.id,
    state: body.state,
    description: body.description ?? '',
    environment: body.environment ?? d.environment,
    environment_url: body.environment_url ?? '',
    log_url: body.log_url ?? body.target_url ?? '',
    target_url: body.target_url ?? body.log_url ?? '',
    created_at: stamp
  }
  state.statuses.push(s)
  d.updated_at = stamp
  // auto_inactive (default true): a success marks the environment's earlier non-transient deployments inactive.
  if (s.state === 'success' && body.auto_inactive !== false) {
    for (const other of inRepo) {
      if (other === d || other.environment !== d.environment || other.transient_environment) continue
      const last = state.statuses.filter(x => x.deploymentId === other.id).at(-1)
      if (last && last.state !== 'inactive') {
        state.statuses.push({
          ...last,
          id: state.statuses.length + 5000,
          state: 'inactive',
          description: '',
          created_at: stamp
        })
      }
    }
  }
  return { status: 201, body: statusJson(s) }
}
