// wait-until ready / traffic-shifted with the follow-up steps that act on the deployment by its id
// (continue-deployment, stop-deployment), and wait-for-deployment: false.
import { scenarios } from '../../sim/scenarios.js'
import {
  type ActionRun,
  WEB,
  WEB_PREVIOUS,
  WORLDS,
  body,
  callsTo,
  inWorld,
  stream,
  useSimulatorRuns,
  writes
} from './helpers.js'

const { start, runOnSimClock } = useSimulatorRuns()

/** A follow-up step that acts on deployment `id` by its id, polling every second. */
const followUp = (id: string, action: 'continue-deployment' | 'stop-deployment'): Promise<ActionRun> =>
  runOnSimClock({ 'deployment-id': id, [action]: 'true', 'poll-interval-seconds': '1' })

/** A deployment of WEB that stops in Ready, and its id. */
async function deployReady(): Promise<{ deploy: ActionRun; id: string }> {
  const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })
  return { deploy, id: deploy.outputs['deployment-id']! }
}

test('wait-until ready, then continue-deployment reroutes traffic and watches to Succeeded', async () => {
  const sim = await start('ready-wait', 300)
  const { deploy, id } = await deployReady()
  expect(deploy.exitCode).toBe(0)
  expect(deploy.outputs['deployment-status']).toBe('Ready')
  expect(deploy.state.settled).toBe('goal')
  expect(callsTo(sim, 'ContinueDeployment')).toHaveLength(0)

  const follow = await followUp(id, 'continue-deployment')
  expect(follow.exitCode).toBe(0)
  const continues = callsTo(sim, 'ContinueDeployment')
  expect(continues.map(c => body(c))).toEqual([{ deploymentId: id, deploymentWaitType: 'READY_WAIT' }])
  expect(follow.outputs['deployment-status']).toBe('Succeeded')
  expect(follow.outputs['deployment-id']).toBe(id)
  // Nothing new is registered or created by a follow-up step.
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'ContinueDeployment'])
})

test('wait-until ready, then stop-deployment rolls it back and exits 0', async () => {
  const sim = await start('ready-wait', 300)
  const { id } = await deployReady()

  const stop = await followUp(id, 'stop-deployment')
  expect(stop.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment').map(c => body(c))).toEqual([
    { deploymentId: id, autoRollbackEnabled: true }
  ])
  expect(stop.outputs['deployment-status']).toBe('Stopped')
  expect(stop.outputs['rollback-deployment-id']).toMatch(/^d-/)
  expect(stop.errors).toEqual([])
})

test('stop-deployment waits for a rollback CodeDeploy names 40 s late, and follows it to its end', async () => {
  // The action runs on the simulator's clock: 40 simulated seconds are 40 seconds of its own.
  await start({ ...scenarios['ready-wait'], durations: { rollbackInfoDelay: 40 } }, 300)
  const { id } = await deployReady()

  const stop = await followUp(id, 'stop-deployment')
  expect(stop.exitCode).toBe(0)
  const rollback = stop.outputs['rollback-deployment-id']!
  expect(rollback).toMatch(/^d-[A-Z0-9]{9}$/)
  expect(stream(stop)).toContain(
    `Waiting up to 1m00s for CodeDeploy to name the rollback deployment of ${id}.`
  )
  expect(stream(stop)).toContainEqual(
    `Rollback deployment ${rollback} succeeded: production traffic is back on the original task set.`
  )
  expect(stop.errors).toEqual([])
})

test.each(WORLDS)(
  '$world: wait-until traffic-shifted returns in the termination wait; continue-deployment ends that wait',
  async ({ fixes }) => {
    const sim = await start(inWorld('long-termination-wait', fixes), 300)
    const deploy = await runOnSimClock({ ...WEB, 'wait-until': 'traffic-shifted' })
    expect(deploy.exitCode).toBe(0)
    expect(deploy.outputs['deployment-status']).toBe('InProgress')
    const id = deploy.outputs['deployment-id']!

    const follow = await followUp(id, 'continue-deployment')
    expect(follow.exitCode).toBe(0)
    expect(callsTo(sim, 'ContinueDeployment').map(c => body(c))).toEqual([
      { deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }
    ])
    expect(stream(follow)).toContain(
      `Ending the termination wait of ${id}: the original task set is removed now (ContinueDeployment TERMINATION_WAIT).`
    )
    expect(follow.outputs['deployment-status']).toBe('Succeeded')
    // Ended, not sat out: the 120-minute wait is far from over on the simulator's clock.
    const dep = sim.engine.find(id)!
    expect(dep.completeTime! - dep.target!.events.at(-1)!.endTime!).toBeLessThan(120 * 60)
  }
)

test('stop-deployment on a deployment that already succeeded fails and names previous-task-definition-arn', async () => {
  await start('all-at-once', 600)
  const deploy = await runOnSimClock(WEB)
  expect(deploy.outputs['deployment-status']).toBe('Succeeded')
  const stop = await followUp(deploy.outputs['deployment-id']!, 'stop-deployment')
  expect(stop.exitCode).not.toBe(0)
  expect(stop.errors).toHaveLength(1)
  expect(stop.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
  expect(stop.errors[0]).toContain(WEB_PREVIOUS)
})

test('wait-for-deployment: false returns right after CreateDeployment with status Created', async () => {
  const sim = await start('all-at-once', 300)
  const r = await runOnSimClock({ ...WEB, 'wait-for-deployment': 'false' })
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Created')
  expect(r.outputs['deployment-id']).toMatch(/^d-/)
  expect(r.outputs['deployment-url']).toContain(r.outputs['deployment-id'])
  const created = callsTo(sim, 'CreateDeployment')[0]!
  // Nothing read after the deployment was created: the step did not wait.
  expect(sim.calls.filter(c => c.at > created.at && c.operation === 'GetDeployment')).toHaveLength(0)
  expect(r.state.settled).toBe('handed-off')
})
