import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getOctokit } from '@actions/github'
import {
  GitHubDeployments,
  headSha,
  type GitHubDeploymentContext
} from '../../src/report/github-deployment.js'

interface Seen {
  method: string
  path: string
  auth?: string
  body?: unknown
}

/** A loopback stand-in for the GitHub REST API: records requests, answers from `reply`. */
class FakeGitHub {
  seen: Seen[] = []
  reply: (req: Seen) => { status: number; body: unknown } = () => ({ status: 500, body: {} })
  private server: Server = createServer((req, res) => {
    void this.handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let raw = ''
    for await (const chunk of req) raw += String(chunk)
    const seen: Seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      ...(raw ? { body: JSON.parse(raw) as unknown } : {})
    }
    this.seen.push(seen)
    return this.reply(seen)
  }

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise(resolve => this.server.close(resolve))
  }
}

const ctx: GitHubDeploymentContext = {
  owner: 'acme',
  repo: 'shop',
  ref: '0123456789abcdef0123456789abcdef01234567',
  environment: 'production',
  codedeployDeploymentId: 'd-ABC123',
  description: 'Deploy web:43 with CodeDeploy d-ABC123',
  logUrl: 'https://github.com/acme/shop/actions/runs/1',
  environmentUrl: 'https://shop.example.com'
}

describe('GitHubDeployments against a loopback GitHub API', () => {
  const gh = new FakeGitHub()
  let baseUrl = ''
  let warnings: string[] = []
  const reporter = (token = 'ghs_test'): GitHubDeployments =>
    new GitHubDeployments(getOctokit(token, { baseUrl }), m => warnings.push(m))

  beforeAll(async () => {
    baseUrl = await gh.start()
  })
  afterAll(async () => {
    await gh.stop()
  })
  beforeEach(() => {
    gh.seen = []
    warnings = []
  })

  it('creates the deployment for the head commit, then sets its statuses in order', async () => {
    gh.reply = req =>
      req.path === '/repos/acme/shop/deployments'
        ? { status: 201, body: { id: 42 } }
        : { status: 201, body: { id: 1 } }
    const deployments = reporter()

    const id = await deployments.create(ctx)
    await deployments.setStatus(ctx, id, 'success', 'd-ABC123 succeeded')

    expect(id).toBe(42)
    expect(warnings).toEqual([])
    expect(gh.seen.map(s => `${s.method} ${s.path}`)).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/42/statuses',
      'POST /repos/acme/shop/deployments/42/statuses'
    ])
    expect(gh.seen[0]?.auth).toBe('token ghs_test')
    expect(gh.seen[0]?.body).toEqual({
      ref: ctx.ref,
      environment: 'production',
      description: 'Deploy web:43 with CodeDeploy d-ABC123',
      required_contexts: [],
      auto_merge: false,
      transient_environment: false,
      payload: { codedeployDeploymentId: 'd-ABC123' }
    })
    expect(gh.seen.slice(1).map(s => s.body)).toEqual([
      {
        state: 'in_progress',
        description: 'Deploy web:43 with CodeDeploy d-ABC123',
        log_url: ctx.logUrl,
        environment_url: 'https://shop.example.com'
      },
      {
        state: 'success',
        description: 'd-ABC123 succeeded',
        log_url: ctx.logUrl,
        environment_url: 'https://shop.example.com'
      }
    ])
  })

  it('leaves environment_url out when none is given and keeps descriptions within 140 characters', async () => {
    gh.reply = () => ({ status: 201, body: { id: 1 } })
    await reporter().setStatus({ ...ctx, environmentUrl: undefined }, 7, 'failure', 'x'.repeat(200))
    const body = gh.seen[0]?.body as Record<string, unknown>
    expect(body).not.toHaveProperty('environment_url')
    expect(String(body.description)).toHaveLength(140)
  })

  it('warns once with the permission fix on 403 and makes every later call a no-op', async () => {
    gh.reply = () => ({ status: 403, body: { message: 'Resource not accessible by integration' } })
    const deployments = reporter()

    expect(await deployments.create(ctx)).toBeUndefined()
    await deployments.setStatus(ctx, 42, 'failure', 'failed')
    expect(
      await deployments.find({ owner: 'acme', repo: 'shop', codedeployDeploymentId: 'd-ABC123' })
    ).toBeUndefined()

    expect(gh.seen).toHaveLength(1)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('HTTP 403')
    expect(warnings[0]).toContain('Resource not accessible by integration')
    expect(warnings[0]).toContain('permissions: deployments: write')
  })

  it('warns without giving up on other errors', async () => {
    gh.reply = () => ({ status: 502, body: { message: 'Bad gateway' } })
    const deployments = reporter()
    await deployments.setStatus(ctx, 42, 'success', 'done')
    await deployments.setStatus(ctx, 42, 'success', 'done')
    expect(gh.seen).toHaveLength(2)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^Could not set GitHub deployment 42 to success: .*Bad gateway/)
  })

  it('finds the GitHub deployment whose payload names the CodeDeploy deployment, as object or JSON string', async () => {
    gh.reply = () => ({
      status: 200,
      body: [
        { id: 9, payload: { codedeployDeploymentId: 'd-OTHER' } },
        { id: 8, payload: 'not json' },
        { id: 7, payload: '{"codedeployDeploymentId":"d-ABC123"}' },
        { id: 6, payload: { codedeployDeploymentId: 'd-ABC123' } }
      ]
    })
    const deployments = reporter()

    expect(
      await deployments.find({
        owner: 'acme',
        repo: 'shop',
        environment: 'production',
        codedeployDeploymentId: 'd-ABC123'
      })
    ).toBe(7)
    expect(
      await deployments.find({ owner: 'acme', repo: 'shop', codedeployDeploymentId: 'd-NONE' })
    ).toBeUndefined()
    expect(gh.seen.map(s => s.path)).toEqual([
      '/repos/acme/shop/deployments?per_page=100&environment=production',
      '/repos/acme/shop/deployments?per_page=100'
    ])
  })

  it('does nothing for a deployment that was never created', async () => {
    await reporter().setStatus(ctx, undefined, 'success', 'done')
    expect(gh.seen).toEqual([])
  })
})

describe('GitHubDeployments without a token', () => {
  it('warns once and does nothing', async () => {
    const warnings: string[] = []
    const deployments = new GitHubDeployments(undefined, m => warnings.push(m))
    expect(await deployments.create(ctx)).toBeUndefined()
    expect(
      await deployments.find({ owner: 'acme', repo: 'shop', codedeployDeploymentId: 'd-1' })
    ).toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('No github-token was given')
    expect(warnings[0]).toContain('permissions: deployments: write')
  })
})

describe('headSha', () => {
  const base = { sha: 'merge-sha', payload: {} }
  it('uses the pull request head, not the merge commit', () => {
    const payload = { pull_request: { head: { sha: 'head-sha' } } }
    expect(headSha({ ...base, eventName: 'pull_request', payload })).toBe('head-sha')
    expect(headSha({ ...base, eventName: 'pull_request_target', payload })).toBe('head-sha')
  })
  it('uses the merge group head for merge queues', () => {
    expect(
      headSha({ ...base, eventName: 'merge_group', payload: { merge_group: { head_sha: 'queue-sha' } } })
    ).toBe('queue-sha')
  })
  it('uses the event sha otherwise, or when the payload lacks the head', () => {
    expect(headSha({ ...base, eventName: 'push' })).toBe('merge-sha')
    expect(headSha({ ...base, eventName: 'pull_request' })).toBe('merge-sha')
    expect(headSha({ ...base, eventName: 'merge_group' })).toBe('merge-sha')
  })
})
