// What the watch loop, the log and the report know about a deployment. Backend-neutral on purpose:
// CodeDeploy (src/backends/codedeploy/snapshot.ts) and ECS's own deployments (src/backends/ecs/snapshot.ts)
// fill the same shape, so nothing downstream asks which backend it is.

/** Where a deployment stands, in terms every backend shares. */
export type Phase =
  | 'created' // accepted, not started
  | 'installing' // replacement task set being created / hooks before production traffic
  | 'ready' // replacement serves test traffic; waits to be rerouted (CodeDeploy status Ready)
  | 'shifting' // production traffic moving (AllowTraffic)
  | 'traffic-shifted' // all production traffic on the replacement, after-traffic hooks passed
  | 'termination-wait' // original task set kept until its termination wait (ECS: bake time) ends
  | 'rolling-back' // stopped or failed, the rollback still under way inside the same deployment (ECS)
  | 'succeeded'
  | 'failed'
  | 'stopped'

/** How production traffic moves: all at once, or in timed steps (CodeDeploy's and ECS's alike). */
export type TrafficRouting =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary'; percentage: number; intervalMinutes: number }
  | { type: 'TimeBasedLinear'; percentage: number; intervalMinutes: number }

export const TERMINAL_PHASES: readonly Phase[] = ['succeeded', 'failed', 'stopped']

export interface LifecycleEvent {
  name: string // BeforeInstall, Install, AfterInstall, AllowTestTraffic, ...
  /** Pending, InProgress, Succeeded, Failed, Skipped or Unknown; other words a backend may add pass through. */
  status: string
  startTime?: Date
  endTime?: Date
  /** The event runs the user's own code (a CodeDeploy AppSpec hook): its logs say why it failed. */
  hook?: boolean
  diagnostics?: { errorCode?: string; message?: string; logTail?: string }
  /**
   * Begun and ended between two reads: its times are those of the read that found it passed, so it
   * has no duration of its own.
   */
  unobserved?: boolean
}

/** A lifecycle hook of ECS's own deployments, as the deployment reports it. */
export interface Hook {
  id: string
  kind: 'lambda' | 'pause'
  /** IN_PROGRESS, AWAITING_ACTION (a PAUSE hook waiting for a continue), SUCCEEDED, FAILED, TIMED_OUT */
  status: string
  /** The stage the deployment was in when the hook was first seen. */
  stage?: string
  /** The Lambda function. */
  target?: string
  /** When a waiting hook times out, and what ECS then does (CONTINUE or ROLLBACK). */
  expiresAt?: Date
  timeoutAction?: string
}

export interface TaskSet {
  id: string // ECS task set id, e.g. ecs-svc/123
  role: 'original' | 'replacement' // CodeDeploy: Blue / Green
  trafficWeight: number // percent of production traffic, 0..100
  status?: string // PRIMARY | ACTIVE | DRAINING
  desiredCount?: number
  runningCount?: number
  pendingCount?: number
  targetGroup?: string
}

/** A task of the replacement that ECS stopped: reported as it happens, not an hour later. */
export interface StoppedTask {
  taskArn: string
  stoppedReason?: string
  stopCode?: string
  stoppedAt?: Date
  containers: { name: string; exitCode?: number; reason?: string }[]
}

export interface DeploymentSnapshot {
  id: string
  /** The backend's own status word, reported as the deployment-status output (CodeDeploy: Created, InProgress, Ready, ...). */
  status: string
  phase: Phase
  events: LifecycleEvent[]
  taskSets: TaskSet[]
  createTime?: Date
  startTime?: Date
  completeTime?: Date
  /** With a ready wait: until when the deployment waits to be rerouted before it is stopped. */
  readyWaitUntil?: Date
  /** During the termination wait: when the original task set is due to be removed. */
  terminationWaitUntil?: Date
  /** While traffic shifts in steps (canary, linear): when the next step is due. */
  nextTrafficStepAt?: Date
  error?: { code?: string; message?: string }
  /**
   * CodeDeploy rolls back in a deployment of its own (`deploymentId`); ECS inside the same one, back
   * to `revision`, its end shown by the deployment's own status.
   */
  rollback?: {
    deploymentId?: string
    triggeringDeploymentId?: string
    message?: string
    revision?: string
    startedAt?: Date
    /** How a rollback inside the same deployment ended, once it has. */
    outcome?: 'succeeded' | 'failed'
  }
  /** Set on a failed or stopped deployment that no rollback can follow, saying why. */
  rollbackRuledOut?: string
  /** e.g. "rolled back by the alarm my-5xx-alarm"; free text from the backend. */
  statusMessages: string[]
  stoppedTasks: StoppedTask[]
  /** ECS's own deployments: their lifecycle hooks, each as last seen. */
  hooks?: Hook[]
  /** ECS's deployment circuit breaker: failed tasks counted against the threshold that rolls back. */
  circuitBreaker?: { status?: string; failureCount: number; threshold?: number }
  /** CloudWatch alarms watched by the deployment, and those in ALARM. */
  alarms?: { status?: string; watched: string[]; triggered: string[] }
  /** Traffic does not move between revisions (an ECS rolling update): progress is task counts. */
  rolling?: boolean
  /**
   * The task sets are service revisions (ECS's own deployments): the source is kept through a bake
   * time rather than a termination wait, and task counts change all through the deployment.
   */
  revisions?: boolean
  creator?: string
  description?: string
  deploymentConfigName?: string
  applicationName?: string
  deploymentGroupName?: string
}

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase)
}
