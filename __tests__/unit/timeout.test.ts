import type { TrafficRouting } from '../../src/watch/snapshot.js'
import { deriveTimeoutMinutes, trafficRoutingMinutes } from '../../src/watch/timeout.js'

const canary: TrafficRouting = { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 15 }
const linear: TrafficRouting = { type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 3 }

describe('trafficRoutingMinutes', () => {
  it.each<[string, TrafficRouting, number]>([
    ['all at once', { type: 'AllAtOnce' }, 0],
    ['canary: its one interval', canary, 15],
    ['linear 10%: ten intervals', linear, 30],
    ['linear 33%: four intervals', { type: 'TimeBasedLinear', percentage: 33, intervalMinutes: 1 }, 4],
    ['linear 100%: one interval', { type: 'TimeBasedLinear', percentage: 100, intervalMinutes: 2 }, 2],
    ['linear with a nonsense 0%: as 1%', { type: 'TimeBasedLinear', percentage: 0, intervalMinutes: 1 }, 100]
  ])('%s', (_, routing, minutes) => {
    expect(trafficRoutingMinutes(routing)).toBe(minutes)
  })
})

describe('deriveTimeoutMinutes', () => {
  const base = { hooks: 2, readyWaitMinutes: 120, trafficRouting: canary, terminationWaitMinutes: 60 }
  it.each([
    // 60 for Install + 60 per hook + ready wait (past ready) + routing + termination wait (succeeded only)
    ['succeeded', 60 + 2 * 60 + 120 + 15 + 60],
    ['traffic-shifted', 60 + 2 * 60 + 120 + 15],
    ['ready', 60 + 2 * 60 + 15]
  ] as const)('waiting until %s: %d minutes', (goal, minutes) => {
    expect(deriveTimeoutMinutes({ ...base, goal })).toBe(minutes)
  })

  it('is CodeDeploy’s own hour for Install when nothing else waits: a 45-minute Install is not cut short', () => {
    const minutes = deriveTimeoutMinutes({
      goal: 'succeeded',
      hooks: 0,
      readyWaitMinutes: 0,
      trafficRouting: { type: 'AllAtOnce' },
      terminationWaitMinutes: 0
    })
    expect(minutes).toBe(60)
    expect(minutes).toBeGreaterThan(45)
  })
})
