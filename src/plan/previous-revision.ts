// deregister-previous: once the deployment has succeeded, the revision the service ran before is
// deregistered, unless it is the one just deployed or a service of the cluster still runs it. Only
// ECS is read and written here, so it is the same whichever backend deployed the service.
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  type ECSClient,
  type Service,
  paginateListServices
} from '@aws-sdk/client-ecs'
import type { Step } from '../main.js'
import type { RunOutcome } from '../report/summary.js'
import { errorMessage } from '../runtime/errors.js'

/** DescribeServices takes at most 10 services a call; ListServices pages hold up to 100. */
const DESCRIBE_BATCH = 10
const LIST_PAGE = 100

/** The services of `cluster` that run `arn`, by name. */
export async function servicesRunning(ecs: ECSClient, cluster: string, arn: string): Promise<string[]> {
  const running: string[] = []
  for await (const page of paginateListServices({ client: ecs, pageSize: LIST_PAGE }, { cluster })) {
    const arns = page.serviceArns ?? []
    for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
      const out = await ecs.send(
        new DescribeServicesCommand({ cluster, services: arns.slice(i, i + DESCRIBE_BATCH) })
      )
      for (const s of out.services ?? []) {
        if (runs(s, arn)) running.push(s.serviceName ?? s.serviceArn ?? arn)
      }
    }
  }
  return running
}

/**
 * A service runs a revision when it is its own, a deployment's that ECS has not replaced yet (a
 * deployment under way), or a task set's (CODE_DEPLOY and EXTERNAL services run their revisions in
 * task sets). All three are asked whatever the controller: it costs nothing and misses no case.
 */
function runs(s: Service, arn: string): boolean {
  return (
    s.taskDefinition === arn ||
    (s.deployments ?? []).some(d => d.status !== 'INACTIVE' && d.taskDefinition === arn) ||
    (s.taskSets ?? []).some(t => t.taskDefinition === arn)
  )
}

/**
 * Called once the step's deployment was concluded: `outcome` is how it ended for the step, `deployed`
 * the revision it deployed. Whatever happens here, the deployment's result stands: nothing here
 * fails the step.
 */
export async function deregisterPrevious(
  { io, inputs, reporter }: Step,
  outcome: RunOutcome | undefined,
  target: { cluster: string; deployed: string }
): Promise<void> {
  if (!inputs.deregisterPrevious) return
  const previous = reporter.previousTaskDefinition
  const say = async (text: string, how: 'info' | 'notice' | 'warning' = 'info'): Promise<void> => {
    if (how === 'info') io.info(text)
    else io[how](text, 'deregister-previous')
    await reporter.section('Previous revision', text)
  }
  if (outcome === 'goal-reached' || outcome === 'handed-off') {
    const why =
      outcome === 'handed-off'
        ? 'wait-for-deployment: false returns before the deployment ends'
        : `wait-until: ${inputs.waitUntil} returns before the deployment ends`
    return say(
      `deregister-previous skipped: ${why}, and until it has succeeded a rollback needs ${previous ?? 'the previous revision'}. Deregister it once the deployment succeeded (previous-task-definition-arn).`,
      'notice'
    )
  }
  if (!previous) return say('deregister-previous: the service reported no previous revision.')
  if (outcome !== 'succeeded') return say(`Kept ${previous}: the deployment did not succeed.`)
  if (previous === target.deployed) return say(`Kept ${previous}: it is the revision just deployed.`)
  const { ecs } = io.aws()
  let running: string[]
  try {
    running = await servicesRunning(ecs, target.cluster, previous)
  } catch (e) {
    return say(
      `Kept ${previous}: could not check whether a service of cluster ${target.cluster} still runs it (${errorMessage(e).split('\n')[0] ?? ''}). Allow ecs:ListServices and ecs:DescribeServices, or deregister it by hand.`,
      'warning'
    )
  }
  if (running.length > 0) {
    return say(
      `Kept ${previous}: ${running.length === 1 ? 'service' : 'services'} ${running.join(', ')} still ${running.length === 1 ? 'runs' : 'run'} it.`
    )
  }
  try {
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: previous }))
  } catch (e) {
    return say(
      `Could not deregister ${previous} (${errorMessage(e).split('\n')[0] ?? ''}); the deployment succeeded all the same. Allow ecs:DeregisterTaskDefinition, or deregister it by hand.`,
      'warning'
    )
  }
  return say(`Deregistered ${previous}: no service of cluster ${target.cluster} runs it any more.`)
}
