// What the watch loop, the log and the report know about a deployment. Backend-neutral on purpose:
// CodeDeploy fills it today (src/backends/codedeploy/snapshot.ts); ECS-native blue/green, linear and canary
// deployments (deployment controller ECS) will fill the same shape, so nothing downstream changes.

/** Where a deployment stands, in terms every backend shares. */
export type Phase =
  | 'created' // accepted, not started
  | 'installing' // replacement task set being created / hooks before production traffic
  | 'ready' // replacement serves test traffic; waits to be rerouted (CodeDeploy status Ready)
  | 'shifting' // production traffic moving (AllowTraffic)
  | 'traffic-shifted' // all production traffic on the replacement, after-traffic hooks passed
  | 'termination-wait' // original task set kept until its termination wait ends
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
  rollback?: { deploymentId?: string; triggeringDeploymentId?: string; message?: string }
  /** Set on a failed or stopped deployment that no rollback can follow, saying why. */
  rollbackRuledOut?: string
  /** e.g. "rolled back by the alarm my-5xx-alarm"; free text from the backend. */
  statusMessages: string[]
  stoppedTasks: StoppedTask[]
  creator?: string
  description?: string
  deploymentConfigName?: string
  applicationName?: string
  deploymentGroupName?: string
}

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase)
}
