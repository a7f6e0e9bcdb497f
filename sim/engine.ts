// Plays CodeDeploy ECS blue/green deployments on the simulated clock, in the order the CodeDeploy user
// guide gives ("What happens during an Amazon ECS deployment").
// Every deployment is a chain of timed steps kept in one queue; `advance(now)` applies the steps
// that are due, in time order, so the state read by any request is a function of elapsed sim time.
// ContinueDeployment / StopDeployment / PutLifecycleEventHookExecutionStatus drop a deployment's
// queued steps and chain new ones from the current time.
import { LIFECYCLE_EVENTS } from '../src/backends/codedeploy/lifecycle-events.js'
import { parseAppSpec, type ParsedAppSpec } from './appspec.js'
import type { DeploymentFaults, HookEvent } from './scenarios.js'
import type { GroupRecord, ServiceRecord, SimState, TaskSetRecord, TrafficRouting } from './state.js'
import { sha256 } from './state.js'

// The event names are the action's own list (a plain list of names, as the user guide gives them).
export { LIFECYCLE_EVENTS }
const INSTALL = 1
const ALLOW_TEST_TRAFFIC = 3
const AFTER_ALLOW_TEST_TRAFFIC = 4
const BEFORE_ALLOW_TRAFFIC = 5
const ALLOW_TRAFFIC = 6
const AFTER_ALLOW_TRAFFIC = 7

export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Succeeded' | 'Failed' | 'Stopped' | 'Ready'
const TERMINAL: DeploymentStatus[] = ['Succeeded', 'Failed', 'Stopped']
export const isTerminal = (s: DeploymentStatus): boolean => TERMINAL.includes(s)

export interface LifecycleEventRecord {
  lifecycleEventName: string
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown'
  startTime?: number
  endTime?: number
  diagnostics?: { errorCode: string; scriptName?: string; message: string; logTail?: string }
}

export interface TaskSetInfo {
  identifer: string
  desiredCount: number
  pendingCount: number
  runningCount: number
  status: string
  trafficWeight: number
  targetGroup: { name: string }
  taskSetLabel: 'Blue' | 'Green'
}

export interface TargetRecord {
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown' | 'Ready'
  lastUpdatedAt: number
  events: LifecycleEventRecord[]
  blue?: TaskSetRecord
  green?: TaskSetRecord
  /** Production traffic on the green task set, percent. */
  greenWeight: number
  /** taskSetsInfo as it was when the deployment ended (task sets live on after it). */
  frozen?: TaskSetInfo[]
}

export interface DeploymentRecord {
  id: string
  group: GroupRecord
  service: ServiceRecord
  deploymentConfigName: string
  routing: TrafficRouting
  status: DeploymentStatus
  creator: 'user' | 'codeDeployRollback'
  description?: string
  createTime: number
  startTime?: number
  completeTime?: number
  errorInformation?: { code: string; message: string }
  rollbackInfo?: {
    rollbackDeploymentId?: string
    rollbackTriggeringDeploymentId?: string
    rollbackMessage?: string
  }
  revisionSha: string
  previousRevisionSha?: string
  autoRollback: { enabled: boolean; events: string[] }
  alarmConfiguration: { enabled: boolean; ignorePollAlarmFailure: boolean; alarms: { name: string }[] }
  overrideAlarmConfiguration?: {
    enabled?: boolean
    ignorePollAlarmFailure?: boolean
    alarms?: { name: string }[]
  }
  readyWaitMinutes?: number
  terminationWaitMinutes: number
  instanceTerminationWaitTimeStarted: boolean
  statusMessages: string[]
  appSpec: ParsedAppSpec | { error: string }
  faults: DeploymentFaults
  target?: TargetRecord
  /** Where an intervention may apply: the Ready wait or the termination wait. */
  waiting?: 'ready' | 'termination'
  installEnd?: number
  /** Set while a hook waits for PutLifecycleEventHookExecutionStatus (faults.externalHooks). */
  pendingHook?: { executionId: string; index: number; scriptName: string }
  rollbackOf?: DeploymentRecord
}

interface Step {
  at: number
  seq: number
  deploymentId: string
  run: (t: number) => void
}

export interface CreateRequest {
  group: GroupRecord
  configName: string
  routing: TrafficRouting
  content: string
  description?: string
  autoRollback?: { enabled: boolean; events: string[] }
  overrideAlarmConfiguration?: DeploymentRecord['overrideAlarmConfiguration']
  creator?: DeploymentRecord['creator']
}

export class Engine {
  readonly deployments: DeploymentRecord[] = []
  private queue: Step[] = []
  private seq = 0

  constructor(private readonly state: SimState) {}

  /** Applies every step due at or before `now`, in time order. */
  advance(now: number): void {
    while (this.queue.length && this.queue[0]!.at <= now) {
      const step = this.queue.shift()!
      step.run(step.at)
    }
  }

  find(id: string): DeploymentRecord | undefined {
    return this.deployments.find(d => d.id === id)
  }

  activeIn(group: GroupRecord): DeploymentRecord | undefined {
    return this.deployments.find(d => d.group === group && !isTerminal(d.status))
  }

  private at(dep: DeploymentRecord, t: number, run: (t: number) => void): void {
    const step: Step = { at: t, seq: this.seq++, deploymentId: dep.id, run }
    const i = this.queue.findIndex(s => s.at > t)
    if (i < 0) this.queue.push(step)
    else this.queue.splice(i, 0, step)
  }

  private cancel(dep: DeploymentRecord): void {
    this.queue = this.queue.filter(s => s.deploymentId !== dep.id)
  }

  private newId(): string {
    let id: string
    do id = `d-${this.state.rng.chars(9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`
    while (this.find(id))
    return id
  }

  /**
   * The deployment that put the service's current revision in place, long finished: established
   * services have one, and CodeDeploy names its revision as the next deployment's previousRevision.
   */
  recordHistory(group: GroupRecord, content: string, t: number): DeploymentRecord {
    const rev = this.state.rememberRevision(group.applicationName, content, group.name, t)
    const dep: DeploymentRecord = {
      id: `d-HISTORY${String(this.deployments.length + 1).padStart(2, '0')}`,
      group,
      service: group.service!,
      deploymentConfigName: group.deploymentConfigName,
      routing: { type: 'AllAtOnce' },
      status: 'Succeeded',
      creator: 'user',
      description: 'The deployment that put the current revision in place',
      createTime: t,
      startTime: t,
      completeTime: t + 300,
      revisionSha: rev.sha256,
      autoRollback: group.autoRollback,
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      terminationWaitMinutes: group.terminationWaitMinutes,
      instanceTerminationWaitTimeStarted: false,
      statusMessages: [],
      appSpec: parseAppSpec(content),
      faults: {}
    }
    this.deployments.push(dep)
    return dep
  }

  create(req: CreateRequest, t: number): DeploymentRecord {
    const { group } = req
    const d = this.state.durations
    const lastGood = [...this.deployments].reverse().find(x => x.group === group && x.status === 'Succeeded')
    const rev = this.state.rememberRevision(group.applicationName, req.content, group.name, t)
    const dep: DeploymentRecord = {
      id: this.newId(),
      group,
      service: group.service!,
      deploymentConfigName: req.configName,
      routing: req.routing,
      status: 'Created',
      creator: req.creator ?? 'user',
      ...(req.description !== undefined ? { description: req.description } : {}),
      createTime: t,
      revisionSha: rev.sha256,
      ...(lastGood ? { previousRevisionSha: lastGood.revisionSha } : {}),
      autoRollback: req.autoRollback ?? group.autoRollback,
      alarmConfiguration: {
        enabled: group.alarms.length > 0,
        ignorePollAlarmFailure: false,
        alarms: group.alarms.map(name => ({ name }))
      },
      ...(req.overrideAlarmConfiguration
        ? { overrideAlarmConfiguration: req.overrideAlarmConfiguration }
        : {}),
      ...(group.readyWaitMinutes !== undefined ? { readyWaitMinutes: group.readyWaitMinutes } : {}),
      terminationWaitMinutes: group.terminationWaitMinutes,
      instanceTerminationWaitTimeStarted: false,
      statusMessages: [],
      appSpec: parseAppSpec(req.content),
      faults: req.creator === 'codeDeployRollback' ? {} : { ...this.state.deploymentFaults }
    }
    this.deployments.push(dep)
    this.at(dep, t + d.start, s => {
      this.begin(dep, s)
    })
    return dep
  }

  // ---- the normal path -------------------------------------------------------------------

  private begin(dep: DeploymentRecord, t: number): void {
    dep.status = 'InProgress'
    dep.startTime = t
    const blue = dep.service.taskSets.find(ts => ts.status === 'PRIMARY')
    dep.target = {
      status: 'InProgress',
      lastUpdatedAt: t,
      events: LIFECYCLE_EVENTS.map(name => ({ lifecycleEventName: name, status: 'Pending' })),
      ...(blue ? { blue } : {}),
      greenWeight: 0
    }
    if ('error' in dep.appSpec) {
      this.finish(dep, t, {
        status: 'Failed',
        code: 'INVALID_REVISION',
        message: dep.appSpec.error,
        trigger: 'DEPLOYMENT_FAILURE'
      })
      return
    }
    this.runEvent(dep, 0, t)
  }

  private event(dep: DeploymentRecord, i: number): LifecycleEventRecord {
    return dep.target!.events[i]!
  }

  private startEvent(dep: DeploymentRecord, i: number, t: number): void {
    Object.assign(this.event(dep, i), { status: 'InProgress', startTime: t })
    dep.target!.lastUpdatedAt = t
  }

  private endEvent(
    dep: DeploymentRecord,
    i: number,
    t: number,
    status: LifecycleEventRecord['status']
  ): void {
    Object.assign(this.event(dep, i), { status, endTime: t })
    dep.target!.lastUpdatedAt = t
  }

  private runEvent(dep: DeploymentRecord, i: number, t: number): void {
    this.startEvent(dep, i, t)
    if (i === INSTALL) this.install(dep, t)
    else if (i === ALLOW_TEST_TRAFFIC) {
      const hasTest = Boolean(dep.service.testListenerArn)
      this.at(dep, t + (hasTest ? this.state.durations.testTraffic : 0), s => {
        this.endEvent(dep, i, s, hasTest ? 'Succeeded' : this.state.noTestListenerEventStatus)
        this.next(dep, i, s)
      })
    } else if (i === ALLOW_TRAFFIC) this.allowTraffic(dep, t)
    else this.hook(dep, i, t)
  }

  private next(dep: DeploymentRecord, i: number, t: number): void {
    if (i === AFTER_ALLOW_TEST_TRAFFIC && dep.readyWaitMinutes !== undefined) this.enterReady(dep, t)
    else if (i === AFTER_ALLOW_TRAFFIC) this.terminationWait(dep, t)
    else this.runEvent(dep, i + 1, t)
  }

  private hook(dep: DeploymentRecord, i: number, t: number): void {
    const name = LIFECYCLE_EVENTS[i] as HookEvent
    const appSpec = dep.appSpec as ParsedAppSpec
    const failure = dep.faults.hookFailure?.event === name ? dep.faults.hookFailure : undefined
    // A hook fault stands in for a hook the AppSpec may not name, so failures can be played without Lambdas.
    const scriptName = appSpec.hooks[name] ?? (failure ? `CodeDeployHook_${name}` : undefined)
    const d = this.state.durations
    if (!scriptName) {
      const skipTest = i === AFTER_ALLOW_TEST_TRAFFIC && !dep.service.testListenerArn
      this.at(dep, t + d.hookless, s => {
        this.endEvent(
          dep,
          i,
          s,
          skipTest ? this.state.noTestListenerEventStatus : this.state.hooklessEventStatus
        )
        this.next(dep, i, s)
      })
      return
    }
    if (failure) {
      this.at(dep, t + d.hook, s => {
        this.event(dep, i).diagnostics = {
          errorCode: 'ScriptFailed',
          scriptName,
          message: failure.message ?? `The Lambda function ${scriptName} reported the status Failed.`,
          logTail: failure.logTail ?? ''
        }
        this.hookFailed(dep, i, s, scriptName)
      })
      return
    }
    if (dep.faults.externalHooks) {
      dep.pendingHook = {
        executionId: Buffer.from(this.state.uuid()).toString('base64url'),
        index: i,
        scriptName
      }
      this.at(dep, t + 3600, s => {
        this.event(dep, i).diagnostics = {
          errorCode: 'ScriptTimedOut',
          scriptName,
          message: `The Lambda function ${scriptName} did not report a status within 60 minutes.`
        }
        this.hookFailed(dep, i, s, scriptName)
      })
      return
    }
    this.at(dep, t + d.hook, s => {
      this.event(dep, i).diagnostics = { errorCode: 'Success', scriptName, message: 'Succeeded', logTail: '' }
      this.endEvent(dep, i, s, 'Succeeded')
      this.next(dep, i, s)
    })
  }

  private hookFailed(dep: DeploymentRecord, i: number, t: number, scriptName: string): void {
    delete dep.pendingHook
    this.endEvent(dep, i, t, 'Failed')
    this.finish(dep, t, {
      status: 'Failed',
      code: 'HOOK_EXECUTION_FAILURE',
      message: `The deployment failed because a lifecycle event hook failed: ${LIFECYCLE_EVENTS[i]} (Lambda function ${scriptName}).`,
      trigger: 'DEPLOYMENT_FAILURE',
      // "BeforeInstall: A rollback is not possible at this point." (AppSpec hooks reference)
      rollbackPossible: i !== 0
    })
  }

  /** Why CreateTaskSet would refuse the AppSpec (message as CodeDeploy wraps ECS errors), if it would. */
  private installProblem(dep: DeploymentRecord): string | undefined {
    const spec = dep.appSpec as ParsedAppSpec
    const wrap = (m: string, code: string): string =>
      `The ECS service cannot be updated due to an unexpected error: ${m} (Service: AmazonECS; Status Code: 400; Error Code: ${code})`
    const td = this.state.findTaskDefinition(spec.taskDefinition)
    if (!td) return wrap(`TaskDefinition not found: ${spec.taskDefinition}.`, 'ClientException')
    if (td.status !== 'ACTIVE') return wrap(`TaskDefinition is inactive: ${td.arn}.`, 'ClientException')
    const containers = (td.body.containerDefinitions ?? []) as {
      name?: string
      portMappings?: { containerPort?: number }[]
    }[]
    const container = containers.find(c => c.name === spec.containerName)
    if (!container)
      return wrap(
        `The container ${spec.containerName} does not exist in the task definition.`,
        'InvalidParameterException'
      )
    if (!(container.portMappings ?? []).some(p => p.containerPort === spec.containerPort)) {
      return wrap(
        `The container ${spec.containerName} did not have a container port ${spec.containerPort} defined.`,
        'InvalidParameterException'
      )
    }
    const lb = dep.service.loadBalancers[0]
    if (lb && (lb.containerName !== spec.containerName || lb.containerPort !== spec.containerPort)) {
      return wrap(
        `The AppSpec's LoadBalancerInfo (${spec.containerName}:${spec.containerPort}) does not match the service's load balancer container (${lb.containerName}:${lb.containerPort}).`,
        'InvalidParameterException'
      )
    }
    return undefined
  }

  private install(dep: DeploymentRecord, t: number): void {
    const problem = this.installProblem(dep)
    if (problem) {
      this.at(dep, t + 5, s => {
        this.installFailed(dep, s, problem)
      })
      return
    }
    const spec = dep.appSpec as ParsedAppSpec
    const target = dep.target!
    const blueTg = target.blue?.targetGroupName
    const greenTg = dep.service.targetGroups.find(g => g.name !== blueTg)?.name
    const green = this.state.createTaskSet(
      dep.service,
      this.state.findTaskDefinition(spec.taskDefinition)!.arn,
      greenTg,
      t,
      {
        externalId: dep.id,
        ...(spec.platformVersion ? { platformVersion: spec.platformVersion } : {}),
        ...(spec.networkConfiguration ? { networkConfiguration: spec.networkConfiguration } : {}),
        ...(spec.capacityProviderStrategy ? { capacityProviderStrategy: spec.capacityProviderStrategy } : {})
      }
    )
    target.green = green
    this.state.tasksPending(green, t)
    const d = this.state.durations
    const stop = dep.faults.replacementTasksStop
    if (stop) {
      const failAt = t + (stop.failAfterMinutes ?? 3) * 60
      for (let n = 0; n < stop.count; n++) {
        this.at(dep, t + ((failAt - t) * (n + 1)) / (stop.count + 1), s => {
          const task = this.state.tasksOf(green).find(k => k.lastStatus !== 'STOPPED')
          if (!task) return
          this.state.stopTask(task, s, stop.stoppedReason, stop.stopCode ?? 'EssentialContainerExited', {
            exitCode: stop.exitCode ?? 1,
            ...(stop.containerReason ? { reason: stop.containerReason } : {})
          })
          // The scheduler replaces a stopped task at once; the replacement will not fare better.
          this.state.tasksPending(green, s)
          green.pendingCount = green.computedDesiredCount
          this.state.serviceEvent(
            dep.service,
            s,
            `(service ${dep.service.name}, taskSet ${green.id}) has stopped 1 running tasks: (task ${task.taskArn.split('/').pop()!}).`
          )
        })
      }
      this.at(dep, failAt, s => {
        this.installFailed(
          dep,
          s,
          `The ECS service cannot be updated due to an unexpected error: the replacement task set ${green.id} did not reach a steady state; ${stop.count} tasks stopped (${stop.stoppedReason}).`
        )
      })
      return
    }
    this.at(dep, t + d.install / 2, s => {
      this.state.tasksRunning(green, s)
    })
    this.at(dep, t + d.install, s => {
      this.state.steady(dep.service, green, s)
      dep.installEnd = s
      this.endEvent(dep, INSTALL, s, 'Succeeded')
      this.next(dep, INSTALL, s)
    })
  }

  private installFailed(dep: DeploymentRecord, t: number, message: string): void {
    this.endEvent(dep, INSTALL, t, 'Failed')
    this.finish(dep, t, {
      status: 'Failed',
      code: 'ECS_UPDATE_ERROR',
      message,
      trigger: 'DEPLOYMENT_FAILURE'
    })
  }

  private enterReady(dep: DeploymentRecord, t: number): void {
    dep.status = 'Ready'
    dep.waiting = 'ready'
    dep.target!.status = 'Ready'
    dep.target!.lastUpdatedAt = t
    const expires = Math.max(t, (dep.installEnd ?? t) + dep.readyWaitMinutes! * 60)
    this.at(dep, expires, s => {
      this.finish(dep, s, {
        status: 'Stopped',
        code: 'TIMEOUT',
        message: `Traffic was not rerouted within the ready wait of ${dep.readyWaitMinutes!} minutes, so the deployment was stopped.`,
        trigger: null
      })
    })
  }

  /** Traffic steps: [offset in seconds from AllowTraffic's start, green weight]. */
  private steps(routing: TrafficRouting): [number, number][] {
    const p = routing.percentage ?? 100
    const interval = (routing.intervalMinutes ?? 0) * 60
    if (routing.type === 'TimeBasedCanary')
      return [
        [0, p],
        [interval, 100]
      ]
    if (routing.type === 'TimeBasedLinear') {
      const n = Math.ceil(100 / p)
      return Array.from(
        { length: n },
        (_, k) => [k * interval, Math.min(100, (k + 1) * p)] as [number, number]
      )
    }
    return [[0, 100]]
  }

  private allowTraffic(dep: DeploymentRecord, t: number): void {
    const steps = this.steps(dep.routing)
    const d = this.state.durations
    const alarm = dep.faults.alarm
    const watched = this.watchedAlarms(dep)
    steps.forEach(([offset, weight], k) => {
      this.at(dep, t + offset, s => {
        dep.target!.greenWeight = weight
        dep.target!.lastUpdatedAt = s
      })
      if (alarm && alarm.atStep === k + 1 && watched.includes(alarm.name)) {
        this.at(dep, t + offset + d.shift / 2, s => {
          this.endEvent(dep, ALLOW_TRAFFIC, s, 'Failed')
          dep.statusMessages.push(`CloudWatch alarm ${alarm.name} is in ALARM state.`)
          this.finish(dep, s, {
            status: 'Stopped',
            code: 'ALARM_ACTIVE',
            message: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${alarm.name}>`,
            trigger: 'DEPLOYMENT_STOP_ON_ALARM'
          })
        })
      }
    })
    this.at(dep, t + steps.at(-1)![0] + d.shift, s => {
      this.state.makePrimary(dep.service, dep.target!.green!, s)
      this.endEvent(dep, ALLOW_TRAFFIC, s, 'Succeeded')
      this.next(dep, ALLOW_TRAFFIC, s)
    })
  }

  private watchedAlarms(dep: DeploymentRecord): string[] {
    const o = dep.overrideAlarmConfiguration
    if (o) return o.enabled === false ? [] : (o.alarms ?? []).map(a => a.name)
    return dep.alarmConfiguration.enabled ? dep.alarmConfiguration.alarms.map(a => a.name) : []
  }

  /**
   * "The deployment starts waiting (if configured) immediately after marking the target status as
   * Succeeded" (aws/containers-roadmap#269), still InProgress; the flag only in the fixed world.
   */
  private terminationWait(dep: DeploymentRecord, t: number): void {
    dep.target!.status = 'Succeeded'
    dep.target!.lastUpdatedAt = t
    if (this.state.setsTerminationWaitFlag) dep.instanceTerminationWaitTimeStarted = true
    dep.waiting = 'termination'
    this.at(dep, t + dep.terminationWaitMinutes * 60, s => {
      this.removeOriginal(dep, s)
    })
  }

  private removeOriginal(dep: DeploymentRecord, t: number): void {
    delete dep.waiting
    const blue = dep.target!.blue
    if (blue) this.state.drain(blue, t)
    this.at(dep, t + this.state.durations.drain, s => {
      if (blue) this.state.deleteTaskSet(blue, s)
      this.finish(dep, s, { status: 'Succeeded' })
    })
  }

  // ---- interventions ---------------------------------------------------------------------

  continue(dep: DeploymentRecord, waitType: 'READY_WAIT' | 'TERMINATION_WAIT', t: number): void {
    this.cancel(dep)
    delete dep.waiting
    if (waitType === 'READY_WAIT') {
      dep.status = 'InProgress'
      dep.target!.status = 'InProgress'
      this.runEvent(dep, BEFORE_ALLOW_TRAFFIC, t)
    } else {
      this.removeOriginal(dep, t)
    }
  }

  /** StopDeployment: Stopped now; a rollback follows when asked for or configured. */
  stop(dep: DeploymentRecord, autoRollbackEnabled: boolean | undefined, t: number): boolean {
    const rollback =
      autoRollbackEnabled ??
      (dep.autoRollback.enabled && dep.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST'))
    return this.finish(dep, t, {
      status: 'Stopped',
      code: 'MANUAL_STOP',
      message: 'The deployment was stopped by a user request (StopDeployment).',
      trigger: null,
      forceRollback: rollback
    })
  }

  putHookStatus(dep: DeploymentRecord, status: 'Succeeded' | 'Failed', t: number): void {
    const hook = dep.pendingHook!
    this.cancel(dep)
    delete dep.pendingHook
    if (status === 'Succeeded') {
      this.event(dep, hook.index).diagnostics = {
        errorCode: 'Success',
        scriptName: hook.scriptName,
        message: 'Succeeded',
        logTail: ''
      }
      this.endEvent(dep, hook.index, t, 'Succeeded')
      this.next(dep, hook.index, t)
    } else {
      this.event(dep, hook.index).diagnostics = {
        errorCode: 'ScriptFailed',
        scriptName: hook.scriptName,
        message: `The Lambda function ${hook.scriptName} reported the status Failed.`
      }
      this.hookFailed(dep, hook.index, t, hook.scriptName)
    }
  }

  // ---- the end: success, failure, stop, rollback -----------------------------------------

  /** Ends a deployment; returns whether a rollback deployment was started. */
  private finish(
    dep: DeploymentRecord,
    t: number,
    end: {
      status: 'Succeeded' | 'Failed' | 'Stopped'
      code?: string
      message?: string
      trigger?: 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | null
      forceRollback?: boolean
      rollbackPossible?: boolean
    }
  ): boolean {
    this.cancel(dep)
    delete dep.waiting
    delete dep.pendingHook
    dep.status = end.status
    dep.completeTime = t
    if (end.code) dep.errorInformation = { code: end.code, message: end.message ?? '' }
    const target = dep.target
    if (target) {
      for (const e of target.events) {
        if (e.status === 'InProgress') Object.assign(e, { status: 'Failed', endTime: t })
        else if (e.status === 'Pending' && end.status !== 'Succeeded') e.status = 'Skipped'
      }
      target.status = end.status === 'Succeeded' ? 'Succeeded' : 'Failed'
      target.lastUpdatedAt = t
      target.frozen = taskSetsInfo(target)
    }
    if (end.status === 'Succeeded' || dep.creator === 'codeDeployRollback') return false
    const configured = end.trigger
      ? dep.autoRollback.enabled && dep.autoRollback.events.includes(end.trigger)
      : false
    const rollback = (end.forceRollback ?? configured) && end.rollbackPossible !== false && Boolean(target)
    if (rollback) this.rollback(dep, t)
    return rollback
  }

  private rollback(orig: DeploymentRecord, t: number): void {
    const blue = orig.target!.blue
    const td = blue?.taskDefinition ?? orig.service.taskDefinition
    const lb = orig.service.loadBalancers[0]
    const content = JSON.stringify({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: td,
              LoadBalancerInfo: { ContainerName: lb?.containerName, ContainerPort: lb?.containerPort }
            }
          }
        }
      ]
    })
    const rb = this.create(
      {
        group: orig.group,
        configName: orig.deploymentConfigName,
        routing: orig.routing,
        content,
        creator: 'codeDeployRollback',
        autoRollback: { enabled: false, events: [] }
      },
      t
    )
    // A rollback deployment only reroutes traffic to the original task set and removes the replacement.
    this.cancel(rb)
    delete rb.previousRevisionSha
    if (orig.revisionSha !== sha256(content)) rb.previousRevisionSha = orig.revisionSha
    rb.rollbackOf = orig
    rb.rollbackInfo = {
      rollbackTriggeringDeploymentId: orig.id,
      rollbackMessage: `Rollback of deployment ${orig.id}.`
    }
    // CodeDeploy names the rollback on the original some time after creating it, even one that
    // has ended by then (scheduled on the original, so the rollback's end does not cancel it).
    this.at(orig, t + this.state.durations.rollbackInfoDelay, () => {
      orig.statusMessages.push(`Rollback deployment ${rb.id} was created.`)
      orig.rollbackInfo = { rollbackDeploymentId: rb.id, rollbackMessage: rollbackMessage(rb) }
    })
    const rollbackEnded = (): void => {
      if (orig.rollbackInfo) orig.rollbackInfo.rollbackMessage = rollbackMessage(rb)
    }
    this.at(rb, t + Math.min(this.state.durations.start, 1), s => {
      rb.status = 'InProgress'
      rb.startTime = s
      rb.target = {
        status: 'InProgress',
        lastUpdatedAt: s,
        events: LIFECYCLE_EVENTS.map(name => ({ lifecycleEventName: name, status: 'Pending' })),
        ...(orig.target!.blue ? { blue: orig.target!.blue } : {}),
        ...(orig.target!.green && orig.target!.green.deletedAt === undefined
          ? { green: orig.target!.green }
          : {}),
        greenWeight: orig.target!.greenWeight
      }
      for (let i = 0; i < ALLOW_TRAFFIC; i++)
        Object.assign(this.event(rb, i), { status: 'Skipped', startTime: s, endTime: s })
      this.startEvent(rb, ALLOW_TRAFFIC, s)
      this.at(rb, s + this.state.durations.rollback / 2, s2 => {
        if (orig.faults.rollbackFails) {
          this.finish(rb, s2, {
            status: 'Failed',
            code: 'ECS_UPDATE_ERROR',
            message: `The ECS service cannot be updated due to an unexpected error: the rollback of ${orig.id} could not reroute production traffic to the original task set.`
          })
          rollbackEnded()
          return
        }
        const target = rb.target!
        target.greenWeight = 0
        if (target.blue && target.blue.status !== 'PRIMARY')
          this.state.makePrimary(rb.service, target.blue, s2)
        this.endEvent(rb, ALLOW_TRAFFIC, s2, 'Succeeded')
        Object.assign(this.event(rb, AFTER_ALLOW_TRAFFIC), { status: 'Skipped', startTime: s2, endTime: s2 })
        if (target.green) this.state.drain(target.green, s2)
        this.at(rb, s + this.state.durations.rollback, s3 => {
          if (target.green) this.state.deleteTaskSet(target.green, s3)
          this.finish(rb, s3, { status: 'Succeeded' })
          rollbackEnded()
        })
      })
    })
  }

  /** Creates a deployment that started in the past and has reached `at` by `now`. */
  seedExisting(
    req: CreateRequest,
    at: 'Install' | 'AllowTraffic' | 'Ready' | 'TerminationWait',
    now: number
  ): DeploymentRecord {
    const d = this.state.durations
    const hookless = d.hookless
    const throughInstall = d.start + hookless + d.install / 2
    const throughTest = d.start + hookless + d.install + hookless + d.testTraffic + hookless
    const offsets = {
      Install: throughInstall,
      Ready: throughTest + 60,
      AllowTraffic: throughTest + hookless + 1,
      TerminationWait: throughTest + hookless + this.steps(req.routing).at(-1)![0] + d.shift + hookless + 60
    }
    const dep = this.create(req, now - offsets[at])
    this.advance(now)
    return dep
  }
}

/** The original's `rollbackInfo.rollbackMessage`: how its rollback stands. */
function rollbackMessage(rb: DeploymentRecord): string {
  const how = rb.status === 'Succeeded' ? 'succeeded' : rb.status === 'Failed' ? 'failed' : 'is in progress'
  return `Rollback deployment ${rb.id} ${how}.`
}

/** `ecsTarget.taskSetsInfo` for a target: Blue is the original task set, Green the replacement. */
export function taskSetsInfo(target: TargetRecord): TaskSetInfo[] {
  if (target.frozen) return target.frozen
  const rows: TaskSetInfo[] = []
  const row = (ts: TaskSetRecord | undefined, label: 'Blue' | 'Green', weight: number): void => {
    if (!ts || ts.deletedAt !== undefined) return
    rows.push({
      identifer: ts.id,
      desiredCount: ts.computedDesiredCount,
      pendingCount: ts.pendingCount,
      runningCount: ts.runningCount,
      status: ts.status,
      trafficWeight: weight,
      targetGroup: { name: ts.targetGroupName },
      taskSetLabel: label
    })
  }
  row(target.blue, 'Blue', 100 - target.greenWeight)
  row(target.green, 'Green', target.greenWeight)
  return rows
}
