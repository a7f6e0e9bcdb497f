// What a service's deploymentConfiguration means for the step: where it can stop at a gate, how long
// ECS itself may take, and how it moves traffic, in words for the log and the summary. Pure.
import type { DeploymentConfiguration, DeploymentLifecycleHook } from '@aws-sdk/client-ecs'
import type { Goal } from '../../watch/watch.js'

/** The hook stages where a waiting PAUSE hook is a gate with test traffic on the replacement. */
export const GATE_HOOK_STAGES = ['POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT'] as const

/** ECS's default when a hook sets no timeout (DeploymentLifecycleHookTimeoutConfiguration). */
const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440
/** As for CodeDeploy's Install: the new tasks get an hour to become steady. */
const SCALE_UP_MINUTES = 60

const isPause = (h: DeploymentLifecycleHook): boolean => h.targetType === 'PAUSE'

/** The PAUSE hooks that make `wait-until: ready` possible. */
export function gateHooks(config: DeploymentConfiguration | undefined): DeploymentLifecycleHook[] {
  return (config?.lifecycleHooks ?? []).filter(
    h =>
      isPause(h) && (h.lifecycleStages ?? []).some(s => (GATE_HOOK_STAGES as readonly string[]).includes(s))
  )
}

/**
 * The stages a lifecycle hook can run at (DeploymentLifecycleHookStage), in the order they run;
 * PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage only.
 */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT'
] as const

/** Stages a goal needs passed: hooks at later stages cannot hold up the step. */
const STAGES_BEFORE_GOAL: Record<Goal, readonly string[]> = {
  ready: HOOK_STAGES.slice(0, HOOK_STAGES.indexOf('POST_TEST_TRAFFIC_SHIFT') + 1),
  'traffic-shifted': HOOK_STAGES,
  succeeded: HOOK_STAGES
}

/** How many production traffic steps a strategy takes: linear and canary hooks run before each. */
function trafficSteps(config: DeploymentConfiguration): number {
  if (config.strategy === 'CANARY') return 2
  if (config.strategy === 'LINEAR') {
    const step = config.linearConfiguration?.stepPercent ?? 10
    return Math.ceil(100 / Math.min(100, Math.max(0.1, step)))
  }
  return 1
}

/** The production shift's own duration: the bake between linear steps, or the canary's bake. */
function shiftMinutes(config: DeploymentConfiguration): number {
  if (config.strategy === 'CANARY') return config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10
  if (config.strategy === 'LINEAR') {
    // The step bake is not applied after the last step.
    return (trafficSteps(config) - 1) * (config.linearConfiguration?.stepBakeTimeInMinutes ?? 6)
  }
  return 0
}

/**
 * The default `timeout-minutes` for ECS's own deployments: long enough that ECS decides, not the
 * step. Scale-up gets an hour; each hook that can hold the deployment before the goal adds its own
 * timeout (a PRE_PRODUCTION_TRAFFIC_SHIFT hook runs before every traffic step); the shift adds its step
 * bake times; `succeeded` adds the bake time.
 */
export function deriveEcsTimeoutMinutes(config: DeploymentConfiguration | undefined, goal: Goal): number {
  const c = config ?? {}
  const before = STAGES_BEFORE_GOAL[goal]
  let minutes = SCALE_UP_MINUTES
  for (const hook of c.lifecycleHooks ?? []) {
    for (const stage of hook.lifecycleStages ?? []) {
      if (!before.includes(stage)) continue
      // A waiting gate is the goal of wait-until: ready, not a wait before it.
      if (goal === 'ready' && isPause(hook) && (GATE_HOOK_STAGES as readonly string[]).includes(stage))
        continue
      const times = stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' ? trafficSteps(c) : 1
      minutes += times * (hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES)
    }
  }
  if (goal !== 'ready') minutes += shiftMinutes(c)
  if (goal === 'succeeded') minutes += c.bakeTimeInMinutes ?? 0
  return minutes
}

/** `canary: 10% then the rest after 5 min, bake 15 min`, for the log and the summary. */
export function describeStrategy(config: DeploymentConfiguration | undefined): string {
  const c = config ?? {}
  const bake = c.bakeTimeInMinutes ? `, bake ${c.bakeTimeInMinutes} min` : ''
  switch (c.strategy) {
    case 'BLUE_GREEN':
      return `blue/green: all at once${bake}`
    case 'CANARY':
      return `canary: ${c.canaryConfiguration?.canaryPercent ?? 5}% then the rest after ${c.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10} min${bake}`
    case 'LINEAR':
      return `linear: ${c.linearConfiguration?.stepPercent ?? 10}% every ${c.linearConfiguration?.stepBakeTimeInMinutes ?? 6} min${bake}`
    default:
      return 'rolling update'
  }
}
