import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { NO_STAGES, type StageTimes, observeStages, toSnapshot } from '../../src/backends/ecs/snapshot.js'

const T0 = new Date('2026-12-01T10:00:00Z')
const at = (s: number): Date => new Date(T0.getTime() + s * 1000)
const ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/abc123'
const SOURCE = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/1'
const TARGET = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/2'

function deployment(over: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: ARN,
    status: 'IN_PROGRESS',
    createdAt: T0,
    deploymentConfiguration: {
      strategy: 'CANARY',
      bakeTimeInMinutes: 10,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
      lifecycleHooks: [
        { targetType: 'AWS_LAMBDA', hookTargetArn: 'arn:fn', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] },
        { targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'] }
      ]
    },
    sourceServiceRevisions: [
      { arn: SOURCE, requestedTaskCount: 2, runningTaskCount: 2, requestedProductionTrafficWeight: 100 }
    ],
    targetServiceRevision: {
      arn: TARGET,
      requestedTaskCount: 2,
      runningTaskCount: 1,
      pendingTaskCount: 1,
      requestedProductionTrafficWeight: 0
    },
    ...over
  }
}

/** Reads `frames` one after the other, a minute apart, and snapshots the last. */
function watched(...frames: Partial<ServiceDeployment>[]): {
  times: StageTimes
  snap: ReturnType<typeof toSnapshot>
} {
  let times = NO_STAGES
  let last = deployment()
  frames.forEach((f, i) => {
    last = deployment(f)
    times = observeStages(times, last, at(i * 60))
  })
  return { times, snap: toSnapshot(last, times) }
}

describe('ECS snapshot', () => {
  // By its stage; a rollback under way is neither running nor ended; ROLLBACK_SUCCESSFUL is a failed deployment.
  it.each<[Partial<ServiceDeployment>, string]>([
    [{ status: 'PENDING' }, 'created'],
    [{ lifecycleStage: 'SCALE_UP' }, 'installing'],
    [{ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }, 'shifting'],
    [{ lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT' }, 'shifting'],
    [{ lifecycleStage: 'BAKE_TIME' }, 'termination-wait'],
    [{ lifecycleStage: 'CLEAN_UP' }, 'termination-wait'],
    [{ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }, 'succeeded'],
    [{ status: 'ROLLBACK_IN_PROGRESS' }, 'rolling-back'],
    [{ status: 'STOP_REQUESTED' }, 'rolling-back'],
    [{ status: 'ROLLBACK_SUCCESSFUL' }, 'failed'],
    [{ status: 'ROLLBACK_FAILED' }, 'failed'],
    [{ status: 'STOPPED' }, 'stopped']
  ])('places the deployment %o in phase %s', (frame, phase) => {
    expect(watched(frame).snap.phase).toBe(phase)
  })

  it('a PAUSE hook awaiting action after test traffic is the ready gate, until when it waits', () => {
    const { snap } = watched({
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [
        {
          hookId: 'ecs-pause-1',
          targetType: 'PAUSE',
          status: 'AWAITING_ACTION',
          expiresAt: at(3600),
          timeoutAction: 'ROLLBACK'
        }
      ]
    })
    expect(snap.phase).toBe('ready')
    expect(snap.readyWaitUntil).toEqual(at(3600))
    expect(snap.hooks).toEqual([
      {
        id: 'ecs-pause-1',
        kind: 'pause',
        status: 'AWAITING_ACTION',
        stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT',
        expiresAt: at(3600),
        timeoutAction: 'ROLLBACK'
      }
    ])
  })

  it('a PAUSE hook before scale-up waits too, but is no ready gate: nothing serves test traffic yet', () => {
    const { snap } = watched({
      lifecycleStage: 'PRE_SCALE_UP',
      lifecycleHookDetails: [{ hookId: 'ecs-pause-2', targetType: 'PAUSE', status: 'AWAITING_ACTION' }]
    })
    expect(snap.phase).toBe('installing')
  })

  it('shows stages passed between two reads, and times the ones it saw begin and end', () => {
    const { snap } = watched(
      { status: 'PENDING' },
      { lifecycleStage: 'SCALE_UP' },
      { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }
    )
    const byName = Object.fromEntries(snap.events.map(e => [e.name, e]))
    expect(snap.events.map(e => e.name)[0]).toBe('PRE_SCALE_UP')
    expect(byName.PRE_SCALE_UP).toMatchObject({ status: 'Succeeded', startTime: at(60), endTime: at(60) })
    expect(byName.SCALE_UP).toMatchObject({ status: 'Succeeded', startTime: at(60), endTime: at(120) })
    expect(byName.TEST_TRAFFIC_SHIFT).toMatchObject({
      status: 'Succeeded',
      startTime: at(120),
      endTime: at(120)
    })
    expect(byName.POST_TEST_TRAFFIC_SHIFT).toMatchObject({
      status: 'InProgress',
      startTime: at(120),
      hook: true
    })
    expect(byName.BAKE_TIME).toEqual({ name: 'BAKE_TIME', status: 'Pending' })
  })

  it('marks the stages passed between two reads: they have no duration of their own', () => {
    const { snap } = watched({ lifecycleStage: 'SCALE_UP' }, { lifecycleStage: 'TEST_TRAFFIC_SHIFT' })
    const unobserved = snap.events.filter(e => e.unobserved).map(e => e.name)
    expect(unobserved).toEqual(['PRE_SCALE_UP', 'POST_SCALE_UP'])
    expect(snap.revisions).toBe(true)
  })

  it('a rolling update that ends ends only the stages it was seen in', () => {
    const { snap } = watched(
      { deploymentConfiguration: { strategy: 'ROLLING' }, lifecycleStage: 'PRE_SCALE_UP' },
      { deploymentConfiguration: { strategy: 'ROLLING' }, status: 'SUCCESSFUL' }
    )
    expect(snap.events).toEqual([
      { name: 'PRE_SCALE_UP', status: 'Succeeded', startTime: at(0), endTime: at(60) }
    ])
  })

  it('says how a rollback inside the deployment ended, even when ECS gives no rollback details', () => {
    expect(watched({ status: 'ROLLBACK_FAILED' }).snap.rollback).toEqual({ outcome: 'failed' })
    expect(watched({ status: 'ROLLBACK_IN_PROGRESS' }).snap.rollback).toBeUndefined()
  })

  it('lists RECONCILE_SERVICE only when the deployment runs it', () => {
    expect(watched({ lifecycleStage: 'RECONCILE_SERVICE' }).snap.events[0]?.name).toBe('RECONCILE_SERVICE')
    expect(watched({ lifecycleStage: 'PRE_SCALE_UP' }).snap.events[0]?.name).toBe('PRE_SCALE_UP')
  })

  it('marks the stage a failure interrupted, and gives the rollback and the reason', () => {
    const { snap } = watched(
      { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' },
      {
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'Alarm web-5xx is in ALARM state.',
        rollback: { reason: 'Alarm web-5xx triggered', startedAt: at(70), serviceRevisionArn: SOURCE }
      }
    )
    expect(snap.events.find(e => e.name === 'PRODUCTION_TRAFFIC_SHIFT')?.status).toBe('Failed')
    expect(snap.error).toEqual({ message: 'Alarm web-5xx is in ALARM state.' })
    expect(snap.rollback).toEqual({
      message: 'Alarm web-5xx triggered',
      revision: SOURCE,
      startedAt: at(70),
      outcome: 'succeeded'
    })
  })

  it('a stop interrupts a stage without failing it', () => {
    const { snap } = watched({ lifecycleStage: 'SCALE_UP' }, { status: 'STOPPED' })
    expect(snap.events.find(e => e.name === 'SCALE_UP')?.status).toBe('Stopped')
  })

  it('gives both revisions as task sets with their production weight and task counts', () => {
    expect(watched({ lifecycleStage: 'SCALE_UP' }).snap.taskSets).toEqual([
      {
        id: SOURCE,
        role: 'original',
        trafficWeight: 100,
        desiredCount: 2,
        runningCount: 2,
        pendingCount: undefined
      },
      { id: TARGET, role: 'replacement', trafficWeight: 0, desiredCount: 2, runningCount: 1, pendingCount: 1 }
    ])
  })

  it('foresees the canary step from the shift start and the canary bake, and the end of the bake time', () => {
    const canary = watched(
      { lifecycleStage: 'SCALE_UP' },
      {
        lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
        targetServiceRevision: { arn: TARGET, requestedProductionTrafficWeight: 10 }
      }
    ).snap
    expect(canary.nextTrafficStepAt).toEqual(at(60 + 5 * 60))
    const bake = watched(
      { lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT' },
      { lifecycleStage: 'BAKE_TIME' }
    ).snap
    expect(bake.terminationWaitUntil).toEqual(at(60 + 10 * 60))
  })

  it('foresees linear steps one step bake apart', () => {
    const { snap } = watched({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      deploymentConfiguration: {
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 3 }
      },
      targetServiceRevision: { arn: TARGET, requestedProductionTrafficWeight: 40 }
    })
    expect(snap.nextTrafficStepAt).toEqual(at(2 * 3 * 60))
  })

  it('a rolling update has no stages, only task counts, the circuit breaker and the alarms', () => {
    const { snap } = watched({
      deploymentConfiguration: { strategy: 'ROLLING' },
      deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 2, threshold: 3 },
      alarms: { status: 'MONITORING', alarmNames: ['web-5xx', 'web-latency'], triggeredAlarmNames: [] }
    })
    expect(snap.rolling).toBe(true)
    expect(snap.events).toEqual([])
    expect(snap.circuitBreaker).toEqual({ status: 'MONITORING', failureCount: 2, threshold: 3 })
    expect(snap.alarms).toEqual({ status: 'MONITORING', watched: ['web-5xx', 'web-latency'], triggered: [] })
  })

  it('a rolling update that ends SUCCESSFUL gains no stages it was never seen in', () => {
    const rolling = { deploymentConfiguration: { strategy: 'ROLLING' as const } }
    const { snap } = watched(rolling, { ...rolling, status: 'SUCCESSFUL' })
    expect(snap.phase).toBe('succeeded')
    expect(snap.events).toEqual([])
  })

  it('leaves out a disabled circuit breaker and alarms that watch nothing', () => {
    const { snap } = watched({
      deploymentCircuitBreaker: { status: 'DISABLED' },
      alarms: { status: 'DISABLED' }
    })
    expect(snap.circuitBreaker).toBeUndefined()
    expect(snap.alarms).toBeUndefined()
  })
})

describe("a hook's stage", () => {
  const hookDetail = (targetType: 'AWS_LAMBDA' | 'PAUSE', targetArn?: string) => ({
    hookId: `hook-${targetType}`,
    targetType,
    ...(targetArn ? { targetArn } : {}),
    status: 'IN_PROGRESS' as const
  })

  it('is the one stage its configuration names, whatever stage the reader first saw it in', () => {
    const { snap } = watched(
      { lifecycleStage: 'SCALE_UP' },
      { lifecycleStage: 'SCALE_UP', lifecycleHookDetails: [hookDetail('AWS_LAMBDA', 'arn:fn')] }
    )
    expect(snap.hooks?.map(h => h.stage)).toEqual(['POST_TEST_TRAFFIC_SHIFT'])
  })

  it('is the stage first seen in when the configuration names the function at several stages', () => {
    const config = {
      strategy: 'BLUE_GREEN' as const,
      lifecycleHooks: [
        {
          targetType: 'AWS_LAMBDA' as const,
          hookTargetArn: 'arn:fn',
          lifecycleStages: ['POST_SCALE_UP' as const, 'POST_TEST_TRAFFIC_SHIFT' as const]
        }
      ]
    }
    const { snap } = watched(
      { lifecycleStage: 'POST_SCALE_UP', deploymentConfiguration: config },
      {
        lifecycleStage: 'POST_SCALE_UP',
        deploymentConfiguration: config,
        lifecycleHookDetails: [hookDetail('AWS_LAMBDA', 'arn:fn')]
      }
    )
    expect(snap.hooks?.map(h => h.stage)).toEqual(['POST_SCALE_UP'])
  })
})
