// GitHub deployments through the REST stand-in, the job summary, and secrets kept out of the log.
import { jest } from '@jest/globals'
import { WEB, logText, useSimulator } from './helpers.js'

jest.setTimeout(60_000)
const { start, run, runOnSimClock } = useSimulator()
const SHA = '4f2d1c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e'

test('environment: a deployment for the head sha with required_contexts [], statuses in_progress then success', async () => {
  const sim = await start('all-at-once', 300)
  const r = await runOnSimClock({
    ...WEB,
    environment: 'staging',
    'environment-url': 'https://staging.example.com'
  })
  expect(r.exitCode).toBe(0)
  expect(sim.github.deployments).toHaveLength(1)
  const d = sim.github.deployments[0]!
  expect(d).toMatchObject({
    sha: SHA,
    environment: 'staging',
    payload: { codedeployDeploymentId: r.outputs['deployment-id'] }
  })
  const created = sim.calls.find(
    c => c.service === 'github' && c.operation === 'POST /repos/octo-org/web/deployments'
  )
  expect(created?.body).toMatchObject({ required_contexts: [], auto_merge: false })
  expect(r.outputs['github-deployment-id']).toBe(String(d.id))
  const states = sim.github.statuses.filter(s => s.deploymentId === d.id).map(s => s.state)
  expect(states[0]).toBe('in_progress')
  expect(states.at(-1)).toBe('success')
  expect(states.slice(1, -1).every(s => s === 'in_progress')).toBe(true)
  const last = sim.github.statuses.at(-1)!
  expect(last.environment_url).toBe('https://staging.example.com')
  expect(last.log_url).toBe('https://github.com/octo-org/web/actions/runs/4242')
})

test('a pull_request run deploys the head commit, not the merge ref', async () => {
  const sim = await start('all-at-once', 300)
  const head = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
  const r = await runOnSimClock(
    { ...WEB, environment: 'preview', 'wait-for-deployment': 'false' },
    {
      event: {
        name: 'pull_request',
        payload: { pull_request: { number: 7, head: { sha: head, ref: 'feature' } } }
      }
    }
  )
  expect(r.exitCode).toBe(0)
  expect(sim.github.deployments[0]?.sha).toBe(head)
})

test('a failed deployment ends its GitHub deployment with failure', async () => {
  const sim = await start('hook-failure', 300)
  const r = await runOnSimClock({ ...WEB, environment: 'staging' })
  expect(r.exitCode).not.toBe(0)
  const states = sim.github.statuses.map(s => s.state)
  expect(states[0]).toBe('in_progress')
  expect(['failure', 'error']).toContain(states.at(-1))
  expect(r.errors).toHaveLength(1)
})

test('a cancelled run: the post step ends the GitHub deployment with error once the rollback is followed', async () => {
  const sim = await start('canary', 30)
  const r = await run(
    { ...WEB, environment: 'staging' },
    { cancelWhen: l => l.includes('Traffic: original 90%') }
  )
  expect(r.exitCode).not.toBe(0)
  expect(sim.github.statuses.map(s => s.state)).toEqual(['in_progress'])
  const post = await r.post({ clock: sim.clock() })
  expect(post.exitCode).toBe(0)
  const last = sim.github.statuses.at(-1)!
  expect(last.state).toBe('error')
  expect(last.description).toMatch(/^The deploy step did not finish\. Deployment d-\w+ ended Stopped/)
})

test('the follow-up step updates the same GitHub deployment, found by the CodeDeploy id', async () => {
  const sim = await start('ready-wait', 300)
  const deploy = await runOnSimClock({ ...WEB, environment: 'staging', 'wait-until': 'ready' })
  expect(deploy.exitCode).toBe(0)
  const follow = await runOnSimClock({
    'deployment-id': deploy.outputs['deployment-id']!,
    'continue-deployment': 'true',
    'poll-interval-seconds': '1'
  })
  expect(follow.exitCode).toBe(0)
  expect(sim.github.deployments).toHaveLength(1)
  expect(follow.outputs['github-deployment-id']).toBe(deploy.outputs['github-deployment-id'])
  expect(sim.github.statuses.at(-1)?.state).toBe('success')
  expect(
    sim.github.statuses.every(s => String(s.deploymentId) === deploy.outputs['github-deployment-id'])
  ).toBe(true)
})

test('a token without deployments permission: warned once, the deployment still goes ahead', async () => {
  const sim = await start('github-forbidden', 300)
  const r = await runOnSimClock({ ...WEB, environment: 'staging' })
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  expect(sim.calls.filter(c => c.service === 'github' && c.status === 403).length).toBeGreaterThan(0)
  expect(r.warnings).toHaveLength(1)
  expect(r.warnings[0]).toMatch(/deployments: write|permission/i)
  expect(r.errors).toEqual([])
})

test('pending checks on the commit do not block the GitHub deployment (required_contexts: [])', async () => {
  const sim = await start('github-checks-pending', 300)
  const r = await runOnSimClock({ ...WEB, environment: 'staging', 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  expect(sim.github.deployments).toHaveLength(1)
  expect(r.warnings).toEqual([])
})

test('environment variable values appear nowhere: log, summary, outputs', async () => {
  await start('all-at-once', 300)
  const secret = 'sk_live_51SECRETVALUEdonotprint'
  const r = await runOnSimClock({
    ...WEB,
    'environment-variables': `STRIPE_KEY=${secret}\nFEATURE_FLAG=on-${secret}`
  })
  expect(r.exitCode).toBe(0)
  expect(logText(r)).toContain('STRIPE_KEY')
  expect(r.lines.join('\n')).not.toContain(secret)
  expect(r.stderr).not.toContain(secret)
  expect(r.summary).not.toContain(secret)
  expect(JSON.stringify(r.outputs)).not.toContain(secret)
  // Nor the token or the AWS secret key.
  expect(r.lines.join('\n')).not.toContain('ghs_simulatedtoken')
  expect(r.lines.join('\n')).not.toContain('simulator-secret-access-key')
})
