// The lifecycle events of a CodeDeploy ECS deployment, in the order they run.

export const LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic'
] as const

/** The events that run an AppSpec hook (a Lambda function); the other three are CodeDeploy's own steps. */
export const HOOK_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic'
] as const satisfies readonly (typeof LIFECYCLE_EVENTS)[number][]
export type HookEvent = (typeof HOOK_EVENTS)[number]

export function isHookEvent(name: string): name is HookEvent {
  return (HOOK_EVENTS as readonly string[]).includes(name)
}

/** Where a hook runs in the deployment: hooks are listed, and sent, in that order. */
export function hookOrder(event: HookEvent): number {
  return HOOK_EVENTS.indexOf(event)
}
