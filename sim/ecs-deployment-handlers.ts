// The ECS operations of ECS's own deployments, over sim/ecs-deployments.ts: UpdateService on an
// ECS-controller service starts a service deployment; ListServiceDeployments,
// DescribeServiceDeployments, DescribeServiceRevisions, StopServiceDeployment and
// ContinueServiceDeployment. `withEcsDeployments(ecsHandlers)` wraps the other ECS operations so
// that the deployments have advanced to the request's time before they run, and DescribeServices
// shows the ECS-controller fields. Requests have passed model validation (sim/wire.ts) already.
import type { Ctx } from './codedeploy.js'
import {
  configurationProblem,
  EcsDeployments,
  isTerminal,
  type DeploymentConfiguration,
  type HookAction
} from './ecs-deployments.js'
import type { ServiceRecord, SimState } from './state.js'
import { AwsError } from './wire.js'

type Body = Record<string, any>
type Handler = (body: Body, ctx: Ctx) => unknown

const DEPLOYMENT_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[^/]+\/[^/]+\/[A-Za-z0-9_-]+$/
const REVISION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-revision\/[^/]+\/[^/]+\/\d+$/
/** "You can specify a maximum of 20 ARNs" [M: DescribeServiceDeployments, DescribeServiceRevisions]. */
const MAX_ARNS = 20

function engine(ctx: Ctx): EcsDeployments {
  const e = EcsDeployments.of(ctx.state)
  if (!e)
    throw new Error('The ECS deployment engine is not attached to this simulator (EcsDeployments.attach).')
  e.advance(ctx.now)
  return e
}

function service(state: SimState, cluster: string | undefined, name: string): ServiceRecord {
  if (!state.clusterExists(cluster)) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
  const s = state.findService(cluster, name)
  if (!s) throw new AwsError('ServiceNotFoundException', 'Service not found.')
  return s
}

function arns(list: string[], what: string): string[] {
  if (!list.length || list.length > MAX_ARNS)
    throw new AwsError('InvalidParameterException', `${what} must contain between 1 and ${MAX_ARNS} ARNs.`) // [I] message
  return [...new Set(list)]
}

function page<T>(items: T[], token: unknown, size: number): { items: T[]; nextToken?: string } {
  let start = 0
  if (token !== undefined) {
    const m = /^sd:(\d+)$/.exec(Buffer.from(typeof token === 'string' ? token : '', 'base64url').toString())
    if (!m) throw new AwsError('InvalidParameterException', 'The nextToken is not valid.') // [I]
    start = Number(m[1])
  }
  const slice = items.slice(start, start + size)
  return start + size < items.length
    ? { items: slice, nextToken: Buffer.from(`sd:${start + size}`).toString('base64url') }
    : { items: slice }
}

function deployment(
  e: EcsDeployments,
  arn: string
): NonNullable<ReturnType<EcsDeployments['findDeployment']>> {
  // A malformed ARN: InvalidParameterException [I]; a well-formed unknown one: the modeled not-found error.
  if (!DEPLOYMENT_ARN.test(arn))
    throw new AwsError('InvalidParameterException', `Invalid service deployment ARN: ${arn}`)
  const dep = e.findDeployment(arn)
  if (!dep) throw new AwsError('ServiceDeploymentNotFoundException', `Service deployment not found: ${arn}`)
  return dep
}

const seconds = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v))

/** UpdateService: ECS-controller services start a service deployment; the others keep the base behaviour. */
function updateService(base: Handler): Handler {
  return (b, ctx) => {
    const e = engine(ctx)
    const s = service(ctx.state, b.cluster, b.service)
    if (s.controller === 'CODE_DEPLOY' && b.forceNewDeployment === true)
      // [I] wording; the documentation lists what a CODE_DEPLOY service can update, and a deployment is not among it.
      throw new AwsError(
        'InvalidParameterException',
        'Unable to force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
      )
    if (s.controller === 'EXTERNAL' && (b.taskDefinition !== undefined || b.forceNewDeployment === true))
      // "If the ... task definition need to be updated, create a new task set" [M: UpdateService] (wording [I]).
      throw new AwsError(
        'InvalidParameterException',
        'Unable to update task definition on services with an EXTERNAL deployment controller. Create a new task set instead.'
      )
    const svc = s.controller === 'ECS' ? e.serviceOf(s) : undefined
    if (!svc) return base(b, ctx)

    let taskDefinition: string | undefined
    if (b.taskDefinition !== undefined) {
      const td = ctx.state.findTaskDefinition(String(b.taskDefinition))
      if (!td) throw new AwsError('ClientException', 'TaskDefinition not found.')
      if (td.status !== 'ACTIVE')
        throw new AwsError('ClientException', `TaskDefinition is inactive: ${td.arn}`) // [I]
      const lb = s.loadBalancers[0]
      if (lb) {
        // The load balancer's container and port must be in the new revision (messages [I], as engine.ts words them).
        const containers = (td.body.containerDefinitions ?? []) as {
          name?: string
          portMappings?: { containerPort?: number }[]
        }[]
        const c = containers.find(x => x.name === lb.containerName)
        if (!c)
          throw new AwsError(
            'InvalidParameterException',
            `The container ${lb.containerName} does not exist in the task definition.`
          )
        if (!(c.portMappings ?? []).some(p => p.containerPort === lb.containerPort))
          throw new AwsError(
            'InvalidParameterException',
            `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`
          )
      }
      taskDefinition = td.arn
    }
    if (b.deploymentConfiguration !== undefined) {
      // Members given replace the service's; the others stay [I]. Takes effect with the next deployment.
      const merged: DeploymentConfiguration = {
        ...svc.config,
        ...(b.deploymentConfiguration as DeploymentConfiguration)
      }
      const problem = configurationProblem(merged, {
        hasLoadBalancer: s.loadBalancers.length > 0,
        advanced: Boolean(svc.advanced)
      })
      if (problem) throw new AwsError('InvalidParameterException', problem)
      e.configure(svc, merged)
    }
    if (typeof b.desiredCount === 'number') s.desiredCount = b.desiredCount
    // A new revision starts a deployment; the revision the service already runs only with
    // forceNewDeployment [I: real ECS creates no service deployment for an UpdateService that changes nothing].
    const changed = taskDefinition !== undefined && taskDefinition !== s.taskDefinition
    if (changed || b.forceNewDeployment === true) e.start(svc, taskDefinition ?? s.taskDefinition, ctx.now)
    const out = base(b, ctx) as { service: Record<string, unknown> }
    e.decorateService(out.service)
    return out
  }
}

const deploymentHandlers: Record<string, Handler> = {
  ListServiceDeployments: (b, ctx) => {
    const e = engine(ctx)
    const s = service(ctx.state, b.cluster, b.service)
    const size = b.maxResults ?? 20
    // "This value can be between 1 and 100 ... returns up to 20 results" [M].
    if (!Number.isInteger(size) || size < 1 || size > 100)
      throw new AwsError('InvalidParameterException', 'maxResults must be between 1 and 100.')
    const svc = s.controller === 'ECS' ? e.serviceOf(s) : undefined
    // A CODE_DEPLOY or EXTERNAL service has no service deployments to list [I].
    const statuses: string[] | undefined = b.status?.length ? b.status : undefined
    const after = seconds(b.createdAt?.after)
    const before = seconds(b.createdAt?.before)
    const list = (svc?.deployments ?? [])
      .map((d, i) => ({ d, i }))
      .filter(({ d }) => !statuses || statuses.includes(d.status))
      // Bounds inclusive [I].
      .filter(({ d }) => after === undefined || d.createdAt >= after)
      .filter(({ d }) => before === undefined || d.createdAt <= before)
      .sort((x, y) => y.d.createdAt - x.d.createdAt || y.i - x.i)
      .map(({ d }) => d)
    const p = page(list, b.nextToken, size)
    return {
      serviceDeployments: p.items.map(d => e.briefJson(d)),
      ...(p.nextToken ? { nextToken: p.nextToken } : {})
    }
  },
  DescribeServiceDeployments: (b, ctx) => {
    const e = engine(ctx)
    const wanted = arns(b.serviceDeploymentArns, 'serviceDeploymentArns')
    const found = wanted.map(arn => ({
      arn,
      d: DEPLOYMENT_ARN.test(arn) ? e.findDeployment(arn) : undefined
    }))
    return {
      serviceDeployments: found.filter(x => x.d).map(x => e.deploymentJson(x.d!)),
      // Unknown ones are failures, not an error [M: failures; reason MISSING as the docs show it].
      failures: found.filter(x => !x.d).map(x => ({ arn: x.arn, reason: 'MISSING' }))
    }
  },
  DescribeServiceRevisions: (b, ctx) => {
    const e = engine(ctx)
    const wanted = arns(b.serviceRevisionArns, 'serviceRevisionArns')
    const found = wanted.map(arn => ({ arn, r: REVISION_ARN.test(arn) ? e.findRevision(arn) : undefined }))
    return {
      serviceRevisions: found.filter(x => x.r).map(x => e.revisionJson(x.r!)),
      failures: found.filter(x => !x.r).map(x => ({ arn: x.arn, reason: 'MISSING' }))
    }
  },
  StopServiceDeployment: (b, ctx) => {
    const e = engine(ctx)
    const dep = deployment(e, String(b.serviceDeploymentArn))
    // "The valid values are ROLLBACK" [M doc]; the enum also lists ABORT, whose behaviour nothing
    // documents: refused [I]. No stopType means ROLLBACK [I].
    if ((b.stopType ?? 'ROLLBACK') !== 'ROLLBACK')
      throw new AwsError(
        'InvalidParameterException',
        `stopType ${String(b.stopType)} is not supported; use ROLLBACK.`
      )
    // PENDING and IN_PROGRESS roll back; STOP_REQUESTED and the ROLLBACK_* ones carry on [D].
    // A finished deployment: ConflictException, the modeled "conflict in the current state" [I].
    if (isTerminal(dep.status))
      throw new AwsError(
        'ConflictException',
        `The service deployment ${dep.arn} is ${dep.status} and can no longer be stopped.`
      )
    e.stop(dep, ctx.now)
    return { serviceDeploymentArn: dep.arn }
  },
  ContinueServiceDeployment: (b, ctx) => {
    const e = engine(ctx)
    const dep = deployment(e, String(b.serviceDeploymentArn))
    const action: HookAction = b.action ?? 'CONTINUE' // "the default action is CONTINUE" [M]
    const run = dep.allHooks.find(h => h.hookId === b.hookId)
    // Error types for misuse are not documented [I]: an id that is no hook of this deployment is an
    // invalid parameter; a deployment not IN_PROGRESS or a hook not AWAITING_ACTION (the documented
    // prerequisites [D]) a client error.
    if (!run)
      throw new AwsError(
        'InvalidParameterException',
        `The hookId ${String(b.hookId)} is not a lifecycle hook of the service deployment ${dep.arn}.`
      )
    if (dep.status !== 'IN_PROGRESS')
      throw new AwsError(
        'ClientException',
        `The service deployment ${dep.arn} is ${dep.status}; a hook can only be continued while it is IN_PROGRESS.`
      )
    if (run.targetType !== 'PAUSE' || run.status !== 'AWAITING_ACTION')
      throw new AwsError(
        'ClientException',
        `The lifecycle hook ${run.hookId} (${run.targetType}) is ${run.status}, not AWAITING_ACTION.`
      )
    e.continueHook(dep, run, action, ctx.now)
    return { serviceDeploymentArn: dep.arn }
  }
}

/**
 * The ECS handlers with ECS's own deployments added: every operation first advances the
 * deployments to the request's time; DescribeServices shows the ECS-controller fields.
 */
export function withEcsDeployments(base: Record<string, Handler>): Record<string, Handler> {
  const wrapped: Record<string, Handler> = {}
  for (const [operation, handler] of Object.entries(base)) {
    wrapped[operation] = (b, ctx) => {
      EcsDeployments.of(ctx.state)?.advance(ctx.now)
      return handler(b, ctx)
    }
  }
  const describe = base.DescribeServices
  if (describe)
    wrapped.DescribeServices = (b, ctx) => {
      const e = engine(ctx)
      const out = describe(b, ctx) as { services: Record<string, unknown>[] }
      for (const s of out.services) e.decorateService(s)
      return out
    }
  if (base.UpdateService) wrapped.UpdateService = updateService(base.UpdateService)
  return { ...wrapped, ...deploymentHandlers }
}
