// `deployment-id`: the follow-up steps of a gate. Nothing is registered; the deployment is
// continued, stopped or only watched, and the GitHub deployment made for it is updated. The id says
// the backend: a service deployment ARN is ECS's own deployment.
import { followCodeDeployDeployment } from './backends/codedeploy/follow-up.js'
import { isServiceDeploymentArn } from './backends/deployments.js'
import { followServiceDeployment } from './backends/ecs/follow-up.js'
import type { Step } from './main.js'

export function followUp(id: string, step: Step): Promise<void> {
  return isServiceDeploymentArn(id) ? followServiceDeployment(id, step) : followCodeDeployDeployment(id, step)
}
