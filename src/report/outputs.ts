// The step's outputs (action.yml's `outputs`) and its exit status: every output is named here and
// written only through here.
import { isServiceDeploymentArn } from '../backends/ecs/deployment.js'
import type { Io } from '../runtime/io.js'

export const OUTPUT_NAMES = [
  'task-definition-arn',
  'deployment-id',
  'codedeploy-deployment-id',
  'deployment-status',
  'deployment-url',
  'appspec',
  'previous-task-definition-arn',
  'rollback-deployment-id',
  'github-deployment-id',
  'run-task-arn'
] as const
export type OutputName = (typeof OUTPUT_NAMES)[number]

export class Outputs {
  constructor(private readonly io: Pick<Io, 'setOutput' | 'setExitCode'>) {}

  private set(name: OutputName, value: string): void {
    this.io.setOutput(name, value)
  }

  taskDefinition(arn: string): void {
    this.set('task-definition-arn', arn)
  }

  previousTaskDefinition(arn: string): void {
    this.set('previous-task-definition-arn', arn)
  }

  /**
   * Set as soon as the deployment exists, so a later failure or cancellation still has them.
   * `codedeploy-deployment-id` stays empty for a service deployment of ECS's own deployments.
   */
  deployment(id: string, url: string): void {
    this.set('deployment-id', id)
    if (!isServiceDeploymentArn(id)) this.set('codedeploy-deployment-id', id)
    this.set('deployment-url', url)
  }

  status(status: string): void {
    this.set('deployment-status', status)
  }

  appSpec(content: string): void {
    this.set('appspec', content)
  }

  rollbackDeployment(id: string): void {
    this.set('rollback-deployment-id', id)
  }

  githubDeployment(id: number): void {
    this.set('github-deployment-id', String(id))
  }

  runTask(arn: string): void {
    this.set('run-task-arn', arn)
  }

  /** The step ends non-zero: its goal was not reached. */
  failed(): void {
    this.io.setExitCode(1)
  }
}
