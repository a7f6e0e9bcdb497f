// CodeDeploy operations (the CodeDeploy API reference) over the simulated state. Handlers receive a body that
// already passed model validation (sim/wire.ts) and return the JSON output.
import { AwsError } from './wire.js'
import { isTerminal, taskSetsInfo, type DeploymentRecord, type Engine } from './engine.js'
import type { ConfigRecord, GroupRecord, SimState } from './state.js'
import { sha256 } from './state.js'

export interface Ctx {
  state: SimState
  engine: Engine
  now: number
}
type Body = Record<string, any>
type Handler = (body: Body, ctx: Ctx) => unknown

const ID = /^d-[A-Z0-9]{9}$/

function app(state: SimState, name: string): void {
  if (!state.apps.some(a => a.name === name))
    throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${name}`)
}

function group(state: SimState, applicationName: string, name: string): GroupRecord {
  app(state, applicationName)
  const g = state.groups.find(x => x.applicationName === applicationName && x.name === name)
  if (!g)
    throw new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`)
  return g
}

function deployment(ctx: Ctx, id: unknown): DeploymentRecord {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new AwsError(
      'InvalidDeploymentIdException',
      `Specified DeploymentId is not in the valid format: ${String(id)}`
    )
  }
  const dep = ctx.engine.find(id)
  if (!dep) throw new AwsError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`)
  return dep
}

function config(state: SimState, name: string): ConfigRecord {
  const c = state.findConfig(name)
  if (!c)
    throw new AwsError(
      'DeploymentConfigDoesNotExistException',
      `No deployment configuration found for name: ${name}`
    )
  return c
}

/** nextToken is an opaque offset; a foreign token is rejected as AWS does. */
function page<T>(items: T[], token: unknown, size: number): { items: T[]; nextToken?: string } {
  let start = 0
  if (token !== undefined) {
    const m = /^sim:(\d+)$/.exec(Buffer.from(typeof token === 'string' ? token : '', 'base64url').toString())
    if (!m)
      throw new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')
    start = Number(m[1])
  }
  const slice = items.slice(start, start + size)
  return start + size < items.length
    ? { items: slice, nextToken: Buffer.from(`sim:${start + size}`).toString('base64url') }
    : { items: slice }
}

/** GetDeployment never returns the AppSpec itself (its API reference): only GetApplicationRevision does. */
const revision = (sha: string): unknown => ({
  revisionType: 'AppSpecContent',
  appSpecContent: { content: null, sha256: sha }
})

function blueGreen(g: { readyWaitMinutes?: number; terminationWaitMinutes: number }): unknown {
  return {
    terminateBlueInstancesOnDeploymentSuccess: {
      action: 'TERMINATE',
      terminationWaitTimeInMinutes: g.terminationWaitMinutes
    },
    deploymentReadyOption:
      g.readyWaitMinutes === undefined
        ? { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 }
        : { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: g.readyWaitMinutes }
  }
}

function loadBalancerInfo(g: GroupRecord): unknown {
  const s = g.service
  if (!s?.prodListenerArn) return undefined
  return {
    targetGroupPairInfoList: [
      {
        targetGroups: s.targetGroups.map(tg => ({ name: tg.name })),
        prodTrafficRoute: { listenerArns: [s.prodListenerArn] },
        ...(s.testListenerArn ? { testTrafficRoute: { listenerArns: [s.testListenerArn] } } : {})
      }
    ]
  }
}

function overview(dep: DeploymentRecord): Record<string, number> {
  const o = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 }
  const key = dep.target?.status ?? 'Pending'
  if (key in o) o[key as keyof typeof o] = 1
  return o
}

export function deploymentInfo(dep: DeploymentRecord): unknown {
  return {
    applicationName: dep.group.applicationName,
    deploymentGroupName: dep.group.name,
    deploymentConfigName: dep.deploymentConfigName,
    deploymentId: dep.id,
    ...(dep.previousRevisionSha ? { previousRevision: revision(dep.previousRevisionSha) } : {}),
    revision: revision(dep.revisionSha),
    status: dep.status,
    ...(dep.errorInformation ? { errorInformation: dep.errorInformation } : {}),
    createTime: dep.createTime,
    ...(dep.startTime !== undefined ? { startTime: dep.startTime } : {}),
    ...(dep.completeTime !== undefined ? { completeTime: dep.completeTime } : {}),
    deploymentOverview: overview(dep),
    ...(dep.description !== undefined ? { description: dep.description } : {}),
    creator: dep.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: dep.autoRollback,
    updateOutdatedInstancesOnly: false,
    ...(dep.rollbackInfo ? { rollbackInfo: dep.rollbackInfo } : {}),
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    instanceTerminationWaitTimeStarted: dep.instanceTerminationWaitTimeStarted,
    blueGreenDeploymentConfiguration: blueGreen(dep),
    loadBalancerInfo: loadBalancerInfo(dep.group),
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: dep.statusMessages,
    computePlatform: 'ECS',
    ...(dep.overrideAlarmConfiguration ? { overrideAlarmConfiguration: dep.overrideAlarmConfiguration } : {})
  }
}

function groupInfo(ctx: Ctx, g: GroupRecord): unknown {
  const deps = ctx.engine.deployments.filter(d => d.group === g)
  const last = (d: DeploymentRecord | undefined): unknown =>
    d && {
      deploymentId: d.id,
      status: d.status,
      createTime: d.createTime,
      ...(d.completeTime !== undefined ? { endTime: d.completeTime } : {})
    }
  const ecs = g.computePlatform === 'ECS'
  return {
    applicationName: g.applicationName,
    deploymentGroupId: g.id,
    deploymentGroupName: g.name,
    deploymentConfigName: g.deploymentConfigName,
    serviceRoleArn: `arn:aws:iam::${ctx.state.account}:role/ecsCodeDeployRole`,
    triggerConfigurations: [],
    alarmConfiguration: {
      enabled: g.alarms.length > 0,
      ignorePollAlarmFailure: false,
      alarms: g.alarms.map(name => ({ name }))
    },
    autoRollbackConfiguration: g.autoRollback,
    deploymentStyle: ecs
      ? { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }
      : { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    outdatedInstancesStrategy: 'UPDATE',
    ...(ecs ? { blueGreenDeploymentConfiguration: blueGreen(g), loadBalancerInfo: loadBalancerInfo(g) } : {}),
    ...(deps.length ? { lastAttemptedDeployment: last(deps.at(-1)) } : {}),
    ...(deps.some(d => d.status === 'Succeeded')
      ? { lastSuccessfulDeployment: last([...deps].reverse().find(d => d.status === 'Succeeded')) }
      : {}),
    computePlatform: g.computePlatform,
    ecsServices: g.service ? [{ serviceName: g.service.name, clusterName: g.service.cluster }] : [],
    terminationHookEnabled: false
  }
}

function targetOf(ctx: Ctx, dep: DeploymentRecord, targetId: unknown): unknown {
  if (!dep.target)
    throw new AwsError('DeploymentNotStartedException', `The deployment ${dep.id} has not started.`)
  const id = `${dep.service.cluster}:${dep.service.name}`
  if (targetId !== id) {
    throw new AwsError(
      'DeploymentTargetDoesNotExistException',
      `The target ${String(targetId)} is not part of deployment ${dep.id}; its target is ${id}.`
    )
  }
  const t = dep.target
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: dep.id,
      targetId: id,
      targetArn: dep.service.arn,
      lastUpdatedAt: t.lastUpdatedAt,
      lifecycleEvents: t.events,
      status: t.status,
      taskSetsInfo: taskSetsInfo(t)
    }
  }
}

function configInfo(c: ConfigRecord, createTime: number): unknown {
  const r = c.routing
  return {
    deploymentConfigId: c.id,
    deploymentConfigName: c.name,
    ...(c.minimumHealthyHosts ? { minimumHealthyHosts: c.minimumHealthyHosts } : {}),
    createTime,
    computePlatform: c.computePlatform,
    ...(r
      ? {
          trafficRoutingConfig: {
            type: r.type,
            ...(r.type === 'TimeBasedCanary'
              ? { timeBasedCanary: { canaryPercentage: r.percentage, canaryInterval: r.intervalMinutes } }
              : {}),
            ...(r.type === 'TimeBasedLinear'
              ? { timeBasedLinear: { linearPercentage: r.percentage, linearInterval: r.intervalMinutes } }
              : {})
          }
        }
      : {})
  }
}

function createDeployment(b: Body, ctx: Ctx): unknown {
  const { state, engine, now } = ctx
  app(state, b.applicationName)
  if (b.deploymentGroupName === undefined) {
    throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.')
  }
  const g = group(state, b.applicationName, b.deploymentGroupName)
  if (!b.revision) throw new AwsError('RevisionRequiredException', 'The revision was not specified.')
  if (b.revision.revisionType !== 'AppSpecContent') {
    throw new AwsError(
      'InvalidRevisionException',
      `The simulator plays ECS deployments from AppSpecContent revisions only (got revisionType ${String(b.revision.revisionType)}).`
    )
  }
  const content = b.revision.appSpecContent?.content
  if (typeof content !== 'string' || !content) {
    throw new AwsError('InvalidRevisionException', 'The AppSpecContent revision has no content.')
  }
  const given = b.revision.appSpecContent.sha256
  if (given !== undefined && given !== sha256(content)) {
    throw new AwsError(
      'InvalidRevisionException',
      `The sha256 of the AppSpec content is ${sha256(content)}, not ${String(given)}.`
    )
  }
  if (g.computePlatform !== 'ECS' || !g.service) {
    throw new AwsError(
      'InvalidRevisionException',
      `Deployment group ${g.name} is for ${g.computePlatform}; AppSpecContent for ECS does not apply.`
    )
  }
  const configName: string = b.deploymentConfigName ?? g.deploymentConfigName
  const cfg = config(state, configName)
  if (cfg.computePlatform !== 'ECS' || !cfg.routing) {
    throw new AwsError(
      'InvalidDeploymentConfigNameException',
      `Deployment configuration ${configName} is for the ${cfg.computePlatform} compute platform, not ECS.`
    )
  }
  if (typeof b.description === 'string' && b.description.length > 512) {
    throw new AwsError('DescriptionTooLongException', 'The description is too long: at most 512 characters.')
  }
  if (b.ignoreApplicationStopFailures === true) {
    throw new AwsError(
      'InvalidIgnoreApplicationStopFailuresValueException',
      'For ECS deployments, false is expected.'
    )
  }
  if (b.updateOutdatedInstancesOnly === true) {
    throw new AwsError(
      'InvalidUpdateOutdatedInstancesOnlyValueException',
      'For ECS deployments, false is expected.'
    )
  }
  if (b.targetInstances)
    throw new AwsError(
      'InvalidTargetInstancesException',
      'Target instances are not allowed for ECS deployments.'
    )
  const arc = b.autoRollbackConfiguration
  if (arc?.enabled === true && !arc.events?.length) {
    throw new AwsError(
      'InvalidAutoRollbackConfigException',
      'Auto rollback is enabled but no rollback events are specified.'
    )
  }
  if ((b.overrideAlarmConfiguration?.alarms?.length ?? 0) > 10) {
    throw new AwsError(
      'AlarmsLimitExceededException',
      'The maximum number of alarms for a deployment group (10) was exceeded.'
    )
  }
  const active = engine.activeIn(g)
  if (active) {
    throw new AwsError(
      'DeploymentLimitExceededException',
      `The Deployment Group '${g.name}' already has an active Deployment '${active.id}'`
    )
  }
  const dep = engine.create(
    {
      group: g,
      configName,
      routing: cfg.routing,
      content,
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(arc ? { autoRollback: { enabled: arc.enabled ?? false, events: arc.events ?? [] } } : {}),
      ...(b.overrideAlarmConfiguration ? { overrideAlarmConfiguration: b.overrideAlarmConfiguration } : {})
    },
    now
  )
  return { deploymentId: dep.id }
}

function listDeployments(b: Body, ctx: Ctx): unknown {
  const { state, engine } = ctx
  if (b.applicationName !== undefined && b.deploymentGroupName === undefined) {
    throw new AwsError(
      'DeploymentGroupNameRequiredException',
      'If applicationName is specified, deploymentGroupName must be specified too.'
    )
  }
  if (b.applicationName === undefined && b.deploymentGroupName !== undefined) {
    throw new AwsError(
      'ApplicationNameRequiredException',
      'If deploymentGroupName is specified, applicationName must be specified too.'
    )
  }
  const g =
    b.applicationName !== undefined ? group(state, b.applicationName, b.deploymentGroupName) : undefined
  const statuses: string[] | undefined = b.includeOnlyStatuses
  const range = b.createTimeRange as { start?: number; end?: number } | undefined
  const found = engine.deployments
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => !g || d.group === g)
    .filter(({ d }) => !statuses?.length || statuses.includes(d.status))
    .filter(({ d }) => range?.start === undefined || d.createTime >= range.start)
    .filter(({ d }) => range?.end === undefined || d.createTime <= range.end)
    .filter(() => b.externalId === undefined)
    .sort((x, y) => y.d.createTime - x.d.createTime || y.i - x.i)
    .map(({ d }) => d.id)
  const p = page(found, b.nextToken, state.pageSize)
  return { deployments: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) }
}

/** The ids of a Batch* request: CodeDeploy refuses none (`empty`) and more than 25 (`tooMany`). */
function batchIds(given: unknown[], empty: AwsError, tooMany: AwsError): unknown[] {
  if (!given.length) throw empty
  if (given.length > 25) throw tooMany
  return given
}

const handlers: Record<string, Handler> = {
  CreateDeployment: createDeployment,
  GetDeployment: (b, ctx) => ({ deploymentInfo: deploymentInfo(deployment(ctx, b.deploymentId)) }),
  BatchGetDeployments: (b, ctx) => {
    const ids = batchIds(
      b.deploymentIds,
      new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.'),
      new AwsError(
        'BatchLimitExceededException',
        'The maximum number of names or IDs allowed for this request (25) was exceeded.'
      )
    )
    const found = ids.map(id => {
      if (typeof id !== 'string' || !ID.test(id))
        throw new AwsError(
          'InvalidDeploymentIdException',
          `Specified DeploymentId is not in the valid format: ${String(id)}`
        )
      return ctx.engine.find(id)
    })
    return { deploymentsInfo: found.filter(d => d !== undefined).map(deploymentInfo) }
  },
  ListDeployments: listDeployments,
  ListDeploymentTargets: (b, ctx) => {
    const dep = deployment(ctx, b.deploymentId)
    if (!dep.target)
      throw new AwsError('DeploymentNotStartedException', `The deployment ${dep.id} has not started.`)
    const statuses: string[] | undefined = b.targetFilters?.TargetStatus
    const ids =
      !statuses?.length || statuses.includes(dep.target.status)
        ? [`${dep.service.cluster}:${dep.service.name}`]
        : []
    return { targetIds: ids }
  },
  GetDeploymentTarget: (b, ctx) => {
    const dep = deployment(ctx, b.deploymentId)
    if (b.targetId === undefined)
      throw new AwsError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.')
    return { deploymentTarget: targetOf(ctx, dep, b.targetId) }
  },
  BatchGetDeploymentTargets: (b, ctx) => {
    const dep = deployment(ctx, b.deploymentId)
    const ids = batchIds(
      b.targetIds,
      new AwsError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.'),
      new AwsError(
        'DeploymentTargetListSizeExceededException',
        'The maximum number of targets that can be associated with an ECS deployment is one.'
      )
    )
    return { deploymentTargets: ids.map(id => targetOf(ctx, dep, id)) }
  },
  StopDeployment: (b, ctx) => {
    const dep = deployment(ctx, b.deploymentId)
    if (isTerminal(dep.status))
      throw new AwsError(
        'DeploymentAlreadyCompletedException',
        `The deployment ${dep.id} is already completed (${dep.status}).`
      )
    const rolledBack = ctx.engine.stop(dep, b.autoRollbackEnabled, ctx.now)
    return rolledBack
      ? {
          status: 'Pending',
          statusMessage: 'Stopping the deployment and rolling back to the original task set.'
        }
      : { status: 'Succeeded', statusMessage: 'The deployment was stopped; no rollback was made.' }
  },
  ContinueDeployment: (b, ctx) => {
    if (b.deploymentId === undefined)
      throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.')
    const dep = deployment(ctx, b.deploymentId)
    if (isTerminal(dep.status))
      throw new AwsError(
        'DeploymentAlreadyCompletedException',
        `The deployment ${dep.id} is already completed (${dep.status}).`
      )
    const waitType = b.deploymentWaitType ?? 'READY_WAIT'
    if (waitType === 'READY_WAIT' && dep.waiting !== 'ready') {
      throw new AwsError(
        'DeploymentIsNotInReadyStateException',
        "The deployment does not have a status of Ready and can't continue yet."
      )
    }
    // What AWS answers TERMINATION_WAIT outside the termination wait is not documented.
    if (waitType === 'TERMINATION_WAIT' && dep.waiting !== 'termination') {
      throw new AwsError(
        'InvalidDeploymentStatusException',
        `The deployment ${dep.id} is not waiting to terminate its original task set (status ${dep.status}).`
      )
    }
    ctx.engine.continue(dep, waitType, ctx.now)
    return {}
  },
  GetDeploymentGroup: (b, ctx) => ({
    deploymentGroupInfo: groupInfo(ctx, group(ctx.state, b.applicationName, b.deploymentGroupName))
  }),
  BatchGetDeploymentGroups: (b, ctx) => {
    app(ctx.state, b.applicationName)
    const names: string[] = b.deploymentGroupNames
    if (names.length > 100)
      throw new AwsError(
        'BatchLimitExceededException',
        'The maximum number of names or IDs allowed for this request (100) was exceeded.'
      )
    const found = ctx.state.groups.filter(
      g => g.applicationName === b.applicationName && names.includes(g.name)
    )
    const missing = names.filter(n => !found.some(g => g.name === n))
    return {
      deploymentGroupsInfo: found.map(g => groupInfo(ctx, g)),
      ...(missing.length ? { errorMessage: `Deployment groups not found: ${missing.join(', ')}` } : {})
    }
  },
  ListApplications: (b, ctx) => {
    const p = page(
      ctx.state.apps.map(a => a.name),
      b.nextToken,
      ctx.state.pageSize
    )
    return { applications: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) }
  },
  BatchGetApplications: (b, ctx) => {
    const names: string[] = b.applicationNames
    if (names.length > 100)
      throw new AwsError(
        'BatchLimitExceededException',
        'The maximum number of names or IDs allowed for this request (100) was exceeded.'
      )
    names.forEach(n => {
      app(ctx.state, n)
    })
    return { applicationsInfo: ctx.state.apps.filter(a => names.includes(a.name)).map(applicationInfo) }
  },
  GetApplication: (b, ctx) => {
    app(ctx.state, b.applicationName)
    return { application: applicationInfo(ctx.state.apps.find(a => a.name === b.applicationName)!) }
  },
  ListDeploymentGroups: (b, ctx) => {
    app(ctx.state, b.applicationName)
    const names = ctx.state.groups.filter(g => g.applicationName === b.applicationName).map(g => g.name)
    const p = page(names, b.nextToken, ctx.state.pageSize)
    return {
      applicationName: b.applicationName,
      deploymentGroups: p.items,
      ...(p.nextToken ? { nextToken: p.nextToken } : {})
    }
  },
  GetDeploymentConfig: (b, ctx) => {
    const created = ctx.state.apps[0]?.createTime ?? ctx.now
    return { deploymentConfigInfo: configInfo(config(ctx.state, b.deploymentConfigName), created) }
  },
  GetApplicationRevision: (b, ctx) => {
    app(ctx.state, b.applicationName)
    const sha = b.revision?.appSpecContent?.sha256 ?? b.revision?.string?.sha256
    const rev = ctx.state.revisions.find(r => r.applicationName === b.applicationName && r.sha256 === sha)
    if (!rev)
      throw new AwsError(
        'RevisionDoesNotExistException',
        `No application revision found for sha256 ${String(sha)}.`
      )
    return {
      applicationName: rev.applicationName,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: rev.content, sha256: rev.sha256 }
      },
      revisionInfo: {
        deploymentGroups: rev.groups,
        firstUsedTime: rev.firstUsedTime,
        lastUsedTime: rev.lastUsedTime,
        registerTime: rev.registerTime
      }
    }
  },
  PutLifecycleEventHookExecutionStatus: (b, ctx) => {
    if (b.deploymentId === undefined)
      throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.')
    const dep = deployment(ctx, b.deploymentId)
    if (b.status !== 'Succeeded' && b.status !== 'Failed') {
      throw new AwsError(
        'InvalidLifecycleEventHookExecutionStatusException',
        'Only Succeeded and Failed can be reported.'
      )
    }
    if (!dep.pendingHook || dep.pendingHook.executionId !== b.lifecycleEventHookExecutionId) {
      throw new AwsError(
        'InvalidLifecycleEventHookExecutionIdException',
        `No lifecycle event hook execution ${String(b.lifecycleEventHookExecutionId)} is waiting in deployment ${dep.id}.`
      )
    }
    const id = dep.pendingHook.executionId
    ctx.engine.putHookStatus(dep, b.status, ctx.now)
    return { lifecycleEventHookExecutionId: id }
  }
}

function applicationInfo(a: SimState['apps'][number]): unknown {
  return {
    applicationId: a.id,
    applicationName: a.name,
    createTime: a.createTime,
    linkedToGitHub: false,
    computePlatform: a.computePlatform
  }
}

export const codeDeployHandlers = handlers
