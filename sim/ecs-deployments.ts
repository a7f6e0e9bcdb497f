// Plays ECS's own service deployments (deployment controller ECS: strategies ROLLING, BLUE_GREEN,
// LINEAR, CANARY) on the simulated clock, as sim/engine.ts plays CodeDeploy's. A deployment is a
// chain of timed steps in one queue; `advance(now)` applies the steps that are due, in time order,
// so what a request reads is a function of elapsed simulated time. Stop, continue and failures drop a
// deployment's queued steps and chain new ones from the current time.
//
// Sources: the botocore ECS model and @aws-sdk/client-ecs 3.1164 types [M], the AWS documentation
// [D] (service-deployment, blue-green-deployment-how-it-works, deployment-lifecycle-hooks,
// pause-lifecycle-hooks, lambda-lifecycle-hooks, stop-service-deployment,
// continue-service-deployment). What neither says is marked [I]: the simulator's guess.
import { createHash } from 'node:crypto'
import { HOOK_STAGES } from '../src/backends/ecs/configuration.js'
import { STAGES, type Stage } from '../src/backends/ecs/snapshot.js'
import type { ServiceSpec } from './scenarios.js'
import { Rng, type ServiceRecord, type SimState, type TaskRecord, type TaskSetRecord } from './state.js'

// ---- the API's vocabulary [M] --------------------------------------------------------------

// The names are the action's own lists, as AWS documents them: a plain list the simulator shares.
export const LIFECYCLE_STAGES = STAGES
export type LifecycleStage = Stage

/** Where hooks can run (DeploymentLifecycleHookStage). PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage only. */
export { HOOK_STAGES }
export type HookStage = (typeof HOOK_STAGES)[number]
/** "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT" [M][D]. */
export const PAUSE_FORBIDDEN_STAGES: readonly HookStage[] = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY'
export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOP_REQUESTED'
  | 'STOPPED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED'
const TERMINAL: ServiceDeploymentStatus[] = [
  'SUCCESSFUL',
  'STOPPED',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED'
]
export const isTerminal = (s: ServiceDeploymentStatus): boolean => TERMINAL.includes(s)
type MonitorStatus = 'TRIGGERED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'DISABLED'
type HookStatus = 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'
export type HookAction = 'CONTINUE' | 'ROLLBACK'

/** DeploymentLifecycleHook as the service's configuration has it [M]. */
export interface LifecycleHook {
  /** Default AWS_LAMBDA [M]. */
  targetType?: 'AWS_LAMBDA' | 'PAUSE'
  /** The Lambda function; required for AWS_LAMBDA, not applicable to PAUSE [M]. */
  hookTargetArn?: string
  roleArn?: string
  lifecycleStages: HookStage[]
  hookDetails?: unknown
  /** Defaults: 1440 minutes, ROLLBACK [M: DeploymentLifecycleHookTimeoutConfiguration]. */
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: HookAction }
}

/** DeploymentConfiguration as botocore 1.43.11 models it [M]. */
export interface DeploymentConfiguration {
  strategy?: Strategy
  maximumPercent?: number
  minimumHealthyPercent?: number
  deploymentCircuitBreaker?: { enable: boolean; rollback: boolean }
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean }
  /** Required with BLUE_GREEN [M]; 0–1440. */
  bakeTimeInMinutes?: number
  lifecycleHooks?: LifecycleHook[]
  /** stepPercent 3.0–100.0 in 0.1 steps (default 10), stepBakeTimeInMinutes 0–1440 (default 6) [M]. */
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number }
  /** canaryPercent 0.1–100.0 in 0.1 steps (default 5), canaryBakeTimeInMinutes 0–1440 (default 10) [M]. */
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number }
}

export const HOOK_TIMEOUT_MINUTES_DEFAULT = 1440
export const HOOK_TIMEOUT_ACTION_DEFAULT: HookAction = 'ROLLBACK'

// ---- what a scenario scripts ---------------------------------------------------------------

/** How a Lambda hook answers. Default: SUCCEEDED after `durations.hook`. */
export interface LambdaScript {
  outcome?: 'SUCCEEDED' | 'FAILED'
  /** Why it failed; the deployment's statusReason and rollback.reason quote it. */
  reason?: string
  /** It answers IN_PROGRESS for this long first (ECS calls it again every 30 s, invisibly). */
  inProgressSeconds?: number
  /** The script applies at these stages only; elsewhere the function succeeds. Default: every stage. */
  stages?: HookStage[]
}

export interface EcsFaults {
  /** Replacement tasks crash after they start: the circuit breaker counts each one. */
  tasksFail?: {
    /** How many tasks crash; default every one. */
    count?: number
    stoppedReason?: string
    stopCode?: string
    exitCode?: number
    containerReason?: string
  }
  /** The alarm goes into ALARM `afterSeconds` into `stage` (ROLLING: after the deployment starts). */
  alarm?: { name: string; stage?: LifecycleStage; afterSeconds?: number }
  /** The rollback cannot complete: ROLLBACK_FAILED. */
  rollbackFails?: boolean
}

/** Phase lengths in simulated seconds. */
export interface EcsDurations {
  /** PENDING until IN_PROGRESS. */
  pending: number
  /** A hookable stage with no hook to run. */
  stage: number
  /** RECONCILE_SERVICE's own work. */
  reconcile: number
  /** A task from PENDING to RUNNING. */
  taskStart: number
  /** A RUNNING task until it counts as healthy (a crashing task stops before). */
  healthy: number
  /** A crashing task stops this long after it is RUNNING. */
  taskFail: number
  /** TEST_TRAFFIC_SHIFT's weight move. */
  testShift: number
  /** Each production traffic step's weight move. */
  shift: number
  /** A Lambda hook's answer (after any IN_PROGRESS time). */
  hook: number
  /** A task being stopped (connection draining). */
  drain: number
  /** ROLLBACK_REQUESTED (and STOP_REQUESTED) until the rollback (or stop) is under way. */
  requested: number
}

export const DEFAULT_ECS_DURATIONS: EcsDurations = {
  pending: 3,
  stage: 1,
  reconcile: 10,
  taskStart: 20,
  healthy: 20,
  taskFail: 10,
  testShift: 5,
  shift: 10,
  hook: 15,
  drain: 10,
  requested: 2
}

/** A service under the ECS deployment controller, as a scenario declares it. */
export interface EcsServiceSpec extends ServiceSpec {
  controller: 'ECS'
  deploymentConfiguration?: DeploymentConfiguration
  /** Blue/green family: the load balancer's advancedConfiguration (alternate target group = targetGroups[1]). */
  advancedConfiguration?: boolean
  /** DescribeServices shows no deploymentController, as for some services created long ago [I]. */
  omitDeploymentController?: boolean
  /** Lambda hook behaviour by function ARN. */
  lambdas?: Record<string, LambdaScript>
  ecsFaults?: EcsFaults
  ecsDurations?: Partial<EcsDurations>
  /** Another user's deployment of a fresh revision, started this many seconds before the simulator. */
  existingDeployment?: { startedSecondsAgo: number }
}

// ---- records -------------------------------------------------------------------------------

export interface ServiceRevisionRecord {
  arn: string
  svc: EcsService
  taskDefinition: string
  createdAt: number
  /** The ecs-svc/… group that runs the revision's tasks (what DescribeServices lists as a deployment). */
  ts: TaskSetRecord
  failedTasks: number
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'
  rolloutStateReason: string
}

interface RevisionView {
  rev: ServiceRevisionRecord
  prodWeight: number
  testWeight: number
  /** Task counts as they were when the deployment ended [D: "the number of running tasks when the deployment completes"]. */
  frozen?: { requested: number; running: number; pending: number }
}

export interface HookRun {
  hookId: string
  targetType: 'AWS_LAMBDA' | 'PAUSE'
  targetArn?: string
  status: HookStatus
  expiresAt: number
  timeoutAction: HookAction
  stage: HookStage
  batch: number
}

export interface ServiceDeploymentRecord {
  arn: string
  svc: EcsService
  status: ServiceDeploymentStatus
  statusReason?: string
  lifecycleStage?: LifecycleStage
  createdAt: number
  startedAt?: number
  finishedAt?: number
  stoppedAt?: number
  updatedAt: number
  strategy: Strategy
  /** The service's deployment configuration when the deployment was created. */
  config: DeploymentConfiguration
  desired: number
  target: RevisionView
  sources: RevisionView[]
  /** What lifecycleHookDetails shows: the hooks of the latest stage that ran any. */
  hooks: HookRun[]
  /** Every hook run of the deployment, for ContinueServiceDeployment's lookup. */
  allHooks: HookRun[]
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string }
  circuitBreaker: { status: MonitorStatus; failureCount: number; threshold: number }
  alarms: { status: MonitorStatus; alarmNames?: string[]; triggeredAlarmNames?: string[] }
  faults: EcsFaults
  /** Tasks of the target revision that became healthy. */
  healthy: Set<string>
  /** Crashing tasks still to come (tasksFail.count). */
  failuresLeft: number
  /** The hooks the deployment waits for and what follows them. */
  waiting?: { batch: number; next: (t: number) => void }
  /** Bumped on every stage change: a stage timeout only applies to the stage it was set for. */
  stageSeq: number
  /** The revision production traffic goes back to on a rollback. */
  rollbackTo: ServiceRevisionRecord
}

export interface EcsService {
  service: ServiceRecord
  spec: EcsServiceSpec
  config: DeploymentConfiguration
  advanced?: {
    alternateTargetGroupArn: string
    productionListenerRule: string
    testListenerRule?: string
    roleArn: string
  }
  revisions: ServiceRevisionRecord[]
  deployments: ServiceDeploymentRecord[]
  /** The revision the service drives towards: DescribeServices marks its deployment PRIMARY. */
  primary: ServiceRevisionRecord
  /** The revision that has production traffic (blue/green family). */
  production: ServiceRevisionRecord
  faults: EcsFaults
  durations: EcsDurations
}

interface Step {
  at: number
  seq: number
  arn: string
  run: (t: number) => void
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const registry = new WeakMap<SimState, EcsDeployments>()

export const isBlueGreenFamily = (s: Strategy): boolean => s !== 'ROLLING'

/** The circuit breaker's threshold: 0.5 × desired, at least 3, at most 200 [M]; rounded up [I]. */
export const circuitBreakerThreshold = (desired: number): number =>
  Math.min(200, Math.max(3, Math.ceil(0.5 * desired)))

/** Production weights of the target after each traffic step. */
export function trafficSteps(config: DeploymentConfiguration): {
  weights: number[]
  stepBakeSeconds: number
} {
  const strategy = config.strategy ?? 'ROLLING'
  if (strategy === 'LINEAR') {
    const p = config.linearConfiguration?.stepPercent ?? 10
    const n = Math.ceil(100 / p - 1e-9)
    return {
      weights: Array.from({ length: n }, (_, k) => Math.min(100, Math.round((k + 1) * p * 10) / 10)),
      stepBakeSeconds: (config.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60
    }
  }
  if (strategy === 'CANARY') {
    const p = config.canaryConfiguration?.canaryPercent ?? 5
    return {
      weights: p >= 100 ? [100] : [p, 100],
      stepBakeSeconds: (config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60
    }
  }
  return { weights: [100], stepBakeSeconds: 0 }
}

/**
 * What real ECS refuses in a deployment configuration (CreateService/UpdateService); undefined when
 * it is fine. The checks are the model's documented constraints; the messages are [I].
 */
export function configurationProblem(
  c: DeploymentConfiguration,
  lb: { hasLoadBalancer: boolean; advanced: boolean }
): string | undefined {
  const strategy = c.strategy ?? 'ROLLING'
  if (strategy === 'BLUE_GREEN' && c.bakeTimeInMinutes === undefined)
    return 'bakeTimeInMinutes is required with the BLUE_GREEN deployment strategy.'
  if (c.bakeTimeInMinutes !== undefined && (c.bakeTimeInMinutes < 0 || c.bakeTimeInMinutes > 1440))
    return 'bakeTimeInMinutes must be between 0 and 1440.'
  const tenth = (x: number): boolean => Math.abs(x * 10 - Math.round(x * 10)) < 1e-9
  const linear = c.linearConfiguration
  if (
    linear?.stepPercent !== undefined &&
    (linear.stepPercent < 3 || linear.stepPercent > 100 || !tenth(linear.stepPercent))
  )
    return 'linearConfiguration.stepPercent must be a multiple of 0.1 between 3.0 and 100.0.'
  const canary = c.canaryConfiguration
  if (
    canary?.canaryPercent !== undefined &&
    (canary.canaryPercent < 0.1 || canary.canaryPercent > 100 || !tenth(canary.canaryPercent))
  )
    return 'canaryConfiguration.canaryPercent must be a multiple of 0.1 between 0.1 and 100.0.'
  for (const m of [linear?.stepBakeTimeInMinutes, canary?.canaryBakeTimeInMinutes])
    if (m !== undefined && (m < 0 || m > 1440)) return 'Step bake times must be between 0 and 1440 minutes.'
  // [I] message; ECS needs the alternate target group and listener rules to shift traffic [D].
  if (isBlueGreenFamily(strategy) && lb.hasLoadBalancer && !lb.advanced)
    return `The ${strategy} strategy needs loadBalancers[].advancedConfiguration (alternate target group and listener rules).`
  for (const h of c.lifecycleHooks ?? []) {
    const type = h.targetType ?? 'AWS_LAMBDA'
    if (!h.lifecycleStages.length) return 'A lifecycle hook needs at least one lifecycle stage.'
    if (type === 'AWS_LAMBDA' && !h.hookTargetArn)
      return 'hookTargetArn is required for an AWS_LAMBDA lifecycle hook.'
    if (type === 'PAUSE') {
      if (h.hookTargetArn || h.roleArn) return 'A PAUSE lifecycle hook takes no hookTargetArn or roleArn.'
      const bad = h.lifecycleStages.find(s => PAUSE_FORBIDDEN_STAGES.includes(s))
      if (bad) return `PAUSE hooks cannot be configured at the ${bad} stage.`
    }
  }
  const pauses = (c.lifecycleHooks ?? []).filter(h => h.targetType === 'PAUSE').length
  if (pauses > 10 || (c.lifecycleHooks ?? []).length - pauses > 10)
    return 'A service can have at most 10 PAUSE hooks and 10 Lambda hooks.'
  return undefined
}

export class EcsDeployments {
  readonly services: EcsService[] = []
  private queue: Step[] = []
  private seq = 0
  private batches = 0
  private readonly rng: Rng

  private constructor(private readonly state: SimState) {
    // Its own generator, so the CodeDeploy ids of existing scenarios stay what they were.
    this.rng = new Rng((state.scenario.seed ?? 1) * 104_729)
  }

  /** Sets up every ECS-controller service of the scenario: its revision and the deployment that created it. */
  static attach(state: SimState, now: number): EcsDeployments {
    const engine = new EcsDeployments(state)
    registry.set(state, engine)
    for (const service of state.services) if (service.controller === 'ECS') engine.adopt(service)
    for (const svc of engine.services) {
      const ex = svc.spec.existingDeployment
      if (!ex) continue
      const current = state.findTaskDefinition(svc.service.taskDefinition)!
      const td = state.registerTaskDefinition(
        structuredClone(current.body),
        [],
        now - ex.startedSecondsAgo - 60
      )
      engine.start(svc, td.arn, now - ex.startedSecondsAgo)
    }
    engine.advance(now)
    return engine
  }

  static of(state: SimState): EcsDeployments | undefined {
    return registry.get(state)
  }

  // ---- the queue ---------------------------------------------------------------------------

  advance(now: number): void {
    while (this.queue.length && this.queue[0]!.at <= now) {
      const step = this.queue.shift()!
      step.run(step.at)
    }
  }

  private at(dep: ServiceDeploymentRecord, t: number, run: (t: number) => void): void {
    const step: Step = { at: t, seq: this.seq++, arn: dep.arn, run }
    const i = this.queue.findIndex(s => s.at > t)
    if (i < 0) this.queue.push(step)
    else this.queue.splice(i, 0, step)
  }

  private cancel(dep: ServiceDeploymentRecord): void {
    this.queue = this.queue.filter(s => s.arn !== dep.arn)
  }

  // ---- lookups -----------------------------------------------------------------------------

  serviceOf(service: ServiceRecord): EcsService | undefined {
    return this.services.find(s => s.service === service)
  }

  findDeployment(arn: string): ServiceDeploymentRecord | undefined {
    for (const svc of this.services) {
      const d = svc.deployments.find(x => x.arn === arn)
      if (d) return d
    }
    return undefined
  }

  findRevision(arn: string): ServiceRevisionRecord | undefined {
    for (const svc of this.services) {
      const r = svc.revisions.find(x => x.arn === arn)
      if (r) return r
    }
    return undefined
  }

  /** Replaces the faults of a service's deployments created from now on. */
  setFaults(serviceName: string, faults: EcsFaults): void {
    const svc = this.services.find(s => s.service.name === serviceName)
    if (!svc) throw new Error(`No ECS-controller service named ${serviceName}.`)
    svc.faults = faults
  }

  /** The newest deployment of the service (what currentServiceDeployment names). */
  current(svc: EcsService): ServiceDeploymentRecord | undefined {
    return svc.deployments.at(-1)
  }

  /** Pushes the scenario's (or UpdateService's) configuration onto the service. */
  configure(svc: EcsService, config: DeploymentConfiguration): void {
    svc.config = config
  }

  // ---- ids and ARNs ------------------------------------------------------------------------

  private prefix(kind: string, service: ServiceRecord): string {
    return `arn:aws:ecs:${this.state.region}:${this.state.account}:${kind}/${service.cluster}/${service.name}`
  }

  private newRevision(
    svc: EcsService,
    taskDefinition: string,
    ts: TaskSetRecord,
    t: number
  ): ServiceRevisionRecord {
    const digits = `${1 + Math.floor(this.rng.next() * 9)}${this.rng.chars(18, '0123456789')}`
    const rev: ServiceRevisionRecord = {
      arn: `${this.prefix('service-revision', svc.service)}/${digits}`,
      svc,
      taskDefinition,
      createdAt: t,
      ts,
      failedTasks: 0,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${ts.id} in progress.`
    }
    svc.revisions.push(rev)
    return rev
  }

  private newDeploymentArn(service: ServiceRecord): string {
    return `${this.prefix('service-deployment', service)}/${this.rng.chars(21, BASE64URL)}`
  }

  /** PAUSE hookIds look like `ecs-pause-` + 43 characters [D]; a Lambda hook's form is not documented [I]. */
  private newHookId(type: 'AWS_LAMBDA' | 'PAUSE'): string {
    return `${type === 'PAUSE' ? 'ecs-pause-' : 'ecs-hook-'}${this.rng.chars(43, BASE64URL)}`
  }

  // ---- setting up ------------------------------------------------------------------------

  private adopt(service: ServiceRecord): void {
    const spec = service.spec as EcsServiceSpec
    const config = structuredClone(spec.deploymentConfiguration ?? {})
    const hex = (): string => this.rng.chars(16, '0123456789abcdef')
    const lbSpec = spec.loadBalancer
    const advanced =
      spec.advancedConfiguration && lbSpec && service.targetGroups[1]
        ? {
            alternateTargetGroupArn: service.targetGroups[1].arn,
            productionListenerRule: `arn:aws:elasticloadbalancing:${this.state.region}:${this.state.account}:listener-rule/app/${service.name}-alb/${hex()}/${hex()}/${hex()}`,
            ...(lbSpec.testPort !== null
              ? {
                  testListenerRule: `arn:aws:elasticloadbalancing:${this.state.region}:${this.state.account}:listener-rule/app/${service.name}-alb/${hex()}/${hex()}/${hex()}`
                }
              : {}),
            roleArn: `arn:aws:iam::${this.state.account}:role/ecsInfrastructureRoleForLoadBalancers`
          }
        : undefined
    const problem = configurationProblem(config, {
      hasLoadBalancer: service.loadBalancers.length > 0,
      advanced: Boolean(advanced)
    })
    if (problem) throw new Error(`Scenario ${this.state.scenario.name}, service ${service.name}: ${problem}`)
    const ts = service.taskSets.find(x => x.status === 'PRIMARY') ?? service.taskSets[0]!
    const svc = {
      service,
      spec,
      config,
      ...(advanced ? { advanced } : {}),
      revisions: [],
      deployments: [],
      faults: spec.ecsFaults ?? {},
      durations: { ...DEFAULT_ECS_DURATIONS, ...spec.ecsDurations }
    } as unknown as EcsService
    const rev = this.newRevision(svc, service.taskDefinition, ts, service.createdAt)
    rev.rolloutState = 'COMPLETED'
    rev.rolloutStateReason = `ECS deployment ${ts.id} completed.`
    svc.primary = rev
    svc.production = rev
    this.services.push(svc)
    // Creating the service was its first service deployment [D: service-deployment lifecycle];
    // it shows no lifecycleStage and no hooks [I].
    const desired = service.desiredCount
    const cb = config.deploymentCircuitBreaker?.enable
    const alarms = config.alarms?.enable
    svc.deployments.push({
      arn: this.newDeploymentArn(service),
      svc,
      status: 'SUCCESSFUL',
      createdAt: service.createdAt,
      startedAt: service.createdAt + 1,
      finishedAt: service.createdAt + 90,
      updatedAt: service.createdAt + 90,
      strategy: config.strategy ?? 'ROLLING',
      config: structuredClone(config),
      desired,
      target: {
        rev,
        prodWeight: 100,
        testWeight: 100,
        frozen: { requested: desired, running: desired, pending: 0 }
      },
      sources: [],
      hooks: [],
      allHooks: [],
      circuitBreaker: {
        status: cb ? 'MONITORING_COMPLETE' : 'DISABLED',
        failureCount: 0,
        threshold: circuitBreakerThreshold(desired)
      },
      alarms: alarms
        ? { status: 'MONITORING_COMPLETE', alarmNames: config.alarms!.alarmNames, triggeredAlarmNames: [] }
        : { status: 'DISABLED' },
      faults: {},
      healthy: new Set(),
      failuresLeft: 0,
      stageSeq: 0,
      rollbackTo: rev
    })
  }

  // ---- starting --------------------------------------------------------------------------

  /**
   * UpdateService with a new revision (or forceNewDeployment): a new service deployment, PENDING.
   * A deployment still under way is superseded: STOPPED, its revisions left as they are, and the new
   * one starts with RECONCILE_SERVICE since the service then has more than one ACTIVE revision [I].
   */
  start(svc: EcsService, taskDefinition: string, t: number): ServiceDeploymentRecord {
    const { service } = svc
    const arn = this.newDeploymentArn(service)
    const ongoing = svc.deployments.find(d => !isTerminal(d.status))
    if (ongoing) {
      this.cancel(ongoing)
      this.closeHooks(ongoing, t)
      ongoing.status = 'STOPPED'
      ongoing.statusReason = `Service deployment stopped: a newer service deployment (${arn}) started.` // [I]
      ongoing.stoppedAt = t
      ongoing.finishedAt = t
      ongoing.updatedAt = t
      this.freeze(ongoing)
      ongoing.target.rev.rolloutState = 'FAILED'
      ongoing.target.rev.rolloutStateReason = `ECS deployment ${ongoing.target.rev.ts.id} stopped.`
    }
    const config = structuredClone(svc.config)
    const strategy = config.strategy ?? 'ROLLING'
    const bg = isBlueGreenFamily(strategy)
    const live = svc.revisions.filter(r => r.ts.deletedAt === undefined)
    const tgName = bg
      ? service.targetGroups.find(g => g.name !== svc.production.ts.targetGroupName)?.name
      : svc.production.ts.targetGroupName
    const ts = this.state.createTaskSet(service, taskDefinition, tgName || undefined, t, {})
    ts.computedDesiredCount = 0
    const rev = this.newRevision(svc, taskDefinition, ts, t)
    const desired = service.desiredCount
    const cb = config.deploymentCircuitBreaker?.enable ?? false
    const alarmsOn = config.alarms?.enable ?? false
    const faults = structuredClone(svc.faults)
    const dep: ServiceDeploymentRecord = {
      arn,
      svc,
      status: 'PENDING',
      createdAt: t,
      updatedAt: t,
      strategy,
      config,
      desired,
      target: { rev, prodWeight: 0, testWeight: 0 },
      sources: live.map(r => ({
        rev: r,
        prodWeight: r === svc.production ? 100 : 0,
        testWeight: r === svc.production ? 100 : 0
      })),
      hooks: [],
      allHooks: [],
      circuitBreaker: {
        status: cb ? 'MONITORING' : 'DISABLED',
        failureCount: 0,
        threshold: circuitBreakerThreshold(desired)
      },
      alarms: alarmsOn
        ? { status: 'MONITORING', alarmNames: config.alarms!.alarmNames, triggeredAlarmNames: [] }
        : { status: 'DISABLED' },
      faults,
      healthy: new Set(),
      failuresLeft: faults.tasksFail ? (faults.tasksFail.count ?? Number.POSITIVE_INFINITY) : 0,
      stageSeq: 0,
      rollbackTo: svc.production
    }
    svc.deployments.push(dep)
    // The service's desired state is the new revision at once, as UpdateService's answer shows [I].
    service.taskDefinition = taskDefinition
    this.setPrimary(svc, rev, t)
    this.state.serviceEvent(service, t, `(service ${service.name}) has begun service deployment ${arn}.`)
    this.at(dep, t + svc.durations.pending, s => {
      this.begin(dep, s)
    })
    return dep
  }

  private setPrimary(svc: EcsService, rev: ServiceRevisionRecord, t: number): void {
    svc.primary = rev
    for (const r of svc.revisions)
      if (r.ts.deletedAt === undefined) r.ts.status = r === rev ? 'PRIMARY' : 'ACTIVE'
    rev.ts.updatedAt = t
  }

  private touch(dep: ServiceDeploymentRecord, t: number): void {
    dep.updatedAt = t
  }

  private begin(dep: ServiceDeploymentRecord, t: number): void {
    dep.status = 'IN_PROGRESS'
    dep.startedAt = t
    this.touch(dep, t)
    this.watchAlarm(dep, undefined, t)
    if (isBlueGreenFamily(dep.strategy)) this.blueGreen(dep, t)
    else this.rolling(dep, t)
  }

  // ---- stages and hooks --------------------------------------------------------------------

  private enterStage(dep: ServiceDeploymentRecord, stage: LifecycleStage, t: number): void {
    dep.lifecycleStage = stage
    dep.stageSeq++
    this.touch(dep, t)
    this.watchAlarm(dep, stage, t)
  }

  /**
   * "Each lifecycle stage can last up to 24 hours ... The system times out, fails the deployment,
   * and then initiates a rollback" [D: blue-green-deployment-how-it-works]. The simulator applies it
   * to SCALE_UP only, where nothing else bounds the wait (tasks that never turn healthy with the
   * circuit breaker off): hooks have their own timeouts (a PAUSE hook up to 14 days [M]), and bake
   * times up to 1440 minutes each would meet it exactly [I: the documents disagree].
   */
  private stageTimeout(dep: ServiceDeploymentRecord, t: number): void {
    const seq = dep.stageSeq
    const stage = dep.lifecycleStage
    this.at(dep, t + 86_400, s => {
      if (dep.stageSeq !== seq || dep.status !== 'IN_PROGRESS') return
      this.fail(dep, s, `The ${stage ?? 'deployment'} stage did not complete within 24 hours.`, true) // message [I]
    })
  }

  /**
   * Runs the hooks configured at `stage`, all at once; `next` follows when every one succeeded (or
   * timed out with CONTINUE). A failed hook, or one that timed out with ROLLBACK, rolls back.
   * lifecycleHookDetails lists the hooks of the latest stage that ran any, with their last status,
   * until hooks run at a later stage [I: the docs speak of "each active hook"].
   */
  private runHooks(
    dep: ServiceDeploymentRecord,
    stage: HookStage,
    t: number,
    next: (t: number) => void,
    opts: { rollback?: boolean } = {}
  ): void {
    const configured = (dep.config.lifecycleHooks ?? []).filter(
      h =>
        h.lifecycleStages.includes(stage) &&
        // During a rollback only Lambda hooks at the two traffic shift stages run [D].
        (!opts.rollback || (h.targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA')
    )
    if (!configured.length) {
      next(t)
      return
    }
    const batch = ++this.batches
    dep.hooks = configured.map(h => {
      const targetType = h.targetType ?? 'AWS_LAMBDA'
      return {
        hookId: this.newHookId(targetType),
        targetType,
        ...(targetType === 'AWS_LAMBDA' && h.hookTargetArn ? { targetArn: h.hookTargetArn } : {}),
        status: targetType === 'PAUSE' ? 'AWAITING_ACTION' : 'IN_PROGRESS',
        expiresAt: t + (h.timeoutConfiguration?.timeoutInMinutes ?? HOOK_TIMEOUT_MINUTES_DEFAULT) * 60,
        timeoutAction: h.timeoutConfiguration?.action ?? HOOK_TIMEOUT_ACTION_DEFAULT,
        stage,
        batch
      }
    })
    dep.allHooks.push(...dep.hooks)
    dep.waiting = { batch, next }
    this.touch(dep, t)
    const inRollback = Boolean(opts.rollback)
    for (const run of dep.hooks) {
      if (run.targetType === 'AWS_LAMBDA') {
        const script = dep.svc.spec.lambdas?.[run.targetArn ?? '']
        const scripted = script && (!script.stages || script.stages.includes(stage)) ? script : undefined
        const answerAt = t + (scripted?.inProgressSeconds ?? 0) + dep.svc.durations.hook
        if (answerAt < run.expiresAt) {
          this.at(dep, answerAt, s => {
            if (run.status !== 'IN_PROGRESS') return
            if (scripted?.outcome === 'FAILED') {
              const why = scripted.reason ? `: ${scripted.reason}` : ''
              this.hookEnded(
                dep,
                run,
                'FAILED',
                s,
                `Lifecycle hook ${run.targetArn ?? run.hookId} returned FAILED at ${stage}${why}`,
                inRollback
              )
            } else this.hookEnded(dep, run, 'SUCCEEDED', s, undefined, inRollback)
          })
          continue
        }
      }
      this.at(dep, run.expiresAt, s => {
        if (run.status !== 'IN_PROGRESS' && run.status !== 'AWAITING_ACTION') return
        const reason = `Lifecycle hook ${run.hookId} (${run.targetType}) timed out at ${stage}; timeout action ${run.timeoutAction}.`
        this.hookEnded(dep, run, 'TIMED_OUT', s, reason, inRollback)
      })
    }
  }

  /** A hook reached its end; the deployment goes on when the whole batch has, or rolls back. */
  private hookEnded(
    dep: ServiceDeploymentRecord,
    run: HookRun,
    status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT',
    t: number,
    reason: string | undefined,
    inRollback: boolean
  ): void {
    run.status = status
    this.touch(dep, t)
    const failed = status === 'FAILED' || (status === 'TIMED_OUT' && run.timeoutAction === 'ROLLBACK')
    if (failed) {
      if (inRollback) this.rollbackFailed(dep, t, reason ?? 'A lifecycle hook failed during the rollback.')
      else this.fail(dep, t, reason ?? `Lifecycle hook ${run.hookId} failed.`, true)
      return
    }
    const waiting = dep.waiting
    if (!waiting || waiting.batch !== run.batch) return
    const open = dep.hooks.some(
      h => h.batch === run.batch && (h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION')
    )
    if (open) return
    delete dep.waiting
    waiting.next(t)
  }

  /** Hooks still open when the deployment stops waiting for them end FAILED [I]. */
  private closeHooks(dep: ServiceDeploymentRecord, t: number): void {
    for (const h of dep.hooks)
      if (h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION') h.status = 'FAILED'
    delete dep.waiting
    this.touch(dep, t)
  }

  /** A hookable stage: its hooks, or the short pause of a stage with none. */
  private hookStage(
    dep: ServiceDeploymentRecord,
    stage: LifecycleStage & HookStage,
    t: number,
    next: (t: number) => void
  ): void {
    this.enterStage(dep, stage, t)
    const hooked = (dep.config.lifecycleHooks ?? []).some(h => h.lifecycleStages.includes(stage))
    if (hooked) this.runHooks(dep, stage, t, next)
    else
      this.at(dep, t + dep.svc.durations.stage, s => {
        next(s)
      })
  }

  /** ContinueServiceDeployment: CONTINUE or ROLLBACK on a PAUSE hook awaiting action. */
  continueHook(dep: ServiceDeploymentRecord, run: HookRun, action: HookAction, t: number): void {
    if (action === 'CONTINUE') this.hookEnded(dep, run, 'SUCCEEDED', t, undefined, false)
    else
      this.hookEnded(
        dep,
        run,
        'FAILED',
        t,
        `Rolled back by ContinueServiceDeployment (hook ${run.hookId}, action ROLLBACK).`,
        false
      )
  }

  // ---- blue/green, linear, canary ---------------------------------------------------------

  private blueGreen(dep: ServiceDeploymentRecord, t: number): void {
    const d = dep.svc.durations
    const chain: ((t: number, next: (t: number) => void) => void)[] = []
    if (dep.sources.filter(v => v.rev.ts.deletedAt === undefined).length > 1)
      chain.push((s, next) => {
        this.reconcile(dep, s, next)
      })
    chain.push(
      (s, next) => {
        this.hookStage(dep, 'PRE_SCALE_UP', s, next)
      },
      (s, next) => {
        this.enterStage(dep, 'SCALE_UP', s)
        this.stageTimeout(dep, s)
        this.scaleUp(dep, s, next)
      },
      (s, next) => {
        this.hookStage(dep, 'POST_SCALE_UP', s, next)
      },
      (s, next) => {
        // The stage runs, and the requested test weights move, with or without a test listener
        // rule (then nothing routes test traffic) [I].
        this.enterStage(dep, 'TEST_TRAFFIC_SHIFT', s)
        this.at(dep, s + d.testShift, s2 => {
          this.setTestWeight(dep, 100, s2)
          this.runHooks(dep, 'TEST_TRAFFIC_SHIFT', s2, next)
        })
      },
      (s, next) => {
        this.hookStage(dep, 'POST_TEST_TRAFFIC_SHIFT', s, next)
      },
      (s, next) => {
        this.productionSteps(dep, 0, s, next)
      },
      (s, next) => {
        this.hookStage(dep, 'POST_PRODUCTION_TRAFFIC_SHIFT', s, next)
      },
      (s, next) => {
        this.enterStage(dep, 'BAKE_TIME', s)
        this.at(dep, s + (dep.config.bakeTimeInMinutes ?? 0) * 60, next)
      },
      (s, next) => {
        this.enterStage(dep, 'CLEAN_UP', s)
        // The release is done: alarms and the circuit breaker stop watching [I].
        this.completeMonitors(dep)
        for (const v of dep.sources) this.scaleDown(dep, v.rev, s)
        this.at(dep, s + d.drain, s2 => {
          for (const v of dep.sources) this.removeRevision(v.rev, s2)
          next(s2)
        })
      }
    )
    const run = (i: number, s: number): void => {
      const step = chain[i]
      if (step)
        step(s, s2 => {
          run(i + 1, s2)
        })
      else this.succeed(dep, s)
    }
    run(0, t)
  }

  /** RECONCILE_SERVICE: production traffic back on one revision, the other revisions scaled to zero [I]. */
  private reconcile(dep: ServiceDeploymentRecord, t: number, next: (t: number) => void): void {
    this.enterStage(dep, 'RECONCILE_SERVICE', t)
    this.runHooks(dep, 'RECONCILE_SERVICE', t, s => {
      for (const v of dep.sources) if (v.rev !== dep.svc.production) this.scaleDown(dep, v.rev, s)
      this.at(dep, s + dep.svc.durations.reconcile, s2 => {
        for (const v of dep.sources) {
          if (v.rev !== dep.svc.production) this.removeRevision(v.rev, s2)
          v.prodWeight = v.rev === dep.svc.production ? 100 : 0
          v.testWeight = v.prodWeight
        }
        this.touch(dep, s2)
        next(s2)
      })
    })
  }

  /**
   * Production traffic in steps: PRE_PRODUCTION_TRAFFIC_SHIFT hooks before each step (a PAUSE hook
   * there pauses before every step, with a new hookId [D: pause-lifecycle-hooks]), the weight move,
   * PRODUCTION_TRAFFIC_SHIFT hooks at each step [M], then the step bake time (not after 100% [M]).
   * lifecycleStage shows PRODUCTION_TRAFFIC_SHIFT throughout, PRE_PRODUCTION_TRAFFIC_SHIFT included,
   * which the stage enum lacks [I].
   */
  private productionSteps(
    dep: ServiceDeploymentRecord,
    k: number,
    t: number,
    next: (t: number) => void
  ): void {
    const { weights, stepBakeSeconds } = trafficSteps(dep.config)
    if (k === 0) this.enterStage(dep, 'PRODUCTION_TRAFFIC_SHIFT', t)
    this.runHooks(dep, 'PRE_PRODUCTION_TRAFFIC_SHIFT', t, s => {
      this.at(dep, s + dep.svc.durations.shift, s2 => {
        this.setProductionWeight(dep, weights[k]!, s2)
        this.runHooks(dep, 'PRODUCTION_TRAFFIC_SHIFT', s2, s3 => {
          if (k + 1 < weights.length)
            this.at(dep, s3 + stepBakeSeconds, s4 => {
              this.productionSteps(dep, k + 1, s4, next)
            })
          else next(s3)
        })
      })
    })
  }

  private setProductionWeight(dep: ServiceDeploymentRecord, target: number, t: number): void {
    dep.target.prodWeight = target
    const rest = Math.round((100 - target) * 10) / 10
    for (const v of dep.sources) v.prodWeight = v.rev === dep.rollbackTo ? rest : 0
    this.touch(dep, t)
  }

  private setTestWeight(dep: ServiceDeploymentRecord, target: number, t: number): void {
    dep.target.testWeight = target
    for (const v of dep.sources) v.testWeight = v.rev === dep.rollbackTo ? 100 - target : 0
    this.touch(dep, t)
  }

  // ---- tasks -------------------------------------------------------------------------------

  private refresh(ts: TaskSetRecord, t: number): void {
    const tasks = this.state.tasksOf(ts)
    ts.runningCount = tasks.filter(k => k.lastStatus === 'RUNNING').length
    ts.pendingCount = tasks.filter(k => k.lastStatus === 'PENDING').length
    ts.updatedAt = t
  }

  /** Starts one task of the target revision; `onHealthy` follows when it counts as healthy. */
  private launch(
    dep: ServiceDeploymentRecord,
    t: number,
    onHealthy: (t: number) => void,
    /** After a crash; default: the scheduler starts another task at once. */
    onCrash?: (t: number) => void
  ): void {
    const rev = dep.target.rev
    const { service } = dep.svc
    const d = dep.svc.durations
    const task = this.state.newTask(rev.ts, service, t)
    this.refresh(rev.ts, t)
    this.state.serviceEvent(
      service,
      t,
      `(service ${service.name}) has started 1 tasks: (task ${task.taskArn.split('/').pop()!}).`
    )
    const crashes = dep.failuresLeft > 0
    if (crashes) dep.failuresLeft--
    this.at(dep, t + d.taskStart, s => {
      task.lastStatus = 'RUNNING'
      task.startedAt = s
      for (const c of task.containers) c.lastStatus = 'RUNNING'
      this.refresh(rev.ts, s)
      if (crashes) {
        this.at(dep, s + d.taskFail, s2 => {
          if (this.taskCrashed(dep, task, s2)) {
            if (onCrash) onCrash(s2)
            else this.launch(dep, s2, onHealthy)
          }
        })
        return
      }
      this.at(dep, s + d.healthy, s2 => {
        dep.healthy.add(task.taskArn)
        this.touch(dep, s2)
        onHealthy(s2)
      })
    })
  }

  /** A replacement task crashed: the circuit breaker counts it. True when the deployment carries on. */
  private taskCrashed(dep: ServiceDeploymentRecord, task: TaskRecord, t: number): boolean {
    const f = dep.faults.tasksFail ?? {}
    const rev = dep.target.rev
    const { service } = dep.svc
    this.state.stopTask(
      task,
      t,
      f.stoppedReason ?? 'Essential container in task exited',
      f.stopCode ?? 'EssentialContainerExited',
      {
        exitCode: f.exitCode ?? 1,
        ...(f.containerReason ? { reason: f.containerReason } : {})
      }
    )
    rev.failedTasks++
    this.refresh(rev.ts, t)
    this.state.serviceEvent(
      service,
      t,
      `(service ${service.name}) has stopped 1 running tasks: (task ${task.taskArn.split('/').pop()!}).`
    )
    const cb = dep.config.deploymentCircuitBreaker
    // "Amazon ECS is not using the circuit breaker ... when the status is DISABLED" [M]: no count then [I].
    if (cb?.enable) dep.circuitBreaker.failureCount++
    this.touch(dep, t)
    if (cb?.enable && dep.circuitBreaker.failureCount >= dep.circuitBreaker.threshold) {
      dep.circuitBreaker.status = 'TRIGGERED'
      const reason = 'ECS deployment circuit breaker: tasks failed to start.' // [I] the rolloutStateReason ECS shows
      this.state.serviceEvent(
        service,
        t,
        `(service ${service.name}) deployment ${rev.ts.id} deployment failed: tasks failed to start.`
      )
      this.fail(dep, t, reason, cb.rollback)
      return false
    }
    return true
  }

  /** SCALE_UP: the target revision's tasks all start at once (blue/green scales green to 100% [D]). */
  private scaleUp(dep: ServiceDeploymentRecord, t: number, next: (t: number) => void): void {
    const ts = dep.target.rev.ts
    ts.computedDesiredCount = dep.desired
    let done = false
    const onHealthy = (s: number): void => {
      if (done || dep.healthy.size < dep.desired) return
      done = true
      this.state.serviceEvent(
        dep.svc.service,
        s,
        `(service ${dep.svc.service.name}, deployment ${ts.id}) has reached a steady state.`
      )
      next(s)
    }
    if (dep.desired === 0) {
      next(t)
      return
    }
    for (let i = 0; i < dep.desired; i++) this.launch(dep, t, onHealthy)
  }

  /** Stops a revision's tasks (after draining) and sets its requested count to zero. */
  private scaleDown(dep: ServiceDeploymentRecord, rev: ServiceRevisionRecord, t: number): void {
    if (rev.ts.deletedAt !== undefined) return
    rev.ts.computedDesiredCount = 0
    const tasks = this.state.tasksOf(rev.ts)
    const { service } = dep.svc
    this.at(dep, t + dep.svc.durations.drain, s => {
      for (const k of tasks)
        if (k.lastStatus !== 'STOPPED')
          this.state.stopTask(
            k,
            s,
            `Scaling activity initiated by (deployment ${rev.ts.id})`,
            'ServiceSchedulerInitiated'
          )
      this.refresh(rev.ts, s)
      if (tasks.length)
        this.state.serviceEvent(
          service,
          s,
          `(service ${service.name}) has stopped ${tasks.length} running tasks: ${tasks.map(k => `(task ${k.taskArn.split('/').pop()!})`).join(' ')}.`
        )
    })
  }

  /** The revision has no tasks left: it leaves DescribeServices' deployments. */
  private removeRevision(rev: ServiceRevisionRecord, t: number): void {
    if (rev.ts.deletedAt !== undefined) return
    for (const k of this.state.tasksOf(rev.ts))
      this.state.stopTask(
        k,
        t,
        `Scaling activity initiated by (deployment ${rev.ts.id})`,
        'ServiceSchedulerInitiated'
      )
    rev.ts.deletedAt = t
    rev.ts.runningCount = 0
    rev.ts.pendingCount = 0
    rev.ts.computedDesiredCount = 0
    rev.svc.service.taskSets = rev.svc.service.taskSets.filter(x => x !== rev.ts)
  }

  // ---- rolling -------------------------------------------------------------------------------

  /**
   * ROLLING: no lifecycle stages [P: kayac/ecspresso#1064]; replacement tasks start within
   * maximumPercent, and each one that turns healthy lets one old task go. Hooks configured at
   * PRE_SCALE_UP / POST_SCALE_UP run before and after, and lifecycleStage shows that stage while
   * they do [I: the docs say pause hooks work with rolling, not at which stages]. Hooks at the
   * traffic stages and bakeTimeInMinutes do not apply to a rolling deployment [I].
   */
  private rolling(dep: ServiceDeploymentRecord, t: number): void {
    const hooksAt = (stage: HookStage): boolean =>
      (dep.config.lifecycleHooks ?? []).some(h => h.lifecycleStages.includes(stage))
    const around = (stage: 'PRE_SCALE_UP' | 'POST_SCALE_UP', s: number, next: (t: number) => void): void => {
      if (!hooksAt(stage)) {
        next(s)
        return
      }
      this.enterStage(dep, stage, s)
      this.runHooks(dep, stage, s, s2 => {
        delete dep.lifecycleStage
        next(s2)
      })
    }
    around('PRE_SCALE_UP', t, s => {
      this.replaceTasks(dep, s, s2 => {
        around('POST_SCALE_UP', s2, s3 => {
          this.succeed(dep, s3)
        })
      })
    })
  }

  /**
   * Replaces the old tasks within the deployment configuration's bounds [M]: at most
   * maximumPercent of desired RUNNING or PENDING (a draining task still counts), at least
   * minimumHealthyPercent healthy. An old task goes when a new one is healthy in its place, or to
   * make room for a launch; a new one starts whenever there is room. With 100%/100% nothing can
   * move and the deployment stays IN_PROGRESS [I].
   */
  private replaceTasks(dep: ServiceDeploymentRecord, t: number, next: (t: number) => void): void {
    const D = dep.desired
    const limit = Math.floor((D * (dep.config.maximumPercent ?? 200)) / 100)
    const minHealthy = Math.ceil((D * (dep.config.minimumHealthyPercent ?? 100)) / 100)
    const ts = dep.target.rev.ts
    ts.computedDesiredCount = D
    const olds = (): TaskRecord[] =>
      dep.sources.filter(v => v.rev.ts.deletedAt === undefined).flatMap(v => this.state.tasksOf(v.rev.ts))
    let finished = false
    const finish = (s: number): void => {
      finished = true
      for (const v of dep.sources) this.removeRevision(v.rev, s)
      this.state.serviceEvent(
        dep.svc.service,
        s,
        `(service ${dep.svc.service.name}) has reached a steady state.`
      )
      next(s)
    }
    const drain = (old: TaskRecord, s: number): void => {
      old.desiredStatus = 'STOPPED'
      const src = dep.sources.find(v => v.rev.ts.id === old.startedBy)
      if (src) src.rev.ts.computedDesiredCount = Math.max(0, src.rev.ts.computedDesiredCount - 1)
      this.touch(dep, s)
      this.at(dep, s + dep.svc.durations.drain, s2 => {
        this.state.stopTask(
          old,
          s2,
          `Scaling activity initiated by (deployment ${old.startedBy})`,
          'ServiceSchedulerInitiated'
        )
        if (src) this.refresh(src.rev.ts, s2)
        this.touch(dep, s2)
        pump(s2)
      })
    }
    const pump = (s: number): void => {
      if (finished) return
      const healthy = this.state.tasksOf(ts).filter(k => dep.healthy.has(k.taskArn)).length
      const all = olds()
      if (healthy >= D && all.length === 0) {
        finish(s)
        return
      }
      const targetLive = this.state.tasksOf(ts).length
      const live = targetLive + all.length
      let active = all.filter(k => k.desiredStatus === 'RUNNING')
      while (active.length) {
        const surplus = healthy + active.length > D
        const blocking = live >= limit && targetLive < D
        if (!(surplus || blocking) || healthy + active.length - 1 < minHealthy) break
        drain(active[0]!, s)
        active = active.slice(1)
      }
      const room = Math.min(D - targetLive, limit - live)
      for (let i = 0; i < room; i++) this.launch(dep, s, pump, pump)
    }
    pump(t)
  }

  // ---- alarms ------------------------------------------------------------------------------

  private watchAlarm(dep: ServiceDeploymentRecord, stage: LifecycleStage | undefined, t: number): void {
    const alarm = dep.faults.alarm
    if (!alarm) return
    // ROLLING has no stages: the alarm fires that long after the deployment started; the blue/green
    // family counts from the start of the named stage (from the start without one).
    const from = isBlueGreenFamily(dep.strategy) ? alarm.stage : undefined
    if (from !== stage) return
    this.at(dep, t + (alarm.afterSeconds ?? 30), s => {
      this.alarmFired(dep, alarm.name, s)
    })
  }

  private alarmFired(dep: ServiceDeploymentRecord, name: string, t: number): void {
    const cfg = dep.config.alarms
    if (!cfg?.enable || !cfg.alarmNames.includes(name)) return
    if (dep.status !== 'IN_PROGRESS' || dep.alarms.status !== 'MONITORING') return
    dep.alarms.status = 'TRIGGERED'
    dep.alarms.triggeredAlarmNames = [...(dep.alarms.triggeredAlarmNames ?? []), name]
    this.fail(dep, t, `CloudWatch alarm ${name} is in ALARM state.`, cfg.rollback) // message [I]
  }

  // ---- the end -----------------------------------------------------------------------------

  private freeze(dep: ServiceDeploymentRecord): void {
    for (const v of [dep.target, ...dep.sources]) {
      if (v.frozen) continue
      const ts = v.rev.ts
      const gone = ts.deletedAt !== undefined
      v.frozen = {
        requested: gone ? 0 : ts.computedDesiredCount,
        running: gone ? 0 : ts.runningCount,
        pending: gone ? 0 : ts.pendingCount
      }
    }
  }

  private completeMonitors(dep: ServiceDeploymentRecord): void {
    if (dep.circuitBreaker.status === 'MONITORING') dep.circuitBreaker.status = 'MONITORING_COMPLETE'
    if (dep.alarms.status === 'MONITORING') dep.alarms.status = 'MONITORING_COMPLETE'
  }

  /** SUCCESSFUL; lifecycleStage stays at the last stage (CLEAN_UP) [I]. */
  private succeed(dep: ServiceDeploymentRecord, t: number): void {
    this.cancel(dep)
    dep.status = 'SUCCESSFUL'
    dep.finishedAt = t
    this.touch(dep, t)
    this.completeMonitors(dep)
    const rev = dep.target.rev
    rev.rolloutState = 'COMPLETED'
    rev.rolloutStateReason = `ECS deployment ${rev.ts.id} completed.`
    dep.svc.production = rev
    this.freeze(dep)
    this.state.serviceEvent(
      dep.svc.service,
      t,
      `(service ${dep.svc.service.name}) (deployment ${rev.ts.id}) deployment completed.`
    )
  }

  /** A failure: roll back when the failing mechanism says so, else STOP_REQUESTED → STOPPED [M: stoppedAt]. */
  private fail(dep: ServiceDeploymentRecord, t: number, reason: string, rollback: boolean): void {
    if (rollback) {
      this.rollback(dep, t, reason)
      return
    }
    this.cancel(dep)
    this.closeHooks(dep, t)
    dep.status = 'STOP_REQUESTED'
    dep.statusReason = reason
    const rev = dep.target.rev
    rev.rolloutState = 'FAILED'
    rev.rolloutStateReason = reason
    this.touch(dep, t)
    this.at(dep, t + dep.svc.durations.requested, s => {
      dep.status = 'STOPPED'
      dep.stoppedAt = s
      dep.finishedAt = s
      this.completeMonitors(dep)
      this.touch(dep, s)
      this.freeze(dep)
    })
  }

  /**
   * ROLLBACK_REQUESTED → ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL. The blue/green family moves
   * production, then test, traffic back (PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT, whose
   * Lambda hooks also run during a rollback [D]) and scales the target to zero (CLEAN_UP [I]); in
   * BAKE_TIME that is immediate since the source still runs [D]. ROLLING scales the source back up
   * and the target down.
   */
  rollback(dep: ServiceDeploymentRecord, t: number, reason: string): void {
    this.cancel(dep)
    this.closeHooks(dep, t)
    const { svc } = dep
    const to = dep.rollbackTo
    dep.status = 'ROLLBACK_REQUESTED'
    dep.statusReason = reason
    dep.rollback = { reason, startedAt: t, serviceRevisionArn: to.arn }
    const rev = dep.target.rev
    rev.rolloutState = 'FAILED'
    rev.rolloutStateReason = reason
    // The service's desired state goes back to the source at once, whose deployment DescribeServices
    // marks PRIMARY again, even if the rollback later fails [I].
    svc.service.taskDefinition = to.taskDefinition
    if (to.ts.deletedAt === undefined) {
      this.setPrimary(svc, to, t)
      // A source being scaled down (CLEAN_UP, or a rolling batch draining) keeps its tasks [I].
      to.ts.computedDesiredCount = Math.max(
        to.ts.computedDesiredCount,
        isBlueGreenFamily(dep.strategy) ? dep.desired : 0
      )
      for (const k of this.state.tasksOf(to.ts)) k.desiredStatus = 'RUNNING'
    }
    this.touch(dep, t)
    this.state.serviceEvent(
      svc.service,
      t,
      `(service ${svc.service.name}) rolling back to deployment ${to.ts.id}.`
    )
    const d = svc.durations
    this.at(dep, t + d.requested, s => {
      dep.status = 'ROLLBACK_IN_PROGRESS'
      this.touch(dep, s)
      if (dep.faults.rollbackFails) {
        this.at(dep, s + d.shift, s2 => {
          this.rollbackFailed(dep, s2, `The rollback to ${to.arn} could not complete.`) // [I]
        })
        return
      }
      if (isBlueGreenFamily(dep.strategy)) this.rollbackBlueGreen(dep, s)
      else this.rollbackRolling(dep, s)
    })
  }

  private rollbackBlueGreen(dep: ServiceDeploymentRecord, t: number): void {
    const d = dep.svc.durations
    const clean = (s: number): void => {
      this.enterStage(dep, 'CLEAN_UP', s)
      this.scaleDown(dep, dep.target.rev, s)
      this.at(dep, s + d.drain, s2 => {
        this.removeRevision(dep.target.rev, s2)
        this.rolledBack(dep, s2)
      })
    }
    const test = (s: number): void => {
      if (dep.target.testWeight <= 0) {
        clean(s)
        return
      }
      this.enterStage(dep, 'TEST_TRAFFIC_SHIFT', s)
      this.at(dep, s + d.testShift, s2 => {
        this.setTestWeight(dep, 0, s2)
        this.runHooks(dep, 'TEST_TRAFFIC_SHIFT', s2, clean, { rollback: true })
      })
    }
    if (dep.target.prodWeight <= 0) {
      test(t)
      return
    }
    this.enterStage(dep, 'PRODUCTION_TRAFFIC_SHIFT', t)
    this.at(dep, t + d.shift, s => {
      this.setProductionWeight(dep, 0, s)
      this.runHooks(dep, 'PRODUCTION_TRAFFIC_SHIFT', s, test, { rollback: true })
    })
  }

  private rollbackRolling(dep: ServiceDeploymentRecord, t: number): void {
    const to = dep.rollbackTo
    const d = dep.svc.durations
    if (to.ts.deletedAt !== undefined) {
      // The source is gone (a superseded deployment's): nothing to scale back up [I].
      this.scaleDown(dep, dep.target.rev, t)
      this.at(dep, t + d.drain, s => {
        this.removeRevision(dep.target.rev, s)
        this.rolledBack(dep, s)
      })
      return
    }
    const missing = dep.desired - this.state.tasksOf(to.ts).filter(k => k.desiredStatus === 'RUNNING').length
    to.ts.computedDesiredCount = dep.desired
    for (let i = 0; i < missing; i++) {
      const task = this.state.newTask(to.ts, dep.svc.service, t)
      this.at(dep, t + d.taskStart, s => {
        task.lastStatus = 'RUNNING'
        task.startedAt = s
        for (const c of task.containers) c.lastStatus = 'RUNNING'
        this.refresh(to.ts, s)
      })
    }
    this.refresh(to.ts, t)
    const ready = t + (missing > 0 ? d.taskStart + d.healthy : 0)
    this.scaleDown(dep, dep.target.rev, ready)
    this.at(dep, ready + d.drain, s => {
      this.removeRevision(dep.target.rev, s)
      this.rolledBack(dep, s)
    })
  }

  private rolledBack(dep: ServiceDeploymentRecord, t: number): void {
    this.cancel(dep)
    dep.status = 'ROLLBACK_SUCCESSFUL'
    dep.finishedAt = t
    this.completeMonitors(dep)
    this.touch(dep, t)
    const to = dep.rollbackTo
    to.rolloutState = 'COMPLETED'
    to.rolloutStateReason = `ECS deployment ${to.ts.id} completed.`
    dep.svc.production = to
    this.freeze(dep)
    this.state.serviceEvent(
      dep.svc.service,
      t,
      `(service ${dep.svc.service.name}) has reached a steady state.`
    )
  }

  /** The rollback failed: traffic and tasks stay where they were [I]. */
  private rollbackFailed(dep: ServiceDeploymentRecord, t: number, reason: string): void {
    this.cancel(dep)
    this.closeHooks(dep, t)
    dep.status = 'ROLLBACK_FAILED'
    dep.statusReason = reason
    dep.finishedAt = t
    this.completeMonitors(dep)
    this.touch(dep, t)
    this.freeze(dep)
  }

  /** StopServiceDeployment with ROLLBACK (PENDING or IN_PROGRESS; later states carry on [D]). */
  stop(dep: ServiceDeploymentRecord, t: number): void {
    if (dep.status !== 'PENDING' && dep.status !== 'IN_PROGRESS') return
    dep.stoppedAt = t // "A user manually stops the deployment" [M: stoppedAt]
    this.rollback(dep, t, 'Service deployment rolled back by StopServiceDeployment.') // message [I]
  }

  // ---- wire shapes -------------------------------------------------------------------------

  /** The deployment configuration as DescribeServices shows it: the documented defaults filled in. */
  configurationJson(config: DeploymentConfiguration): Record<string, unknown> {
    return {
      // The defaults a rolling service shows (aws ecs describe-service-deployments example) [D]; strategy [I].
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      alarms: { alarmNames: [], rollback: false, enable: false },
      strategy: 'ROLLING',
      ...structuredClone(config)
    }
  }

  private summaryJson(dep: ServiceDeploymentRecord, v: RevisionView): Record<string, unknown> {
    const ts = v.rev.ts
    const gone = ts.deletedAt !== undefined
    const counts = v.frozen ?? {
      requested: gone ? 0 : ts.computedDesiredCount,
      running: gone ? 0 : ts.runningCount,
      pending: gone ? 0 : ts.pendingCount
    }
    return {
      arn: v.rev.arn,
      requestedTaskCount: counts.requested,
      runningTaskCount: counts.running,
      pendingTaskCount: counts.pending,
      // Only the blue/green family shifts traffic; a rolling deployment shows counts alone [D: CLI example].
      ...(isBlueGreenFamily(dep.strategy)
        ? { requestedTestTrafficWeight: v.testWeight, requestedProductionTrafficWeight: v.prodWeight }
        : {})
    }
  }

  deploymentJson(dep: ServiceDeploymentRecord): Record<string, unknown> {
    const { service } = dep.svc
    return {
      serviceDeploymentArn: dep.arn,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      createdAt: dep.createdAt,
      ...(dep.startedAt !== undefined ? { startedAt: dep.startedAt } : {}),
      ...(dep.finishedAt !== undefined ? { finishedAt: dep.finishedAt } : {}),
      ...(dep.stoppedAt !== undefined ? { stoppedAt: dep.stoppedAt } : {}),
      updatedAt: dep.updatedAt,
      sourceServiceRevisions: dep.sources.map(v => this.summaryJson(dep, v)),
      targetServiceRevision: this.summaryJson(dep, dep.target),
      status: dep.status,
      ...(dep.statusReason !== undefined ? { statusReason: dep.statusReason } : {}),
      ...(dep.lifecycleStage !== undefined ? { lifecycleStage: dep.lifecycleStage } : {}),
      ...(dep.hooks.length
        ? {
            lifecycleHookDetails: dep.hooks.map(h => ({
              hookId: h.hookId,
              targetType: h.targetType,
              ...(h.targetArn !== undefined ? { targetArn: h.targetArn } : {}),
              status: h.status,
              expiresAt: h.expiresAt,
              timeoutAction: h.timeoutAction
            }))
          }
        : {}),
      deploymentConfiguration: this.configurationJson(dep.config),
      ...(dep.rollback ? { rollback: { ...dep.rollback } } : {}),
      deploymentCircuitBreaker: { ...dep.circuitBreaker },
      alarms: structuredClone(dep.alarms)
    }
  }

  briefJson(dep: ServiceDeploymentRecord): Record<string, unknown> {
    const { service } = dep.svc
    return {
      serviceDeploymentArn: dep.arn,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      ...(dep.startedAt !== undefined ? { startedAt: dep.startedAt } : {}),
      createdAt: dep.createdAt,
      ...(dep.finishedAt !== undefined ? { finishedAt: dep.finishedAt } : {}),
      targetServiceRevisionArn: dep.target.rev.arn,
      status: dep.status,
      ...(dep.statusReason !== undefined ? { statusReason: dep.statusReason } : {})
    }
  }

  loadBalancersJson(svc: EcsService): Record<string, unknown>[] {
    return svc.service.loadBalancers.map(lb => ({
      ...lb,
      ...(svc.advanced ? { advancedConfiguration: { ...svc.advanced } } : {})
    }))
  }

  revisionJson(rev: ServiceRevisionRecord): Record<string, unknown> {
    const { service } = rev.svc
    const td = this.state.findTaskDefinition(rev.taskDefinition)
    const containers = (td?.body.containerDefinitions ?? []) as { name: string; image: string }[]
    return {
      serviceRevisionArn: rev.arn,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      taskDefinition: rev.taskDefinition,
      ...(service.capacityProviderStrategy
        ? { capacityProviderStrategy: service.capacityProviderStrategy }
        : { launchType: service.launchType ?? 'FARGATE' }),
      ...(service.platformVersion
        ? { platformVersion: service.platformVersion, platformFamily: 'Linux' }
        : {}),
      loadBalancers: this.loadBalancersJson(rev.svc),
      serviceRegistries: [],
      networkConfiguration: service.networkConfiguration,
      // The digest ECS resolved the image to; the simulator makes one up from the name [I].
      containerImages: containers.map(c => ({
        containerName: c.name,
        imageDigest: `sha256:${createHash('sha256').update(c.image).digest('hex')}`,
        image: c.image
      })),
      guardDutyEnabled: false,
      createdAt: rev.createdAt
    }
  }

  /** What DescribeServices (and UpdateService's answer) adds for an ECS-controller service. */
  decorateService(json: Record<string, unknown>): void {
    const svc = this.services.find(s => s.service.arn === json.serviceArn)
    if (!svc) return
    const latest = this.current(svc)
    json.deploymentConfiguration = this.configurationJson(svc.config)
    json.loadBalancers = this.loadBalancersJson(svc)
    const live = svc.revisions.filter(r => r.ts.deletedAt === undefined)
    // PRIMARY is the revision ECS drives towards, ACTIVE the others that still have tasks [I for the blue/green family].
    json.deployments = [svc.primary, ...live.filter(r => r !== svc.primary)]
      .filter(r => r.ts.deletedAt === undefined)
      .map(r => ({
        id: r.ts.id,
        status: r === svc.primary ? 'PRIMARY' : 'ACTIVE',
        taskDefinition: r.taskDefinition,
        desiredCount: r.ts.computedDesiredCount,
        pendingCount: r.ts.pendingCount,
        runningCount: r.ts.runningCount,
        failedTasks: r.failedTasks,
        createdAt: r.createdAt,
        updatedAt: r.ts.updatedAt,
        ...(svc.service.launchType ? { launchType: svc.service.launchType } : {}),
        ...(svc.service.platformVersion
          ? { platformVersion: svc.service.platformVersion, platformFamily: 'Linux' }
          : {}),
        networkConfiguration: svc.service.networkConfiguration,
        rolloutState: r.rolloutState,
        rolloutStateReason: r.rolloutStateReason
      }))
    if (latest) json.currentServiceDeployment = latest.arn
    json.currentServiceRevisions = live.map(r => ({
      arn: r.arn,
      requestedTaskCount: r.ts.computedDesiredCount,
      runningTaskCount: r.ts.runningCount,
      pendingTaskCount: r.ts.pendingCount
    }))
    if (svc.spec.omitDeploymentController) delete json.deploymentController
  }
}
