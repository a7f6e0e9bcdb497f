// The log of ECS's own deployments: realistic reads through the ECS snapshot and the reducer.
import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { toSnapshot } from '../../src/backends/ecs/snapshot.js'
import { initialView, reduce } from '../../src/watch/progress.js'
import {
  ALARM_ROLLBACK,
  ARN,
  SOURCE,
  CANARY,
  TO_CANARY,
  at,
  pause,
  read,
  smoke,
  source,
  target,
  watch
} from './ecs-reads.js'

const IS = `Deployment ${ARN} is`

describe('the log of an ECS canary deployment', () => {
  it('shows each stage, hook, task count and split as it changes, and how to continue a pause', () => {
    expect(watch(TO_CANARY).lines).toEqual([
      [`${IS} PENDING`, 'Traffic: original 100% | replacement 0%'],
      [
        `${IS} IN_PROGRESS`,
        'PRE_SCALE_UP started',
        'PRE_SCALE_UP succeeded',
        'SCALE_UP started',
        'Target revision: 0/2 tasks running, 2 pending; source revision: 2 running'
      ],
      ['Target revision: 1/2 tasks running, 1 pending; source revision: 2 running'],
      [
        'SCALE_UP succeeded in 2m00s',
        'POST_SCALE_UP started',
        'POST_SCALE_UP succeeded',
        'TEST_TRAFFIC_SHIFT started',
        'TEST_TRAFFIC_SHIFT succeeded',
        'POST_TEST_TRAFFIC_SHIFT started',
        'Hook web-smoke-test at POST_TEST_TRAFFIC_SHIFT: IN_PROGRESS',
        'Target revision: 2/2 tasks running; source revision: 2 running'
      ],
      [
        'Hook web-smoke-test at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED',
        `Paused at POST_TEST_TRAFFIC_SHIFT: the target revision serves test traffic. Test it, then continue with continue-deployment: true and deployment-id: ${ARN} before 11:03 UTC (in 60m); after that ECS rolls the deployment back.`
      ],
      [],
      [
        'Pause hook at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED',
        'POST_TEST_TRAFFIC_SHIFT succeeded in 3m00s',
        'PRODUCTION_TRAFFIC_SHIFT started',
        'Traffic: original 90% | replacement 10%; next step at 10:10 UTC (in 5m)'
      ]
    ])
  })

  it('a rollback: the interrupted stage, the alarm, the breaker, where it rolls back to, and the end', () => {
    const { lines } = watch([
      ...TO_CANARY,
      [400, read({ ...ALARM_ROLLBACK, status: 'ROLLBACK_IN_PROGRESS' })],
      [
        430,
        read({
          ...ALARM_ROLLBACK,
          status: 'ROLLBACK_IN_PROGRESS',
          targetServiceRevision: target(0, 1),
          deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 }
        })
      ],
      [
        460,
        read({
          ...ALARM_ROLLBACK,
          status: 'ROLLBACK_SUCCESSFUL',
          finishedAt: at(455),
          targetServiceRevision: target(0, 1),
          deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 }
        })
      ]
    ])
    expect(lines.slice(TO_CANARY.length)).toEqual([
      [
        `${IS} ROLLBACK_IN_PROGRESS`,
        'PRODUCTION_TRAFFIC_SHIFT interrupted after 1m20s: rolling back',
        'Circuit breaker: 1 failed task (threshold 3)',
        'Alarm web-5xx triggered',
        `Rolling back to ${SOURCE}: Alarm web-5xx triggered`,
        'Traffic: original 100% | replacement 0%',
        'Status message: The alarm web-5xx went into ALARM state.'
      ],
      [
        'Circuit breaker: 3 failed tasks (threshold 3), TRIGGERED',
        'Target revision: 1/2 tasks running; source revision: 2 running'
      ],
      // The stage's failure and the reason were said already: only the end is new.
      [`${IS} ROLLBACK_SUCCESSFUL`]
    ])
  })

  it('a stop without rollback says the stage was interrupted, nothing more', () => {
    const { lines } = watch([
      [0, read({ lifecycleStage: 'SCALE_UP', targetServiceRevision: target(0, 0, 2) })],
      [60, read({ status: 'STOP_REQUESTED', targetServiceRevision: target(0, 0, 2) })],
      [90, read({ status: 'STOPPED', stoppedAt: at(85), statusReason: 'Stopped by user.' })]
    ])
    expect(lines.slice(1)).toEqual([
      [`${IS} STOP_REQUESTED`, 'SCALE_UP interrupted after 1m00s'],
      ['Status message: Stopped by user.', `${IS} STOPPED`]
    ])
  })

  it('the canary step, the bake time with its end, clean-up and success; quiet reads print nothing', () => {
    const { lines } = watch([
      ...TO_CANARY,
      [
        640,
        read({
          lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
          sourceServiceRevisions: source(0),
          targetServiceRevision: target(100),
          lifecycleHookDetails: [smoke('SUCCEEDED'), pause('SUCCEEDED')]
        })
      ],
      [
        700,
        read({
          lifecycleStage: 'BAKE_TIME',
          sourceServiceRevisions: source(0),
          targetServiceRevision: target(100)
        })
      ],
      [
        760,
        read({
          lifecycleStage: 'BAKE_TIME',
          sourceServiceRevisions: source(0),
          targetServiceRevision: target(100)
        })
      ],
      [
        1310,
        read({
          lifecycleStage: 'CLEAN_UP',
          sourceServiceRevisions: source(0, 0),
          targetServiceRevision: target(100)
        })
      ],
      [
        1330,
        read({
          status: 'SUCCESSFUL',
          lifecycleStage: 'CLEAN_UP',
          finishedAt: at(1325),
          sourceServiceRevisions: source(0, 0),
          targetServiceRevision: target(100)
        })
      ]
    ])
    expect(lines.slice(TO_CANARY.length)).toEqual([
      ['Traffic: original 0% | replacement 100%'],
      [
        'PRODUCTION_TRAFFIC_SHIFT succeeded in 6m20s',
        'POST_PRODUCTION_TRAFFIC_SHIFT started',
        'POST_PRODUCTION_TRAFFIC_SHIFT succeeded',
        'BAKE_TIME started',
        'Bake time: the source revision is kept until 10:21 UTC (in 10m); stop-deployment can still roll back until then.'
      ],
      [],
      [
        'BAKE_TIME succeeded in 10m10s',
        'CLEAN_UP started',
        'Target revision: 2/2 tasks running; source revision: 0 running'
      ],
      ['CLEAN_UP succeeded in 20s', `${IS} SUCCESSFUL`]
    ])
  })
})

describe('hooks of ECS deployments', () => {
  it('a pause before scale-up waits without test traffic; one that continues on timeout says so', () => {
    const config = {
      ...CANARY,
      lifecycleHooks: [{ targetType: 'PAUSE' as const, lifecycleStages: ['PRE_SCALE_UP' as const] }]
    }
    const at0 = (over: Partial<ServiceDeployment>): ServiceDeployment =>
      read({
        lifecycleStage: 'PRE_SCALE_UP',
        targetServiceRevision: { arn: 'x' },
        deploymentConfiguration: config,
        ...over
      })
    const { lines } = watch([
      [
        30,
        at0({
          lifecycleHookDetails: [
            pause('AWAITING_ACTION', { expiresAt: at(30 + 86_400), timeoutAction: 'CONTINUE' })
          ]
        })
      ],
      [90, at0({ lifecycleHookDetails: [pause('AWAITING_ACTION')] })]
    ])
    expect(lines[0]).toEqual([
      `${IS} IN_PROGRESS`,
      'PRE_SCALE_UP started',
      `Paused at PRE_SCALE_UP: a pause hook waits. Continue with continue-deployment: true and deployment-id: ${ARN} before 2026-12-02 10:00 UTC (in 24h00m); after that ECS continues on its own.`,
      'Traffic: original 100% | replacement 0%'
    ])
    // ECS no longer gives the expiry: the hook is the same, its line is said again as it now stands.
    expect(lines[1]).toEqual([
      `Paused at PRE_SCALE_UP: a pause hook waits. Continue with continue-deployment: true and deployment-id: ${ARN}.`
    ])
  })

  it('a pause before each linear step gets its own line; a failed and a timed-out hook say so', () => {
    const linear = (weight: number, hooks: ServiceDeployment['lifecycleHookDetails']): ServiceDeployment =>
      read({
        lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
        deploymentConfiguration: {
          strategy: 'LINEAR',
          linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 2 }
        },
        sourceServiceRevisions: source(100 - weight),
        targetServiceRevision: target(weight),
        lifecycleHookDetails: hooks
      })
    const { lines } = watch([
      [0, linear(50, [pause('SUCCEEDED')])],
      [60, linear(50, [pause('SUCCEEDED'), pause('AWAITING_ACTION', { hookId: 'ecs-pause-2' })])],
      [120, linear(50, [pause('SUCCEEDED'), pause('TIMED_OUT', { hookId: 'ecs-pause-2' }), smoke('FAILED')])]
    ])
    expect(lines).toEqual([
      [
        `${IS} IN_PROGRESS`,
        'Pause hook at PRODUCTION_TRAFFIC_SHIFT: SUCCEEDED',
        'PRE_SCALE_UP started',
        'PRE_SCALE_UP succeeded',
        'SCALE_UP started',
        'SCALE_UP succeeded',
        'POST_SCALE_UP started',
        'POST_SCALE_UP succeeded',
        'TEST_TRAFFIC_SHIFT started',
        'TEST_TRAFFIC_SHIFT succeeded',
        'POST_TEST_TRAFFIC_SHIFT started',
        'POST_TEST_TRAFFIC_SHIFT succeeded',
        'PRODUCTION_TRAFFIC_SHIFT started',
        'Traffic: original 50% | replacement 50%; next step at 10:02 UTC (in 2m)',
        'Target revision: 2/2 tasks running; source revision: 2 running'
      ],
      [
        `Paused at PRODUCTION_TRAFFIC_SHIFT: the target revision serves test traffic. Test it, then continue with continue-deployment: true and deployment-id: ${ARN}.`
      ],
      [
        'Pause hook at PRODUCTION_TRAFFIC_SHIFT: TIMED_OUT',
        'Hook web-smoke-test at PRODUCTION_TRAFFIC_SHIFT: FAILED'
      ]
    ])
  })
})

describe('the log of an ECS rolling update', () => {
  const rolling = (over: Partial<ServiceDeployment>): ServiceDeployment =>
    read({
      deploymentConfiguration: {
        strategy: 'ROLLING',
        deploymentCircuitBreaker: { enable: true, rollback: true }
      },
      alarms: undefined,
      sourceServiceRevisions: [{ arn: SOURCE, requestedTaskCount: 0, runningTaskCount: 2 }],
      ...over
    })

  it('has no traffic split: its progress is task counts and the circuit breaker', () => {
    const { lines } = watch([
      [
        0,
        rolling({
          targetServiceRevision: { arn: 'x', requestedTaskCount: 2, runningTaskCount: 0, pendingTaskCount: 2 }
        })
      ],
      [
        30,
        rolling({
          targetServiceRevision: { arn: 'x', requestedTaskCount: 2, runningTaskCount: 0, pendingTaskCount: 2 }
        })
      ],
      [
        60,
        rolling({
          targetServiceRevision: {
            arn: 'x',
            requestedTaskCount: 2,
            runningTaskCount: 0,
            pendingTaskCount: 1
          },
          deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 1, threshold: 3 }
        })
      ],
      [
        90,
        rolling({
          status: 'SUCCESSFUL',
          finishedAt: at(88),
          targetServiceRevision: { arn: 'x', requestedTaskCount: 2, runningTaskCount: 2 },
          sourceServiceRevisions: [{ arn: SOURCE, requestedTaskCount: 0, runningTaskCount: 0 }],
          deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 1, threshold: 3 }
        })
      ]
    ])
    expect(lines).toEqual([
      [`${IS} IN_PROGRESS`, 'Target revision: 0/2 tasks running, 2 pending; source revision: 2 running'],
      [],
      [
        'Circuit breaker: 1 failed task (threshold 3)',
        'Target revision: 0/2 tasks running, 1 pending; source revision: 2 running'
      ],
      [`${IS} SUCCESSFUL`]
    ])
  })
})

describe('tasks of an ECS deployment', () => {
  it('counts nothing before scale-up, when the target revision asks for no task and runs none', () => {
    const waiting = { ...target(0, 0), requestedTaskCount: 0 }
    const { lines } = watch([
      [0, read({ status: 'PENDING', targetServiceRevision: waiting })],
      [10, read({ lifecycleStage: 'PRE_SCALE_UP', targetServiceRevision: waiting })],
      [20, read({ lifecycleStage: 'SCALE_UP', targetServiceRevision: target(0, 0, 2) })],
      // Rolling back: the target asks for none, but one still runs.
      [
        30,
        read({
          lifecycleStage: 'SCALE_UP',
          targetServiceRevision: { ...target(0, 1), requestedTaskCount: 0 }
        })
      ]
    ])
    expect(
      lines
        .slice(0, 2)
        .flat()
        .filter(l => l.startsWith('Target revision'))
    ).toEqual([])
    expect(lines[2]).toContain('Target revision: 0/2 tasks running, 2 pending; source revision: 2 running')
    expect(lines[3]).toContain('Target revision: 1/0 tasks running; source revision: 2 running')
  })

  it("names a stopped task as the target revision's, not a replacement task set's", () => {
    const snap = {
      ...toSnapshot(read({ lifecycleStage: 'SCALE_UP' })),
      stoppedTasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/abc123',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'web', exitCode: 1 }]
        }
      ]
    }
    expect(reduce(initialView(at(0)), snap, at(10)).lines.map(l => l.replace(/^\[\+[\d:]+\] /, ''))).toEqual(
      expect.arrayContaining([
        'Task abc123 of the target revision stopped (EssentialContainerExited): Essential container in task exited',
        '  container web: exit code 1'
      ])
    )
  })
})
