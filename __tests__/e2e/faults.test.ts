// AWS misbehaving: throttling and 5xx storms the run survives (only CodeDeploy's status decides the
// outcome), RegisterTaskDefinition conflicts retried, and discovery of groups with non-console names.
// The runs that retry do so on the simulator's clock: the action's own retry settings (adaptive,
// 10 attempts) with their back-off shrunk as much as the deployment's phases are.
import { jest } from '@jest/globals'
import { WEB, body, callsTo, logText, trafficSplits, ownStream, useSimulator, writes } from './helpers.js'

jest.setTimeout(90_000)
const { start, run, runOnSimClock } = useSimulator()

test('30% of calls throttled with added latency: the canary deployment still succeeds', async () => {
  const sim = await start('throttled', 300)
  const r = await runOnSimClock(WEB)
  expect(sim.calls.filter(c => c.error === 'ThrottlingException').length).toBeGreaterThan(0)
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  expect(r.errors).toEqual([])
  expect(callsTo(sim, 'CreateDeployment', 200)).toHaveLength(1)
  // On the simulator's clock the 5-minute canary step lasts as many polls as it would on AWS.
  expect(trafficSplits(ownStream(r)).filter(([, replacement]) => replacement > 0)).toEqual([
    [90, 10],
    [0, 100]
  ])
})

test('20% of calls answer 500: the deployment still succeeds, created once', async () => {
  const sim = await start('flaky', 300)
  const r = await runOnSimClock(WEB)
  expect(sim.calls.filter(c => c.status >= 500).length).toBeGreaterThan(0)
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  expect(callsTo(sim, 'RegisterTaskDefinition', 200)).toHaveLength(1)
  expect(callsTo(sim, 'CreateDeployment', 200)).toHaveLength(1)
  expect(r.errors).toEqual([])
})

test('a 5xx storm on every read while watching is ridden out, not taken for a failure', async () => {
  // The storm starts with Install and outlasts the SDK's retries.
  const sim = await start('all-at-once', 300)
  const r = await runOnSimClock(WEB, {
    onLine: line => {
      if (line.endsWith('Install started'))
        sim.setFaults({
          rules: [{ error: 'server', services: ['codedeploy'], operations: ['GetDeployment'], count: 12 }]
        })
    }
  })
  expect(callsTo(sim, 'GetDeployment', 500).length).toBeGreaterThan(10)
  // The storm outlasted the SDK's own retries: the watch retried, said so, and went on.
  expect(r.warnings.join('\n')).toContain('Reading the deployment failed')
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  expect(r.errors).toEqual([])
})

test('RegisterTaskDefinition "Too many concurrent attempts" is retried', async () => {
  const sim = await start('register-conflict', 300)
  const r = await runOnSimClock({ ...WEB, 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  const registers = callsTo(sim, 'RegisterTaskDefinition')
  expect(registers.map(c => c.status)).toEqual([400, 400, 200])
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])
})

test('discovery: a deployment group with non-console names is found through paged listings', async () => {
  const sim = await start('discovery', 300)
  const r = await run({ ...WEB, 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  const create = body<{ applicationName: string; deploymentGroupName: string }>(
    callsTo(sim, 'CreateDeployment')[0]
  )
  expect(create).toMatchObject({ applicationName: 'storefront', deploymentGroupName: 'storefront-web-prod' })
  expect(logText(r)).toContain('storefront/storefront-web-prod')
})

test('discovery: the api service in its non-console-named group, its container and port from the service', async () => {
  const sim = await start('all-at-once', 300)
  const r = await run({ ...WEB, service: 'api', 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  const create = body<{ applicationName: string; deploymentGroupName: string }>(
    callsTo(sim, 'CreateDeployment')[0]
  )
  expect(create).toMatchObject({ applicationName: 'api-app', deploymentGroupName: 'api-prod' })
  const appspec = JSON.parse(r.outputs.appspec!) as {
    Resources: { TargetService: { Properties: { LoadBalancerInfo: unknown } } }[]
  }
  expect(appspec.Resources[0]!.TargetService.Properties.LoadBalancerInfo).toEqual({
    ContainerName: 'api',
    ContainerPort: 3000
  })
})
