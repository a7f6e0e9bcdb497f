// Shared by the tests of ECS's own deployments: the real ECS client pointed at a simulator and a
// poll loop over DescribeServiceDeployments that records every distinct state it reads.
import {
  DescribeServiceDeploymentsCommand,
  ECSClient,
  UpdateServiceCommand,
  type ServiceDeployment,
  type UpdateServiceCommandInput
} from '@aws-sdk/client-ecs'
import { LIFECYCLE_STAGES } from '../../sim/ecs-deployments.js'
import type { Simulator } from '../../sim/server.js'

export const TD = (family: string, rev: number): string =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${rev}`
export const DEPLOYMENT_ARN =
  /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/sim-cluster\/web\/[A-Za-z0-9_-]{21}$/
export const REVISION_ARN = /^arn:aws:ecs:us-east-1:123456789012:service-revision\/sim-cluster\/web\/\d{19}$/
export const TERMINAL = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']

export function ecsClient(sim: Simulator, extra: { maxAttempts?: number } = {}): ECSClient {
  return new ECSClient({
    region: 'us-east-1',
    endpoint: sim.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    ...extra
  })
}

/** UpdateService on web with a new revision; returns the new service deployment's ARN. */
export async function update(
  ecs: ECSClient,
  input: Partial<UpdateServiceCommandInput> = { taskDefinition: 'web:2' }
): Promise<string> {
  const out = await ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'web', ...input }))
  return out.service!.currentServiceDeployment!
}

export async function describe(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))
  if (out.failures?.length) throw new Error(`${arn}: ${JSON.stringify(out.failures)}`)
  return out.serviceDeployments![0]!
}

export interface EcsFrame {
  /** Simulated seconds since the poll loop began. */
  at: number
  status: string
  stage: string
  /** Target revision requested/running/pending. */
  target: string
  /** Production (and test) weights target:source, e.g. "10:90 t100:0"; "" for ROLLING. */
  weights: string
  hooks: string
  breaker: string
  alarms: string
  d: ServiceDeployment
}

export function frame(d: ServiceDeployment, at: number): EcsFrame {
  const t = d.targetServiceRevision ?? {}
  const s = d.sourceServiceRevisions?.[0]
  const weights =
    t.requestedProductionTrafficWeight === undefined
      ? ''
      : `${t.requestedProductionTrafficWeight}:${s?.requestedProductionTrafficWeight ?? '-'} t${t.requestedTestTrafficWeight}:${s?.requestedTestTrafficWeight ?? '-'}`
  return {
    at,
    status: d.status!,
    stage: d.lifecycleStage ?? '',
    target: `${t.requestedTaskCount}/${t.runningTaskCount}/${t.pendingTaskCount}`,
    weights,
    hooks: (d.lifecycleHookDetails ?? []).map(h => `${h.targetType}:${h.status}:${h.hookId}`).join(' '),
    breaker: `${d.deploymentCircuitBreaker?.status}:${d.deploymentCircuitBreaker?.failureCount}/${d.deploymentCircuitBreaker?.threshold}`,
    alarms: `${d.alarms?.status}:${(d.alarms?.triggeredAlarmNames ?? []).join(',')}`,
    d
  }
}

const key = (f: EcsFrame): string =>
  [f.status, f.stage, f.target, f.weights, f.hooks, f.breaker, f.alarms, f.d.statusReason ?? ''].join(' | ')

/**
 * Polls DescribeServiceDeployments until the deployment ends (or `until` holds) and returns the
 * distinct frames seen; the simulator's clock is frozen and moves `step` seconds before each read.
 * `onFrame` may act (continue a hook, stop the deployment) between reads.
 */
export async function playEcs(
  sim: Simulator,
  ecs: ECSClient,
  arn: string,
  opts: {
    step?: number
    until?: (f: EcsFrame) => boolean
    maxPolls?: number
    onFrame?: (f: EcsFrame) => Promise<void>
  } = {}
): Promise<EcsFrame[]> {
  const frames: EcsFrame[] = []
  const t0 = sim.now().getTime()
  for (let i = 0; i < (opts.maxPolls ?? 5000); i++) {
    sim.advance(opts.step ?? 5)
    const f = frame(await describe(ecs, arn), (sim.now().getTime() - t0) / 1000)
    const done = opts.until ? opts.until(f) : TERMINAL.includes(f.status)
    if (!frames.length || key(frames.at(-1)!) !== key(f)) frames.push(f)
    else if (done) frames[frames.length - 1] = f
    if (done) return frames
    if (opts.onFrame) await opts.onFrame(f)
  }
  throw new Error(`service deployment ${arn} did not finish: last ${key(frames.at(-1)!)}`)
}

/** Distinct values in order. */
export const distinct = <T>(xs: T[]): T[] => xs.filter((x, i) => i === 0 || x !== xs[i - 1])

/** Positions of the stages seen, in the enum's order (a stage passed between reads is not seen). */
export const stagePositions = (frames: EcsFrame[]): number[] =>
  frames.filter(f => f.stage).map(f => LIFECYCLE_STAGES.indexOf(f.stage as (typeof LIFECYCLE_STAGES)[number]))

export const productionWeights = (frames: EcsFrame[]): number[] =>
  distinct(
    frames
      .map(f => f.d.targetServiceRevision?.requestedProductionTrafficWeight)
      .filter((w): w is number => w !== undefined)
  )
