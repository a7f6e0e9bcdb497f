// if-deployment-running for ECS's own deployments: what to do when the service already runs a
// deployment. As for CodeDeploy, a deployment waited behind is not this step's: it is streamed,
// never stopped on cancel.
import type { ECSClient, ServiceDeployment } from '@aws-sdk/client-ecs'
import type { IfRunning } from '../../inputs/inputs.js'
import { ActionError } from '../../runtime/errors.js'
import { type WaitBehind, runningOrSkip } from '../backend.js'
import { type EcsService, runningServiceDeployments, stopServiceDeployment } from './deployment.js'
import { ROLLING_BACK } from './snapshot.js'

/** The release is done: only the source revision's tasks are still kept. Stopping it would undo it. */
const RELEASED_STAGES = ['BAKE_TIME', 'CLEAN_UP']

function describe(d: ServiceDeployment, consoleUrl: (id: string) => string): string {
  const arn = d.serviceDeploymentArn ?? '?'
  const stage = d.lifecycleStage ? ` at ${d.lifecycleStage}` : ''
  const started = d.createdAt ? ` started ${d.createdAt.toISOString().replace(/\.\d+Z$/, 'Z')}` : ''
  return `${arn} (${d.status ?? '?'}${stage}${started}; ${consoleUrl(arn)})`
}

const awaitsContinue = (d: ServiceDeployment): boolean =>
  (d.lifecycleHookDetails ?? []).some(h => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION')

/** Applies `if-deployment-running` until the service has no deployment in progress. */
export async function freeService(
  ecs: ECSClient,
  service: EcsService,
  policy: IfRunning,
  behind: WaitBehind
): Promise<void> {
  for (;;) {
    const running = await runningOrSkip(
      runningServiceDeployments(ecs, service),
      behind,
      [],
      error =>
        `Could not list the service's deployments (${error}); allow ecs:ListServiceDeployments and ecs:DescribeServiceDeployments for if-deployment-running.`
    )
    const d = running[0]
    const arn = d?.serviceDeploymentArn
    if (!d || !arn) return
    const what = describe(d, behind.consoleUrl)
    if (ROLLING_BACK.includes(d.status ?? '')) {
      behind.log(`Service ${service.service} is rolling back: ${what}. Waiting for the rollback to end.`)
    } else if (policy === 'fail') {
      throw new ActionError(
        `Service ${service.service} already has a deployment in progress: ${what}.`,
        'Wait for it to end and run again, or set if-deployment-running: wait (deploy after it) or replace (roll it back first).',
        'Deployment already running'
      )
    } else if (RELEASED_STAGES.includes(d.lifecycleStage ?? '')) {
      behind.log(`${what} has released its revision; waiting for its ${d.lifecycleStage} to end.`)
    } else if (policy === 'wait' && awaitsContinue(d)) {
      throw new ActionError(
        `Deployment ${what} waits at a PAUSE hook for a continue; such a wait can last hours.`,
        'Continue it (continue-deployment: true with its deployment-id) or stop it (stop-deployment: true), or set if-deployment-running: replace.',
        'Deployment already running'
      )
    } else if (policy === 'wait') {
      behind.log(`Waiting for ${what} to end before deploying.`)
    } else {
      behind.log(`Replacing ${what}: stopping it with rollback.`)
      await stopServiceDeployment(ecs, arn)
      behind.changed(`stopped deployment ${arn} with rollback (if-deployment-running: replace)`)
    }
    const result = await behind.watch.watch(arn, 'succeeded', behind.deadline())
    if (result.outcome === 'timeout') {
      throw new ActionError(
        `Deployment ${arn} did not end within ${behind.timeoutMinutes} minutes; this step gave up waiting behind it.`,
        'Run again later, or raise timeout-minutes.',
        'Deployment already running'
      )
    }
  }
}
