// The simulated account: ECS clusters/services/task sets/tasks/task definitions and the CodeDeploy
// applications, groups, configurations and revisions, built from a Scenario. Deployments are played
// by sim/engine.ts, which mutates these records through the helpers below.
import { createHash } from 'node:crypto'
import type { DeploymentFaults, Durations, Scenario, ServiceSpec } from './scenarios.js'
import { DEFAULT_DURATIONS } from './scenarios.js'

/** Seeded PRNG (mulberry32): ids and fault sampling replay identically for a seed. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  chars(n: number, alphabet: string): string {
    let out = ''
    for (let i = 0; i < n; i++) out += alphabet.charAt(Math.floor(this.next() * alphabet.length))
    return out
  }
}

export interface Tag {
  key: string
  value: string
}

export interface TaskDefRecord {
  family: string
  revision: number
  arn: string
  status: 'ACTIVE' | 'INACTIVE'
  /** The registered request members (what DescribeTaskDefinition echoes), tags excluded. */
  body: Record<string, unknown>
  tags: Tag[]
  registeredAt: number
  deregisteredAt?: number
}

export interface TaskSetRecord {
  id: string
  arn: string
  serviceArn: string
  clusterArn: string
  startedBy?: string
  externalId?: string
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING'
  taskDefinition: string
  computedDesiredCount: number
  pendingCount: number
  runningCount: number
  createdAt: number
  updatedAt: number
  launchType?: string
  capacityProviderStrategy?: unknown[]
  platformVersion?: string
  networkConfiguration?: unknown
  loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[]
  targetGroupName: string
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING'
  stabilityStatusAt: number
  deletedAt?: number
}

export interface ServiceRecord {
  spec: ServiceSpec
  cluster: string
  clusterArn: string
  name: string
  arn: string
  controller: 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL'
  status: 'ACTIVE'
  desiredCount: number
  launchType?: string
  capacityProviderStrategy?: unknown[]
  platformVersion?: string
  networkConfiguration: {
    awsvpcConfiguration: { subnets: string[]; securityGroups?: string[]; assignPublicIp?: string }
  }
  taskDefinition: string
  loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[]
  targetGroups: { name: string; arn: string }[]
  prodListenerArn?: string
  testListenerArn?: string
  taskSets: TaskSetRecord[]
  events: { id: string; createdAt: number; message: string }[]
  createdAt: number
  tags: Tag[]
}

export interface TaskRecord {
  taskArn: string
  clusterArn: string
  serviceName: string
  /** `family:<family>` for a one-off task (sim/run-tasks.ts); a service's tasks have `service:<name>`. */
  group?: string
  startedBy: string
  taskDefinitionArn: string
  lastStatus: 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEPROVISIONING' | 'STOPPED'
  desiredStatus: 'RUNNING' | 'STOPPED'
  createdAt: number
  startedAt?: number
  stoppingAt?: number
  stoppedAt?: number
  stoppedReason?: string
  stopCode?: string
  launchType?: string
  containers: { name: string; image: string; lastStatus: string; exitCode?: number; reason?: string }[]
}

export interface AppRecord {
  name: string
  id: string
  createTime: number
  computePlatform: 'ECS' | 'Server' | 'Lambda'
}

export interface GroupRecord {
  applicationName: string
  name: string
  id: string
  computePlatform: 'ECS' | 'Server' | 'Lambda'
  service?: ServiceRecord
  deploymentConfigName: string
  readyWaitMinutes?: number
  terminationWaitMinutes: number
  autoRollback: { enabled: boolean; events: string[] }
  alarms: string[]
}

export interface TrafficRouting {
  type: 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear'
  percentage?: number
  intervalMinutes?: number
}

export interface ConfigRecord {
  name: string
  id: string
  computePlatform: 'ECS' | 'Server' | 'Lambda'
  routing?: TrafficRouting
  minimumHealthyHosts?: { type: string; value: number }
}

export interface RevisionRecord {
  applicationName: string
  sha256: string
  content: string
  registerTime: number
  firstUsedTime: number
  lastUsedTime: number
  groups: string[]
}

export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

/** A predefined ECS linear or canary configuration: CodeDeploy names it after its percentage and interval. */
function timeBased(
  kind: 'Linear' | 'Canary',
  percentage: number,
  intervalMinutes: number
): [string, TrafficRouting, 'ECS'] {
  const name = `CodeDeployDefault.ECS${kind}${percentage}Percent${kind === 'Linear' ? 'Every' : ''}${intervalMinutes}Minutes`
  return [name, { type: `TimeBased${kind}`, percentage, intervalMinutes }, 'ECS']
}

const PREDEFINED_CONFIGS: [string, TrafficRouting | undefined, ConfigRecord['computePlatform']][] = [
  ['CodeDeployDefault.ECSAllAtOnce', { type: 'AllAtOnce' }, 'ECS'],
  timeBased('Linear', 10, 1),
  timeBased('Linear', 10, 3),
  timeBased('Canary', 10, 5),
  timeBased('Canary', 10, 15),
  ['CodeDeployDefault.OneAtATime', undefined, 'Server'],
  ['CodeDeployDefault.HalfAtATime', undefined, 'Server'],
  ['CodeDeployDefault.AllAtOnce', undefined, 'Server']
]

export class SimState {
  readonly region: string
  readonly account: string
  readonly rng: Rng
  readonly durations: Durations
  readonly pageSize: number
  readonly hooklessEventStatus: 'Succeeded' | 'Skipped'
  readonly noTestListenerEventStatus: 'Succeeded' | 'Skipped'
  readonly setsTerminationWaitFlag: boolean
  readonly taskDefs: TaskDefRecord[] = []
  readonly services: ServiceRecord[] = []
  readonly tasks: TaskRecord[] = []
  readonly apps: AppRecord[] = []
  readonly groups: GroupRecord[] = []
  readonly configs: ConfigRecord[] = []
  readonly revisions: RevisionRecord[] = []
  /** Faults applied to deployments created from now on (setFaults replaces them). */
  deploymentFaults: DeploymentFaults
  registerConflicts: number

  constructor(
    readonly scenario: Scenario,
    start: number
  ) {
    this.region = scenario.region ?? 'us-east-1'
    this.account = scenario.accountId ?? '123456789012'
    this.rng = new Rng(scenario.seed ?? 1)
    this.durations = { ...DEFAULT_DURATIONS, ...scenario.durations }
    this.pageSize = scenario.pageSize ?? 100
    this.hooklessEventStatus = scenario.hooklessEventStatus ?? 'Succeeded'
    this.noTestListenerEventStatus = scenario.noTestListenerEventStatus ?? 'Skipped'
    this.setsTerminationWaitFlag = scenario.setsTerminationWaitFlag ?? false
    this.deploymentFaults = scenario.faults?.deployment ?? {}
    this.registerConflicts = scenario.faults?.registerConflicts ?? 0

    for (const [name, routing, computePlatform] of PREDEFINED_CONFIGS) {
      this.configs.push({
        name,
        id: this.uuid(),
        computePlatform,
        ...(routing ? { routing } : {}),
        ...(computePlatform === 'Server' ? { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 0 } } : {})
      })
    }
    for (const c of scenario.deploymentConfigs ?? []) {
      const routing: TrafficRouting = { type: c.type }
      if (c.percentage !== undefined) routing.percentage = c.percentage
      if (c.intervalMinutes !== undefined) routing.intervalMinutes = c.intervalMinutes
      this.configs.push({ name: c.name, id: this.uuid(), computePlatform: 'ECS', routing })
    }
    const created = start - 30 * 86400
    for (const spec of scenario.services) this.addService(spec, created)
    for (const other of scenario.otherApplications ?? []) {
      this.ensureApp(other.name, other.computePlatform, created)
      for (const g of other.groups ?? []) {
        this.groups.push({
          applicationName: other.name,
          name: g,
          id: this.uuid(),
          computePlatform: other.computePlatform,
          deploymentConfigName:
            other.computePlatform === 'Server'
              ? 'CodeDeployDefault.OneAtATime'
              : 'CodeDeployDefault.LambdaAllAtOnce',
          terminationWaitMinutes: 0,
          autoRollback: { enabled: false, events: [] },
          alarms: []
        })
      }
    }
  }

  uuid(): string {
    const h = this.rng.chars(32, '0123456789abcdef')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }

  private ensureApp(name: string, computePlatform: AppRecord['computePlatform'], t: number): void {
    if (!this.apps.some(a => a.name === name))
      this.apps.push({ name, id: this.uuid(), createTime: t, computePlatform })
  }

  private addService(spec: ServiceSpec, t: number): void {
    const clusterArn = `arn:aws:ecs:${this.region}:${this.account}:cluster/${spec.cluster}`
    let td = spec.revisions === 0 ? this.findTaskDefinition(spec.family) : undefined
    for (let i = 0; i < (spec.revisions ?? 1); i++)
      td = this.registerTaskDefinition(this.defaultTaskDefinition(spec), [], t + i * 3600)
    if (!td) throw new Error(`Service ${spec.name}: family ${spec.family} has no revision to run.`)
    const targetGroups = (spec.loadBalancer?.targetGroups ?? []).map(name => ({
      name,
      arn: `arn:aws:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${name}/${this.rng.chars(16, '0123456789abcdef')}`
    }))
    const alb = `arn:aws:elasticloadbalancing:${this.region}:${this.account}:listener/app/${spec.name}-alb/${this.rng.chars(16, '0123456789abcdef')}`
    const service: ServiceRecord = {
      spec,
      cluster: spec.cluster,
      clusterArn,
      name: spec.name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:service/${spec.cluster}/${spec.name}`,
      controller: spec.controller ?? 'CODE_DEPLOY',
      status: 'ACTIVE',
      desiredCount: spec.desiredCount ?? 2,
      ...(spec.capacityProviderStrategy
        ? { capacityProviderStrategy: spec.capacityProviderStrategy }
        : { launchType: spec.launchType ?? 'FARGATE' }),
      ...((spec.launchType ?? 'FARGATE') === 'FARGATE' ? { platformVersion: 'LATEST' } : {}),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
          securityGroups: ['sg-0123abcd'],
          assignPublicIp: 'DISABLED'
        }
      },
      taskDefinition: td.arn,
      loadBalancers: targetGroups.length
        ? [
            {
              targetGroupArn: targetGroups[0]!.arn,
              containerName: spec.container.name,
              containerPort: spec.container.port
            }
          ]
        : [],
      targetGroups,
      ...(spec.loadBalancer ? { prodListenerArn: `${alb}/${this.rng.chars(16, '0123456789abcdef')}` } : {}),
      ...(spec.loadBalancer?.testPort !== null && spec.loadBalancer
        ? { testListenerArn: `${alb}/${this.rng.chars(16, '0123456789abcdef')}` }
        : {}),
      taskSets: [],
      events: [],
      createdAt: t,
      tags: []
    }
    this.services.push(service)
    const original = this.createTaskSet(service, td.arn, targetGroups[0]?.name, t, {})
    original.status = 'PRIMARY'
    this.tasksRunning(original, t)
    this.steady(service, original, t)

    if (spec.group !== null && service.controller === 'CODE_DEPLOY') {
      const g = spec.group ?? {}
      const applicationName = g.application ?? `AppECS-${spec.cluster.slice(0, 47)}-${spec.name.slice(0, 47)}`
      this.ensureApp(applicationName, 'ECS', t)
      this.groups.push({
        applicationName,
        name: g.name ?? `DgpECS-${spec.cluster.slice(0, 47)}-${spec.name.slice(0, 47)}`,
        id: this.uuid(),
        computePlatform: 'ECS',
        service,
        deploymentConfigName: g.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce',
        ...(g.readyWaitMinutes !== undefined ? { readyWaitMinutes: g.readyWaitMinutes } : {}),
        terminationWaitMinutes: g.terminationWaitMinutes ?? 5,
        autoRollback: (() => {
          const events = g.autoRollback ?? ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']
          return { enabled: events.length > 0, events }
        })(),
        alarms: g.alarms ?? []
      })
    }
  }

  private defaultTaskDefinition(spec: ServiceSpec): Record<string, unknown> {
    const c = spec.container
    return {
      family: spec.family,
      executionRoleArn: `arn:aws:iam::${this.account}:role/ecsTaskExecutionRole`,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: c.name,
          image: c.image,
          essential: true,
          ...(c.port ? { portMappings: [{ containerPort: c.port, hostPort: c.port, protocol: 'tcp' }] } : {}),
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': `/ecs/${spec.family}`,
              'awslogs-region': this.region,
              'awslogs-stream-prefix': 'ecs'
            }
          }
        }
      ]
    }
  }

  // ---- ECS: task definitions -------------------------------------------------------------

  registerTaskDefinition(body: Record<string, unknown>, tags: Tag[], t: number): TaskDefRecord {
    const family = String(body.family)
    const revision = this.taskDefs.filter(d => d.family === family).length + 1
    const record: TaskDefRecord = {
      family,
      revision,
      arn: `arn:aws:ecs:${this.region}:${this.account}:task-definition/${family}:${revision}`,
      status: 'ACTIVE',
      body,
      tags,
      registeredAt: t
    }
    this.taskDefs.push(record)
    return record
  }

  /** Resolves `family`, `family:revision` or an ARN, as DescribeTaskDefinition does. */
  findTaskDefinition(ref: string): TaskDefRecord | undefined {
    const short = ref.startsWith('arn:')
      ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length)
      : ref
    const [family, rev] = short.split(':')
    if (rev === undefined) {
      return this.taskDefs.filter(d => d.family === family && d.status === 'ACTIVE').at(-1)
    }
    const found = this.taskDefs.find(d => d.family === family && String(d.revision) === rev)
    if (found && ref.startsWith('arn:') && found.arn !== ref) return undefined
    return found
  }

  // ---- ECS: services, task sets, tasks ---------------------------------------------------

  findService(cluster: string | undefined, ref: string): ServiceRecord | undefined {
    const c = (cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
    return this.services.find(s => (s.arn === ref || s.name === ref) && s.cluster === c)
  }

  clusterExists(cluster: string | undefined): boolean {
    const c = (cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
    return this.services.some(s => s.cluster === c)
  }

  serviceEvent(service: ServiceRecord, t: number, message: string): void {
    service.events.unshift({ id: this.uuid(), createdAt: t, message })
    service.events.splice(100)
  }

  createTaskSet(
    service: ServiceRecord,
    taskDefinition: string,
    targetGroupName: string | undefined,
    t: number,
    opts: {
      externalId?: string
      platformVersion?: string
      networkConfiguration?: unknown
      capacityProviderStrategy?: unknown[]
    }
  ): TaskSetRecord {
    const id = `ecs-svc/${this.rng.chars(19, '0123456789')}`
    const tg = service.targetGroups.find(g => g.name === targetGroupName)
    const lb = service.loadBalancers[0]
    const ts: TaskSetRecord = {
      id,
      arn: `arn:aws:ecs:${this.region}:${this.account}:task-set/${service.cluster}/${service.name}/${id}`,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      ...(opts.externalId ? { externalId: opts.externalId, startedBy: 'CODE_DEPLOY' } : {}),
      status: 'ACTIVE',
      taskDefinition,
      computedDesiredCount: service.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      createdAt: t,
      updatedAt: t,
      ...(service.launchType ? { launchType: service.launchType } : {}),
      ...((opts.capacityProviderStrategy ?? service.capacityProviderStrategy)
        ? { capacityProviderStrategy: opts.capacityProviderStrategy ?? service.capacityProviderStrategy }
        : {}),
      ...((opts.platformVersion ?? service.platformVersion)
        ? { platformVersion: opts.platformVersion ?? service.platformVersion }
        : {}),
      networkConfiguration: opts.networkConfiguration ?? service.networkConfiguration,
      loadBalancers: tg && lb ? [{ ...lb, targetGroupArn: tg.arn }] : [],
      targetGroupName: targetGroupName ?? '',
      stabilityStatus: 'STABILIZING',
      stabilityStatusAt: t
    }
    service.taskSets.push(ts)
    return ts
  }

  newTask(ts: TaskSetRecord, service: ServiceRecord, t: number): TaskRecord {
    const td = this.findTaskDefinition(ts.taskDefinition)
    const containers = ((td?.body.containerDefinitions ?? []) as { name: string; image: string }[]).map(
      c => ({
        name: c.name,
        image: c.image,
        lastStatus: 'PENDING'
      })
    )
    const task: TaskRecord = {
      taskArn: `arn:aws:ecs:${this.region}:${this.account}:task/${service.cluster}/${this.rng.chars(32, '0123456789abcdef')}`,
      clusterArn: service.clusterArn,
      serviceName: service.name,
      startedBy: ts.id,
      taskDefinitionArn: ts.taskDefinition,
      lastStatus: 'PENDING',
      desiredStatus: 'RUNNING',
      createdAt: t,
      ...(ts.launchType ? { launchType: ts.launchType } : {}),
      containers
    }
    this.tasks.push(task)
    return task
  }

  serviceOf(ts: TaskSetRecord): ServiceRecord {
    return this.services.find(s => s.arn === ts.serviceArn)!
  }

  tasksOf(ts: TaskSetRecord): TaskRecord[] {
    return this.tasks.filter(k => k.startedBy === ts.id && k.lastStatus !== 'STOPPED')
  }

  tasksPending(ts: TaskSetRecord, t: number): void {
    const service = this.serviceOf(ts)
    const started = Array.from({ length: ts.computedDesiredCount }, () => this.newTask(ts, service, t))
    ts.pendingCount = started.length
    ts.updatedAt = t
    this.serviceEvent(
      service,
      t,
      `(service ${service.name}, taskSet ${ts.id}) has started ${started.length} tasks: ${started.map(k => `(task ${k.taskArn.split('/').pop()!})`).join(' ')}.`
    )
  }

  tasksRunning(ts: TaskSetRecord, t: number): void {
    if (this.tasksOf(ts).length === 0) this.tasksPending(ts, t)
    for (const k of this.tasksOf(ts)) {
      k.lastStatus = 'RUNNING'
      k.startedAt = t
      for (const c of k.containers) c.lastStatus = 'RUNNING'
    }
    ts.runningCount = this.tasksOf(ts).length
    ts.pendingCount = 0
    ts.updatedAt = t
  }

  steady(service: ServiceRecord, ts: TaskSetRecord, t: number): void {
    ts.stabilityStatus = 'STEADY_STATE'
    ts.stabilityStatusAt = t
    this.serviceEvent(
      service,
      t,
      `(service ${service.name}, taskSet ${ts.id}) updated state to STEADY_STATE.`
    )
    this.serviceEvent(service, t, `(service ${service.name}) has reached a steady state.`)
  }

  stopTask(
    task: TaskRecord,
    t: number,
    reason: string,
    stopCode: string,
    container?: { exitCode?: number; reason?: string }
  ): void {
    task.lastStatus = 'STOPPED'
    task.desiredStatus = 'STOPPED'
    task.stoppingAt = t
    task.stoppedAt = t
    task.stoppedReason = reason
    task.stopCode = stopCode
    for (const c of task.containers) {
      c.lastStatus = 'STOPPED'
      if (container?.exitCode !== undefined) c.exitCode = container.exitCode
      if (container?.reason !== undefined) c.reason = container.reason
    }
  }

  /** UpdateServicePrimaryTaskSet: the service's fields follow the new primary task set. */
  makePrimary(service: ServiceRecord, ts: TaskSetRecord, t: number): void {
    for (const other of service.taskSets) if (other.status === 'PRIMARY') other.status = 'ACTIVE'
    ts.status = 'PRIMARY'
    ts.updatedAt = t
    service.taskDefinition = ts.taskDefinition
    service.loadBalancers = ts.loadBalancers.map(lb => ({ ...lb }))
    service.networkConfiguration = ts.networkConfiguration as ServiceRecord['networkConfiguration']
    if (ts.platformVersion) service.platformVersion = ts.platformVersion
    this.serviceEvent(service, t, `(service ${service.name}) updated primary task set to ${ts.id}.`)
  }

  drain(ts: TaskSetRecord, t: number): void {
    if (ts.deletedAt !== undefined || ts.status === 'DRAINING') return
    const service = this.serviceOf(ts)
    ts.status = 'DRAINING'
    ts.updatedAt = t
    this.serviceEvent(
      service,
      t,
      `(service ${service.name}, taskSet ${ts.id}) has begun draining connections on ${this.tasksOf(ts).length} tasks.`
    )
  }

  deleteTaskSet(ts: TaskSetRecord, t: number): void {
    if (ts.deletedAt !== undefined) return
    const service = this.serviceOf(ts)
    const tasks = this.tasksOf(ts)
    for (const k of tasks)
      this.stopTask(k, t, `Scaling activity initiated by (deployment ${ts.id})`, 'ServiceSchedulerInitiated')
    ts.deletedAt = t
    ts.runningCount = 0
    ts.pendingCount = 0
    service.taskSets = service.taskSets.filter(x => x !== ts)
    this.serviceEvent(
      service,
      t,
      `(service ${service.name}, taskSet ${ts.id}) has stopped ${tasks.length} running tasks.`
    )
  }

  // ---- CodeDeploy ------------------------------------------------------------------------

  findConfig(name: string): ConfigRecord | undefined {
    return this.configs.find(c => c.name === name)
  }

  rememberRevision(applicationName: string, content: string, group: string, t: number): RevisionRecord {
    const hash = sha256(content)
    let rev = this.revisions.find(r => r.applicationName === applicationName && r.sha256 === hash)
    if (!rev) {
      rev = {
        applicationName,
        sha256: hash,
        content,
        registerTime: t,
        firstUsedTime: t,
        lastUsedTime: t,
        groups: []
      }
      this.revisions.push(rev)
    }
    rev.lastUsedTime = t
    if (!rev.groups.includes(group)) rev.groups.push(group)
    return rev
  }
}
