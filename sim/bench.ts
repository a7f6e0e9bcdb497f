// `npm run bench`: what the built action costs against the simulator (no added latency): cold start,
// exit after the deployment's end, AWS calls per deployment, per poll and per minute of each wait
// (CodeDeploy's, and ECS's own deployments' bake time and PAUSE hook), and the bundle's size. Prints a table of the figures against GOALS (the README's "Performance"
// section shows it) and writes every measurement to .cache/bench-results.json, which is not committed:
// its figures belong to the machine that ran it.
//
// Wait phases are measured twice, because the action backs off on the runner's real clock while the
// simulator compresses AWS's: once in real time (the simulator at 1x, or a canary bake stretched to
// 90 real seconds), and once for full-length waits by driving src/watch/watch.ts's loop on a fake clock.
import { LIFECYCLE_EVENTS } from './engine.js'
import { spawn } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, platform, arch } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ECSClient, type ServiceDeployment, type ServiceRevisionSummary } from '@aws-sdk/client-ecs'
import { createEcsReader } from '../src/backends/ecs/reader.js'
import { initialView } from '../src/watch/progress.js'
import type { DeploymentSnapshot, LifecycleEvent } from '../src/watch/snapshot.js'
import { watch, type Goal } from '../src/watch/watch.js'
import { bundle, nodeBinaries, repoRoot, runAction, type ActionRun } from './run-action.js'
import type { DeploymentConfiguration, EcsDurations } from './ecs-deployments.js'
import { ecsScenario, ecsWeb } from './ecs-scenarios.js'
import { scenarios, type DeploymentGroupSpec, type Durations, type Scenario } from './scenarios.js'
import { startSimulator, type CallRecord, type Simulator } from './server.js'

const POLL_MS = 1000
const COLD_RUNS = 5
const INPUTS = {
  cluster: 'sim-cluster',
  service: 'web',
  image: 'public.ecr.aws/nginx/nginx:1.27',
  'poll-interval-seconds': String(POLL_MS / 1000)
}
/** Short phases around the wait being measured, so the bench spends its time in the wait. */
const BRISK: Partial<Durations> = { start: 1, hook: 1, hookless: 1, install: 3, testTraffic: 1, shift: 2 }
const REAL_TERMINATION_WAIT_MINUTES = 2
const REAL_BAKE_SECONDS = 90
const CANARY_BAKE_MINUTES = 5
const ECS_BRISK: Partial<EcsDurations> = {
  pending: 1,
  reconcile: 2,
  taskStart: 3,
  healthy: 3,
  testShift: 2,
  shift: 2
}
const REAL_PAUSE_SECONDS = 90

export const GOALS = {
  coldStartRatio: 4,
  exitAfterEndMs: POLL_MS + 500,
  readCallsPerPoll: 2,
  hourTerminationWaitCalls: 60,
  hourQuietWaitCalls: 60
}

// ---- pure measurement ------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values: the bench measured nothing.')
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * Real time (ms) of a simulated instant (epoch s). Every call record holds both clocks read together,
 * and the simulated clock runs `timeScale` times the real one, so any record anchors the mapping.
 */
export function simToRealMs(calls: readonly CallRecord[], timeScale: number, simSeconds: number): number {
  const anchor = calls.at(-1)
  if (!anchor) throw new Error('No call recorded: nothing anchors the simulated clock to the real one.')
  return anchor.at.getTime() + ((simSeconds - anchor.simAt) * 1000) / timeScale
}

export const awsCalls = (calls: readonly CallRecord[]): CallRecord[] =>
  calls.filter(c => c.service !== 'github')

export function countByOperation(calls: readonly CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const c of calls) out[c.operation] = (out[c.operation] ?? 0) + 1
  return out
}

export interface Poll {
  /** Simulated time of the poll's GetDeployment. */
  simAt: number
  calls: CallRecord[]
}

/**
 * The watch's reads: each starts with the backend's read (CodeDeploy's GetDeployment, ECS's
 * DescribeServiceDeployments), and owns the AWS calls up to the next one.
 */
export function pollsOf(calls: readonly CallRecord[], read = 'GetDeployment'): Poll[] {
  const polls: Poll[] = []
  for (const c of awsCalls(calls)) {
    if (c.operation === read) polls.push({ simAt: c.simAt, calls: [c] })
    else polls.at(-1)?.calls.push(c)
  }
  return polls
}

/** Calls made in [from, to) on the simulated clock. */
export function callsBetween(calls: readonly CallRecord[], from: number, to: number): CallRecord[] {
  return calls.filter(c => c.simAt >= from && c.simAt < to)
}

// ---- the watch loop on a fake clock ----------------------------------------------------------

export interface WaitModel {
  /** Reads that fell inside the wait. */
  reads: number
  /** When each of them happened, ms after the watch first saw the wait. */
  readsAtMs: number[]
  /** How long after the wait's end the read that saw it came. */
  seenAfterMs: number
}

function modelSnapshot(
  kind: 'termination-wait' | 'canary-bake',
  ended: boolean,
  start: Date,
  end: Date
): DeploymentSnapshot {
  const bake = kind === 'canary-bake'
  const done = (name: string): LifecycleEvent => ({
    name,
    status: 'Succeeded',
    startTime: start,
    endTime: start
  })
  const events = LIFECYCLE_EVENTS.map(done)
  if (bake && !ended) {
    events[6] = { name: 'AllowTraffic', status: 'InProgress', startTime: start }
    events[7] = { name: 'AfterAllowTraffic', status: 'Pending' }
  }
  const weight = bake && !ended ? 10 : 100
  const phase = ended ? (bake ? 'traffic-shifted' : 'succeeded') : bake ? 'shifting' : 'termination-wait'
  return {
    id: 'd-MODEL0000',
    status: ended && !bake ? 'Succeeded' : 'InProgress',
    phase,
    events,
    taskSets: [
      { id: 'ecs-svc/1', role: 'original', trafficWeight: 100 - weight },
      { id: 'ecs-svc/2', role: 'replacement', trafficWeight: weight }
    ],
    ...(phase === 'termination-wait' ? { terminationWaitUntil: end } : {}),
    // As the CodeDeploy reader foresees a canary's second step from its deployment configuration.
    ...(phase === 'shifting' ? { nextTrafficStepAt: end } : {}),
    ...(ended && !bake ? { completeTime: end } : {}),
    statusMessages: [],
    stoppedTasks: []
  }
}

/** A fake clock: `t` ms after `t0`, moved only by the watch's sleeps. */
interface FakeClock {
  readonly t0: number
  t: number
}

const fakeClock = (): FakeClock => ({ t0: Date.UTC(2026, 0, 1), t: 0 })

/**
 * src/watch/watch.ts's loop, silent, on `clock` from its start: each sleep moves the clock; it gives up
 * an hour after the wait of `waitMs` ends.
 */
async function watchOnFakeClock(
  clock: FakeClock,
  read: () => Promise<DeploymentSnapshot>,
  goal: Goal,
  waitMs: number,
  pollIntervalMs: number
): Promise<void> {
  const quiet = (): void => undefined
  await watch({
    read,
    goal,
    view: initialView(new Date(clock.t0)),
    deadline: new Date(clock.t0 + waitMs + 3_600_000),
    pollIntervalMs,
    sleep: ms => {
      clock.t += ms
      return Promise.resolve()
    },
    now: () => new Date(clock.t0 + clock.t),
    log: { info: quiet, warning: quiet, startGroup: quiet, endGroup: quiet }
  })
}

/**
 * Runs src/watch/watch.ts's loop through a wait of `waitMs` (a termination wait, whose end AWS announces, or
 * a canary bake, whose end it does not) on a fake clock, from the read that first sees the wait.
 */
export async function modelWait(
  kind: 'termination-wait' | 'canary-bake',
  waitMs: number,
  pollIntervalMs: number
): Promise<WaitModel> {
  const clock = fakeClock()
  const readsAtMs: number[] = []
  const start = new Date(clock.t0)
  const end = new Date(clock.t0 + waitMs)
  const goal: Goal = kind === 'canary-bake' ? 'traffic-shifted' : 'succeeded'
  const read = (): Promise<DeploymentSnapshot> => {
    readsAtMs.push(clock.t)
    return Promise.resolve(modelSnapshot(kind, clock.t >= waitMs, start, end))
  }
  await watchOnFakeClock(clock, read, goal, waitMs, pollIntervalMs)
  const inside = readsAtMs.filter(at => at < waitMs)
  return { reads: inside.length, readsAtMs: inside, seenAfterMs: readsAtMs.at(-1)! - waitMs }
}

// ---- ECS's own deployments on a fake clock ----------------------------------------------------

const MODEL_ARN =
  'arn:aws:ecs:us-east-1:123456789012:service-deployment/sim-cluster/web/MODEL00000000000000000'
const MODEL_REVISION = (n: number): string =>
  `arn:aws:ecs:us-east-1:123456789012:service-revision/sim-cluster/web/000000000000000000${n}`

export type EcsWaitKind = 'bake' | 'pause'

/**
 * A blue/green service deployment in its bake time (of `waitMs`, foreseen from the configuration), or
 * waiting on a PAUSE hook after test traffic (a continue ends it, nothing foresees when); SUCCESSFUL
 * once `ended`.
 */
function modelServiceDeployment(
  kind: EcsWaitKind,
  ended: boolean,
  start: Date,
  waitMs: number
): ServiceDeployment {
  const bake = kind === 'bake'
  const revision = (n: number, weight: number): ServiceRevisionSummary => ({
    arn: MODEL_REVISION(n),
    requestedTaskCount: 2,
    runningTaskCount: 2,
    pendingTaskCount: 0,
    requestedProductionTrafficWeight: weight
  })
  return {
    serviceDeploymentArn: MODEL_ARN,
    status: ended ? 'SUCCESSFUL' : 'IN_PROGRESS',
    lifecycleStage: bake ? 'BAKE_TIME' : 'POST_TEST_TRAFFIC_SHIFT',
    createdAt: start,
    startedAt: start,
    ...(ended ? { finishedAt: new Date(start.getTime() + waitMs) } : {}),
    deploymentConfiguration: {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: bake ? waitMs / 60_000 : 5,
      ...(bake
        ? {}
        : { lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] })
    },
    targetServiceRevision: revision(2, bake ? 100 : 0),
    sourceServiceRevisions: [revision(1, bake ? 0 : 100)],
    lifecycleHookDetails:
      bake || ended
        ? []
        : [
            {
              hookId: 'pause-0',
              targetType: 'PAUSE',
              status: 'AWAITING_ACTION',
              // A PAUSE hook's default timeout: 1440 minutes.
              expiresAt: new Date(start.getTime() + 1440 * 60_000),
              timeoutAction: 'ROLLBACK'
            }
          ]
  }
}

export interface EcsWaitModel extends WaitModel {
  /** Every ECS call of the wait's reads: one DescribeServiceDeployments each, and the reader's lookups. */
  calls: number
  byOperation: Record<string, number>
}

/**
 * Runs src/watch/watch.ts's loop with the ECS reader (src/backends/ecs/reader.ts) through a bake or a
 * pause of `waitMs` on a fake clock, from the read that first sees it. The reader's client answers
 * from the model and counts what it is asked: the calls are the reader's own, stopped-task lookups too.
 */
export async function modelEcsWait(
  kind: EcsWaitKind,
  waitMs: number,
  pollIntervalMs: number
): Promise<EcsWaitModel> {
  const clock = fakeClock()
  const start = new Date(clock.t0)
  const readsAtMs: number[] = []
  const inWait: string[] = []
  const ecs = new ECSClient({ region: 'us-east-1' })
  const answer = (name: string): object => {
    if (name === 'DescribeServiceDeploymentsCommand') {
      readsAtMs.push(clock.t)
      return { serviceDeployments: [modelServiceDeployment(kind, clock.t >= waitMs, start, waitMs)] }
    }
    if (name === 'DescribeServiceRevisionsCommand') return { serviceRevisions: [{ taskDefinition: 'web:2' }] }
    return name === 'ListTasksCommand' ? { taskArns: [] } : { tasks: [] }
  }
  // The model answers in place of AWS: the reader's calls are counted, none is sent.
  ecs.send = ((command: object) => {
    const name = command.constructor.name
    if (clock.t < waitMs) inWait.push(name.replace(/Command$/, ''))
    return Promise.resolve(answer(name))
  }) as ECSClient['send']
  const reader = createEcsReader({ ecs, now: () => new Date(clock.t0 + clock.t) }, MODEL_ARN, {
    taskDefinitionArn: 'web:2'
  })
  await watchOnFakeClock(clock, () => reader.read(), 'succeeded', waitMs, pollIntervalMs)
  const inside = readsAtMs.filter(at => at < waitMs)
  const byOperation: Record<string, number> = {}
  for (const op of inWait) byOperation[op] = (byOperation[op] ?? 0) + 1
  return {
    reads: inside.length,
    readsAtMs: inside,
    seenAfterMs: readsAtMs.at(-1)! - waitMs,
    calls: inWait.length,
    byOperation
  }
}

// ---- the table -------------------------------------------------------------------------------

export interface Row {
  measure: string
  figure: string
  goal?: string
  pass?: boolean
}

export function renderTable(rows: readonly Row[]): string {
  const mark = (r: Row): string => (r.pass === undefined ? '' : r.pass ? '✓' : '✗')
  const cells = rows.map(r => [r.measure, r.figure, r.goal ?? '', mark(r)])
  const head = ['measure', 'figure', 'goal', '']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i]!.length)))
  const line = (c: string[]): string => `| ${c.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`
  return [line(head), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')
}

// ---- runs against the simulator --------------------------------------------------------------

function variant(
  base: Scenario,
  name: string,
  group: Partial<DeploymentGroupSpec>,
  durations?: Partial<Durations>
): Scenario {
  const [web, ...others] = base.services
  return {
    ...base,
    name,
    services: [{ ...web!, group: { ...web!.group, ...group } }, ...others],
    ...(durations ? { durations: { ...base.durations, ...durations } } : {})
  }
}

interface Deployed {
  run: ActionRun
  calls: CallRecord[]
  timeScale: number
  /** Simulated times of the deployment: its end, and each lifecycle event's start and end. */
  completeSim: number
  events: Record<string, { start?: number; end?: number }>
}

async function deploy(
  scenario: Scenario,
  timeScale: number,
  opts: { node?: string; onSim?: (sim: Simulator) => void } = {}
): Promise<Deployed> {
  const sim = await startSimulator({ scenario, timeScale })
  opts.onSim?.(sim)
  try {
    const run = await runAction({
      env: sim.env,
      inputs: INPUTS,
      ...(opts.node ? { node: opts.node } : {}),
      killAfterMs: 300_000
    })
    // The one the action created, not the group's history.
    const dep = sim.engine.deployments.find(d => d.creator === 'user' && !d.id.startsWith('d-HISTORY'))
    if (run.exitCode !== 0 || dep?.completeTime === undefined) {
      throw new Error(
        `The bench's ${scenario.name} deployment did not succeed (exit ${run.exitCode}, ${run.signal ?? 'no signal'}); ` +
          `the figures would be meaningless. Its log:\n${run.lines.join('\n')}\n${run.stderr}`
      )
    }
    const events = Object.fromEntries(
      (dep.target?.events ?? []).map(e => [e.lifecycleEventName, { start: e.startTime, end: e.endTime }])
    )
    return { run, calls: [...sim.calls], timeScale, completeSim: dep.completeTime, events }
  } finally {
    await sim.close()
  }
}

function spawnToExit(node: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(node, args, { stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', () => {
      resolve(Date.now() - started)
    })
  })
}

interface EcsDeployed {
  calls: CallRecord[]
  /** Simulated time each stage was first seen in, and when a PAUSE hook began and ended its wait. */
  stages: Record<string, number>
  pause?: { from: number; to: number }
}

/**
 * Runs the action on `web` under the ECS controller. Stage changes are seen by advancing the
 * simulator as a request would, every 20 ms; a PAUSE hook that waits is continued after
 * `continueAfterMs` of real time, as someone would from the console.
 */
async function deployEcs(
  name: string,
  config: DeploymentConfiguration,
  timeScale: number,
  opts: { durations?: Partial<EcsDurations>; inputs?: Record<string, string>; continueAfterMs?: number } = {}
): Promise<EcsDeployed> {
  const scenario = ecsScenario(
    name,
    name,
    ecsWeb(config, opts.durations ? { ecsDurations: opts.durations } : {})
  )
  const sim = await startSimulator({ scenario, timeScale })
  const svc = sim.ecsDeployments.services.find(s => s.service.name === 'web')!
  const before = new Set(svc.deployments.map(d => d.arn))
  const stages: Record<string, number> = {}
  let pause: { from: number; to?: number; realFrom: number } | undefined
  const timer = setInterval(() => {
    const now = sim.now().getTime() / 1000
    sim.ecsDeployments.advance(now)
    const dep = svc.deployments.find(d => !before.has(d.arn))
    if (!dep) return
    if (dep.lifecycleStage) stages[dep.lifecycleStage] ??= now
    const waiting = dep.hooks.find(h => h.status === 'AWAITING_ACTION')
    if (!waiting || opts.continueAfterMs === undefined) return
    pause ??= { from: now, realFrom: Date.now() }
    if (pause.to === undefined && Date.now() - pause.realFrom >= opts.continueAfterMs) {
      pause.to = now
      sim.ecsDeployments.continueHook(dep, waiting, 'CONTINUE', now)
    }
  }, 20)
  try {
    const run = await runAction({ env: sim.env, inputs: { ...INPUTS, ...opts.inputs }, killAfterMs: 300_000 })
    if (run.exitCode !== 0) {
      throw new Error(
        `The bench's ${name} deployment did not succeed (exit ${run.exitCode}, ${run.signal ?? 'no signal'}); ` +
          `the figures would be meaningless. Its log:\n${run.lines.join('\n')}\n${run.stderr}`
      )
    }
    return {
      calls: [...sim.calls],
      stages,
      ...(pause?.to !== undefined ? { pause: { from: pause.from, to: pause.to } } : {})
    }
  } finally {
    clearInterval(timer)
    await sim.close()
  }
}

/** The AWS calls from a stage's start to the next stage's, and the reads among them. */
function ecsWindow(
  d: EcsDeployed,
  from: number,
  to: number
): { calls: CallRecord[]; reads: number; seconds: number } {
  const calls = awsCalls(callsBetween(d.calls, from, to))
  return {
    calls,
    reads: calls.filter(c => c.operation === 'DescribeServiceDeployments').length,
    seconds: to - from
  }
}

const exitAfterEnd = (d: Deployed): number => d.run.endedAt - simToRealMs(d.calls, d.timeScale, d.completeSim)
const firstRequestMs = (d: Deployed): number => awsCalls(d.calls)[0]!.at.getTime() - d.run.startedAt
const ms = (n: number): string => `${Math.round(n)} ms`
const perMinute = (count: number, windowMs: number): number =>
  Math.round((count / (windowMs / 60_000)) * 10) / 10

async function main(): Promise<void> {
  const began = Date.now()
  const say = (s: string): void => {
    console.error(`[bench +${Math.round((Date.now() - began) / 1000)}s] ${s}`)
  }

  // The real-time termination wait takes longest: started first, the rest runs beside its quiet wait.
  const terminationScenario = variant(
    scenarios['all-at-once'],
    'bench-termination-wait',
    { terminationWaitMinutes: REAL_TERMINATION_WAIT_MINUTES },
    BRISK
  )
  let inWait: () => void = () => undefined
  const waitBegan = new Promise<void>(resolve => (inWait = resolve))
  say(`termination wait: ${REAL_TERMINATION_WAIT_MINUTES} min in real time (simulator at 1x)`)
  const termination = deploy(terminationScenario, 1, {
    onSim: sim => {
      const timer = setInterval(() => {
        if (sim.engine.deployments.some(d => d.waiting === 'termination')) {
          clearInterval(timer)
          inWait()
        }
      }, 100)
      // A failed deployment rejects `termination`; the poll must not keep the bench alive after it.
      timer.unref()
    }
  })
  await Promise.race([waitBegan, termination])

  // Cold starts, and exit after the end: one at a time, while the other action sleeps.
  const endScenario = variant(scenarios['all-at-once'], 'bench-no-termination-wait', {
    terminationWaitMinutes: 0
  })
  const cold: {
    node: string
    path: string
    firstRequest: number[]
    bare: number[]
    exitAfterEnd: number[]
    runs: Deployed[]
  }[] = []
  for (const node of nodeBinaries()) {
    say(`cold start and exit after the end on ${node.name}: ${COLD_RUNS} deployments`)
    const entry = {
      node: node.name,
      path: node.path,
      firstRequest: [] as number[],
      bare: [] as number[],
      exitAfterEnd: [] as number[],
      runs: [] as Deployed[]
    }
    for (let i = 0; i < COLD_RUNS; i++) {
      entry.bare.push(await spawnToExit(node.path, ['-e', '']))
      const d = await deploy(endScenario, 50, { node: node.path })
      entry.runs.push(d)
      entry.firstRequest.push(firstRequestMs(d))
      entry.exitAfterEnd.push(exitAfterEnd(d))
    }
    cold.push(entry)
  }

  say(
    `canary bake of ${CANARY_BAKE_MINUTES} min stretched to ${REAL_BAKE_SECONDS} real s, and a linear deployment`
  )
  const bakeScale = (CANARY_BAKE_MINUTES * 60) / REAL_BAKE_SECONDS
  say(
    `ECS's own deployments: linear (20x), a ${CANARY_BAKE_MINUTES}-min bake stretched to ${REAL_BAKE_SECONDS} real s, ` +
      `a PAUSE hook continued after ${REAL_PAUSE_SECONDS} real s (1x)`
  )
  const [bake, linear, term, ecsLinear, ecsBake, ecsPause] = await Promise.all([
    deploy(variant(scenarios.canary, 'bench-canary-bake', { terminationWaitMinutes: 0 }, BRISK), bakeScale),
    // Real durations before AllowTraffic: the target is discovered during Install, as against AWS.
    deploy(variant(scenarios.linear, 'bench-linear', { terminationWaitMinutes: 0 }), 20),
    termination,
    deployEcs(
      'bench-ecs-linear',
      {
        strategy: 'LINEAR',
        bakeTimeInMinutes: 1,
        linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 }
      },
      20
    ),
    deployEcs(
      'bench-ecs-bake',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: CANARY_BAKE_MINUTES },
      bakeScale,
      {
        durations: ECS_BRISK
      }
    ),
    deployEcs(
      'bench-ecs-pause',
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
      },
      1,
      {
        durations: ECS_BRISK,
        inputs: { 'wait-until': 'traffic-shifted' },
        continueAfterMs: REAL_PAUSE_SECONDS * 1000
      }
    )
  ])

  // ECS: polls from PRODUCTION_TRAFFIC_SHIFT's start to the next stage's; the bake time; the pause.
  const shiftFrom = ecsLinear.stages.PRODUCTION_TRAFFIC_SHIFT!
  const shiftTo = ecsLinear.stages.POST_PRODUCTION_TRAFFIC_SHIFT!
  const ecsPerPoll = pollsOf(ecsLinear.calls, 'DescribeServiceDeployments')
    .filter(p => p.simAt >= shiftFrom && p.simAt < shiftTo)
    .map(p => p.calls.length)
  const ecsBakeWindow = ecsWindow(ecsBake, ecsBake.stages.BAKE_TIME!, ecsBake.stages.CLEAN_UP!)
  if (!ecsPause.pause) throw new Error('The bench saw no PAUSE hook wait in its ECS deployment.')
  const ecsPauseWindow = ecsWindow(ecsPause, ecsPause.pause.from, ecsPause.pause.to)

  // Read calls per poll while traffic moves: every poll inside AllowTraffic of the linear deployment.
  const allow = linear.events.AllowTraffic!
  const shiftingPolls = pollsOf(linear.calls).filter(p => p.simAt >= allow.start! && p.simAt < allow.end!)
  const perPoll = shiftingPolls.map(p => p.calls.length)

  // The bake: from the first traffic step to the second.
  const bakeFrom = bake.events.AllowTraffic!.start!
  const bakeCalls = awsCalls(callsBetween(bake.calls, bakeFrom, bakeFrom + CANARY_BAKE_MINUTES * 60))
  const bakeReads = bakeCalls.filter(c => c.operation === 'GetDeployment').length

  // The termination wait: from AfterAllowTraffic's end until the original task set goes.
  const termFrom = term.events.AfterAllowTraffic!.end!
  const termWindowMs = REAL_TERMINATION_WAIT_MINUTES * 60_000
  const termCalls = awsCalls(callsBetween(term.calls, termFrom, termFrom + termWindowMs / 1000))
  const termReads = termCalls.filter(c => c.operation === 'GetDeployment').length

  const models = {
    terminationWait60MinPoll1s: await modelWait('termination-wait', 3_600_000, POLL_MS),
    terminationWait60MinPoll5s: await modelWait('termination-wait', 3_600_000, 5000),
    terminationWaitMeasuredWindow: await modelWait('termination-wait', termWindowMs, POLL_MS),
    canaryBake5MinPoll1s: await modelWait('canary-bake', CANARY_BAKE_MINUTES * 60_000, POLL_MS)
  }
  const ecsModels = {
    bake60MinPoll1s: await modelEcsWait('bake', 3_600_000, POLL_MS),
    bake60MinPoll5s: await modelEcsWait('bake', 3_600_000, 5000),
    pause60MinPoll1s: await modelEcsWait('pause', 3_600_000, POLL_MS),
    pause60MinPoll5s: await modelEcsWait('pause', 3_600_000, 5000)
  }
  // In the termination wait a read is one GetDeployment; the target is read once on entering it.
  const termOnce = termCalls.length - termReads
  const hourCalls = (poll: WaitModel): number => poll.reads + termOnce
  const bakeCallsPerRead = bakeCalls.length / bakeReads

  const bytes = statSync(bundle).size
  const rows: Row[] = []
  for (const c of cold) {
    const first = median(c.firstRequest)
    const bare = median(c.bare)
    rows.push({
      measure: `Cold start, process start to first AWS request, ${c.node} (median of ${COLD_RUNS})`,
      figure: `${ms(first)} (bare node -e '' ${ms(bare)}: ${(first / bare).toFixed(1)}x)`,
      goal: `≤ ${GOALS.coldStartRatio}x bare (${ms(bare * GOALS.coldStartRatio)})`,
      pass: first <= bare * GOALS.coldStartRatio
    })
  }
  const ends = cold.flatMap(c => c.exitAfterEnd)
  rows.push({
    measure: `Deployment end to action exit, poll 1 s (median / max of ${ends.length})`,
    figure: `${ms(median(ends))} / ${ms(Math.max(...ends))}`,
    goal: `≤ ${ms(GOALS.exitAfterEndMs)}`,
    pass: Math.max(...ends) <= GOALS.exitAfterEndMs
  })
  rows.push({
    measure: 'Deployment end to action exit after a real-time termination wait (10 s drain)',
    figure: ms(exitAfterEnd(term)),
    goal: `≤ ${ms(GOALS.exitAfterEndMs)}`,
    pass: exitAfterEnd(term) <= GOALS.exitAfterEndMs
  })
  const perDeployment = {
    'all-at-once, no termination wait (50x)': awsCalls(cold[0]!.runs[0]!.calls),
    'canary, bake stretched to 90 s': awsCalls(bake.calls),
    'linear 10%/1 min (20x)': awsCalls(linear.calls),
    [`all-at-once, ${REAL_TERMINATION_WAIT_MINUTES}-min termination wait (1x)`]: awsCalls(term.calls)
  }
  for (const [name, calls] of Object.entries(perDeployment)) {
    rows.push({ measure: `AWS calls per deployment: ${name}`, figure: String(calls.length) })
  }
  rows.push({
    measure: `Read calls per poll while traffic moves (linear, ${perPoll.length} polls)`,
    figure: `max ${Math.max(...perPoll)}, mean ${(perPoll.reduce((a, b) => a + b, 0) / perPoll.length).toFixed(2)}`,
    goal: `≤ ${GOALS.readCallsPerPoll}`,
    pass: Math.max(...perPoll) <= GOALS.readCallsPerPoll
  })
  rows.push({
    measure: `Canary bake, measured: its first ${REAL_BAKE_SECONDS} s in real time`,
    figure:
      `${bakeCalls.length} calls = ${bakeReads} reads x ${bakeCallsPerRead} ` +
      `(${perMinute(bakeCalls.length, REAL_BAKE_SECONDS * 1000)}/min)`
  })
  rows.push({
    measure: `Canary bake, model: a ${CANARY_BAKE_MINUTES}-min bake, poll 1 s`,
    figure:
      `${Math.round(models.canaryBake5MinPoll1s.reads * bakeCallsPerRead)} calls (${models.canaryBake5MinPoll1s.reads} reads); ` +
      `its end seen ${(models.canaryBake5MinPoll1s.seenAfterMs / 1000).toFixed(1)} s late`
  })
  rows.push({
    measure: `Termination wait, measured: ${REAL_TERMINATION_WAIT_MINUTES} min in real time`,
    figure:
      `${termCalls.length} calls = ${termReads} reads + ${termOnce} (${perMinute(termCalls.length, termWindowMs)}/min); ` +
      `the model predicts ${models.terminationWaitMeasuredWindow.reads} reads`
  })
  rows.push({
    measure: "Termination wait, model: an hour's wait, poll 1 s",
    figure: `${hourCalls(models.terminationWait60MinPoll1s)} calls (${models.terminationWait60MinPoll1s.reads} reads + ${termOnce} target read)`,
    goal: `≤ ${GOALS.hourTerminationWaitCalls} calls`,
    pass: hourCalls(models.terminationWait60MinPoll1s) <= GOALS.hourTerminationWaitCalls
  })
  rows.push({
    measure: "Termination wait, model: an hour's wait, poll 5 s (the default)",
    figure: `${hourCalls(models.terminationWait60MinPoll5s)} calls (${models.terminationWait60MinPoll5s.reads} reads + ${termOnce} target read)`,
    goal: `≤ ${GOALS.hourTerminationWaitCalls} calls`,
    pass: hourCalls(models.terminationWait60MinPoll5s) <= GOALS.hourTerminationWaitCalls
  })
  rows.push({
    measure: `ECS: read calls per poll while traffic moves (linear, ${ecsPerPoll.length} polls)`,
    figure: `max ${Math.max(...ecsPerPoll)}, mean ${(ecsPerPoll.reduce((a, b) => a + b, 0) / ecsPerPoll.length).toFixed(2)}`,
    goal: `≤ ${GOALS.readCallsPerPoll}`,
    pass: Math.max(...ecsPerPoll) <= GOALS.readCallsPerPoll
  })
  rows.push({
    measure: `ECS bake time, measured: ${CANARY_BAKE_MINUTES} min stretched to ${REAL_BAKE_SECONDS} real s`,
    figure:
      `${ecsBakeWindow.calls.length} calls, ${ecsBakeWindow.reads} reads ` +
      `(${perMinute(ecsBakeWindow.calls.length, (ecsBakeWindow.seconds * 1000) / bakeScale)}/real min)`
  })
  rows.push({
    measure: `ECS PAUSE hook, measured: ${REAL_PAUSE_SECONDS} s in real time until continued`,
    figure:
      `${ecsPauseWindow.calls.length} calls, ${ecsPauseWindow.reads} reads ` +
      `(${perMinute(ecsPauseWindow.calls.length, ecsPauseWindow.seconds * 1000)}/min)`
  })
  const ecsHour = (name: string, m: EcsWaitModel, poll: string, seen: string): Row => ({
    measure: `ECS ${name}, model: an hour, poll ${poll}`,
    figure: `${m.calls} calls (${m.reads} reads); ${seen} ${(m.seenAfterMs / 1000).toFixed(1)} s late`,
    goal: `≤ ${GOALS.hourQuietWaitCalls} calls`,
    pass: m.calls <= GOALS.hourQuietWaitCalls
  })
  rows.push(ecsHour('bake time', ecsModels.bake60MinPoll1s, '1 s', 'its end seen'))
  rows.push(ecsHour('bake time', ecsModels.bake60MinPoll5s, '5 s (the default)', 'its end seen'))
  rows.push(
    ecsHour('PAUSE hook waiting for a continue', ecsModels.pause60MinPoll1s, '1 s', 'the continue seen')
  )
  rows.push(
    ecsHour(
      'PAUSE hook waiting for a continue',
      ecsModels.pause60MinPoll5s,
      '5 s (the default)',
      'the continue seen'
    )
  )
  rows.push({
    measure: 'dist/index.js size',
    figure: `${bytes} bytes (${(bytes / 1024 / 1024).toFixed(2)} MB)`
  })

  const table = renderTable(rows)
  console.log(table)

  const results = {
    generatedAt: new Date().toISOString(),
    machine: { platform: platform(), arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    settings: {
      pollIntervalSeconds: POLL_MS / 1000,
      addedLatencyMs: 0,
      coldRuns: COLD_RUNS,
      timeScales: {
        coldAndEnd: 50,
        canaryBake: bakeScale,
        linear: 20,
        terminationWait: 1,
        ecsLinear: 20,
        ecsBake: bakeScale,
        ecsPause: 1
      }
    },
    coldStart: cold.map(c => ({
      node: c.node,
      firstRequestMs: c.firstRequest,
      bareNodeMs: c.bare,
      medianFirstRequestMs: median(c.firstRequest),
      medianBareNodeMs: median(c.bare)
    })),
    exitAfterEndMs: {
      runs: ends.map(Math.round),
      median: Math.round(median(ends)),
      max: Math.round(Math.max(...ends)),
      afterRealTimeTerminationWait: Math.round(exitAfterEnd(term))
    },
    callsPerDeployment: Object.fromEntries(
      Object.entries(perDeployment).map(([name, calls]) => [
        name,
        { total: calls.length, byOperation: countByOperation(calls) }
      ])
    ),
    readCallsPerPollWhileShifting: { polls: perPoll.length, max: Math.max(...perPoll), perPoll },
    waits: {
      canaryBakeMeasured: {
        windowSeconds: REAL_BAKE_SECONDS,
        calls: bakeCalls.length,
        reads: bakeReads,
        byOperation: countByOperation(bakeCalls)
      },
      terminationWaitMeasured: {
        windowSeconds: termWindowMs / 1000,
        calls: termCalls.length,
        reads: termReads,
        byOperation: countByOperation(termCalls)
      },
      model: Object.fromEntries(
        Object.entries(models).map(([name, m]) => [
          name,
          {
            reads: m.reads,
            endSeenAfterMs: Math.round(m.seenAfterMs),
            firstReadsAtSeconds: m.readsAtMs.slice(0, 12).map(x => Math.round(x / 100) / 10)
          }
        ])
      ),
      hourTerminationWaitCalls: {
        poll1s: hourCalls(models.terminationWait60MinPoll1s),
        poll5s: hourCalls(models.terminationWait60MinPoll5s)
      }
    },
    ecs: {
      readCallsPerPollWhileShifting: {
        polls: ecsPerPoll.length,
        max: Math.max(...ecsPerPoll),
        perPoll: ecsPerPoll
      },
      bakeMeasured: {
        simulatedSeconds: ecsBakeWindow.seconds,
        calls: ecsBakeWindow.calls.length,
        reads: ecsBakeWindow.reads,
        byOperation: countByOperation(ecsBakeWindow.calls)
      },
      pauseMeasured: {
        seconds: ecsPauseWindow.seconds,
        calls: ecsPauseWindow.calls.length,
        reads: ecsPauseWindow.reads,
        byOperation: countByOperation(ecsPauseWindow.calls)
      },
      model: Object.fromEntries(
        Object.entries(ecsModels).map(([name, m]) => [
          name,
          {
            calls: m.calls,
            reads: m.reads,
            byOperation: m.byOperation,
            endSeenAfterMs: Math.round(m.seenAfterMs)
          }
        ])
      )
    },
    bundle: { bytes, megabytes: Math.round((bytes / 1024 / 1024) * 100) / 100 },
    goals: rows
      .filter(r => r.pass !== undefined)
      .map(r => ({ measure: r.measure, figure: r.figure, goal: r.goal, pass: r.pass }))
  }
  const cache = join(repoRoot, '.cache')
  mkdirSync(cache, { recursive: true })
  writeFileSync(join(cache, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`)
  say(`wrote .cache/bench-results.json (${rows.filter(r => r.pass === false).length} goals missed)`)
}

// Imported by its test for the pure parts; run by `npm run bench`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
    process.exitCode = 1
  })
}
