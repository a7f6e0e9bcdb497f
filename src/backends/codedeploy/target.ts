// The ECS target of a CodeDeploy deployment (`<cluster>:<service>`): its lifecycle events and task sets,
// and the one answer to "is the deployment in its termination wait?".
import {
  type CodeDeployClient,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand
} from '@aws-sdk/client-codedeploy'
import { awsErrorName } from '../../runtime/errors.js'

const DONE = ['Succeeded', 'Skipped']

/**
 * Whether the deployment is in its termination wait: production traffic is on the replacement and the
 * original task set is kept until the wait ends or ContinueDeployment TERMINATION_WAIT ends it.
 * CodeDeploy never sets `instanceTerminationWaitTimeStarted` for ECS deployments, a bug open since 2019
 * (aws/containers-roadmap#269); its engineer: the wait starts "immediately after marking the target
 * status as Succeeded". So the wait is the deployment InProgress with its target Succeeded, every
 * lifecycle event done. The flag, should AWS fix it, means the same. Once the original task set is
 * DRAINING its removal has begun and the wait is over (inferred: ECS documents DRAINING for a task set
 * being stopped; that the target shows it before the deployment turns Succeeded is not documented).
 */
export function inTerminationWait(
  info: Pick<DeploymentInfo, 'status' | 'instanceTerminationWaitTimeStarted'>,
  target: ECSTarget | undefined
): boolean {
  // Inferred (docs/aws-behaviour.md 1): the target turned Succeeded, not the flag, says the wait has begun.
  if (info.status !== 'InProgress') return false
  // Inferred (docs/aws-behaviour.md 2): the original task set DRAINING means its removal, so the wait, is under way.
  if (target?.taskSetsInfo?.some(t => t.taskSetLabel === 'Blue' && t.status === 'DRAINING')) return false
  if (info.instanceTerminationWaitTimeStarted === true) return true
  const events = target?.lifecycleEvents ?? []
  return (
    target?.status === 'Succeeded' &&
    events.some(e => e.lifecycleEventName === 'AfterAllowTraffic') &&
    events.every(e => DONE.includes(e.status ?? ''))
  )
}

/**
 * Reads a deployment's ECS target; undefined until the deployment has one (DeploymentNotStartedException
 * while it is Created). Its id is learnt once from ListDeploymentTargets: an ECS deployment has exactly one.
 */
export class TargetReader {
  private targetId?: string

  constructor(
    private readonly cd: CodeDeployClient,
    private readonly deploymentId: string
  ) {}

  /** `<cluster>:<service>` (names, not ARNs), once the target has been listed. */
  get id(): string | undefined {
    return this.targetId
  }

  async read(): Promise<ECSTarget | undefined> {
    const { cd, deploymentId } = this
    try {
      if (!this.targetId) {
        const listed = await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))
        this.targetId = listed.targetIds?.[0]
        if (!this.targetId) return undefined
      }
      const got = await cd.send(new GetDeploymentTargetCommand({ deploymentId, targetId: this.targetId }))
      return got.deploymentTarget?.ecsTarget
    } catch (e) {
      // Inferred (docs/aws-behaviour.md 14): refused while the deployment is Created, answered once it has started.
      if (awsErrorName(e) === 'DeploymentNotStartedException') return undefined
      throw e
    }
  }
}
