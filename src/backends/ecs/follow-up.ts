// A follow-up step on a service deployment of ECS's own deployments (deployment-id is its ARN):
// watched, stopped with rollback, or continued at its PAUSE hooks.
import { DescribeServiceRevisionsCommand, type ECSClient, type ServiceDeployment } from '@aws-sdk/client-ecs'
import type { Step } from '../../main.js'
import { nothingToStop } from '../backend.js'
import { deploymentConsoleUrl } from '../../report/console-url.js'
import { describeFailure } from '../../report/failure.js'
import { DeploymentWatch } from '../../watch/deployment-watch.js'
import { GoalWatch } from '../../watch/goal-watch.js'
import type { DeploymentSnapshot, Hook } from '../../watch/snapshot.js'
import { deriveEcsTimeoutMinutes, describeStrategy } from './configuration.js'
import {
  continueServiceDeployment,
  getServiceDeployment,
  parseServiceDeploymentArn,
  stopServiceDeployment
} from './deployment.js'
import { ecsReaders } from './reader.js'
import { ENDED } from './snapshot.js'

/** The task definitions of the deployment's target revision and of the revision it replaces. */
async function revisionsOf(
  ecs: ECSClient,
  d: ServiceDeployment
): Promise<{ revision?: string; previous?: string }> {
  const target = d.targetServiceRevision?.arn
  const source = d.sourceServiceRevisions?.[0]?.arn
  const arns = [target, source].filter((a): a is string => a !== undefined)
  if (arns.length === 0) return {}
  try {
    const out = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: arns }))
    const taskDefinitionOf = (arn: string | undefined): string | undefined =>
      out.serviceRevisions?.find(r => r.serviceRevisionArn === arn)?.taskDefinition
    return { revision: taskDefinitionOf(target), previous: taskDefinitionOf(source) }
  } catch {
    // The revisions only name the outputs: the deployment is followed without them.
    return {}
  }
}

const waitingGate = (snap: DeploymentSnapshot): Hook | undefined =>
  snap.hooks?.find(h => h.kind === 'pause' && h.status === 'AWAITING_ACTION')

export async function followServiceDeployment(arn: string, step: Step): Promise<void> {
  const { io, inputs, guard, reporter, outputs } = step
  const { ecs, region } = io.aws()
  const d = await getServiceDeployment(ecs, arn)
  const { revision, previous } = await revisionsOf(ecs, d)
  const url = deploymentConsoleUrl(region, arn)
  outputs.deployment(arn, url)
  if (revision) outputs.taskDefinition(revision)
  if (previous) outputs.previousTaskDefinition(previous)
  const service = parseServiceDeploymentArn(arn)?.service ?? '?'
  io.info(`Deployment ${arn} of service ${service} is ${d.status ?? '?'}: ${url}`)
  reporter.deployment(arn, {
    status: d.status,
    deploymentConfigName: describeStrategy(d.deploymentConfiguration)
  })
  if (revision) await reporter.taskDefinition(revision, previous)
  await reporter.githubDeployment(inputs, arn, true)
  const deployments = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: ecsReaders(io, { taskDefinitionArn: revision })
  })
  if (inputs.stopDeployment) return stop(step, deployments, d, previous)
  const timeoutMinutes =
    inputs.timeoutMinutes ?? deriveEcsTimeoutMinutes(d.deploymentConfiguration, inputs.waitUntil)
  const goal = new GoalWatch(io, deployments, guard, reporter, timeoutMinutes, step.startedAt)
  if (!inputs.continueDeployment) return goal.follow(arn, inputs.waitUntil)

  // Until its first gate is continued, the deployment is not this step's: waited for, never stopped.
  // With wait-until: ready each run of the step releases one gate and returns at the next (a gate
  // per linear or canary step); otherwise it releases every gate as it comes.
  const stopAt = inputs.waitUntil === 'traffic-shifted' ? 'next-gate-or-traffic-shifted' : 'next-gate'
  let continued: string | undefined
  for (;;) {
    const at = await goal.watch(arn, stopAt)
    const gate = at.outcome === 'goal' ? waitingGate(at.snapshot) : undefined
    if (!gate) return goal.conclude(at, inputs.waitUntil)
    if (gate.id === continued) {
      // ECS has not shown the continue yet.
      await io.sleep(inputs.pollIntervalSeconds * 1000)
      continue
    }
    if (continued !== undefined && inputs.waitUntil === 'ready') return goal.conclude(at, 'ready')
    await continueServiceDeployment(ecs, arn, gate.id)
    continued = gate.id
    guard.changed(`continued the PAUSE hook ${gate.id} of deployment ${arn} (continue-deployment)`)
    guard.own(arn)
    io.info(`Continued the PAUSE hook at ${gate.stage ?? 'its stage'} (ContinueServiceDeployment CONTINUE).`)
  }
}

/**
 * stop-deployment: StopServiceDeployment with ROLLBACK, then the rollback watched to its end (ECS
 * rolls back inside the same deployment). One that already succeeded cannot be rolled back this way,
 * only by deploying the previous revision.
 */
async function stop(
  { io, guard, reporter }: Step,
  deployments: DeploymentWatch,
  d: ServiceDeployment,
  previous: string | undefined
): Promise<void> {
  const arn = d.serviceDeploymentArn ?? ''
  if (d.status === 'SUCCESSFUL') {
    throw nothingToStop(`Deployment ${arn} had already succeeded; there is nothing to stop.`, previous)
  }
  if (ENDED.includes(d.status ?? '')) {
    io.info(`Deployment ${arn} had already ended ${d.status}; reporting its rollback.`)
  } else {
    await stopServiceDeployment(io.aws().ecs, arn)
    guard.changed(`asked ECS to stop deployment ${arn} with rollback (stop-deployment)`)
    io.info(`Stopped deployment ${arn} with rollback (StopServiceDeployment ROLLBACK).`)
  }
  const { snapshot } = await deployments.afterStop(arn)
  if (snapshot.phase === 'succeeded') {
    throw nothingToStop(`Deployment ${arn} succeeded before it could be stopped.`, previous)
  }
  const rolledBack = snapshot.status === 'ROLLBACK_SUCCESSFUL' || snapshot.status === 'STOPPED'
  if (rolledBack)
    io.info(`Deployment ${arn} is ${snapshot.status}: the service runs the previous revision again.`)
  await reporter.end({
    outcome: rolledBack ? 'stopped' : 'failed',
    snapshot,
    failure: rolledBack
      ? undefined
      : describeFailure(snapshot, undefined, { previousTaskDefinition: previous })
  })
}
