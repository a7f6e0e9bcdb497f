// ECS's own deployments cut short: the runner's cancel (SIGINT, SIGTERM 7.5 s later) on real time,
// the post step that follows the rollback on the simulator's clock, rollback-on-cancel: false, and
// timeout-minutes (StopServiceDeployment with ROLLBACK).
import { jest } from '@jest/globals'
import { WEB, body, callsTo, logText, useSimulator } from './helpers.js'

jest.setTimeout(90_000)
const { start, run, runOnSimClock } = useSimulator()

test('SIGINT during the canary step: StopServiceDeployment ROLLBACK once, non-zero, the post step follows to ROLLBACK_SUCCESSFUL', async () => {
  // 30x: the canary's 5 minutes at 10% last ten real seconds, so the signal lands in them.
  const sim = await start('ecs-canary', 30)
  const r = await run(WEB, { cancelWhen: l => /\b90%.*\b10%/.test(l) })

  expect(r.cancelledAt).toBeDefined()
  expect(r.exitCode).not.toBe(0)
  expect(r.exitCode).not.toBeNull() // it exited on its own, before SIGTERM/SIGKILL
  expect(r.endedAt - r.cancelledAt!).toBeLessThan(7500)
  const id = r.outputs['deployment-id']!
  const stops = callsTo(sim, 'StopServiceDeployment')
  expect(stops.map(c => body(c))).toEqual([{ serviceDeploymentArn: id, stopType: 'ROLLBACK' }])
  expect(stops[0]!.at.getTime() - r.cancelledAt!).toBeLessThan(2000)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain(id)
  expect(r.state.settled).toBe('stop-requested')
  expect(sim.calls.filter(c => c.service === 'codedeploy')).toEqual([])

  const post = await r.post({ clock: sim.clock() })
  expect(post.exitCode).toBe(0)
  // Not stopped twice: the post step follows the rollback ECS runs inside the same deployment.
  expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(1)
  expect(logText(post)).toContain(`Deployment ${id} ended ROLLBACK_SUCCESSFUL`)
  expect(sim.ecsDeployments.findDeployment(id)!.status).toBe('ROLLBACK_SUCCESSFUL')
})

test('rollback-on-cancel: false leaves it running with a warning; the post step leaves it too', async () => {
  const sim = await start('ecs-canary', 30)
  const r = await run({ ...WEB, 'rollback-on-cancel': 'false' }, { cancelWhen: l => /\b90%.*\b10%/.test(l) })

  expect(r.exitCode).not.toBe(0)
  const id = r.outputs['deployment-id']!
  expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
  expect(r.warnings.join('\n')).toContain('rollback-on-cancel: false')
  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
  expect(sim.ecsDeployments.findDeployment(id)!.status).toBe('IN_PROGRESS')
})

test('timeout-minutes runs out: StopServiceDeployment ROLLBACK and a timeout failure', async () => {
  const sim = await start('ecs-canary', 600)
  // Two minutes: the canary's step alone takes five.
  const r = await runOnSimClock({ ...WEB, 'timeout-minutes': '2' })

  expect(r.exitCode).not.toBe(0)
  const id = r.outputs['deployment-id']!
  expect(callsTo(sim, 'StopServiceDeployment').map(c => body(c))).toEqual([
    { serviceDeploymentArn: id, stopType: 'ROLLBACK' }
  ])
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(/timed out/i)
  expect(r.errors[0]).toContain('2 minutes')
  expect(r.state.settled).toBe('stop-requested')
  const post = await r.post({ clock: sim.clock() })
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(1)
  expect(logText(post)).toContain(`Deployment ${id} ended ROLLBACK_SUCCESSFUL`)
})
