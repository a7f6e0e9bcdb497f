// ECS's own deployments played on the frozen clock through the real @aws-sdk/client-ecs: every
// strategy, hooks, the bake time, the circuit breaker, alarms, rollbacks, stop and continue.
import { jest } from '@jest/globals'
import {
  ClientException,
  ContinueServiceDeploymentCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  StopServiceDeploymentCommand,
  type ECSClient,
  type Service,
  type Task
} from '@aws-sdk/client-ecs'
import type { DeploymentConfiguration, EcsFaults } from '../../sim/ecs-deployments.js'
import { ecsScenario, ecsScenarios, ecsWeb, lambdaArn } from '../../sim/ecs-scenarios.js'
import type { Scenario } from '../../sim/scenarios.js'
import { startSimulator, type Simulator } from '../../sim/server.js'
import {
  TD,
  describe as describeDeployment,
  distinct,
  ecsClient,
  playEcs,
  productionWeights,
  stagePositions,
  update,
  type EcsFrame
} from './ecs-helpers.js'

// Frozen-clock plays poll a few hundred times; a loaded 2-core runner needs more than the 5 s default.
jest.setTimeout(30_000)

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

async function frozen(scenario: Scenario): Promise<ECSClient> {
  sim = await startSimulator({ scenario, timeScale: 0 })
  return ecsClient(sim)
}

const custom = (config: DeploymentConfiguration, extra: Parameters<typeof ecsWeb>[1] = {}): Scenario =>
  ecsScenario('custom', 'a test variant', ecsWeb(config, extra))

async function web(ecs: ECSClient): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] })))
    .services![0]!
}

async function tasks(ecs: ECSClient, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (
    await ecs.send(new ListTasksCommand({ cluster: 'sim-cluster', serviceName: 'web', desiredStatus }))
  ).taskArns!
  if (!arns.length) return []
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'sim-cluster', tasks: arns }))).tasks!
}

/**
 * `scenario`'s update played to its end, a frame every `step` simulated seconds, with `web` as
 * DescribeServices shows it at the first frame `when` holds for.
 */
async function playSeeingWeb(
  scenario: Scenario,
  step: number,
  when: (f: EcsFrame) => boolean
): Promise<{ ecs: ECSClient; frames: EcsFrame[]; during: Service | undefined }> {
  const ecs = await frozen(scenario)
  const arn = await update(ecs)
  let during: Service | undefined
  const frames = await playEcs(sim, ecs, arn, {
    step,
    onFrame: async f => {
      if (when(f) && !during) during = await web(ecs)
    }
  })
  return { ecs, frames, during }
}

const first = (frames: EcsFrame[], p: (f: EcsFrame) => boolean): EcsFrame => {
  const f = frames.find(p)
  if (!f) throw new Error(`no such frame among ${frames.length}`)
  return f
}
/** The statuses of a deployment that fails and is rolled back, in order. */
const ROLLED_BACK = [
  'PENDING',
  'IN_PROGRESS',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL'
]
const seconds = (a: Date | undefined, b: Date | undefined): number => (a!.getTime() - b!.getTime()) / 1000

describe('blue/green family: stages, hooks, traffic weights, bake time', () => {
  test('BLUE_GREEN: stages in order, the Lambda hook, test traffic first, production at once, the bake, clean-up', async () => {
    const { ecs, frames, during } = await playSeeingWeb(
      ecsScenarios['ecs-blue-green'],
      2,
      f => f.stage === 'BAKE_TIME'
    )
    expect(distinct(frames.map(f => f.status))).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL'])
    const positions = stagePositions(frames)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
    expect(distinct(frames.map(f => f.stage).filter(Boolean))).toEqual(
      expect.arrayContaining([
        'SCALE_UP',
        'TEST_TRAFFIC_SHIFT',
        'POST_TEST_TRAFFIC_SHIFT',
        'PRODUCTION_TRAFFIC_SHIFT',
        'BAKE_TIME',
        'CLEAN_UP'
      ])
    )
    expect(frames.map(f => f.stage)).not.toContain('RECONCILE_SERVICE')
    // SCALE_UP: the target's tasks start (pending, then running) while the source serves everything.
    expect(frames.filter(f => f.stage === 'SCALE_UP').map(f => f.target)).toEqual(
      expect.arrayContaining(['2/0/2', '2/2/0'])
    )
    // The Lambda hook runs at POST_TEST_TRAFFIC_SHIFT, after test traffic moved and before production.
    const hooked = frames.filter(f => f.d.lifecycleHookDetails?.[0]?.status === 'IN_PROGRESS')
    expect(hooked.length).toBeGreaterThan(0)
    for (const f of hooked) {
      expect(f.stage).toBe('POST_TEST_TRAFFIC_SHIFT')
      expect(f.weights).toBe('0:100 t100:0')
    }
    const hook = hooked[0]!.d.lifecycleHookDetails![0]!
    expect(hook).toEqual({
      hookId: expect.stringMatching(/^ecs-hook-[A-Za-z0-9_-]{43}$/),
      targetType: 'AWS_LAMBDA',
      targetArn: lambdaArn('web-smoke-test'),
      status: 'IN_PROGRESS',
      expiresAt: expect.any(Date),
      timeoutAction: 'ROLLBACK'
    })
    expect(seconds(hook.expiresAt, hooked[0]!.d.updatedAt)).toBe(1440 * 60)
    // IN_PROGRESS for 30 s, then 15 s to answer; production traffic follows at once.
    const shifting = first(frames, f => f.stage === 'PRODUCTION_TRAFFIC_SHIFT')
    expect(shifting.hooks).toMatch(/^AWS_LAMBDA:SUCCEEDED:/)
    expect(seconds(shifting.d.updatedAt, hooked[0]!.d.updatedAt)).toBe(45)
    expect(productionWeights(frames)).toEqual([0, 100])
    expect(first(frames, f => f.stage === 'BAKE_TIME').weights).toBe('100:0 t100:0')
    // The bake: both revisions run for bakeTimeInMinutes after production moved.
    const bake = first(frames, f => f.stage === 'BAKE_TIME')
    const clean = first(frames, f => f.stage === 'CLEAN_UP')
    expect(seconds(clean.d.updatedAt, bake.d.updatedAt)).toBe(300)
    expect(
      during!.deployments!.map(d => [d.status, d.taskDefinition, d.runningCount, d.rolloutState])
    ).toEqual([
      ['PRIMARY', TD('web', 2), 2, 'IN_PROGRESS'],
      ['ACTIVE', TD('web', 3), 2, 'COMPLETED']
    ])
    expect(during!.runningCount).toBe(4)

    const last = frames.at(-1)!.d
    expect(last.targetServiceRevision).toMatchObject({ requestedTaskCount: 2, runningTaskCount: 2 })
    expect(last.sourceServiceRevisions![0]).toMatchObject({ requestedTaskCount: 0, runningTaskCount: 0 })
    expect(last.startedAt).toBeInstanceOf(Date)
    expect(seconds(last.finishedAt, last.startedAt)).toBeGreaterThan(300)
    expect(last.deploymentCircuitBreaker).toEqual({
      status: 'MONITORING_COMPLETE',
      failureCount: 0,
      threshold: 3
    })
    expect(last.alarms).toEqual({
      status: 'MONITORING_COMPLETE',
      alarmNames: ['web-5xx', 'web-latency'],
      triggeredAlarmNames: []
    })
    expect(last.rollback).toBeUndefined()
    const after = await web(ecs)
    expect(after.taskDefinition).toBe(TD('web', 2))
    expect(after.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', TD('web', 2), 'COMPLETED']
    ])
    expect((await tasks(ecs, 'RUNNING')).map(t => t.taskDefinitionArn)).toEqual([TD('web', 2), TD('web', 2)])
    const stopped = await tasks(ecs, 'STOPPED')
    expect(stopped.map(t => t.taskDefinitionArn)).toEqual([TD('web', 3), TD('web', 3)])
    expect(stopped[0]!.stoppedReason).toMatch(
      /^Scaling activity initiated by \(deployment ecs-svc\/\d{19}\)$/
    )
  })

  test('stages can pass between two reads: a coarse poll sees fewer, still in order', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 120 })
    const positions = stagePositions(frames)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
    expect(new Set(positions).size).toBeLessThan(6)
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
  })

  test('LINEAR: stepPercent every stepBakeTimeInMinutes, the source keeping the rest', async () => {
    const ecs = await frozen(ecsScenarios['ecs-linear'])
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    expect(productionWeights(frames)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    for (const f of frames) {
      const t = f.d.targetServiceRevision!.requestedProductionTrafficWeight!
      const s = f.d.sourceServiceRevisions![0]!.requestedProductionTrafficWeight!
      if (f.status !== 'SUCCESSFUL') expect(t + s).toBe(100)
    }
    // A step every 60 s of step bake plus 10 s of shifting (updatedAt: when the weight moved).
    const changes = frames.filter(
      (f, i) => i > 0 && f.weights.split(' ')[0] !== frames[i - 1]!.weights.split(' ')[0]
    )
    expect(changes).toHaveLength(10)
    const gaps = changes.slice(1, 9).map((f, i) => seconds(f.d.updatedAt, changes[i]!.d.updatedAt))
    expect(gaps).toEqual(Array(8).fill(70))
    // No step bake after 100%: POST_PRODUCTION_TRAFFIC_SHIFT and BAKE_TIME follow at once.
    const full = first(frames, f => f.weights.startsWith('100:'))
    expect(['POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME']).toContain(full.stage)
    expect(full.at - changes[8]!.at).toBeLessThanOrEqual(75)
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
  })

  test('CANARY: canaryPercent, then the rest after canaryBakeTimeInMinutes', async () => {
    const ecs = await frozen(ecsScenarios['ecs-canary'])
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    expect(productionWeights(frames)).toEqual([0, 10, 100])
    const canary = first(frames, f => f.weights.startsWith('10:90'))
    const rest = first(frames, f => f.weights.startsWith('100:0'))
    // canaryBakeTimeInMinutes, then 10 s of shifting (the later frame may show the next stage's second).
    expect(seconds(rest.d.updatedAt, canary.d.updatedAt)).toBeGreaterThanOrEqual(5 * 60 + 10)
    expect(seconds(rest.d.updatedAt, canary.d.updatedAt)).toBeLessThanOrEqual(5 * 60 + 12)
    expect(canary.stage).toBe('PRODUCTION_TRAFFIC_SHIFT')
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
  })

  test('a newer deployment supersedes one under way: STOPPED, then RECONCILE_SERVICE with two source revisions', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const older = await update(ecs)
    sim.advance(60)
    expect((await describeDeployment(ecs, older)).lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT')
    const newer = await update(ecs, { taskDefinition: 'web:1' })
    const stopped = await describeDeployment(ecs, older)
    expect(stopped).toMatchObject({ status: 'STOPPED', statusReason: expect.stringContaining(newer) })
    expect(stopped.stoppedAt).toEqual(sim.now())
    expect(stopped.lifecycleHookDetails![0]!.status).toBe('FAILED')
    const frames = await playEcs(sim, ecs, newer, { step: 2 })
    expect(frames.at(-1)!.d.sourceServiceRevisions!.map(r => r.arn)).toEqual([
      stopped.sourceServiceRevisions![0]!.arn,
      stopped.targetServiceRevision!.arn
    ])
    expect(frames.map(f => f.stage)).toContain('RECONCILE_SERVICE')
    expect(stagePositions(frames)[0]).toBe(0)
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
    expect((await tasks(ecs, 'RUNNING')).map(t => t.taskDefinitionArn)).toEqual([TD('web', 1), TD('web', 1)])
    expect((await web(ecs)).deployments!.map(d => d.taskDefinition)).toEqual([TD('web', 1)])
  })

  test('another user’s deployment is under way in ecs-busy', async () => {
    const ecs = await frozen(ecsScenarios['ecs-busy'])
    const running = (
      await ecs.send(
        new ListServiceDeploymentsCommand({
          cluster: 'sim-cluster',
          service: 'web',
          status: ['PENDING', 'IN_PROGRESS']
        })
      )
    ).serviceDeployments!
    expect(running).toHaveLength(1)
    const d = await describeDeployment(ecs, running[0]!.serviceDeploymentArn!)
    expect(seconds(sim.now(), d.createdAt)).toBe(200)
    expect(d.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT')
    expect(d.targetServiceRevision!.requestedProductionTrafficWeight).toBe(10)
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 4))
  })
})

describe('PAUSE hooks', () => {
  const awaiting = (f: EcsFrame): boolean =>
    f.d.lifecycleHookDetails?.some(h => h.status === 'AWAITING_ACTION') ?? false

  test('at POST_TEST_TRAFFIC_SHIFT: waits (1440 minutes, ROLLBACK by default) until ContinueServiceDeployment', async () => {
    const ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    const arn = await update(ecs)
    const frames = await playEcs(sim, ecs, arn, { step: 5, until: awaiting })
    const parked = frames.at(-1)!
    expect(parked.status).toBe('IN_PROGRESS')
    expect(parked.stage).toBe('POST_TEST_TRAFFIC_SHIFT')
    expect(parked.weights).toBe('0:100 t100:0')
    const hook = parked.d.lifecycleHookDetails![0]!
    expect(hook).toEqual({
      hookId: expect.stringMatching(/^ecs-pause-[A-Za-z0-9_-]{43}$/),
      targetType: 'PAUSE',
      status: 'AWAITING_ACTION',
      expiresAt: expect.any(Date),
      timeoutAction: 'ROLLBACK'
    })
    expect(seconds(hook.expiresAt, parked.d.updatedAt)).toBe(1440 * 60)
    sim.advance(10 * 3600)
    const later = await describeDeployment(ecs, arn)
    expect(later.status).toBe('IN_PROGRESS')
    expect(later.lifecycleHookDetails).toEqual([hook])
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! }))
    const continued = await describeDeployment(ecs, arn)
    expect(continued.lifecycleHookDetails![0]!.status).toBe('SUCCEEDED')
    expect(continued.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT')
    const rest = await playEcs(sim, ecs, arn, { step: 30 })
    expect(rest.at(-1)!.status).toBe('SUCCESSFUL')
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 2))
  })

  test('ContinueServiceDeployment ROLLBACK rolls back', async () => {
    const ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    const arn = await update(ecs)
    const parked = (await playEcs(sim, ecs, arn, { step: 5, until: awaiting })).at(-1)!
    const hookId = parked.d.lifecycleHookDetails![0]!.hookId!
    await ecs.send(
      new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'ROLLBACK' })
    )
    const now = await describeDeployment(ecs, arn)
    expect(now.status).toBe('ROLLBACK_REQUESTED')
    expect(now.lifecycleHookDetails![0]!.status).toBe('FAILED')
    expect(now.statusReason).toContain('ContinueServiceDeployment')
    const frames = await playEcs(sim, ecs, arn, { step: 2 })
    expect(distinct(frames.map(f => f.status))).toEqual(['ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL'])
    expect(frames.at(-1)!.weights).toBe('0:100 t0:100')
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 3))
  })

  test('timing out: ROLLBACK by default, CONTINUE when configured', async () => {
    let ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    let arn = await update(ecs)
    sim.advance(1440 * 60 + 120)
    let d = await describeDeployment(ecs, arn)
    expect(d.lifecycleHookDetails![0]!.status).toBe('TIMED_OUT')
    expect(d.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(d.statusReason).toMatch(/timed out at POST_TEST_TRAFFIC_SHIFT; timeout action ROLLBACK/)
    await sim.close()

    ecs = await frozen(
      custom({
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [
          {
            targetType: 'PAUSE',
            lifecycleStages: ['POST_SCALE_UP'],
            timeoutConfiguration: { timeoutInMinutes: 30, action: 'CONTINUE' }
          }
        ]
      })
    )
    arn = await update(ecs)
    sim.advance(29 * 60)
    d = await describeDeployment(ecs, arn)
    expect(d.lifecycleStage).toBe('POST_SCALE_UP')
    expect(d.lifecycleHookDetails![0]).toMatchObject({ status: 'AWAITING_ACTION', timeoutAction: 'CONTINUE' })
    expect(seconds(d.lifecycleHookDetails![0]!.expiresAt, d.updatedAt)).toBe(30 * 60)
    sim.advance(120)
    d = await describeDeployment(ecs, arn)
    expect(d.lifecycleHookDetails![0]!.status).toBe('TIMED_OUT')
    expect(d.status).toBe('IN_PROGRESS')
    sim.advance(600)
    expect((await describeDeployment(ecs, arn)).status).toBe('SUCCESSFUL')
  })

  test('at PRE_PRODUCTION_TRAFFIC_SHIFT of a linear service: before every step, a new hookId each time', async () => {
    const ecs = await frozen(ecsScenarios['ecs-pause-per-step'])
    const arn = await update(ecs)
    const pauses: { hookId: string; weight: number; stage: string }[] = []
    let previousRefused = false
    const frames = await playEcs(sim, ecs, arn, {
      step: 5,
      onFrame: async f => {
        const hook = f.d.lifecycleHookDetails?.find(h => h.status === 'AWAITING_ACTION')
        if (!hook) return
        pauses.push({
          hookId: hook.hookId!,
          weight: f.d.targetServiceRevision!.requestedProductionTrafficWeight!,
          stage: f.stage
        })
        if (pauses.length === 2)
          previousRefused = await ecs
            .send(
              new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: pauses[0]!.hookId })
            )
            .then(
              () => false,
              (e: unknown) => e instanceof ClientException
            )
        await ecs.send(
          new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! })
        )
      }
    })
    expect(pauses.map(p => p.weight)).toEqual([0, 25, 50, 75])
    expect(new Set(pauses.map(p => p.hookId)).size).toBe(4)
    for (const p of pauses) expect(p.hookId).toMatch(/^ecs-pause-/)
    expect(new Set(pauses.map(p => p.stage))).toEqual(new Set(['PRODUCTION_TRAFFIC_SHIFT']))
    expect(previousRefused).toBe(true)
    expect(productionWeights(frames)).toEqual([0, 25, 50, 75, 100])
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
  })
})

describe('Lambda hooks that fail or time out', () => {
  test('a Lambda hook that returns FAILED: rolled back, the reason in statusReason and rollback', async () => {
    const ecs = await frozen(ecsScenarios['ecs-hook-failure'])
    const arn = await update(ecs)
    const frames = await playEcs(sim, ecs, arn, { step: 2 })
    expect(distinct(frames.map(f => f.status))).toEqual(ROLLED_BACK)
    const failed = first(frames, f => f.status === 'ROLLBACK_REQUESTED')
    expect(failed.hooks).toMatch(/^AWS_LAMBDA:FAILED:/)
    expect(failed.stage).toBe('POST_TEST_TRAFFIC_SHIFT')
    const last = frames.at(-1)!.d
    expect(last.statusReason).toContain(lambdaArn('web-smoke-test'))
    expect(last.statusReason).toContain('smoke test failed: GET /health returned 503')
    const source = last.sourceServiceRevisions![0]!
    expect(last.rollback).toEqual({
      reason: last.statusReason,
      startedAt: failed.d.updatedAt,
      serviceRevisionArn: source.arn
    })
    expect(Math.max(...productionWeights(frames))).toBe(0)
    expect(frames.at(-1)!.weights).toBe('0:100 t0:100')
    expect(last.targetServiceRevision).toMatchObject({ requestedTaskCount: 0, runningTaskCount: 0 })
    expect(source).toMatchObject({ requestedTaskCount: 2, runningTaskCount: 2 })
    expect(last.finishedAt).toBeInstanceOf(Date)
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 3))
  })

  test('a Lambda hook still IN_PROGRESS at its timeout: TIMED_OUT, then the timeout action', async () => {
    const slow = lambdaArn('slow')
    const ecs = await frozen(
      custom(
        {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 0,
          lifecycleHooks: [
            {
              hookTargetArn: slow,
              lifecycleStages: ['POST_SCALE_UP'],
              timeoutConfiguration: { timeoutInMinutes: 5 }
            }
          ]
        },
        { lambdas: { [slow]: { inProgressSeconds: 3600 } } }
      )
    )
    const arn = await update(ecs)
    const frames = await playEcs(sim, ecs, arn, { step: 10 })
    const hooked = first(frames, f => f.hooks.startsWith('AWS_LAMBDA:IN_PROGRESS'))
    expect(seconds(hooked.d.lifecycleHookDetails![0]!.expiresAt, hooked.d.updatedAt)).toBe(300)
    expect(frames.at(-1)!.hooks).toMatch(/^AWS_LAMBDA:TIMED_OUT:/)
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
  })

  test('a Lambda hook at PRODUCTION_TRAFFIC_SHIFT runs at every step', async () => {
    const check = lambdaArn('step-check')
    const ecs = await frozen(
      custom({
        strategy: 'CANARY',
        bakeTimeInMinutes: 0,
        canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 2 },
        lifecycleHooks: [{ hookTargetArn: check, lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }]
      })
    )
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    const runs = distinct(frames.map(f => f.d.lifecycleHookDetails?.[0]?.hookId).filter(Boolean))
    expect(runs).toHaveLength(2)
    expect(frames.filter(f => f.hooks.includes('IN_PROGRESS')).map(f => f.weights.split(' ')[0])).toEqual(
      expect.arrayContaining(['20:80', '100:0'])
    )
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
  })

  test('a rollback that fails: ROLLBACK_FAILED', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rollback-fails'])
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 2 })
    expect(distinct(frames.map(f => f.status)).slice(-3)).toEqual([
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_FAILED'
    ])
    const last = frames.at(-1)!.d
    expect(last.rollback!.reason).toContain('error rate 12% after the shift')
    expect(last.statusReason).toMatch(/rollback/i)
    expect(last.statusReason).not.toBe(last.rollback!.reason)
    expect(last.finishedAt).toBeInstanceOf(Date)
    expect(last.lifecycleHookDetails![0]!.status).toBe('FAILED')
  })
})

describe('ROLLING', () => {
  test('no stages, no weights: task counts move, the circuit breaker and alarms monitor, then complete', async () => {
    const { ecs, frames, during } = await playSeeingWeb(
      ecsScenarios['ecs-rolling'],
      5,
      f => f.target === '2/2/0'
    )
    expect(frames.every(f => f.stage === '' && f.weights === '')).toBe(true)
    expect(frames.map(f => f.target)).toEqual(expect.arrayContaining(['2/0/2', '2/2/0']))
    const sourceRequested = distinct(frames.map(f => f.d.sourceServiceRevisions![0]!.requestedTaskCount!))
    expect(sourceRequested).toEqual([2, 0])
    expect(distinct(frames.map(f => f.breaker))).toEqual(['MONITORING:0/3', 'MONITORING_COMPLETE:0/3'])
    expect(frames[0]!.d.alarms).toEqual({
      status: 'MONITORING',
      alarmNames: ['web-5xx', 'web-latency'],
      triggeredAlarmNames: []
    })
    expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
    expect(during!.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', TD('web', 2), 'IN_PROGRESS'],
      ['ACTIVE', TD('web', 3), 'COMPLETED']
    ])
    expect((await tasks(ecs, 'RUNNING')).map(t => t.taskDefinitionArn)).toEqual([TD('web', 2), TD('web', 2)])
  })

  test('maximumPercent bounds the running tasks', async () => {
    const peak = async (maximumPercent: number): Promise<number> => {
      const ecs = await frozen(custom({ strategy: 'ROLLING', maximumPercent, minimumHealthyPercent: 50 }))
      const frames = await playEcs(sim, ecs, await update(ecs), { step: 1 })
      await sim.close()
      expect(frames.at(-1)!.status).toBe('SUCCESSFUL')
      return Math.max(
        ...frames.map(
          f =>
            f.d.targetServiceRevision!.runningTaskCount! +
            f.d.targetServiceRevision!.pendingTaskCount! +
            f.d.sourceServiceRevisions![0]!.runningTaskCount!
        )
      )
    }
    expect(await peak(200)).toBe(4)
    expect(await peak(100)).toBe(2)
    sim = await startSimulator({ timeScale: 0 })
  })

  test('the circuit breaker threshold: 0.5 × desired, at least 3, at most 200', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rolling'])
    const thresholds: number[] = []
    for (const desiredCount of [1, 2, 7, 10, 402]) {
      const arn = await update(ecs, { desiredCount, forceNewDeployment: true })
      thresholds.push((await describeDeployment(ecs, arn)).deploymentCircuitBreaker!.threshold!)
    }
    expect(thresholds).toEqual([3, 3, 4, 5, 200])
  })

  test('the circuit breaker trips on crashing tasks and rolls back; the stopped tasks say why', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rolling-circuit-breaker'])
    const arn = await update(ecs)
    const targetId = (await web(ecs)).deployments![0]!.id!
    expect(targetId).toMatch(/^ecs-svc\/\d{19}$/)
    const frames = await playEcs(sim, ecs, arn, { step: 1 })
    expect(distinct(frames.map(f => f.status))).toEqual(ROLLED_BACK)
    const counts = frames.map(f => f.d.deploymentCircuitBreaker!.failureCount!)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(distinct(frames.map(f => f.breaker))).toEqual(
      expect.arrayContaining(['MONITORING:0/3', 'MONITORING:2/3', 'TRIGGERED:3/3'])
    )
    const last = frames.at(-1)!.d
    expect(last.statusReason).toBe('ECS deployment circuit breaker: tasks failed to start.')
    expect(last.rollback).toEqual({
      reason: last.statusReason,
      startedAt: first(frames, f => f.status === 'ROLLBACK_REQUESTED').d.updatedAt,
      serviceRevisionArn: last.sourceServiceRevisions![0]!.arn
    })
    expect(last.sourceServiceRevisions![0]).toMatchObject({ requestedTaskCount: 2, runningTaskCount: 2 })
    const after = await web(ecs)
    expect(after.taskDefinition).toBe(TD('web', 3))
    expect(after.deployments!.map(d => [d.status, d.taskDefinition])).toEqual([['PRIMARY', TD('web', 3)]])
    const crashed = (await tasks(ecs, 'STOPPED')).filter(t => t.stopCode === 'EssentialContainerExited')
    expect(crashed.length).toBeGreaterThanOrEqual(3)
    for (const t of crashed) {
      expect(t).toMatchObject({
        taskDefinitionArn: TD('web', 2),
        startedBy: targetId,
        lastStatus: 'STOPPED',
        stoppedReason: 'Essential container in task exited',
        containers: [
          expect.objectContaining({ exitCode: 1, reason: 'Error: Cannot find module "/app/server.js"' })
        ]
      })
      expect(t.stoppedAt).toBeInstanceOf(Date)
    }
    expect((await tasks(ecs, 'RUNNING')).map(t => t.taskDefinitionArn)).toEqual([TD('web', 3), TD('web', 3)])
  })

  test('a circuit breaker without rollback: STOP_REQUESTED, then STOPPED with stoppedAt', async () => {
    const ecs = await frozen(
      custom(
        { strategy: 'ROLLING', deploymentCircuitBreaker: { enable: true, rollback: false } },
        { ecsFaults: { tasksFail: {} } }
      )
    )
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 1 })
    expect(distinct(frames.map(f => f.status)).slice(-2)).toEqual(['STOP_REQUESTED', 'STOPPED'])
    const last = frames.at(-1)!.d
    expect(last.stoppedAt).toBeInstanceOf(Date)
    expect(last.rollback).toBeUndefined()
    expect(last.deploymentCircuitBreaker!.status).toBe('TRIGGERED')
    expect((await web(ecs)).deployments!.map(d => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'FAILED'],
      ['ACTIVE', 'COMPLETED']
    ])
  })

  test('with the circuit breaker off, crashing tasks keep the deployment IN_PROGRESS', async () => {
    const ecs = await frozen(
      custom(
        { strategy: 'ROLLING', deploymentCircuitBreaker: { enable: false, rollback: false } },
        { ecsFaults: { tasksFail: { count: 100 } } }
      )
    )
    const arn = await update(ecs)
    sim.advance(600)
    const d = await describeDeployment(ecs, arn)
    expect(d.status).toBe('IN_PROGRESS')
    expect(d.deploymentCircuitBreaker).toEqual({ status: 'DISABLED', failureCount: 0, threshold: 3 })
    expect((await tasks(ecs, 'STOPPED')).length).toBeGreaterThan(10)
  })
})

describe('alarms', () => {
  test('an alarm in ALARM during the bake: rolled back at once, the alarm named', async () => {
    const ecs = await frozen(ecsScenarios['ecs-alarm-bake'])
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    const bake = first(frames, f => f.stage === 'BAKE_TIME')
    expect(bake.weights).toBe('100:0 t100:0')
    const last = frames.at(-1)!.d
    expect(last.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(last.alarms).toEqual({
      status: 'TRIGGERED',
      alarmNames: ['web-5xx', 'web-latency'],
      triggeredAlarmNames: ['web-5xx']
    })
    expect(last.statusReason).toContain('web-5xx')
    expect(seconds(last.rollback!.startedAt, bake.d.updatedAt)).toBe(180)
    expect(productionWeights(frames)).toEqual([0, 100, 0])
    expect(frames.at(-1)!.weights).toBe('0:100 t0:100')
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 3))
  })

  test('an alarm during a linear shift stops it where it is and moves the traffic back', async () => {
    const ecs = await frozen(ecsScenarios['ecs-linear'])
    // Steps at 10, 80 and 150 s into the stage: the alarm 10 s after the third.
    sim.ecsDeployments.setFaults('web', {
      alarm: { name: 'web-latency', stage: 'PRODUCTION_TRAFFIC_SHIFT', afterSeconds: 160 }
    })
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    expect(productionWeights(frames)).toEqual([0, 10, 20, 30, 0])
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
  })

  test('an alarm not watched changes nothing; one watched without rollback stops the deployment', async () => {
    let ecs = await frozen(ecsScenarios['ecs-alarm-bake'])
    const faults: EcsFaults = { alarm: { name: 'db-cpu', stage: 'BAKE_TIME', afterSeconds: 60 } }
    sim.ecsDeployments.setFaults('web', faults)
    expect((await playEcs(sim, ecs, await update(ecs), { step: 30 })).at(-1)!.status).toBe('SUCCESSFUL')
    await sim.close()
    ecs = await frozen(
      custom(
        {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 10,
          alarms: { alarmNames: ['web-5xx'], enable: true, rollback: false }
        },
        {
          ecsFaults: { alarm: { name: 'web-5xx', stage: 'BAKE_TIME', afterSeconds: 60 } },
          ecsDurations: { requested: 30 }
        }
      )
    )
    const frames = await playEcs(sim, ecs, await update(ecs), { step: 5 })
    expect(distinct(frames.map(f => f.status)).slice(-2)).toEqual(['STOP_REQUESTED', 'STOPPED'])
    expect(frames.at(-1)!.d.alarms!.triggeredAlarmNames).toEqual(['web-5xx'])
    expect(frames.at(-1)!.d.rollback).toBeUndefined()
  })
})

describe('StopServiceDeployment', () => {
  test('mid-canary: ROLLBACK_REQUESTED at once, traffic back to the source, the source revision again', async () => {
    const ecs = await frozen(ecsScenarios['ecs-canary'])
    const arn = await update(ecs)
    await playEcs(sim, ecs, arn, { step: 5, until: f => f.weights.startsWith('10:90') })
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
    const stopped = await describeDeployment(ecs, arn)
    expect(stopped.status).toBe('ROLLBACK_REQUESTED')
    expect(stopped.stoppedAt).toEqual(sim.now())
    expect(stopped.rollback).toMatchObject({
      startedAt: sim.now(),
      serviceRevisionArn: stopped.sourceServiceRevisions![0]!.arn
    })
    expect((await web(ecs)).taskDefinition).toBe(TD('web', 3))
    const frames = await playEcs(sim, ecs, arn, { step: 2 })
    expect(frames.map(f => f.stage)).toEqual(
      expect.arrayContaining(['PRODUCTION_TRAFFIC_SHIFT', 'TEST_TRAFFIC_SHIFT', 'CLEAN_UP'])
    )
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(frames.at(-1)!.weights).toBe('0:100 t0:100')
  })

  test('a rolling deployment: the source scales back up', async () => {
    const ecs = await frozen(custom({ strategy: 'ROLLING', maximumPercent: 100, minimumHealthyPercent: 50 }))
    const arn = await update(ecs)
    await playEcs(sim, ecs, arn, {
      step: 1,
      until: f => f.d.sourceServiceRevisions![0]!.runningTaskCount! < 2
    })
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    const frames = await playEcs(sim, ecs, arn, { step: 5 })
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
    expect((await tasks(ecs, 'RUNNING')).map(t => t.taskDefinitionArn)).toEqual([TD('web', 3), TD('web', 3)])
  })

  test('a PENDING deployment, and one waiting at a PAUSE hook', async () => {
    let ecs = await frozen(ecsScenarios['ecs-blue-green'])
    let arn = await update(ecs)
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    let frames = await playEcs(sim, ecs, arn, { step: 5 })
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(frames.at(-1)!.d.startedAt).toBeUndefined()
    await sim.close()

    ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    arn = await update(ecs)
    sim.advance(300)
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    frames = await playEcs(sim, ecs, arn, { step: 5 })
    expect(frames.at(-1)!.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(frames.at(-1)!.hooks).toMatch(/^PAUSE:FAILED:/)
  })
})

test('a stage that never completes (tasks never healthy, circuit breaker off) fails after 24 hours', async () => {
  const ecs = await frozen(
    custom(
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 0,
        deploymentCircuitBreaker: { enable: false, rollback: false }
      },
      { ecsFaults: { tasksFail: {} }, ecsDurations: { taskStart: 1800, taskFail: 1800 } }
    )
  )
  const arn = await update(ecs)
  sim.advance(23 * 3600)
  expect((await describeDeployment(ecs, arn)).lifecycleStage).toBe('SCALE_UP')
  sim.advance(2 * 3600)
  const d = await describeDeployment(ecs, arn)
  expect(d.status).toBe('ROLLBACK_SUCCESSFUL')
  expect(d.statusReason).toContain('SCALE_UP stage did not complete within 24 hours')
})

test('a real-time clock plays a deployment too (timeScale 600)', async () => {
  sim = await startSimulator({ scenario: ecsScenarios['ecs-rolling'], timeScale: 600 })
  const ecs = ecsClient(sim)
  const arn = await update(ecs)
  let status = ''
  for (let i = 0; i < 100 && status !== 'SUCCESSFUL'; i++) {
    await new Promise(r => setTimeout(r, 20))
    status = (await describeDeployment(ecs, arn)).status!
  }
  expect(status).toBe('SUCCESSFUL')
})
