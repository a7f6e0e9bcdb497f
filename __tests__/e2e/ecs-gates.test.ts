// ECS's own deployments, row 5 of the contract's section: wait-until ready and traffic-shifted, the
// follow-up steps by deployment ARN (continue-deployment at PAUSE hooks, stop-deployment), and
// if-deployment-running against another user's deployment. On the simulator's clock.
import { jest } from '@jest/globals'
import { busyWeb, ecsScenario, ecsWeb } from '../../sim/ecs-scenarios.js'
import type { Simulator } from '../../sim/server.js'
import { WEB, WEB_PREVIOUS, body, callsTo, stream, useSimulator, writes } from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock } = useSimulator()

const ARN = /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/sim-cluster\/web\/[A-Za-z0-9_-]+$/
const follow = (id: string, extra: Record<string, string>): Record<string, string> => ({
  'deployment-id': id,
  'poll-interval-seconds': '1',
  ...extra
})
const continues = (sim: Simulator): { serviceDeploymentArn: string; hookId: string; action: string }[] =>
  callsTo(sim, 'ContinueServiceDeployment', 200).map(c => body(c))
const statusIn = (sim: Simulator, arn: string): string | undefined =>
  sim.ecsDeployments.findDeployment(arn)?.status

describe('wait-until ready and continue-deployment', () => {
  test('a PAUSE hook at POST_TEST_TRAFFIC_SHIFT: ready returns IN_PROGRESS, continue releases it to SUCCESSFUL', async () => {
    const sim = await start('ecs-pause-ready', 600)
    const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })
    expect(deploy.exitCode).toBe(0)
    expect(deploy.errors).toEqual([])
    const id = deploy.outputs['deployment-id']!
    expect(id).toMatch(ARN)
    expect(deploy.outputs['deployment-status']).toBe('IN_PROGRESS')
    expect(statusIn(sim, id)).toBe('IN_PROGRESS')
    expect(continues(sim)).toEqual([])
    // The hook waits; the post step leaves the deployment at its gate.
    const post = await deploy.post({ clock: sim.clock() })
    expect(post.exitCode).toBe(0)
    expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)

    const next = await runOnSimClock(follow(id, { 'continue-deployment': 'true' }))
    expect(next.exitCode).toBe(0)
    expect(next.errors).toEqual([])
    const hook = sim.ecsDeployments.findDeployment(id)!.allHooks.find(h => h.targetType === 'PAUSE')!
    expect(continues(sim)).toEqual([{ serviceDeploymentArn: id, hookId: hook.hookId, action: 'CONTINUE' }])
    expect(next.outputs['deployment-status']).toBe('SUCCESSFUL')
    expect(next.outputs['deployment-id']).toBe(id)
    expect(next.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'ContinueServiceDeployment'])
    expect(sim.calls.filter(c => c.service === 'codedeploy')).toEqual([])
  })

  test('a gate before every linear step: continue-deployment alone releases each, a log line each', async () => {
    const sim = await start('ecs-pause-per-step', 600)
    const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })
    expect(deploy.exitCode).toBe(0)
    expect(deploy.outputs['deployment-status']).toBe('IN_PROGRESS')
    const id = deploy.outputs['deployment-id']!

    const next = await runOnSimClock(follow(id, { 'continue-deployment': 'true' }))
    expect(next.exitCode).toBe(0)
    expect(next.outputs['deployment-status']).toBe('SUCCESSFUL')
    // 25% a step: four gates, each continued once.
    const sent = continues(sim)
    expect(sent).toHaveLength(4)
    expect(new Set(sent.map(c => c.hookId)).size).toBe(4)
    for (const c of sent) expect(c).toMatchObject({ serviceDeploymentArn: id, action: 'CONTINUE' })
    expect(stream(next).filter(l => l.includes('ContinueServiceDeployment'))).toHaveLength(4)
  })

  test('a gate before every linear step: continue-deployment with wait-until ready releases one per run', async () => {
    const sim = await start('ecs-pause-per-step', 600)
    const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })
    const id = deploy.outputs['deployment-id']!

    const statuses: string[] = []
    for (let gate = 1; gate <= 4; gate++) {
      const r = await runOnSimClock(follow(id, { 'continue-deployment': 'true', 'wait-until': 'ready' }))
      expect([gate, r.exitCode, r.errors]).toEqual([gate, 0, []])
      expect(continues(sim)).toHaveLength(gate)
      statuses.push(r.outputs['deployment-status']!)
    }
    // Three runs return at the next gate; the fourth releases the last step and sees the end.
    expect(statuses).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'SUCCESSFUL'])
    expect(statusIn(sim, id)).toBe('SUCCESSFUL')
  })
})

test('wait-until traffic-shifted returns during BAKE_TIME with IN_PROGRESS', async () => {
  const sim = await start('ecs-canary', 600)
  const r = await runOnSimClock({ ...WEB, 'wait-until': 'traffic-shifted' })
  expect(r.exitCode).toBe(0)
  expect(r.errors).toEqual([])
  const id = r.outputs['deployment-id']!
  expect(r.outputs['deployment-status']).toBe('IN_PROGRESS')
  const d = sim.ecsDeployments.findDeployment(id)!
  expect(d.status).toBe('IN_PROGRESS')
  expect(d.lifecycleStage).toBe('BAKE_TIME')
  expect(stream(r).some(l => l.includes('BAKE_TIME'))).toBe(true)
  expect(stream(r).some(l => l.includes('is SUCCESSFUL'))).toBe(false)
})

describe('stop-deployment', () => {
  test('on a deployment in progress: StopServiceDeployment ROLLBACK, exit 0 at ROLLBACK_SUCCESSFUL', async () => {
    const sim = await start('ecs-pause-ready', 600)
    const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })
    const id = deploy.outputs['deployment-id']!

    const stop = await runOnSimClock(follow(id, { 'stop-deployment': 'true' }))
    expect(stop.exitCode).toBe(0)
    expect(stop.errors).toEqual([])
    expect(callsTo(sim, 'StopServiceDeployment').map(c => body(c))).toEqual([
      { serviceDeploymentArn: id, stopType: 'ROLLBACK' }
    ])
    expect(stop.outputs['deployment-status']).toBe('ROLLBACK_SUCCESSFUL')
    expect(stop.outputs['rollback-deployment-id'] ?? '').toBe('')
    expect(statusIn(sim, id)).toBe('ROLLBACK_SUCCESSFUL')
  })

  test('on a deployment that succeeded: non-zero, naming previous-task-definition-arn', async () => {
    const sim = await start('ecs-blue-green', 600)
    const deploy = await runOnSimClock(WEB)
    expect(deploy.exitCode).toBe(0)
    const id = deploy.outputs['deployment-id']!

    const stop = await runOnSimClock(follow(id, { 'stop-deployment': 'true' }))
    expect(stop.exitCode).not.toBe(0)
    expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
    expect(stop.errors).toHaveLength(1)
    expect(stop.errors[0]).toContain(WEB_PREVIOUS)
    expect(statusIn(sim, id)).toBe('SUCCESSFUL')
  })
})

describe('if-deployment-running on a service with another deployment in progress', () => {
  /** ecs-busy with a 30-minute canary step: the other deployment still shifts traffic when the step looks. */
  const busy = ecsScenario('ecs-busy-long', "another user's canary, 30 minutes at 10%", busyWeb(30))

  /** The other user's deployment the scenario starts with. */
  const other = (sim: Simulator): string => {
    const running = sim.ecsDeployments.services
      .find(s => s.service.name === 'web')!
      .deployments.filter(d => d.status === 'IN_PROGRESS')
    expect(running).toHaveLength(1)
    return running[0]!.arn
  }

  test('fail: names the running deployment and writes nothing', async () => {
    const sim = await start('ecs-busy', 300)
    const arn = other(sim)
    const r = await runOnSimClock(WEB)
    expect(r.exitCode).not.toBe(0)
    expect(writes(sim)).toEqual([])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(arn)
    expect(statusIn(sim, arn)).toBe('IN_PROGRESS')
  })

  test('wait: deploys after it ends, never stopping it', async () => {
    const sim = await start(busy, 900)
    const arn = other(sim)
    const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'wait' })
    expect(r.exitCode).toBe(0)
    // It was seen running and waited for.
    expect(stream(r).some(l => l.includes(arn))).toBe(true)
    expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
    expect(statusIn(sim, arn)).toBe('SUCCESSFUL')
    const id = r.outputs['deployment-id']!
    expect(id).not.toBe(arn)
    expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
    // UpdateService only once the other one had ended.
    const ended = sim.ecsDeployments.findDeployment(arn)!.finishedAt!
    expect(callsTo(sim, 'UpdateService')[0]!.simAt).toBeGreaterThanOrEqual(ended)
  })

  test('replace: stops it with ROLLBACK, then deploys', async () => {
    const sim = await start(busy, 900)
    const arn = other(sim)
    const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'replace' })
    expect(r.exitCode).toBe(0)
    expect(callsTo(sim, 'StopServiceDeployment').map(c => body(c))).toEqual([
      { serviceDeploymentArn: arn, stopType: 'ROLLBACK' }
    ])
    expect(statusIn(sim, arn)).toBe('ROLLBACK_SUCCESSFUL')
    expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'StopServiceDeployment', 'UpdateService'])
  })

  test('replace: one in BAKE_TIME has released its revision, so it is waited for, not stopped', async () => {
    // Another user's canary whose shift is over: 140 s in, and a 30-minute bake.
    const web = ecsWeb(
      {
        strategy: 'CANARY',
        bakeTimeInMinutes: 30,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 }
      },
      { existingDeployment: { startedSecondsAgo: 300 } }
    )
    const sim = await start(ecsScenario('ecs-busy-baking', 'another deployment in BAKE_TIME', web), 600)
    const arn = other(sim)
    expect(sim.ecsDeployments.findDeployment(arn)!.lifecycleStage).toBe('BAKE_TIME')
    const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'replace' })
    expect(r.exitCode).toBe(0)
    expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
    expect(statusIn(sim, arn)).toBe('SUCCESSFUL')
    expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
  })
})
