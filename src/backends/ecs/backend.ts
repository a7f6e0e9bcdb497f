// The backend of ECS's own deployments (deployment controller ECS): UpdateService with the new
// revision and nothing else. Strategy, hooks, bake time, alarms and load balancers belong to the
// service's own configuration.
import type { Plan } from '../../plan/plan.js'
import type { ServiceInfo } from '../../plan/service.js'
import type { Step } from '../../main.js'
import { deploymentConsoleUrl } from '../../report/console-url.js'
import { ActionError, refusedByAws } from '../../runtime/errors.js'
import { type Backend, waitBehind } from '../backend.js'
import { describeStrategy } from './configuration.js'
import { type EcsService, startServiceDeployment } from './deployment.js'
import { freeService } from './if-running.js'

export function ecsBackend(step: Step, plan: Plan): Backend {
  const { io, inputs } = step
  const service = (): ServiceInfo => {
    if (!plan.service) throw new ActionError('The service was not read.')
    return plan.service
  }
  const target = (): EcsService => ({
    cluster: service().clusterArn || service().clusterName,
    service: service().serviceName
  })
  const strategy = describeStrategy(plan.service?.deploymentConfiguration)
  return {
    makeRoom: () =>
      freeService(io.aws().ecs, target(), inputs.ifDeploymentRunning, waitBehind(step, plan.timeoutMinutes)),
    start: async revision => {
      const { guard, outputs } = step
      const { ecs, region } = io.aws()
      // The revision the service already runs starts nothing unless forced; a revision deployed as
      // it is may be that one.
      const force = plan.register === undefined || revision === service().taskDefinitionArn
      const { id } = await guard.create(
        { ...target(), revision },
        async () => ({ id: await startServiceDeployment(ecs, target(), revision, force) }),
        refusedByAws
      )
      const url = deploymentConsoleUrl(region, id)
      outputs.deployment(id, url)
      io.info(
        `Started deployment ${id} of service ${service().serviceName} (${strategy}${force ? ', forceNewDeployment' : ''}): ${url}`
      )
      return id
    },
    reported: { status: 'PENDING', deploymentConfigName: strategy },
    printDryRun: () => {
      const svc = plan.service
      const revision = plan.existingArn ?? `${plan.family}:NEXT`
      io.info(
        `UpdateService would deploy ${revision} to service ${svc?.serviceName ?? '?'} in cluster ${svc?.clusterName ?? '?'} (${strategy}); nothing else on the service changes.`
      )
      io.info('Dry run: nothing was registered or deployed.')
      return undefined
    }
  }
}
