// The GitHub stand-in, driven by @actions/github's Octokit as the action drives it.
import { getOctokit } from '@actions/github'
import { startSimulator, type Simulator } from '../../sim/server.js'
import { scenarios, type Scenario } from '../../sim/scenarios.js'

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

const repo = { owner: 'acme', repo: 'shop' }

/** A simulator on the frozen clock playing `scenario`, and an Octokit that calls its GitHub. */
async function octokitOn(scenario?: Scenario): Promise<ReturnType<typeof getOctokit>> {
  sim = await startSimulator({ scenario, timeScale: 0 })
  return getOctokit('t', { baseUrl: sim.url })
}

test('create a deployment, post statuses, read both back; success marks earlier deployments inactive', async () => {
  const octokit = await octokitOn()
  const created = await octokit.rest.repos.createDeployment({
    ...repo,
    ref: 'main',
    environment: 'staging',
    required_contexts: [],
    auto_merge: false,
    payload: { codedeploy: 'd-AAAAAAAAA' }
  })
  expect(created.status).toBe(201)
  const first = created.data as { id: number; sha: string; environment: string }
  expect(first.sha).toMatch(/^[0-9a-f]{40}$/)
  await octokit.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: first.id,
    state: 'in_progress',
    log_url: 'https://run/1'
  })
  await octokit.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: first.id,
    state: 'success',
    environment_url: 'https://staging.example'
  })

  const second = (
    await octokit.rest.repos.createDeployment({
      ...repo,
      ref: 'main',
      environment: 'staging',
      required_contexts: []
    })
  ).data as { id: number }
  await octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: second.id, state: 'success' })

  const list = await octokit.rest.repos.listDeployments({ ...repo, environment: 'staging' })
  expect(list.data.map(d => d.id)).toEqual([second.id, first.id])
  expect(list.data[1]!.payload).toEqual({ codedeploy: 'd-AAAAAAAAA' })
  expect((await octokit.rest.repos.listDeployments({ ...repo, environment: 'production' })).data).toEqual([])
  const statuses = await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: first.id })
  expect(statuses.data.map(s => s.state)).toEqual(['inactive', 'success', 'in_progress'])
  expect(statuses.data[1]!.environment_url).toBe('https://staging.example')
  expect(sim.github.deployments).toHaveLength(2)
})

test('validation: ref is required; unknown deployments are 404; state must be known', async () => {
  const octokit = await octokitOn()
  await expect(octokit.rest.repos.createDeployment({ ...repo, ref: '' })).rejects.toMatchObject({
    status: 422
  })
  await expect(
    octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: 42, state: 'success' })
  ).rejects.toMatchObject({ status: 404 })
  const d = (await octokit.rest.repos.createDeployment({ ...repo, ref: 'main' })).data as {
    id: number
    environment: string
  }
  expect(d.environment).toBe('production')
  await expect(
    octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id: d.id, state: 'done' as never })
  ).rejects.toMatchObject({
    status: 422
  })
  const anonymous = await fetch(`${sim.url}/repos/acme/shop/deployments`)
  expect(anonymous.status).toBe(401)
})

test('required_contexts: pending checks refuse the deployment unless the list is empty', async () => {
  const octokit = await octokitOn(scenarios['github-checks-pending'])
  await expect(octokit.rest.repos.createDeployment({ ...repo, ref: 'main' })).rejects.toMatchObject({
    status: 409,
    message: expect.stringContaining('Commit status checks failed for main')
  })
  expect(
    (await octokit.rest.repos.createDeployment({ ...repo, ref: 'main', required_contexts: [] })).status
  ).toBe(201)
})

test('the forbidden mode answers 403 "Resource not accessible by integration"', async () => {
  const octokit = await octokitOn(scenarios['github-forbidden'])
  await expect(octokit.rest.repos.createDeployment({ ...repo, ref: 'main' })).rejects.toMatchObject({
    status: 403,
    message: expect.stringContaining('Resource not accessible by integration')
  })
  expect(sim.calls.at(-1)).toMatchObject({
    service: 'github',
    status: 403,
    operation: 'POST /repos/acme/shop/deployments'
  })
})
