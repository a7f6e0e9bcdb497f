// ECS operations (the ECS API reference) over the simulated state.
import { AwsError } from './wire.js'
import type { Ctx } from './codedeploy.js'
import type { ServiceRecord, SimState, TaskRecord, TaskSetRecord, Tag } from './state.js'

type Body = Record<string, any>
type Handler = (body: Body, ctx: Ctx) => unknown

function taskSetJson(ts: TaskSetRecord): unknown {
  const wire: Partial<TaskSetRecord> = { ...ts }
  delete wire.targetGroupName
  delete wire.deletedAt
  return { ...wire, scale: { value: 100, unit: 'PERCENT' } }
}

function serviceJson(s: ServiceRecord, state: SimState, include: string[] | undefined): unknown {
  const codeDeploy = s.controller !== 'ECS'
  const live = s.taskSets
  const primary = live.find(ts => ts.status === 'PRIMARY')
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: s.clusterArn,
    loadBalancers: s.loadBalancers,
    serviceRegistries: [],
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: live.reduce((n, ts) => n + ts.runningCount, 0),
    pendingCount: live.reduce((n, ts) => n + ts.pendingCount, 0),
    ...(s.launchType ? { launchType: s.launchType } : {}),
    ...(s.capacityProviderStrategy ? { capacityProviderStrategy: s.capacityProviderStrategy } : {}),
    ...(s.platformVersion ? { platformVersion: s.platformVersion, platformFamily: 'Linux' } : {}),
    taskDefinition: s.taskDefinition,
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    ...(codeDeploy ? { taskSets: live.map(taskSetJson) } : {}),
    // CODE_DEPLOY services list no deployments (boto/botocore#2865); ECS-controller ones have their rolling deployment.
    deployments:
      codeDeploy || !primary
        ? []
        : [
            {
              id: primary.id,
              status: 'PRIMARY',
              taskDefinition: primary.taskDefinition,
              desiredCount: s.desiredCount,
              pendingCount: primary.pendingCount,
              runningCount: primary.runningCount,
              failedTasks: 0,
              createdAt: primary.createdAt,
              updatedAt: primary.updatedAt,
              ...(s.launchType ? { launchType: s.launchType } : {}),
              networkConfiguration: s.networkConfiguration,
              rolloutState: 'COMPLETED',
              rolloutStateReason: `ECS deployment ${primary.id} completed.`
            }
          ],
    roleArn: `arn:aws:iam::${state.account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: s.events,
    createdAt: s.createdAt,
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: s.networkConfiguration,
    healthCheckGracePeriodSeconds: 0,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: s.controller },
    createdBy: `arn:aws:iam::${state.account}:role/admin`,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    ...(include?.includes('TAGS') ? { tags: s.tags } : {})
  }
}

function taskDefinitionJson(state: SimState, ref: string): { taskDefinition: unknown; tags: Tag[] } {
  const td = state.findTaskDefinition(ref)
  if (!td) throw new AwsError('ClientException', 'Unable to describe task definition.')
  const awsvpc = td.body.networkMode === 'awsvpc'
  return {
    taskDefinition: {
      ...td.body,
      taskDefinitionArn: td.arn,
      revision: td.revision,
      status: td.status,
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      compatibilities: awsvpc ? ['EC2', 'FARGATE'] : ['EC2'],
      registeredAt: td.registeredAt,
      registeredBy: `arn:aws:sts::${state.account}:assumed-role/github-actions/GitHubActions`,
      ...(td.deregisteredAt !== undefined ? { deregisteredAt: td.deregisteredAt } : {})
    },
    tags: td.tags
  }
}

export function taskJson(k: TaskRecord): unknown {
  const id = k.taskArn.split('/').pop()!
  return {
    taskArn: k.taskArn,
    clusterArn: k.clusterArn,
    taskDefinitionArn: k.taskDefinitionArn,
    lastStatus: k.lastStatus,
    desiredStatus: k.desiredStatus,
    startedBy: k.startedBy,
    group: k.group ?? `service:${k.serviceName}`,
    createdAt: k.createdAt,
    ...(k.startedAt !== undefined ? { startedAt: k.startedAt } : {}),
    ...(k.stoppingAt !== undefined ? { stoppingAt: k.stoppingAt, executionStoppedAt: k.stoppingAt } : {}),
    ...(k.stoppedAt !== undefined ? { stoppedAt: k.stoppedAt } : {}),
    ...(k.stoppedReason !== undefined ? { stoppedReason: k.stoppedReason } : {}),
    ...(k.stopCode !== undefined ? { stopCode: k.stopCode } : {}),
    ...(k.launchType ? { launchType: k.launchType } : {}),
    availabilityZone: 'us-east-1a',
    healthStatus: 'UNKNOWN',
    version: 1,
    containers: k.containers.map((c, i) => ({
      containerArn: `${k.clusterArn.replace(':cluster/', ':container/')}/${id}/${i}`,
      taskArn: k.taskArn,
      name: c.name,
      image: c.image,
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      networkBindings: [],
      healthStatus: 'UNKNOWN'
    }))
  }
}

function service(state: SimState, cluster: string | undefined, name: string): ServiceRecord {
  if (!state.clusterExists(cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
  const s = state.findService(cluster, name)
  if (!s) throw new AwsError('ServiceNotFoundException', 'Service not found.')
  return s
}

function registerTaskDefinition(b: Body, ctx: Ctx): unknown {
  const { state } = ctx
  if (state.registerConflicts > 0) {
    state.registerConflicts--
    throw new AwsError(
      'ClientException',
      'Too many concurrent attempts to create a new revision of the specified family.'
    )
  }
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(b.family)) {
    throw new AwsError(
      'ClientException',
      'Family contains invalid characters: only letters, digits, hyphens and underscores are allowed (up to 255).'
    )
  }
  const containers: Body[] = b.containerDefinitions
  if (!containers.length) throw new AwsError('ClientException', 'Container list cannot be empty.')
  for (const c of containers) {
    if (!c.name) throw new AwsError('ClientException', 'Container.name should not be null or empty.')
    if (!c.image) throw new AwsError('ClientException', 'Container.image should not be null or empty.')
  }
  if ((b.requiresCompatibilities ?? []).includes('FARGATE')) {
    if (b.networkMode !== 'awsvpc')
      throw new AwsError('ClientException', "Fargate only supports network mode 'awsvpc'.")
    if (!b.cpu || !b.memory) {
      throw new AwsError('ClientException', 'Fargate requires that task-level cpu and memory be defined.')
    }
  }
  const { tags = [], ...body } = b
  const td = state.registerTaskDefinition(body, tags, ctx.now)
  return taskDefinitionJson(state, td.arn)
}

const handlers: Record<string, Handler> = {
  DescribeServices: (b, { state }) => {
    if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
    const names: string[] = b.services
    if (!names.length || names.length > 10) {
      throw new AwsError(
        'InvalidParameterException',
        'services must contain between 1 and 10 service names or ARNs.'
      )
    }
    const cluster = String(b.cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
    const found = names.map(n => ({ n, s: state.findService(b.cluster, n) }))
    return {
      services: found.filter(x => x.s).map(x => serviceJson(x.s!, state, b.include)),
      failures: found
        .filter(x => !x.s)
        .map(x => ({
          arn: x.n.startsWith('arn:')
            ? x.n
            : `arn:aws:ecs:${state.region}:${state.account}:service/${cluster}/${x.n}`,
          reason: 'MISSING'
        }))
    }
  },
  ListServices: (b, { state }) => {
    if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
    const size: number = b.maxResults ?? 10
    if (size < 1 || size > 100) {
      throw new AwsError('InvalidParameterException', 'maxResults must be between 1 and 100.')
    }
    const cluster = String(b.cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
    const arns = state.services
      .filter(s => s.cluster === cluster)
      .filter(s => b.launchType === undefined || s.launchType === b.launchType)
      .map(s => s.arn)
    const start = b.nextToken ? Number(Buffer.from(String(b.nextToken), 'base64url').toString()) || 0 : 0
    const next =
      start + size < arns.length ? Buffer.from(String(start + size)).toString('base64url') : undefined
    return { serviceArns: arns.slice(start, start + size), ...(next ? { nextToken: next } : {}) }
  },
  DescribeTaskDefinition: (b, { state }) => {
    const out = taskDefinitionJson(state, b.taskDefinition)
    return b.include?.includes('TAGS') ? out : { taskDefinition: out.taskDefinition }
  },
  RegisterTaskDefinition: registerTaskDefinition,
  DeregisterTaskDefinition: (b, { state, now }) => {
    const ref: string = b.taskDefinition
    const short = ref.startsWith('arn:') ? (ref.split('task-definition/')[1] ?? '') : ref
    if (!/^[^:]+:\d+$/.test(short)) {
      throw new AwsError(
        'ClientException',
        'The specified task definition identifier is invalid. Specify a valid revision number.'
      )
    }
    const td = state.findTaskDefinition(ref)
    if (!td) throw new AwsError('ClientException', 'The specified task definition does not exist.')
    td.status = 'INACTIVE'
    td.deregisteredAt = now
    return { taskDefinition: taskDefinitionJson(state, td.arn).taskDefinition }
  },
  ListTasks: (b, { state }) => {
    if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
    const cluster = String(b.cluster ?? 'default').replace(/^arn:.*:cluster\//, '')
    if (b.serviceName !== undefined) service(state, b.cluster, b.serviceName)
    const desired = b.desiredStatus ?? 'RUNNING'
    const arns = state.tasks
      .filter(k => k.clusterArn.endsWith(`/${cluster}`))
      .filter(k => b.serviceName === undefined || k.serviceName === String(b.serviceName).split('/').pop())
      .filter(k => b.startedBy === undefined || k.startedBy === b.startedBy)
      .filter(k => b.family === undefined || k.taskDefinitionArn.includes(`task-definition/${b.family}:`))
      .filter(k => (desired === 'STOPPED' ? k.desiredStatus === 'STOPPED' : k.desiredStatus === 'RUNNING'))
      .map(k => k.taskArn)
    const size = Math.min(b.maxResults ?? 100, 100)
    const start = b.nextToken ? Number(Buffer.from(String(b.nextToken), 'base64url').toString()) || 0 : 0
    const next =
      start + size < arns.length ? Buffer.from(String(start + size)).toString('base64url') : undefined
    return { taskArns: arns.slice(start, start + size), ...(next ? { nextToken: next } : {}) }
  },
  DescribeTasks: (b, { state }) => {
    if (!state.clusterExists(b.cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
    const refs: string[] = b.tasks
    if (!refs.length || refs.length > 100)
      throw new AwsError(
        'InvalidParameterException',
        'Tasks must contain between 1 and 100 task IDs or ARNs.'
      )
    const found = refs.map(r => ({
      r,
      k: state.tasks.find(k => k.taskArn === r || k.taskArn.endsWith(`/${r}`))
    }))
    return {
      tasks: found.filter(x => x.k).map(x => taskJson(x.k!)),
      failures: found.filter(x => !x.k).map(x => ({ arn: x.r, reason: 'MISSING' }))
    }
  },
  TagResource: (b, { state }) => {
    const arn: string = b.resourceArn
    const target: { tags: Tag[] } | undefined =
      state.taskDefs.find(d => d.arn === arn) ?? state.services.find(s => s.arn === arn)
    if (!target)
      throw new AwsError('ResourceNotFoundException', `The specified resource could not be found: ${arn}`)
    for (const tag of b.tags as Tag[]) {
      target.tags = [...target.tags.filter(x => x.key !== tag.key), tag]
    }
    return {}
  },
  UpdateService: (b, { state }) => {
    const s = service(state, b.cluster, b.service)
    if (s.controller === 'CODE_DEPLOY') {
      if (b.taskDefinition !== undefined) {
        throw new AwsError(
          'InvalidParameterException',
          'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
        )
      }
      for (const k of ['networkConfiguration', 'platformVersion', 'loadBalancers']) {
        if (b[k] !== undefined) {
          throw new AwsError(
            'InvalidParameterException',
            `Unable to update ${k} on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.`
          )
        }
      }
    }
    if (typeof b.desiredCount === 'number') s.desiredCount = b.desiredCount
    return { service: serviceJson(s, state, undefined) }
  },
  DescribeTaskSets: (b, { state }) => {
    const s = service(state, b.cluster, b.service)
    if (s.controller === 'ECS')
      throw new AwsError(
        'InvalidParameterException',
        'Task sets are only available for services with the CODE_DEPLOY or EXTERNAL deployment controller.'
      )
    const wanted: string[] | undefined = b.taskSets
    const sets = s.taskSets.filter(ts => !wanted || wanted.includes(ts.id) || wanted.includes(ts.arn))
    return { taskSets: sets.map(taskSetJson), failures: [] }
  }
}

export const ecsHandlers = handlers
