// What the unit tests' AWS fakes answer with: one CODE_DEPLOY service `web` in cluster `prod`, the
// deployment group the console made for it, the revision it runs, and the errors AWS raises.
import type { DeploymentGroupInfo, DeploymentInfo, ECSTarget } from '@aws-sdk/client-codedeploy'
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs'

export const ACCOUNT = '123456789012'
export const TD_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition`
/** The revision `web` runs. */
export const RUNNING_ARN = `${TD_ARN}/web:7`
export const NEXT_ARN = `${TD_ARN}/web:8`

export const SERVICE: Service = {
  serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/web`,
  serviceName: 'web',
  clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
  taskDefinition: RUNNING_ARN,
  deploymentController: { type: 'CODE_DEPLOY' },
  loadBalancers: [{ containerName: 'web', containerPort: 8080, targetGroupArn: 'arn:tg-blue' }],
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
  status: 'ACTIVE'
}

export const GROUP: DeploymentGroupInfo = {
  applicationName: 'AppECS-prod-web',
  deploymentGroupName: 'DgpECS-prod-web',
  computePlatform: 'ECS',
  deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
  ecsServices: [{ serviceName: 'web', clusterName: 'prod' }],
  autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }
}

/** The deployment group GROUP, as CodeDeploy calls take it. */
export const TARGET = { applicationName: 'AppECS-prod-web', deploymentGroupName: 'DgpECS-prod-web' }

/** A deployment of GROUP that is still running. */
export function running(over: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return {
    deploymentId: 'd-RUNNING01',
    status: 'InProgress',
    creator: 'user',
    createTime: new Date('2026-11-27T13:55:00.123Z'),
    ...TARGET,
    ...over
  }
}

/**
 * The target of a deployment whose traffic has all moved: every lifecycle event done. CodeDeploy marks
 * the target Succeeded as the termination wait starts; InProgress just before.
 */
export function shiftedTarget(status: 'InProgress' | 'Succeeded'): ECSTarget {
  const names = ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic']
  return {
    targetId: 'prod:web',
    status,
    lifecycleEvents: [...names, 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'].map(name => ({
      lifecycleEventName: name,
      status: 'Succeeded'
    }))
  }
}

export const RUNNING_TD: TaskDefinition = {
  taskDefinitionArn: RUNNING_ARN,
  family: 'web',
  revision: 7,
  status: 'ACTIVE',
  containerDefinitions: [{ name: 'web', image: 'repo/web:1', portMappings: [{ containerPort: 8080 }] }]
}

/** An SDK exception class instance, as the SDK raises it for an AWS error response. */
export function awsError<T>(
  Ctor: new (o: { message: string; $metadata: object }) => T,
  message = 'denied'
): T {
  return new Ctor({ message, $metadata: {} })
}

export function accessDenied(message = 'User: arn:aws:sts::1:assumed-role/gha is not authorized'): Error {
  return Object.assign(new Error(message), { name: 'AccessDeniedException' })
}

/** The ActionError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export { rejection } from './thrown.js'
