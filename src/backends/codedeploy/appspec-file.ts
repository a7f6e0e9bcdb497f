// A user's ECS AppSpec file, read as the official action and the AWS CLI read it (YAML or JSON, keys
// case-insensitive) and checked, since this action rebuilds the AppSpec from the keys it knows. No
// I/O: the caller reads the file and passes its text.
import * as path from 'node:path'
import { type YAMLError, parseDocument } from 'yaml'
import { nearest } from '../../plan/nearest.js'
import type { CapacityProviderStrategyItem, NetworkConfiguration } from '../../plan/service.js'
import { InputError } from '../../runtime/errors.js'
import { HOOK_EVENTS, type HookEvent, hookOrder } from './lifecycle-events.js'

/** The file names the official action looks for in the workspace, in its order. */
export const DEFAULT_APPSPEC_NAMES = ['appspec.yaml', 'appspec.yml', 'appspec.json'] as const

export interface AppSpecHook {
  event: HookEvent
  functionName: string
}

/** What a user's AppSpec file contributes. Fields the file leaves out (or leaves as placeholders) are undefined. */
export interface AppSpecFile {
  containerName?: string
  containerPort?: number
  platformVersion?: string
  networkConfiguration?: NetworkConfiguration
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  hooks: AppSpecHook[]
  /** Values ignored on purpose (placeholders, blanks, an odd version): worth a line in the log. */
  warnings: string[]
}

/** `appspec.yaml`, `appspec.yml` or `appspec.json`, the first that exists in the workspace. */
export function defaultAppSpecName(workspace: string, exists: (path: string) => boolean): string | undefined {
  return DEFAULT_APPSPEC_NAMES.find(name => exists(path.join(workspace, name)))
}

const APPSPEC_DOCS =
  'https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html'

// EC2/on-premises events people copy into ECS AppSpecs; named so the error can say where they belong.
const EC2_ONLY_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'ApplicationStart',
  'ValidateService',
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic'
]
// CodeDeploy's own steps of an ECS deployment: they show in the log but cannot run a hook.
const ECS_UNHOOKABLE_EVENTS = ['Install', 'AllowTestTraffic', 'AllowTraffic']

// Lambda's own FunctionName pattern (name, partial ARN or ARN, optional version or alias).
const LAMBDA_FUNCTION =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/

// Template markers left unrendered: CodePipeline <NAME>, envsubst/Terraform ${NAME}, mustache/Go {{ name }}.
const PLACEHOLDER = /<[^<>\s][^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}/

// What EC2/on-premises hooks look like: script entries, or a path to a script.
const SCRIPT_KEYS = ['location', 'timeout', 'runas']
const SCRIPT_PATH = /[/\\]|\.(sh|py|ps1|bat|cmd|js)$/i

type YamlMap = Record<string, unknown>

function isMap(v: unknown): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * What a value is, never the value itself: errors do not quote the file, which may hold anything (a
 * committed appspec.yaml that is a link to a token file, a secret pasted in the wrong place).
 */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'boolean') return 'true or false'
  return `a ${typeof v}`
}

/** A guess is offered only when it is close: a third of the key's length, or two edits. */
const closeEnough = (candidate: string): number => Math.max(2, Math.floor(candidate.length / 3))

/** Collects every problem of a file so that one error lists them all, rather than one per run. */
class Problems {
  readonly list: string[] = []
  inHooks = false
  add(where: string, what: string): void {
    this.list.push(`${where}: ${what}`)
    if (where.startsWith('Hooks')) this.inHooks = true
  }
}

/**
 * Inferred (docs/aws-behaviour.md 19): CodeDeploy reads keys in any case.
 * Looks the known keys of `map` up case-insensitively (as the AWS CLI's `find_required_key` and the
 * official action's `findAppSpecKey` do) and reports unknown ones: this action rebuilds the AppSpec
 * from the keys it knows, so an unknown key (a typo) would be dropped without a word otherwise.
 */
function readKeys<K extends string>(
  map: YamlMap,
  known: readonly K[],
  where: string,
  problems: Problems
): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {}
  const seen = new Map<K, string>()
  for (const [key, value] of Object.entries(map)) {
    const canonical = known.find(k => k.toLowerCase() === key.toLowerCase())
    if (canonical === undefined) {
      const guess = nearest(key, known, closeEnough)
      problems.add(
        at(where, key),
        `unknown key${guess ? `; did you mean ${guess}?` : '.'} Known keys here: ${known.join(', ')}.`
      )
      continue
    }
    const earlier = seen.get(canonical)
    if (earlier !== undefined) {
      problems.add(at(where, key), `given twice (as ${earlier} and ${key}; keys are case-insensitive).`)
      continue
    }
    seen.set(canonical, key)
    out[canonical] = value
  }
  return out
}

function at(where: string, key: string): string {
  return where ? `${where}.${key}` : key
}

function blank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
}

function placeholderIn(v: unknown): string | undefined {
  return typeof v === 'string' ? PLACEHOLDER.exec(v)?.[0] : undefined
}

/**
 * A string that goes to AWS as it is: placeholders and blanks are errors, numbers are taken as their
 * text (YAML reads `PlatformVersion: 1.4` as a number).
 */
function sentString(v: unknown, where: string, problems: Problems): string | undefined {
  if (typeof v === 'number') return String(v)
  if (typeof v !== 'string') {
    problems.add(where, `must be a string, not ${kindOf(v)}.`)
    return undefined
  }
  if (v.trim() === '') {
    problems.add(where, 'is blank; give a value or remove the key.')
    return undefined
  }
  const marker = placeholderIn(v)
  if (marker !== undefined) {
    problems.add(
      where,
      `contains the placeholder ${marker}, which would be sent to AWS as it is; render it first.`
    )
    return undefined
  }
  return v.trim()
}

function sentStringList(v: unknown, where: string, problems: Problems): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.add(where, `must be a list, e.g. [subnet-1234abcd, subnet-5678abcd], not ${kindOf(v)}.`)
    return undefined
  }
  const items = v.map((item, i) => sentString(item, `${where}[${i}]`, problems))
  return items.every((s): s is string => s !== undefined) ? items : undefined
}

function integer(
  v: unknown,
  where: string,
  min: number,
  max: number,
  problems: Problems
): number | undefined {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    problems.add(where, `must be a whole number from ${min} to ${max}.`)
    return undefined
  }
  return n
}

function readNetworkConfiguration(
  v: unknown,
  where: string,
  problems: Problems
): NetworkConfiguration | undefined {
  if (!isMap(v)) {
    problems.add(where, 'must be a mapping with AwsvpcConfiguration.')
    return undefined
  }
  const outer = readKeys(v, ['AwsvpcConfiguration'], where, problems)
  const inner = outer.AwsvpcConfiguration
  const innerWhere = `${where}.AwsvpcConfiguration`
  if (!isMap(inner)) {
    problems.add(innerWhere, 'is required: a mapping with Subnets, SecurityGroups and AssignPublicIp.')
    return undefined
  }
  const keys = readKeys(inner, ['Subnets', 'SecurityGroups', 'AssignPublicIp'], innerWhere, problems)
  if (keys.Subnets === undefined) {
    problems.add(`${innerWhere}.Subnets`, 'is required (at least one subnet ID).')
    return undefined
  }
  const subnets = sentStringList(keys.Subnets, `${innerWhere}.Subnets`, problems)
  if (subnets?.length === 0) problems.add(`${innerWhere}.Subnets`, 'is empty; give at least one subnet ID.')
  const securityGroups =
    keys.SecurityGroups === undefined
      ? undefined
      : sentStringList(keys.SecurityGroups, `${innerWhere}.SecurityGroups`, problems)
  let assignPublicIp: 'ENABLED' | 'DISABLED' | undefined
  if (keys.AssignPublicIp !== undefined) {
    const text = sentString(keys.AssignPublicIp, `${innerWhere}.AssignPublicIp`, problems)?.toUpperCase()
    if (text === 'ENABLED' || text === 'DISABLED') assignPublicIp = text
    else if (text !== undefined) problems.add(`${innerWhere}.AssignPublicIp`, 'must be ENABLED or DISABLED.')
  }
  if (!subnets?.length) return undefined
  return {
    awsvpcConfiguration: {
      subnets,
      ...(securityGroups ? { securityGroups } : {}),
      ...(assignPublicIp ? { assignPublicIp } : {})
    }
  }
}

function readCapacityProviderStrategy(
  v: unknown,
  where: string,
  problems: Problems
): CapacityProviderStrategyItem[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    problems.add(where, 'must be a non-empty list of {CapacityProvider, Base, Weight}.')
    return undefined
  }
  const items: CapacityProviderStrategyItem[] = []
  v.forEach((item, i) => {
    const itemWhere = `${where}[${i}]`
    if (!isMap(item)) {
      problems.add(itemWhere, 'must be a mapping {CapacityProvider, Base, Weight}.')
      return
    }
    const keys = readKeys(item, ['CapacityProvider', 'Base', 'Weight'], itemWhere, problems)
    if (keys.CapacityProvider === undefined) {
      problems.add(`${itemWhere}.CapacityProvider`, 'is required.')
      return
    }
    const capacityProvider = sentString(keys.CapacityProvider, `${itemWhere}.CapacityProvider`, problems)
    // Bounds are ECS's CapacityProviderStrategyItem limits.
    const base =
      keys.Base === undefined ? undefined : integer(keys.Base, `${itemWhere}.Base`, 0, 100000, problems)
    const weight =
      keys.Weight === undefined ? undefined : integer(keys.Weight, `${itemWhere}.Weight`, 0, 1000, problems)
    if (capacityProvider === undefined) return
    items.push({
      capacityProvider,
      ...(base !== undefined ? { base } : {}),
      ...(weight !== undefined ? { weight } : {})
    })
  })
  return items
}

/** `ContainerName`/`ContainerPort`: a placeholder or a blank leaves the value to the inputs or the service. */
function templateValue(v: unknown, where: string, file: string, warnings: string[]): 'skip' | 'use' {
  const marker = placeholderIn(v)
  if (blank(v) || marker !== undefined) {
    const what = marker !== undefined ? `the placeholder ${marker}` : 'blank'
    warnings.push(
      `${where} in ${file} is ${what}: ignored; the value comes from the inputs or the service's load balancer.`
    )
    return 'skip'
  }
  return 'use'
}

function isScript(value: unknown): boolean {
  const items = Array.isArray(value) ? (value as unknown[]) : [value]
  const entries = items
    .filter(isMap)
    .filter(item => Object.keys(item).some(k => SCRIPT_KEYS.includes(k.toLowerCase())))
  return entries.length > 0 || (typeof value === 'string' && SCRIPT_PATH.test(value.trim()))
}

function describeHookProblem(value: unknown): string | undefined {
  if (isScript(value)) {
    return 'is a script; scripts run on EC2/on-premises instances, an ECS deployment invokes a Lambda function.'
  }
  if (typeof value !== 'string')
    return `must be the name or ARN of one Lambda function, not ${kindOf(value)}.`
  if (value.trim() === '') return 'is blank; give a Lambda function name or ARN, or remove the hook.'
  const marker = placeholderIn(value)
  if (marker !== undefined) {
    return `contains the placeholder ${marker}; CodeDeploy would invoke a function of that name. Render it first.`
  }
  if (!LAMBDA_FUNCTION.test(value.trim())) return 'is not a Lambda function name or ARN.'
  return undefined
}

function describeEventProblem(event: string): string {
  if (EC2_ONLY_EVENTS.some(e => e.toLowerCase() === event.toLowerCase())) {
    return 'is an EC2/on-premises lifecycle event (as ApplicationStart and ValidateService are), not an ECS one.'
  }
  if (ECS_UNHOOKABLE_EVENTS.some(e => e.toLowerCase() === event.toLowerCase())) {
    return 'is a step CodeDeploy runs itself and cannot be hooked.'
  }
  const guess = nearest(event, HOOK_EVENTS, closeEnough)
  return `is not an ECS lifecycle event${guess ? `; did you mean ${guess}?` : '.'}`
}

function readHooks(v: unknown, problems: Problems): AppSpecHook[] {
  // `Hooks:` with every entry commented out is null: no hooks.
  if (v === null || v === undefined) return []
  let entries: [string, unknown][]
  if (Array.isArray(v)) {
    entries = []
    v.forEach((item, i) => {
      if (isMap(item)) entries.push(...Object.entries(item))
      else
        problems.add(
          `Hooks[${i}]`,
          `must be a single-key mapping such as - BeforeInstall: MyFunction, not ${kindOf(item)}.`
        )
    })
  } else if (isMap(v)) {
    // cdklabs/cdk-ecs-codedeploy writes Hooks as a mapping, and CodeDeploy takes it.
    entries = Object.entries(v)
  } else {
    problems.add('Hooks', 'must be a list of single-key mappings such as - BeforeInstall: MyFunction.')
    return []
  }
  const hooks: AppSpecHook[] = []
  const reject = (key: string, what: string): void => {
    problems.add(`Hooks.${key}`, what)
  }
  for (const [key, value] of entries) {
    const event = HOOK_EVENTS.find(e => e.toLowerCase() === key.toLowerCase())
    if (event === undefined) {
      reject(key, describeEventProblem(key))
      continue
    }
    const problem = describeHookProblem(value)
    if (problem !== undefined) reject(key, problem)
    else if (hooks.some(h => h.event === event))
      reject(key, 'is given twice; CodeDeploy runs one function per event.')
    else hooks.push({ event, functionName: (value as string).trim() })
  }
  return hooks.sort((a, b) => hookOrder(a.event) - hookOrder(b.event))
}

function readTargetService(
  resources: unknown,
  file: string,
  problems: Problems,
  warnings: string[]
): AppSpecFile {
  const result: AppSpecFile = { hooks: [], warnings }
  const notEcs = (what: string): InputError =>
    new InputError(
      `${file} is not an ECS AppSpec: ${what}`,
      `An ECS AppSpec has Resources: [ { TargetService: { Type: AWS::ECS::Service, Properties: {...} } } ] (${APPSPEC_DOCS}).`
    )
  if (!Array.isArray(resources) || resources.length !== 1) {
    throw notEcs(
      Array.isArray(resources)
        ? `Resources has ${resources.length} entries; an ECS AppSpec has exactly one target service.`
        : 'Resources must be a list with one target service.'
    )
  }
  const [entry] = resources as unknown[]
  const names = isMap(entry) ? Object.keys(entry) : []
  const name = names[0]
  // The resource's name is free (the docs use TargetService; the AWS CLI accepts any single key).
  if (!isMap(entry) || names.length !== 1 || name === undefined || !isMap(entry[name])) {
    throw notEcs(
      'the Resources entry must be a single-key mapping such as TargetService: { Type, Properties }.'
    )
  }
  const where = `Resources[0].${name}`
  const target = readKeys(entry[name], ['Type', 'Properties'], where, problems)
  if (target.Type !== 'AWS::ECS::Service') {
    const lambda = target.Type === 'AWS::Lambda::Function'
    throw notEcs(
      lambda
        ? `${where}.Type is AWS::Lambda::Function (a Lambda AppSpec), not AWS::ECS::Service.`
        : `${where}.Type is not AWS::ECS::Service.`
    )
  }
  if (target.Properties === undefined || target.Properties === null) return result
  if (!isMap(target.Properties)) {
    problems.add(`${where}.Properties`, 'must be a mapping.')
    return result
  }
  const propsWhere = `${where}.Properties`
  const props = readKeys(
    target.Properties,
    [
      'TaskDefinition',
      'LoadBalancerInfo',
      'PlatformVersion',
      'NetworkConfiguration',
      'CapacityProviderStrategy'
    ],
    propsWhere,
    problems
  )
  // TaskDefinition is always replaced by the revision this run deploys, so a placeholder there is normal.
  if (props.LoadBalancerInfo !== undefined && props.LoadBalancerInfo !== null) {
    const lbWhere = `${propsWhere}.LoadBalancerInfo`
    if (!isMap(props.LoadBalancerInfo)) {
      problems.add(lbWhere, 'must be a mapping with ContainerName and ContainerPort.')
    } else {
      const lb = readKeys(props.LoadBalancerInfo, ['ContainerName', 'ContainerPort'], lbWhere, problems)
      if (
        lb.ContainerName !== undefined &&
        templateValue(lb.ContainerName, `${lbWhere}.ContainerName`, file, warnings) === 'use'
      ) {
        result.containerName = sentString(lb.ContainerName, `${lbWhere}.ContainerName`, problems)
      }
      if (
        lb.ContainerPort !== undefined &&
        templateValue(lb.ContainerPort, `${lbWhere}.ContainerPort`, file, warnings) === 'use'
      ) {
        result.containerPort = integer(lb.ContainerPort, `${lbWhere}.ContainerPort`, 1, 65535, problems)
      }
    }
  }
  if (props.PlatformVersion !== undefined) {
    result.platformVersion = sentString(props.PlatformVersion, `${propsWhere}.PlatformVersion`, problems)
  }
  if (props.NetworkConfiguration !== undefined) {
    result.networkConfiguration = readNetworkConfiguration(
      props.NetworkConfiguration,
      `${propsWhere}.NetworkConfiguration`,
      problems
    )
  }
  if (props.CapacityProviderStrategy !== undefined) {
    result.capacityProviderStrategy = readCapacityProviderStrategy(
      props.CapacityProviderStrategy,
      `${propsWhere}.CapacityProviderStrategy`,
      problems
    )
  }
  return result
}

/** The parser's words, except the two errors whose words quote the file. */
function yamlProblem(e: YAMLError): string {
  if (e.code === 'BAD_DQ_ESCAPE') return 'an invalid escape in a double-quoted string'
  const line = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return line.replace(/^(Block scalar header includes extra characters):.*$/, '$1')
}

/**
 * The document as plain values. Resolving aliases can fail too: an alias bomb (billions of laughs,
 * stopped at 100 resolved aliases) or an alias before its anchor.
 */
function toJS(doc: ReturnType<typeof parseDocument>, file: string): unknown {
  try {
    return doc.toJS()
  } catch (e) {
    const bomb = e instanceof Error && /Excessive alias count/.test(e.message)
    throw new InputError(
      bomb
        ? `${file} expands into more than 100 aliased values (a YAML alias bomb?); no AppSpec needs that many.`
        : `${file} uses an alias (*name) before its anchor (&name) is set.`,
      'Write the values out instead of using YAML anchors and aliases.'
    )
  }
}

/**
 * Reads an ECS AppSpec file (YAML or JSON, keys case-insensitive). Throws InputError for anything
 * that cannot be deployed; placeholders where this action supplies the value are warnings.
 */
export function parseAppSpecFile(text: string, file: string): AppSpecFile {
  const doc = parseDocument(text)
  const [first] = doc.errors
  if (first) {
    const pos = first.linePos?.[0]
    const position = pos ? ` (line ${pos.line}, column ${pos.col})` : ''
    throw new InputError(
      `${file} is not valid YAML or JSON${position}: ${yamlProblem(first)}.`,
      'If it is a template (Terraform, envsubst), render it before the deploy step, or point codedeploy-appspec at the rendered file.'
    )
  }
  const root = toJS(doc, file)
  if (!isMap(root)) {
    throw new InputError(
      `${file} is not an AppSpec: its top level is ${kindOf(root)}, not a mapping.`,
      `An ECS AppSpec is a mapping with version, Resources and optional Hooks (${APPSPEC_DOCS}).`
    )
  }
  const problems = new Problems()
  const warnings: string[] = []
  const keys = readKeys(root, ['version', 'Resources', 'Hooks'], '', problems)
  if (keys.Resources === undefined) {
    const ec2 = Object.keys(root).some(k => ['os', 'files', 'permissions'].includes(k.toLowerCase()))
    throw new InputError(
      `${file} has no Resources section${ec2 ? ': it is an EC2/on-premises AppSpec (it has os/files)' : ''}.`,
      `An ECS AppSpec names the service in Resources: [ { TargetService: { Type: AWS::ECS::Service, Properties: {...} } } ] (${APPSPEC_DOCS}).`
    )
  }
  // This action always sends version 0.0; other values are reported, not passed on.
  if (keys.version !== undefined && keys.version !== 0 && keys.version !== '0.0') {
    warnings.push(
      `The version in ${file} is not 0.0: ignored; the AppSpec sent uses version 0.0, the only one.`
    )
  }
  const result = readTargetService(keys.Resources, file, problems, warnings)
  result.hooks = readHooks(keys.Hooks, problems)
  if (problems.list.length > 0) {
    throw new InputError(
      `${file} cannot be used: ${problems.list.join(' ')}`,
      (problems.inHooks
        ? `An ECS hook is the name or ARN of one Lambda function, for one of ${HOOK_EVENTS.join(', ')}; e.g. - BeforeInstall: CodeDeployHook_check. `
        : '') + `Fix the file (ECS AppSpec reference: ${APPSPEC_DOCS}).`
    )
  }
  return result
}
