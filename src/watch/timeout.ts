// The default `timeout-minutes`: long enough that a healthy deployment never hits it, since a timeout
// stops the deployment with rollback (rollback-on-cancel).
import type { TrafficRouting } from './snapshot.js'
import type { Goal } from './watch.js'

/** Install and the hooks: CodeDeploy itself gives Install up to an hour, but a healthy one takes minutes. */
export const INSTALL_AND_HOOKS_MINUTES = 30

export interface TimeoutParams {
  goal: Goal
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
  if (routing.type === 'AllAtOnce') return 0
  if (routing.type === 'TimeBasedCanary') return routing.intervalMinutes
  const steps = Math.ceil(100 / Math.min(100, Math.max(1, routing.percentage)))
  return steps * routing.intervalMinutes
}

export function deriveTimeoutMinutes(p: TimeoutParams): number {
  return (
    INSTALL_AND_HOOKS_MINUTES +
    (p.goal === 'ready' ? 0 : p.readyWaitMinutes) +
    trafficRoutingMinutes(p.trafficRouting) +
    (p.goal === 'succeeded' ? p.terminationWaitMinutes : 0)
  )
}
