// The termination wait as real CodeDeploy shows it (the deployment InProgress with its target
// Succeeded, instanceTerminationWaitTimeStarted never set: aws/containers-roadmap#269) and as a fixed
// CodeDeploy would (the flag set): announced, read with back-off, bounded by timeout-minutes when
// this step waits behind one it may not end. continue-deployment and if-deployment-running ending it
// are in gate.test.ts and running.test.ts, in both worlds too.
import { jest } from '@jest/globals'
import { WEB, WORLDS, body, callsTo, inWorld, logText, ownStream, useSimulator, writes } from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock } = useSimulator()

describe.each(WORLDS)('$world', ({ fixes }) => {
  test('wait-until succeeded: the wait is announced, then read at most once per 75 s, GetDeployment only', async () => {
    // On the simulator's clock at 600x the 120-minute wait lasts 12 real seconds.
    const sim = await start(inWorld('long-termination-wait', fixes), 600)
    const r = await runOnSimClock(WEB)
    expect(r.exitCode).toBe(0)
    // Seen a few simulated seconds after it began: about two hours to go.
    expect(ownStream(r)).toContainEqual(
      expect.stringMatching(
        /^Termination wait: the original task set is removed at .+ UTC \(in 1[12]\dm\); stop-deployment can still roll back until then\.$/
      )
    )

    const dep = sim.engine.find(r.outputs['deployment-id']!)!
    const from = dep.target!.events.at(-1)!.endTime!
    // The wait ends when the original task set starts to drain, a drain before the deployment's end.
    const to = dep.completeTime! - sim.state.durations.drain
    const during = sim.calls.filter(c => c.service === 'codedeploy' && c.simAt >= from && c.simAt < to)
    const reads = during.map(c => c.simAt).filter((_, i) => during[i]!.operation === 'GetDeployment')
    // The read that finds the wait reads the target; the target does not change after it.
    expect(during.filter(c => c.operation === 'GetDeploymentTarget').length).toBeLessThanOrEqual(1)
    // Backed off within the first minutes; from then on one read per 75 s until the foreseen end.
    const settled = reads.filter(t => t > from + 300)
    const gaps = settled.slice(1).map((t, i) => t - settled[i]!)
    expect(gaps.length).toBeGreaterThan(80)
    for (const gap of gaps.slice(0, -1)) expect(gap).toBeGreaterThanOrEqual(74)
    expect((reads.length * 3600) / (to - from)).toBeLessThan(60)
  })

  test('wait behind a termination wait it may not end: gives up at timeout-minutes, rolls nothing back', async () => {
    // The other deployment's wait has two hours to go; the step gives up after ten minutes.
    const sim = await start(inWorld('parked-termination-wait', fixes), 600, {
      rules: [{ error: 'denied', operations: ['ContinueDeployment'] }]
    })
    const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'wait', 'timeout-minutes': '10' })

    expect(r.exitCode).not.toBe(0)
    const other = body<{ deploymentId: string }>(callsTo(sim, 'ContinueDeployment')[0]).deploymentId
    expect(callsTo(sim, 'ContinueDeployment').map(c => c.error)).toEqual(['AccessDeniedException'])
    expect(logText(r)).toContain(
      `Could not end the termination wait of ${other} (AccessDeniedException); waiting for it to end, at most 10 minutes (timeout-minutes).`
    )
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(`Deployment ${other} did not end within 10 minutes`)
    // Another team's finished release: never rolled back; this run's revision (wait acts only once
    // it exists) is deregistered again, as no deployment used it.
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
    expect(sim.engine.find(other)!.status).toBe('InProgress')
  })
})
