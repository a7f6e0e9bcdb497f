// ECS's own deployments, the contract rows the other ECS suites leave out: wait-for-deployment: false,
// dry-run, the revision the service already runs (forceNewDeployment), and GitHub deployments across
// a gate and its follow-up step. On the simulator's clock.
import { jest } from '@jest/globals'
import { WEB, WEB_PREVIOUS, body, callsTo, stream, useSimulator, writes } from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock } = useSimulator()

test('wait-for-deployment: false returns right after UpdateService with ECS status PENDING', async () => {
  const sim = await start('ecs-canary', 300)
  const r = await runOnSimClock({ ...WEB, 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('PENDING')
  expect(r.outputs['deployment-id']).toMatch(/:service-deployment\/sim-cluster\/web\//)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
  // Handed off: the post step does not stop what the step chose not to wait for.
  expect((await r.post({ clock: sim.clock() })).exitCode).toBe(0)
  expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
})

test('dry-run reads the service, prints the UpdateService it would send, writes nothing and has no AppSpec', async () => {
  const sim = await start('ecs-canary', 300)
  const r = await runOnSimClock({ ...WEB, 'dry-run': 'true' })
  expect(r.exitCode).toBe(0)
  expect(r.errors).toEqual([])
  expect(writes(sim)).toEqual([])
  expect(sim.calls.filter(c => c.service === 'codedeploy')).toEqual([])
  expect(stream(r)).toContainEqual(
    expect.stringMatching(
      /^UpdateService would deploy web:NEXT to service web in cluster sim-cluster \(canary: /
    )
  )
  expect(r.outputs.appspec ?? '').toBe('')
})

test('the revision the service already runs, deployed as it is, is sent with forceNewDeployment', async () => {
  const sim = await start('ecs-blue-green', 300)
  const r = await runOnSimClock({ ...WEB, image: '', 'task-definition': WEB_PREVIOUS })
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
  expect(writes(sim)).toEqual(['UpdateService'])
  expect(body(callsTo(sim, 'UpdateService')[0])).toEqual({
    cluster: expect.stringContaining('sim-cluster'),
    service: 'web',
    taskDefinition: WEB_PREVIOUS,
    forceNewDeployment: true
  })
})

test('environment: one GitHub deployment through a gate and its follow-up step, in_progress then success', async () => {
  const sim = await start('ecs-pause-ready', 600)
  const gate = await runOnSimClock({ ...WEB, 'wait-until': 'ready', environment: 'staging' })
  expect(gate.exitCode).toBe(0)
  const id = gate.outputs['deployment-id']!
  expect(sim.github.deployments).toHaveLength(1)
  const github = sim.github.deployments[0]!
  expect(gate.outputs['github-deployment-id']).toBe(String(github.id))

  const next = await runOnSimClock({
    'deployment-id': id,
    'continue-deployment': 'true',
    'poll-interval-seconds': '1'
  })
  expect(next.exitCode).toBe(0)
  expect(next.outputs['deployment-status']).toBe('SUCCESSFUL')
  // The follow-up step found the gate's GitHub deployment by the service deployment ARN.
  expect(sim.github.deployments).toHaveLength(1)
  expect(next.outputs['github-deployment-id']).toBe(String(github.id))
  const states = sim.github.statuses.filter(s => s.deploymentId === github.id).map(s => s.state)
  expect(states[0]).toBe('in_progress')
  expect(states.at(-1)).toBe('success')
})
