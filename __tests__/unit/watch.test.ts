import { ActionError } from '../../src/runtime/errors.js'
import { initialView } from '../../src/watch/progress.js'
import type { DeploymentSnapshot, Phase, TaskSet } from '../../src/watch/snapshot.js'
import {
  followRollback,
  goalReached,
  watch,
  type Goal,
  type Logger,
  type WatchOptions
} from '../../src/watch/watch.js'

const T0 = new Date('2026-11-27T14:00:00Z')
const sec = (s: number): number => T0.getTime() + s * 1000

const STATUS: Record<Phase, string> = {
  created: 'Created',
  installing: 'InProgress',
  ready: 'Ready',
  shifting: 'InProgress',
  'traffic-shifted': 'InProgress',
  'termination-wait': 'InProgress',
  'rolling-back': 'ROLLBACK_IN_PROGRESS',
  succeeded: 'Succeeded',
  failed: 'Failed',
  stopped: 'Stopped'
}

function snap(phase: Phase, over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot {
  return {
    id: 'd-X',
    status: STATUS[phase],
    phase,
    events: [],
    taskSets: [],
    statusMessages: [],
    stoppedTasks: [],
    ...over
  }
}

const shifting = (replacement: number): DeploymentSnapshot =>
  snap('shifting', {
    events: [{ name: 'AllowTraffic', status: 'InProgress' }],
    taskSets: [
      { id: 'b', role: 'original', trafficWeight: 100 - replacement },
      { id: 'g', role: 'replacement', trafficWeight: replacement }
    ] as TaskSet[]
  })

/**
 * A fake clock and a deployment scripted over time: `script(secondsSinceStart)` gives what a read
 * returns at that moment (or throws). Records every read and every sleep.
 */
function harness(
  script: (s: number) => DeploymentSnapshot,
  over: Partial<WatchOptions> = {}
): { opts: WatchOptions; reads: number[]; sleeps: number[]; out: string[]; warnings: string[] } {
  let now = T0.getTime()
  const reads: number[] = []
  const sleeps: number[] = []
  const out: string[] = []
  const warnings: string[] = []
  const log: Logger = {
    info: l => out.push(l),
    warning: l => warnings.push(l),
    startGroup: n => out.push(`::group::${n}`),
    endGroup: () => out.push('::endgroup::')
  }
  const opts: WatchOptions = {
    read: () => {
      const s = (now - T0.getTime()) / 1000
      reads.push(s)
      return Promise.resolve().then(() => script(s))
    },
    goal: 'succeeded',
    deadline: new Date(sec(4 * 3600)),
    pollIntervalMs: 5000,
    sleep: ms => {
      sleeps.push(ms)
      now += ms
      return Promise.resolve()
    },
    now: () => new Date(now),
    log,
    view: initialView(T0),
    ...over
  }
  return { opts, reads, sleeps, out, warnings }
}

const awsError = (name: string, message = name): Error => Object.assign(new Error(message), { name })

describe('goalReached', () => {
  it.each<[Goal, Phase[], Phase[]]>([
    ['succeeded', ['succeeded'], ['termination-wait', 'ready', 'failed']],
    [
      'traffic-shifted',
      ['traffic-shifted', 'termination-wait', 'succeeded'],
      ['shifting', 'ready', 'stopped']
    ],
    [
      'ready',
      ['ready', 'shifting', 'traffic-shifted', 'termination-wait', 'succeeded'],
      ['installing', 'created']
    ]
  ])('%s is reached in %j, not in %j', (goal, yes, no) => {
    for (const p of yes) expect(goalReached(goal, p)).toBe(true)
    for (const p of no) expect(goalReached(goal, p)).toBe(false)
  })
})

describe('watch', () => {
  // Created, installing until 60 s, ready until 120 s, shifting until 180 s, traffic-shifted until 200 s,
  // termination wait until 400 s, then succeeded.
  const lifecycle = (s: number): DeploymentSnapshot =>
    s < 5
      ? snap('created')
      : s < 60
        ? snap('installing')
        : s < 120
          ? snap('ready')
          : s < 180
            ? shifting(50)
            : s < 200
              ? snap('traffic-shifted')
              : s < 400
                ? snap('termination-wait')
                : snap('succeeded')

  it.each<[Goal, Phase]>([
    ['ready', 'ready'],
    ['traffic-shifted', 'traffic-shifted'],
    ['succeeded', 'succeeded']
  ])('stops at its goal %s', async (goal, phase) => {
    const h = harness(lifecycle, { goal })
    const result = await watch(h.opts)
    expect(result.outcome).toBe('goal')
    expect(result.snapshot.phase).toBe(phase)
    expect(result.view.lastSnapshot).toBe(result.snapshot)
    expect(h.out).toContain(`[+0:00] Deployment d-X is Created`)
  })

  it('takes a deployment that went past Ready for the ready goal', async () => {
    const h = harness(s => (s < 10 ? snap('installing') : shifting(10)), { goal: 'ready' })
    expect((await watch(h.opts)).snapshot.phase).toBe('shifting')
  })

  it('ends with the failure and the rollback that CodeDeploy names a moment later', async () => {
    const h = harness(s =>
      s < 30 ? snap('installing') : snap('failed', s < 40 ? {} : { rollback: { deploymentId: 'd-Y' } })
    )
    const result = await watch(h.opts)
    expect(result.outcome).toBe('failed')
    expect(result.snapshot.rollback?.deploymentId).toBe('d-Y')
    expect(h.out.at(-1)).toMatch(/Rollback deployment d-Y started$/)
  })

  it('waits a minute of wall time for a rollback that never comes, whatever the poll interval, and says so', async () => {
    for (const poll of [1000, 5000, 45_000, 120_000]) {
      const h = harness(s => (s < 10 ? snap('installing') : snap('stopped')), { pollIntervalMs: poll })
      const result = await watch(h.opts)
      expect(result.outcome).toBe('stopped')
      const stoppedAt = h.reads.find(s => s >= 10)!
      expect(h.reads.at(-1)! - stoppedAt).toBe(60)
      expect(h.reads.filter(s => s > stoppedAt)).toHaveLength(Math.ceil(60_000 / poll))
    }
    const h = harness(s => (s < 10 ? snap('installing') : snap('stopped')))
    await watch(h.opts)
    expect(h.out).toContain(
      '[+0:10] Waiting up to 1m00s for CodeDeploy to name the rollback deployment of d-X.'
    )
    expect(h.out.at(-1)).toBe('[+1:10] CodeDeploy named no rollback deployment of d-X.')
  })

  it('follows a rollback named 40 s after the end, with a 5-second poll', async () => {
    const h = harness(s =>
      s < 10 ? snap('installing') : snap('failed', s < 50 ? {} : { rollback: { deploymentId: 'd-LATE' } })
    )
    const result = await watch(h.opts)
    expect(result.snapshot.rollback?.deploymentId).toBe('d-LATE')
    expect(h.out.at(-1)).toBe('[+0:50] Rollback deployment d-LATE started')
  })

  it('does not wait for a rollback that cannot come', async () => {
    const h = harness(s =>
      s < 10
        ? snap('installing')
        : snap('failed', { rollbackRuledOut: 'the deployment group does not roll back' })
    )
    await watch(h.opts)
    expect(h.reads.filter(s => s >= 10)).toHaveLength(1)
    expect(h.out.join('\n')).not.toContain('Waiting up to')
  })

  it('survives read errors while looking for the rollback, but not expired credentials', async () => {
    let n = 0
    const h = harness(() => {
      n++
      if (n === 1) return snap('failed')
      if (n === 2) throw awsError('ThrottlingException')
      return snap('failed', { rollback: { deploymentId: 'd-Y' } })
    })
    expect((await watch(h.opts)).snapshot.rollback?.deploymentId).toBe('d-Y')
    expect(h.warnings).toHaveLength(1)

    n = 0
    const expired = harness(() => {
      n++
      if (n === 1) return snap('failed')
      throw awsError('ExpiredTokenException')
    })
    await expect(watch(expired.opts)).rejects.toBeInstanceOf(ActionError)
  })

  it('times out at the deadline, never sleeping past it', async () => {
    const h = harness(() => snap('installing'), { deadline: new Date(sec(62)), pollIntervalMs: 5000 })
    const result = await watch(h.opts)
    expect(result.outcome).toBe('timeout')
    expect(h.reads.at(-1)).toBe(62)
    expect(h.sleeps.at(-1)).toBe(2000)
    expect(h.reads.every(s => s <= 62)).toBe(true)
  })

  it('survives throttling, 5xx and network errors, with backoff, and never takes them for a failure', async () => {
    const errors = [
      awsError('ThrottlingException', 'Rate exceeded'),
      awsError('InternalFailure'),
      new Error('socket hang up')
    ]
    let n = 0
    const h = harness(s => {
      const e = errors[n++]
      if (e) throw e
      return s < 100 ? snap('installing') : snap('succeeded')
    })
    const result = await watch(h.opts)
    expect(result.outcome).toBe('goal')
    expect(h.warnings).toHaveLength(3)
    expect(h.warnings[0]).toContain('ThrottlingException: Rate exceeded')
    expect(h.warnings[2]).toContain('Error: socket hang up')
    expect(h.sleeps.slice(0, 3)).toEqual([5000, 10000, 20000])
  })

  it('returns the last snapshot on timeout while reads fail', async () => {
    let n = 0
    const h = harness(
      () => {
        if (n++ === 0) return snap('installing')
        throw awsError('ServiceUnavailable')
      },
      { deadline: new Date(sec(100)) }
    )
    const result = await watch(h.opts)
    expect(result).toMatchObject({ outcome: 'timeout', snapshot: { phase: 'installing' } })
    expect(h.sleeps.every(ms => ms <= 60_000)).toBe(true)
  })

  it('fails with what went wrong when the deployment was never read before the deadline', async () => {
    const h = harness(
      () => {
        throw new Error('getaddrinfo ENOTFOUND codedeploy.us-east-1.amazonaws.com')
      },
      { deadline: new Date(sec(30)) }
    )
    await expect(watch(h.opts)).rejects.toThrow(
      /could not be read before the timeout \(getaddrinfo ENOTFOUND/
    )
  })

  it.each([
    ['ExpiredToken', 'role-duration-seconds'],
    ['ExpiredTokenException', 'wait-until: traffic-shifted'],
    ['UnrecognizedClientException', 'role-duration-seconds'],
    ['InvalidClientTokenId', 'role-duration-seconds'],
    ['AccessDenied', 'codedeploy:GetDeployment'],
    ['AccessDeniedException', 'codedeploy:GetDeploymentTarget']
  ])('ends at once on %s, with the fix', async (name, fix) => {
    let n = 0
    const h = harness(() => {
      if (n++ === 0) return snap('installing')
      throw awsError(name, 'The security token included in the request is expired')
    })
    const err = await watch(h.opts).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ActionError)
    expect((err as ActionError).message).toContain(`deployment d-X (${name}`)
    expect((err as ActionError).hint).toContain(fix)
    expect(h.reads).toHaveLength(2)
  })

  it('polls at the set interval while Install and hooks run', async () => {
    const h = harness(s => (s < 300 ? snap('installing') : snap('succeeded')))
    await watch(h.opts)
    expect(new Set(h.sleeps)).toEqual(new Set([5000]))
  })

  it('costs at most 60 reads for a one-hour termination wait, waking when it is due', async () => {
    const end = 100 + 3600
    const h = harness(s =>
      s < 100
        ? snap('traffic-shifted')
        : s < end + 20 // CodeDeploy takes a moment to remove the original task set
          ? snap('termination-wait', { terminationWaitUntil: new Date(sec(end)) })
          : snap('succeeded')
    )
    const result = await watch(h.opts)
    expect(result.outcome).toBe('goal')
    const during = h.reads.filter(s => s >= 100 && s < end)
    expect(during.length).toBeLessThanOrEqual(60)
    expect(h.reads.some(s => s >= end && s < end + 1)).toBe(true) // woke when the wait was due
    expect(Math.max(...h.sleeps)).toBeLessThanOrEqual(75_000)
    // The wait starts with short sleeps: an end that comes early still shows within seconds.
    const firstInWait = h.reads.findIndex(s => s >= 100)
    expect(h.sleeps.slice(firstInWait, firstInWait + 2)).toEqual([5000, 7500])
    // Looking closely again once due: the end shows within seconds.
    expect(h.reads.at(-1)! - (end + 20)).toBeLessThan(10)
  })

  it('backs off ×1.5 up to 75 s during a canary bake, and polls closely again after a change', async () => {
    const h = harness(s => (s < 600 ? shifting(10) : s < 700 ? shifting(100) : snap('succeeded')))
    await watch(h.opts)
    const bake = h.sleeps.slice(0, 9).map(ms => Math.round(ms))
    expect(bake).toEqual([5000, 7500, 11250, 16875, 25313, 37969, 56953, 75000, 75000])
    const firstAfterChange = h.reads.findIndex(s => s >= 600)
    expect(h.sleeps.slice(firstAfterChange)).toEqual(Array(h.sleeps.length - firstAfterChange).fill(5000))
  })

  it('wakes when a foreseen canary step is due, and sees a late one within the poll interval', async () => {
    const next = new Date(sec(300))
    // The step is written 8 s after it is due, as CodeDeploy takes a moment.
    const h = harness(s =>
      s < 308 ? { ...shifting(10), nextTrafficStepAt: next } : s < 320 ? shifting(100) : snap('succeeded')
    )
    await watch(h.opts)
    expect(h.reads.some(s => s >= 300 && s < 301)).toBe(true)
    const seen = h.reads.find(s => s >= 308)!
    expect(seen - 308).toBeLessThanOrEqual(5)
    expect(h.reads.filter(s => s < 300).length).toBeLessThan(12)
  })

  it('sees a termination wait end that comes after its due time within the poll interval', async () => {
    const due = 600
    const h = harness(s =>
      s < 100
        ? snap('traffic-shifted')
        : s < due + 40
          ? snap('termination-wait', { terminationWaitUntil: new Date(sec(due)) })
          : snap('succeeded')
    )
    await watch(h.opts)
    expect(h.reads.at(-1)! - (due + 40)).toBeLessThanOrEqual(5)
  })

  it('polls a linear shift closely once its second step shows', async () => {
    // 10% more every 120 s.
    const h = harness(s => (s < 1200 ? shifting(Math.floor(s / 120) * 10 + 10) : snap('succeeded')))
    await watch(h.opts)
    const secondStepSeen = h.reads.findIndex(s => s >= 120)
    expect(h.sleeps[secondStepSeen - 1]).toBeGreaterThan(5000) // the first interval may be a canary's bake
    expect(new Set(h.sleeps.slice(secondStepSeen))).toEqual(new Set([5000]))
  })

  it('sleeps until the ready wait ends when that is sooner than the backoff', async () => {
    const h = harness(s => (s < 200 ? snap('ready', { readyWaitUntil: new Date(sec(90)) }) : snap('stopped')))
    await watch(h.opts)
    expect(h.reads.some(s => s >= 90 && s < 91)).toBe(true)
    expect(h.reads.filter(s => s < 90).length).toBeLessThan(8)
  })

  it('prints a failed hook’s log tail in a group, the event line outside it', async () => {
    const h = harness(() =>
      snap('failed', {
        events: [{ name: 'AfterInstall', status: 'Failed', diagnostics: { logTail: 'curl: 503' } }],
        rollback: { deploymentId: 'd-Y' }
      })
    )
    await watch(h.opts)
    const group = h.out.indexOf('::group::AfterInstall log tail')
    expect(group).toBeGreaterThan(h.out.findIndex(l => l.endsWith('AfterInstall FAILED')))
    expect(h.out.slice(group + 1, group + 3)).toEqual(['curl: 503', '::endgroup::'])
  })
})

describe('followRollback', () => {
  it('watches the rollback to its end, its lines named and grouped, how it ended visible', async () => {
    const h = harness(
      s =>
        s < 10
          ? snap('installing', { id: 'd-Y', rollback: { triggeringDeploymentId: 'd-X' } })
          : snap('succeeded', { id: 'd-Y', rollback: { triggeringDeploymentId: 'd-X' } }),
      { view: initialView(new Date(sec(-65))) }
    )
    const result = await followRollback(h.opts)
    expect(result.outcome).toBe('goal')
    expect(h.out).toEqual([
      '::group::Rollback deployment d-Y',
      '[+1:05] Rollback d-Y: Deployment d-Y is InProgress',
      '[+1:05] Rollback d-Y: This deployment rolls back d-X',
      '[+1:15] Rollback d-Y: Deployment d-Y is Succeeded',
      '::endgroup::',
      'Rollback deployment d-Y succeeded: production traffic is back on the original task set.'
    ])
  })

  it('warns how a rollback ended that did not succeed', async () => {
    const failed = harness(() =>
      snap('failed', {
        id: 'd-Y',
        error: { message: 'ECS said no' },
        events: [{ name: 'Install', status: 'Failed', diagnostics: { logTail: 'no capacity' } }]
      })
    )
    expect((await followRollback(failed.opts)).outcome).toBe('failed')
    expect(failed.warnings.at(-1)).toBe('Rollback deployment d-Y ended Failed: ECS said no.')
    // Inside the rollback's group, a log tail cannot open a group of its own.
    expect(failed.out.filter(l => l.startsWith('::group::'))).toEqual(['::group::Rollback deployment d-Y'])
    expect(failed.out).toContain('Rollback d-Y: no capacity')

    const slow = harness(() => snap('installing', { id: 'd-Y' }), { deadline: new Date(sec(20)) })
    await followRollback(slow.opts)
    expect(slow.warnings.at(-1)).toBe(
      'Rollback deployment d-Y had not ended by the timeout (last status InProgress).'
    )

    const short = harness(() => snap('traffic-shifted', { id: 'd-Y' }), { goal: 'traffic-shifted' })
    await followRollback(short.opts)
    expect(short.out.at(-1)).toBe('Rollback deployment d-Y reached InProgress.')
  })

  it('names the rollback on its read warnings, and closes the group when the watch throws', async () => {
    let n = 0
    const h = harness(() => {
      n++
      if (n === 1) return snap('installing', { id: 'd-Y' })
      if (n === 2) throw awsError('ThrottlingException')
      throw awsError('ExpiredToken')
    })
    await expect(followRollback(h.opts)).rejects.toBeInstanceOf(ActionError)
    expect(h.warnings[0]).toMatch(/^Rollback d-Y: Reading the deployment failed/)
    expect(h.out.at(-1)).toBe('::endgroup::')
  })
})
