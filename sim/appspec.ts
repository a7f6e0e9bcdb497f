// Reads an ECS AppSpec as leniently as CodeDeploy does (its AppSpec reference for ECS): JSON or YAML,
// keys in any case, version 0 / 0.0 / "0.0", any single resource key, Hooks as a list or a map.
import { parse } from 'yaml'

export interface ParsedAppSpec {
  taskDefinition: string
  containerName: string
  containerPort: number
  platformVersion?: string
  networkConfiguration?: {
    awsvpcConfiguration: { subnets: string[]; securityGroups?: string[]; assignPublicIp?: string }
  }
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[]
  hooks: Record<string, string>
}

const HOOKABLE = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic'
]

const INVALID =
  'The deployment failed because the AppSpec file that specifies the deployment configuration is missing or has an invalid configuration.'

/** An AppSpec as the official action sends it: `taskDefinition` behind the load balancer's container. */
export function appSpecJson(
  taskDefinition: string,
  lb: { containerName?: string; containerPort?: number } | undefined
): string {
  return JSON.stringify({
    version: 0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinition,
            LoadBalancerInfo: { ContainerName: lb?.containerName, ContainerPort: lb?.containerPort }
          }
        }
      }
    ]
  })
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function get(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined
  const k = Object.keys(o).find(x => x.toLowerCase() === key.toLowerCase())
  return k === undefined ? undefined : o[k]
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined

/** The parsed AppSpec, or the INVALID_REVISION message CodeDeploy fails the deployment with. */
export function parseAppSpec(content: string): ParsedAppSpec | { error: string } {
  let doc: unknown
  try {
    doc = parse(content)
  } catch {
    return {
      error: `${INVALID} The input AppSpec file is a not well-formed yaml. The template cannot be parsed.`
    }
  }
  const version = get(doc, 'version')
  if (!(version === 0 || version === '0.0' || version === '0')) {
    return {
      error: `${INVALID} The AppSpec version must be 0.0 (got ${version === undefined ? 'nothing' : JSON.stringify(version)}).`
    }
  }
  const resources = get(doc, 'Resources')
  const list = Array.isArray(resources) ? resources : isObj(resources) ? [resources] : []
  if (list.length !== 1 || !isObj(list[0]) || Object.keys(list[0]).length !== 1) {
    return { error: `${INVALID} Resources must hold exactly one target service.` }
  }
  const target = Object.values(list[0])[0]
  const type = get(target, 'Type')
  if (type !== 'AWS::ECS::Service') {
    return {
      error: `${INVALID} The resource type must be AWS::ECS::Service (got ${type === undefined ? 'nothing' : JSON.stringify(type)}).`
    }
  }
  const props = get(target, 'Properties')
  const taskDefinition = get(props, 'TaskDefinition')
  const lb = get(props, 'LoadBalancerInfo')
  const containerName = get(lb, 'ContainerName')
  const containerPort = get(lb, 'ContainerPort')
  if (typeof taskDefinition !== 'string' || !taskDefinition) {
    return { error: `${INVALID} Properties.TaskDefinition is missing.` }
  }
  if (typeof containerName !== 'string' || typeof containerPort !== 'number') {
    return {
      error: `${INVALID} LoadBalancerInfo needs ContainerName (a string) and ContainerPort (a number).`
    }
  }
  const parsed: ParsedAppSpec = { taskDefinition, containerName, containerPort, hooks: {} }
  const platformVersion = get(props, 'PlatformVersion')
  if (typeof platformVersion === 'string') parsed.platformVersion = platformVersion
  const vpc = get(get(props, 'NetworkConfiguration'), 'AwsvpcConfiguration')
  if (isObj(vpc)) {
    const subnets = strings(get(vpc, 'Subnets')) ?? []
    const securityGroups = strings(get(vpc, 'SecurityGroups'))
    const assignPublicIp = get(vpc, 'AssignPublicIp')
    parsed.networkConfiguration = {
      awsvpcConfiguration: {
        subnets,
        ...(securityGroups ? { securityGroups } : {}),
        ...(typeof assignPublicIp === 'string' ? { assignPublicIp } : {})
      }
    }
  }
  const cps = get(props, 'CapacityProviderStrategy')
  if (Array.isArray(cps)) {
    parsed.capacityProviderStrategy = cps.map(item => ({
      capacityProvider: String(get(item, 'CapacityProvider')),
      weight: Number(get(item, 'Weight') ?? 0),
      base: Number(get(item, 'Base') ?? 0)
    }))
  }
  const hooks = get(doc, 'Hooks')
  const entries = Array.isArray(hooks)
    ? hooks.filter(isObj).flatMap(h => Object.entries(h))
    : isObj(hooks)
      ? Object.entries(hooks)
      : []
  for (const [event, fn] of entries) {
    const name = HOOKABLE.find(h => h.toLowerCase() === event.toLowerCase())
    if (!name)
      return { error: `${INVALID} ${event} is not a lifecycle event that takes a hook in an ECS deployment.` }
    parsed.hooks[name] = String(fn)
  }
  return parsed
}
