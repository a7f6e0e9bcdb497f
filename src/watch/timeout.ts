// The default `timeout-minutes`: never shorter than CodeDeploy's own limits, since a timeout stops the
// deployment with rollback (rollback-on-cancel). Where CodeDeploy will decide anyway, it decides.
import type { TrafficRouting } from './snapshot.js'
import type { Goal } from './watch.js'

/**
 * Install: CodeDeploy waits up to an hour for the replacement task set to become steady (a service
 * scaling out, an EC2 capacity provider adding instances): "This time out period is 60 minutes".
 */
// Inferred (docs/aws-behaviour.md 12): nothing else stops a healthy deployment sooner than these hours.
export const INSTALL_MINUTES = 60
/** A hook: CodeDeploy fails it when the Lambda reports no status within an hour. */
export const HOOK_MINUTES = 60

export interface TimeoutParams {
  goal: Goal
  /** The AppSpec hooks (Lambda functions) the deployment runs. */
  hooks: number
  /** The deployment group's ready wait (STOP_DEPLOYMENT); 0 without one. */
  readyWaitMinutes: number
  trafficRouting: TrafficRouting
  /** The original task set's termination wait; 0 with KEEP_ALIVE. */
  terminationWaitMinutes: number
}

/**
 * How long production traffic takes to move. Canary: one interval between its two steps. Linear: one
 * interval per step, ceil(100 / percentage) of them: the minimal model has one interval fewer (the first
 * step comes at once), but CodeDeploy is seen waiting one more interval after the last step, and erring
 * long costs a slower alarm while erring short rolls a healthy release back.
 */
export function trafficRoutingMinutes(routing: TrafficRouting): number {
  // Inferred (docs/aws-behaviour.md 10): steps an interval apart, one interval more for linear to be safe.
  if (routing.type === 'AllAtOnce') return 0
  if (routing.type === 'TimeBasedCanary') return routing.intervalMinutes
  const steps = Math.ceil(100 / Math.min(100, Math.max(1, routing.percentage)))
  return steps * routing.intervalMinutes
}

export function deriveTimeoutMinutes(p: TimeoutParams): number {
  return (
    INSTALL_MINUTES +
    HOOK_MINUTES * p.hooks +
    (p.goal === 'ready' ? 0 : p.readyWaitMinutes) +
    trafficRoutingMinutes(p.trafficRouting) +
    (p.goal === 'succeeded' ? p.terminationWaitMinutes : 0)
  )
}
