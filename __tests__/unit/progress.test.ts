import {
  elapsedTag,
  formatClock,
  formatDuration,
  initialView,
  reduce,
  trafficSplit,
  type ProgressView
} from '../../src/watch/progress.js'
import type { DeploymentSnapshot, LifecycleEvent, TaskSet } from '../../src/watch/snapshot.js'

const T0 = new Date('2026-11-27T14:00:00Z')
const at = (sec: number): Date => new Date(T0.getTime() + sec * 1000)

function snap(over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot {
  return {
    id: 'd-X',
    status: 'InProgress',
    phase: 'installing',
    events: [],
    taskSets: [],
    statusMessages: [],
    stoppedTasks: [],
    ...over
  }
}

const ev = (name: string, status: string, start?: number, end?: number): LifecycleEvent => ({
  name,
  status,
  ...(start === undefined ? {} : { startTime: at(start) }),
  ...(end === undefined ? {} : { endTime: at(end) })
})

const sets = (original: number, replacement?: number, counts: Partial<TaskSet> = {}): TaskSet[] => [
  { id: 'ecs-svc/1', role: 'original', trafficWeight: original },
  ...(replacement === undefined
    ? []
    : [{ id: 'ecs-svc/2', role: 'replacement' as const, trafficWeight: replacement, ...counts }])
]

/** Feeds snapshots in order (each at its own second) and returns the lines of each read, untagged. */
function run(
  reads: [number, DeploymentSnapshot][],
  view: ProgressView = initialView(T0)
): { lines: string[][]; view: ProgressView } {
  const lines: string[][] = []
  for (const [sec, s] of reads) {
    const r = reduce(view, s, at(sec))
    view = r.view
    lines.push(r.lines.map(l => l.replace(/^\[\+[\d:]+\] /, '')))
  }
  return { lines, view }
}

describe('formatting', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [59_600, '1m00s'],
    [72_000, '1m12s'],
    [65_000, '1m05s'],
    [3_720_000, '1h02m'],
    [-5, '0s']
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it.each([
    [5, '[+0:05] '],
    [12 * 60 + 4, '[+12:04] '],
    [3600 + 2 * 60 + 3, '[+1:02:03] '],
    [-10, '[+0:00] ']
  ])('tags %ds after the start as %s', (sec, tag) => {
    expect(elapsedTag(T0, at(sec))).toBe(tag)
  })

  it('gives the clock in UTC, with the date when it is not today', () => {
    expect(formatClock(new Date('2026-11-27T15:04:59Z'), T0)).toBe('15:04 UTC')
    expect(formatClock(new Date('2026-11-29T09:00:00Z'), T0)).toBe('2026-11-29 09:00 UTC')
  })

  it('reads no traffic split before any task set is known', () => {
    expect(trafficSplit([])).toBeUndefined()
    expect(trafficSplit(sets(90, 10))).toEqual({ original: 90, replacement: 10 })
  })
})

describe('reduce', () => {
  it('prefixes every line with the time since the step began', () => {
    const r = reduce(initialView(T0), snap(), at(65))
    expect(r.lines).toEqual(['[+1:05] Deployment d-X is InProgress'])
  })

  it.each<[string, DeploymentSnapshot[], string[]]>([
    [
      'a status change',
      [snap({ status: 'Created', phase: 'created' }), snap()],
      ['Deployment d-X is InProgress']
    ],
    ['an event starting', [snap(), snap({ events: [ev('Install', 'InProgress', 1)] })], ['Install started']],
    [
      'an event ending, with its own duration',
      [
        snap({ events: [ev('Install', 'InProgress', 1)] }),
        snap({ events: [ev('Install', 'Succeeded', 1, 73)] })
      ],
      ['Install succeeded in 1m12s']
    ],
    [
      'an event that started and ended between two reads',
      [
        snap({ events: [ev('BeforeInstall', 'Pending')] }),
        snap({ events: [ev('BeforeInstall', 'Succeeded', 2, 4)] })
      ],
      ['BeforeInstall started', 'BeforeInstall succeeded in 2s']
    ],
    [
      'a failed hook, with its diagnostics',
      [
        snap({ events: [ev('AfterAllowTestTraffic', 'InProgress', 10)] }),
        snap({
          events: [
            {
              ...ev('AfterAllowTestTraffic', 'Failed', 10, 40),
              diagnostics: { errorCode: 'ScriptFailed', message: 'smoke test returned 503' }
            }
          ]
        })
      ],
      [
        'AfterAllowTestTraffic FAILED after 30s',
        'AfterAllowTestTraffic: ScriptFailed: smoke test returned 503'
      ]
    ],
    [
      'a skipped event',
      [
        snap({ events: [ev('AllowTestTraffic', 'Pending')] }),
        snap({ events: [ev('AllowTestTraffic', 'Skipped')] })
      ],
      ['AllowTestTraffic skipped']
    ],
    [
      'an event ending without times',
      [snap(), snap({ events: [ev('AfterInstall', 'Succeeded'), ev('Install', 'Failed')] })],
      ['AfterInstall started', 'AfterInstall succeeded', 'Install started', 'Install FAILED']
    ],
    [
      'an event in a status of its own',
      [snap(), snap({ events: [ev('Install', 'Unknown')] })],
      ['Install is Unknown']
    ],
    [
      'a traffic change',
      [snap({ taskSets: sets(100, 0) }), snap({ phase: 'shifting', taskSets: sets(90, 10) })],
      ['Traffic: original 90% | replacement 10%']
    ],
    [
      'the split AllowTraffic reached, before its end',
      [
        snap({ taskSets: sets(90, 10), events: [ev('AllowTraffic', 'InProgress', 1)] }),
        snap({
          phase: 'shifting',
          taskSets: sets(0, 100),
          events: [ev('AllowTraffic', 'Succeeded', 1, 301), ev('AfterAllowTraffic', 'InProgress', 302)]
        })
      ],
      [
        'Traffic: original 0% | replacement 100%',
        'AllowTraffic succeeded in 5m00s',
        'AfterAllowTraffic started'
      ]
    ],
    [
      'a fractional traffic weight',
      [snap({ taskSets: sets(100, 0) }), snap({ taskSets: sets(66.66, 33.34) })],
      ['Traffic: original 66.7% | replacement 33.3%']
    ],
    [
      'a stopped replacement task, with each container',
      [
        snap(),
        snap({
          stoppedTasks: [
            {
              taskArn: 'arn:aws:ecs:us-east-1:1:task/prod/abc123',
              stoppedReason: 'Essential container in task exited',
              stopCode: 'EssentialContainerExited',
              containers: [
                {
                  name: 'web',
                  exitCode: 137,
                  reason: 'OutOfMemoryError: Container killed due to memory usage'
                },
                { name: 'sidecar' }
              ]
            }
          ]
        })
      ],
      [
        'Replacement task abc123 stopped (EssentialContainerExited): Essential container in task exited',
        '  container web: exit code 137, OutOfMemoryError: Container killed due to memory usage',
        '  container sidecar: no exit code'
      ]
    ],
    [
      'a stopped task without reason',
      [snap(), snap({ stoppedTasks: [{ taskArn: 'plain', containers: [] }] })],
      ['Replacement task plain stopped: no reason given']
    ],
    [
      'a new status message',
      [snap({ statusMessages: ['one'] }), snap({ statusMessages: ['one', 'two'] })],
      ['Status message: two']
    ],
    [
      'replacement task counts while Install runs',
      [
        snap({
          events: [ev('Install', 'InProgress', 1)],
          taskSets: sets(100, 0, { desiredCount: 4, runningCount: 1 })
        }),
        snap({
          events: [ev('Install', 'InProgress', 1)],
          taskSets: sets(100, 0, { desiredCount: 4, runningCount: 2, pendingCount: 1 })
        })
      ],
      ['Replacement task set: 2/4 running, 1 pending']
    ],
    [
      'the failure and the rollback, after the events that led to it',
      [
        snap({ events: [ev('AfterInstall', 'InProgress', 1)] }),
        snap({
          status: 'Failed',
          phase: 'failed',
          events: [ev('AfterInstall', 'Failed', 1, 11)],
          error: { code: 'HOOK_EXECUTION_FAILURE', message: 'The hook failed.' }
        }),
        snap({
          status: 'Failed',
          phase: 'failed',
          events: [ev('AfterInstall', 'Failed', 1, 11)],
          error: { code: 'HOOK_EXECUTION_FAILURE', message: 'The hook failed.' },
          rollback: { deploymentId: 'd-Y', message: 'Rollback in progress' }
        })
      ],
      // CodeDeploy's rollbackMessage restates it; how the rollback ends is followed and reported.
      ['Rollback deployment d-Y started']
    ],
    [
      'a rollback deployment naming what it rolls back',
      [snap({ rollback: { triggeringDeploymentId: 'd-W' } })],
      ['Deployment d-X is InProgress', 'This deployment rolls back d-W']
    ]
  ])('prints %s, once', (_, reads, expected) => {
    const { lines, view } = run(reads.map((s, i) => [i * 5, s]))
    expect(lines.at(-1)).toEqual(expected)
    // The same snapshot again: nothing new, nothing printed.
    expect(reduce(view, reads.at(-1)!, at(99)).lines).toEqual([])
  })

  it('orders a failed read: events, then the status, then the error', () => {
    const { lines } = run([
      [0, snap({ events: [ev('AfterInstall', 'InProgress', 1)] })],
      [
        5,
        snap({
          status: 'Failed',
          phase: 'failed',
          events: [ev('AfterInstall', 'Failed', 1, 4)],
          error: { code: 'HOOK_EXECUTION_FAILURE', message: 'The hook failed.' }
        })
      ]
    ])
    expect(lines[1]).toEqual([
      'AfterInstall FAILED after 3s',
      'Deployment d-X is Failed',
      'Error: HOOK_EXECUTION_FAILURE: The hook failed.'
    ])
  })

  it('puts a failed event’s log tail into a detail group', () => {
    const r = reduce(
      initialView(T0),
      snap({
        events: [{ ...ev('AfterInstall', 'Failed', 1, 2), diagnostics: { logTail: 'line 1\nline 2\n' } }]
      }),
      at(3)
    )
    // Right after the event's FAILED line, without the tail's trailing newline.
    expect(r.details).toEqual([{ title: 'AfterInstall log tail', lines: ['line 1', 'line 2'], after: 3 }])
    expect(r.lines[2]).toMatch(/AfterInstall FAILED after 1s$/)
  })

  it('shows counts only while Install runs', () => {
    const { lines } = run([
      [
        0,
        snap({
          events: [ev('Install', 'Succeeded', 0, 5)],
          taskSets: sets(100, 0, { desiredCount: 2, runningCount: 2 })
        })
      ]
    ])
    expect(lines[0]).not.toContainEqual(expect.stringContaining('Replacement task set'))
  })

  it('tells what to do during the ready wait, and until when', () => {
    const ready = snap({
      status: 'Ready',
      phase: 'ready',
      events: [ev('AfterAllowTestTraffic', 'Succeeded', 60, 65)],
      readyWaitUntil: new Date('2026-11-27T15:04:00Z')
    })
    const { lines } = run([
      [0, snap({ events: [ev('AfterAllowTestTraffic', 'InProgress', 60)] })],
      [65, ready],
      [70, ready]
    ])
    expect(lines[1]).toEqual([
      'AfterAllowTestTraffic succeeded in 5s',
      'Deployment d-X is Ready',
      'Ready: the replacement task set serves test traffic. Test it, then reroute production traffic with continue-deployment: true before 15:04 UTC (in 63m), or the deployment is stopped.'
    ])
    expect(lines[2]).toEqual([])
  })

  it('tells the ready wait without a limit when the backend gives none', () => {
    const { lines } = run([[0, snap({ status: 'Ready', phase: 'ready' })]])
    expect(lines[0]?.at(-1)).toBe(
      'Ready: the replacement task set serves test traffic. Test it, then reroute production traffic with continue-deployment: true.'
    )
  })

  it('tells how long the termination wait has left, once', () => {
    const wait = snap({ phase: 'termination-wait', terminationWaitUntil: new Date('2026-11-27T15:30:00Z') })
    const { lines } = run([
      [1800, wait],
      [1830, wait]
    ])
    expect(lines[0]).toContain(
      'Termination wait: the original task set is removed at 15:30 UTC (in 60m); stop-deployment can still roll back until then.'
    )
    expect(lines[1]).toEqual([])
    const later = run([[0, snap({ phase: 'termination-wait', terminationWaitUntil: at(3 * 3600 + 300) })]])
    expect(later.lines[0]).toContain(
      'Termination wait: the original task set is removed at 17:05 UTC (in 3h05m); stop-deployment can still roll back until then.'
    )
    const soon = run([[0, snap({ phase: 'termination-wait', terminationWaitUntil: at(20) })]])
    expect(soon.lines[0]?.at(-1)).toContain('(in 20s)')
    const overdue = run([[30, snap({ phase: 'termination-wait', terminationWaitUntil: at(20) })]])
    expect(overdue.lines[0]?.at(-1)).toContain('(now)')
    const unknown = run([[0, snap({ phase: 'termination-wait' })]])
    expect(unknown.lines[0]?.at(-1)).toBe(
      'Termination wait: the original task set is kept until the termination wait ends; stop-deployment can still roll back until then.'
    )
  })

  it.each<[string, [number, number][]]>([
    [
      'canary 10% / 5 min',
      [
        [100, 0],
        [90, 10],
        [0, 100]
      ]
    ],
    [
      'linear 25% / 1 min',
      [
        [100, 0],
        [75, 25],
        [50, 50],
        [25, 75],
        [0, 100]
      ]
    ]
  ])('records and prints each traffic step of a %s shift', (_, steps) => {
    // Two reads per step: the second must print nothing.
    const reads: [number, DeploymentSnapshot][] = steps.flatMap(([o, r], i) => [
      [i * 60, snap({ phase: 'shifting', taskSets: sets(o, r) })] as [number, DeploymentSnapshot],
      [i * 60 + 30, snap({ phase: 'shifting', taskSets: sets(o, r) })] as [number, DeploymentSnapshot]
    ])
    const { lines, view } = run(reads)
    const trafficLines = lines.flat().filter(l => l.startsWith('Traffic:'))
    expect(trafficLines).toEqual(steps.map(([o, r]) => `Traffic: original ${o}% | replacement ${r}%`))
    expect(view.traffic).toEqual(
      steps.map(([original, replacement], i) => ({ at: at(i * 60), original, replacement }))
    )
  })

  it('accumulates what the job summary needs', () => {
    const s1 = snap({
      status: 'InProgress',
      events: [ev('BeforeInstall', 'Succeeded', 1, 2), ev('Install', 'InProgress', 2)]
    })
    const s2 = snap({ status: 'Succeeded', phase: 'succeeded', events: [] })
    const { view } = run([
      [5, s1],
      [10, s2]
    ])
    expect(view.statuses).toEqual([
      { at: at(5), status: 'InProgress' },
      { at: at(10), status: 'Succeeded' }
    ])
    // A read without events keeps the timeline seen before.
    expect(view.timeline).toEqual([
      { name: 'BeforeInstall', status: 'Succeeded', start: at(1), end: at(2) },
      { name: 'Install', status: 'InProgress', start: at(2) }
    ])
    expect(view.lastSnapshot).toBe(s2)
    expect(view.startedAt).toBe(T0)
  })

  it('does not change the view it was given', () => {
    const view = initialView(T0)
    reduce(view, snap({ events: [ev('Install', 'InProgress', 1)], taskSets: sets(100, 0) }), at(1))
    expect(view).toEqual(initialView(T0))
  })
})
