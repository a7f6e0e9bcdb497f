import {
  awsCalls,
  callsBetween,
  countByOperation,
  modelEcsWait,
  modelWait,
  pollsOf,
  renderTable,
  simToRealMs
} from '../../sim/bench.js'
import type { CallRecord } from '../../sim/server.js'
import { MAX_IDLE_INTERVAL_MS } from '../../src/watch/watch.js'

const call = (
  operation: string,
  simAt: number,
  realMs = 0,
  service: CallRecord['service'] = 'codedeploy'
): CallRecord => ({
  service,
  operation,
  at: new Date(realMs),
  simAt,
  status: 200,
  body: {}
})

describe('simToRealMs', () => {
  it('maps a simulated instant to real time through the clocks of a call record and the time scale', () => {
    const calls = [call('GetDeployment', 1000, 50_000), call('GetDeployment', 1060, 51_000)]
    expect(simToRealMs(calls, 60, 1120)).toBe(52_000)
    expect(simToRealMs(calls, 60, 1030)).toBe(50_500)
  })

  it('needs at least one call to anchor the clocks', () => {
    expect(() => simToRealMs([], 60, 1)).toThrow(/No call recorded/)
  })
})

describe('polls', () => {
  const calls = [
    call('DescribeServices', 1, 0, 'ecs'),
    call('CreateDeployment', 2),
    call('GetDeployment', 3),
    call('GetDeployment', 4),
    call('ListDeploymentTargets', 4),
    call('GetDeploymentTarget', 4),
    call('POST /repos/o/r/deployments/:id/statuses', 4, 0, 'github'),
    call('GetDeployment', 5),
    call('GetDeploymentTarget', 5)
  ]

  it('opens a poll at each GetDeployment and gives it the AWS calls up to the next one', () => {
    expect(pollsOf(calls).map(p => [p.simAt, p.calls.map(c => c.operation)])).toEqual([
      [3, ['GetDeployment']],
      [4, ['GetDeployment', 'ListDeploymentTargets', 'GetDeploymentTarget']],
      [5, ['GetDeployment', 'GetDeploymentTarget']]
    ])
  })

  it("opens ECS's polls at each DescribeServiceDeployments", () => {
    const ecs = [
      call('UpdateService', 1, 0, 'ecs'),
      call('DescribeServiceDeployments', 2, 0, 'ecs'),
      call('DescribeServiceDeployments', 3, 0, 'ecs'),
      call('ListTasks', 3, 0, 'ecs')
    ]
    expect(pollsOf(ecs, 'DescribeServiceDeployments').map(p => p.calls.length)).toEqual([1, 2])
  })

  it('counts AWS calls by operation, GitHub left out', () => {
    expect(countByOperation(awsCalls(calls))).toEqual({
      DescribeServices: 1,
      CreateDeployment: 1,
      GetDeployment: 3,
      ListDeploymentTargets: 1,
      GetDeploymentTarget: 2
    })
  })

  it('selects calls in a half-open window of simulated time', () => {
    expect(callsBetween(calls, 4, 5).map(c => c.operation)).toEqual([
      'GetDeployment',
      'ListDeploymentTargets',
      'GetDeploymentTarget',
      'POST /repos/o/r/deployments/:id/statuses'
    ])
  })
})

describe('modelWait: the watch loop on a fake clock', () => {
  const HOUR = 3_600_000

  it('backs off through a termination wait and reads again exactly when AWS said it ends', async () => {
    const m = await modelWait('termination-wait', HOUR, 1000)
    expect(m.readsAtMs[0]).toBe(0)
    expect(m.readsAtMs.every(at => at < HOUR)).toBe(true)
    const gaps = m.readsAtMs.slice(1).map((at, i) => at - m.readsAtMs[i]!)
    expect(gaps[0]).toBe(1000)
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_IDLE_INTERVAL_MS)
    expect(m.reads).toBeLessThan(HOUR / MAX_IDLE_INTERVAL_MS + 15)
    expect(m.seenAfterMs).toBeLessThan(1)
  })

  it('backs off through a canary bake and wakes when its foreseen second step is due', async () => {
    const m = await modelWait('canary-bake', 5 * 60_000, 1000)
    expect(m.reads).toBeGreaterThan(5)
    expect(m.reads).toBeLessThan(30)
    expect(m.seenAfterMs).toBeLessThan(1)
  })

  it('starts from the poll interval, so a longer interval reads less', async () => {
    const fast = await modelWait('termination-wait', 10 * 60_000, 1000)
    const slow = await modelWait('termination-wait', 10 * 60_000, 5000)
    expect(slow.readsAtMs[1]).toBe(5000)
    expect(slow.reads).toBeLessThan(fast.reads)
  })
})

describe('modelEcsWait: the watch loop and the ECS reader on a fake clock', () => {
  const HOUR = 3_600_000

  it('reads an hour of bake time fewer than 60 times, one DescribeServiceDeployments each, and sees its end at once', async () => {
    const m = await modelEcsWait('bake', HOUR, 1000)
    expect(m.calls).toBeLessThanOrEqual(60)
    expect(m.byOperation).toEqual({ DescribeServiceDeployments: m.reads })
    expect(m.seenAfterMs).toBeLessThan(1)
  })

  it('backs off while a PAUSE hook waits, and sees the continue within the longest idle sleep', async () => {
    const m = await modelEcsWait('pause', HOUR, 5000)
    expect(m.calls).toBeLessThanOrEqual(60)
    expect(m.byOperation).toEqual({ DescribeServiceDeployments: m.reads })
    const gaps = m.readsAtMs.slice(1).map((at, i) => at - m.readsAtMs[i]!)
    expect(Math.max(...gaps)).toBe(MAX_IDLE_INTERVAL_MS)
    expect(m.seenAfterMs).toBeLessThanOrEqual(MAX_IDLE_INTERVAL_MS)
  })
})

describe('renderTable', () => {
  it('aligns the columns and marks goals met and missed, and leaves plain figures unmarked', () => {
    const table = renderTable([
      { measure: 'cold start', figure: '180 ms', goal: '≤ 80 ms', pass: false },
      { measure: 'calls per poll', figure: '2', goal: '≤ 2', pass: true },
      { measure: 'bundle', figure: '3.00 MB' }
    ]).split('\n')
    expect(table).toHaveLength(5)
    expect(new Set(table.map(l => l.length)).size).toBe(1)
    expect(table[2]).toMatch(/^\| cold start +\| 180 ms +\| ≤ 80 ms +\| ✗ \|$/)
    expect(table[3]).toMatch(/\| ✓ \|$/)
    expect(table[4]).toMatch(/\| 3\.00 MB +\| +\| +\|$/)
  })
})
