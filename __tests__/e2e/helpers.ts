// Shared by the end-to-end tests: each test starts its own simulator, runs the built action
// (dist/index.js) against it as the runner does, and reads what the run left behind: exit code,
// log lines, outputs, summary, and the AWS and GitHub calls the simulator recorded.
import { jest } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { runAction, visibleLog, type ActionRun, type RunOptions } from '../../sim/run-action.js'
import { scenarios, type Faults, type Scenario, type ScenarioName } from '../../sim/scenarios.js'
import { startSimulator, type CallRecord, type Simulator } from '../../sim/server.js'

export { nodeBinaries } from '../../sim/run-action.js'
export type { ActionRun }

export const IMAGE = 'public.ecr.aws/nginx/nginx:1.27'
export const ACCOUNT_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition'
/** The `web` service runs revision 3 of its family when a scenario starts. */
export const WEB_PREVIOUS = `${ACCOUNT_TD}/web:3`
export const WEB_NEXT = `${ACCOUNT_TD}/web:4`

/** Inputs of a typical deploy of `web`; polling every second keeps real-time runs short. */
export const WEB: Record<string, string> = {
  service: 'web',
  cluster: 'sim-cluster',
  image: IMAGE,
  'poll-interval-seconds': '1'
}

/** AWS calls that change something: none may happen for a run that cannot deploy. */
export const WRITE_OPERATIONS = [
  'RegisterTaskDefinition',
  'DeregisterTaskDefinition',
  'CreateDeployment',
  'StopDeployment',
  'ContinueDeployment',
  'PutLifecycleEventHookExecutionStatus',
  'TagResource',
  'UpdateService',
  'RunTask',
  'StopTask',
  'StopServiceDeployment',
  'ContinueServiceDeployment'
]

export { LIFECYCLE_EVENTS } from '../../sim/engine.js'

/**
 * The two CodeDeploys the termination wait is tested against: the real one, which never sets
 * instanceTerminationWaitTimeStarted for ECS (aws/containers-roadmap#269), and one that does, as its
 * model promises and should AWS fix it.
 */
export const WORLDS = [
  { world: 'real CodeDeploy', fixes: {} },
  { world: 'CodeDeploy with the flag fixed', fixes: { setsTerminationWaitFlag: true } }
] as const satisfies readonly { world: string; fixes: Partial<Scenario> }[]

/** A scenario played by the CodeDeploy of `fixes` (see WORLDS). */
export function inWorld(name: ScenarioName | Scenario, fixes: Partial<Scenario>): Scenario {
  const scenario = typeof name === 'string' ? scenarios[name] : name
  return { ...scenario, ...fixes }
}

/**
 * Starts a fresh simulator per test and closes it after the test; `afterEach` is registered by
 * the call, so call it once at the top of a test file (or describe block).
 */
export function useSimulator(): {
  start: (scenario: ScenarioName | Scenario, timeScale: number, faults?: Faults) => Promise<Simulator>
  /** Runs the action against the current simulator. */
  run: (inputs: Record<string, string>, extra?: Partial<RunOptions>) => Promise<ActionRun>
  /**
   * Runs the action on the simulator's clock (sim/clock.js): its polls, back-off and SDK retry
   * delays pass as fast as the simulated deployment, so waiting costs what it would on AWS divided by
   * the time scale. Not for tests of the runner's signals, which stay in real time.
   */
  runOnSimClock: (inputs: Record<string, string>, extra?: Partial<RunOptions>) => Promise<ActionRun>
  sim: () => Simulator
} {
  let current: Simulator | undefined
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  const sim = (): Simulator => {
    if (!current) throw new Error('start() the simulator first')
    return current
  }
  return {
    start: async (scenario, timeScale, faults) => {
      current = await startSimulator({
        scenario: typeof scenario === 'string' ? scenarios[scenario] : scenario,
        timeScale
      })
      if (faults) current.setFaults(faults)
      return current
    },
    run: (inputs, extra = {}) => runAction({ env: sim().env, inputs, killAfterMs: 90_000, ...extra }),
    runOnSimClock: (inputs, extra = {}) =>
      runAction({ env: sim().env, inputs, killAfterMs: 90_000, clock: sim().clock(), ...extra }),
    sim
  }
}

/**
 * useSimulator() for a file of action runs, each test given `timeoutMs`: a run is a whole
 * deployment, far longer than jest's 5 s default.
 */
export function useSimulatorRuns(timeoutMs = 60_000): ReturnType<typeof useSimulator> {
  jest.setTimeout(timeoutMs)
  return useSimulator()
}

/** The log as a person reads it: workflow commands that only carry data left out. */
export function logText(run: ActionRun): string {
  return visibleLog(run).join('\n')
}

/** Log lines with the `[+m:ss] ` elapsed-time prefix removed. */
export function stream(run: ActionRun): string[] {
  return visibleLog(run).map(l => l.replace(/^\[\+\d+:\d\d\] /, ''))
}

/** Stream lines that belong to the deployment itself, not to a rollback deployment's group. */
export function ownStream(run: ActionRun): string[] {
  return stream(run).filter(l => !l.startsWith('Rollback d-'))
}

/** The `Traffic: original X% | replacement Y%` lines as [original, replacement] pairs, in order. */
export function trafficSplits(lines: string[]): [number, number][] {
  return lines.flatMap(l => {
    const m = /^Traffic: original (\d+)% \| replacement (\d+)%$/.exec(l)
    return m ? [[Number(m[1]), Number(m[2])] as [number, number]] : []
  })
}

export function callsTo(sim: Simulator, operation: string, status?: number): CallRecord[] {
  return sim.calls.filter(c => c.operation === operation && (status === undefined || c.status === status))
}

export function writeCalls(sim: Simulator): CallRecord[] {
  return sim.calls.filter(c => c.service !== 'github' && WRITE_OPERATIONS.includes(c.operation))
}

/** Operation names of successful write calls, in order. */
export function writes(sim: Simulator): string[] {
  return writeCalls(sim)
    .filter(c => c.status === 200)
    .map(c => c.operation)
}

/** A recorded request body, typed as the test expects it (the simulator validated its shape). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it reads
export function body<T = Record<string, unknown>>(call: CallRecord | undefined): T {
  if (!call) throw new Error('no such call')
  return call.body as T
}

/** A workspace directory with these files in it. */
export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-deploy-ws-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

/**
 * The state a main step of this run that owned `deploymentId` saves, as the post step reads it:
 * `main` is a real main step's saved state, which carries the run's post-step mark.
 */
export function postState(main: Record<string, string>, deploymentId: string): Record<string, string> {
  return { ...main, 'rollback-on-cancel': 'true', 'deployment-id': deploymentId, settled: '' }
}

/** Index of the first line that contains `text`, or -1. */
export function lineIndex(lines: string[], text: string | RegExp): number {
  return lines.findIndex(l => (typeof text === 'string' ? l.includes(text) : text.test(l)))
}

/** The one ::error line of a run that failed; fails the test unless it exited non-zero with exactly one. */
export function onlyError(run: ActionRun): string {
  expect(run.exitCode).not.toBe(0)
  expect(run.errors).toHaveLength(1)
  return run.errors[0]!
}
