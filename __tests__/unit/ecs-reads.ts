// Realistic DescribeServiceDeployments answers for one canary deployment of `web`, and a way to read
// them one after the other through the ECS snapshot and the reducer, as the watch loop does.
import type {
  DeploymentLifecycleHookDetail,
  ServiceDeployment,
  ServiceRevisionSummary
} from '@aws-sdk/client-ecs'
import { NO_STAGES, type StageTimes, observeStages, toSnapshot } from '../../src/backends/ecs/snapshot.js'
import { initialView, reduce, type ProgressView } from '../../src/watch/progress.js'
import type { DeploymentSnapshot } from '../../src/watch/snapshot.js'

export const T0 = new Date('2026-12-01T10:00:00Z')
export const at = (s: number): Date => new Date(T0.getTime() + s * 1000)
export const ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/abc123'
export const SOURCE = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/111'
export const TARGET = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/222'
export const SMOKE = 'arn:aws:lambda:us-east-1:123456789012:function:web-smoke-test'

export const CANARY: ServiceDeployment['deploymentConfiguration'] = {
  strategy: 'CANARY',
  bakeTimeInMinutes: 10,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
  deploymentCircuitBreaker: { enable: true, rollback: true },
  alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
  lifecycleHooks: [
    { targetType: 'AWS_LAMBDA', hookTargetArn: SMOKE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] },
    {
      targetType: 'PAUSE',
      lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' }
    }
  ]
}

export const source = (weight: number, running = 2): ServiceRevisionSummary[] => [
  { arn: SOURCE, requestedTaskCount: 2, runningTaskCount: running, requestedProductionTrafficWeight: weight }
]

export const target = (weight: number, running = 2, pending = 0): ServiceRevisionSummary => ({
  arn: TARGET,
  requestedTaskCount: 2,
  runningTaskCount: running,
  pendingTaskCount: pending,
  requestedProductionTrafficWeight: weight
})

export const smoke = (status: string): DeploymentLifecycleHookDetail => ({
  hookId: 'hook-smoke',
  targetType: 'AWS_LAMBDA',
  targetArn: SMOKE,
  status: status as DeploymentLifecycleHookDetail['status']
})

export const pause = (
  status: string,
  over: Partial<DeploymentLifecycleHookDetail> = {}
): DeploymentLifecycleHookDetail => ({
  hookId: 'ecs-pause-1',
  targetType: 'PAUSE',
  status: status as DeploymentLifecycleHookDetail['status'],
  ...over
})

/** A read of the canary deployment: the source at 100%, the target scaled up, unless `over` says otherwise. */
export function read(over: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: ARN,
    status: 'IN_PROGRESS',
    createdAt: T0,
    startedAt: T0,
    deploymentConfiguration: CANARY,
    sourceServiceRevisions: source(100),
    targetServiceRevision: target(0),
    deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0, threshold: 3 },
    alarms: { status: 'MONITORING', alarmNames: ['web-5xx'], triggeredAlarmNames: [] },
    ...over
  }
}

/** The alarm rolled the deployment back while the canary took 10% of production traffic. */
export const ALARM_ROLLBACK: Partial<ServiceDeployment> = {
  lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
  statusReason: 'The alarm web-5xx went into ALARM state.',
  rollback: { reason: 'Alarm web-5xx triggered', startedAt: at(390), serviceRevisionArn: SOURCE },
  alarms: { status: 'TRIGGERED', alarmNames: ['web-5xx'], triggeredAlarmNames: ['web-5xx'] },
  deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 1, threshold: 3 },
  lifecycleHookDetails: [smoke('SUCCEEDED'), pause('SUCCEEDED')]
}

/** The canary from PENDING to its 10% step: scale-up, the smoke test hook, then a pause for a continue. */
export const TO_CANARY: [number, ServiceDeployment][] = [
  [0, read({ status: 'PENDING', targetServiceRevision: { arn: TARGET } })],
  [20, read({ lifecycleStage: 'SCALE_UP', targetServiceRevision: target(0, 0, 2) })],
  [80, read({ lifecycleStage: 'SCALE_UP', targetServiceRevision: target(0, 1, 1) })],
  [140, read({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [smoke('IN_PROGRESS')] })],
  [
    200,
    read({
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [
        smoke('SUCCEEDED'),
        pause('AWAITING_ACTION', { expiresAt: at(200 + 3600), timeoutAction: 'ROLLBACK' })
      ]
    })
  ],
  [
    260,
    read({
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [
        smoke('SUCCEEDED'),
        pause('AWAITING_ACTION', { expiresAt: at(200 + 3600), timeoutAction: 'ROLLBACK' })
      ]
    })
  ],
  [
    320,
    read({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      sourceServiceRevisions: source(90),
      targetServiceRevision: target(10),
      lifecycleHookDetails: [smoke('SUCCEEDED'), pause('SUCCEEDED')]
    })
  ]
]

export interface Watched {
  lines: string[][]
  view: ProgressView
  snap: DeploymentSnapshot
}

/** Feeds the reads in order, each at its own second; returns each read's lines untagged, and the last snapshot. */
export function watch(reads: [number, ServiceDeployment][]): Watched {
  let times: StageTimes = NO_STAGES
  let view = initialView(T0)
  let snap: DeploymentSnapshot | undefined
  const lines: string[][] = []
  for (const [sec, d] of reads) {
    times = observeStages(times, d, at(sec))
    snap = toSnapshot(d, times)
    const r = reduce(view, snap, at(sec))
    view = r.view
    lines.push(r.lines.map(l => l.replace(/^\[\+[\d:]+\] /, '')))
  }
  if (!snap) throw new Error('no reads')
  return { lines, view, snap }
}
