// The AppSpec this action sends: the revision, the container and port, the service's network and
// capacity settings (or the file's), and the file's hooks.
import { createHash } from 'node:crypto'
import { InputError } from '../../runtime/errors.js'
import type { CapacityProviderStrategyItem, NetworkConfiguration } from '../../plan/service.js'
import type { AppSpecHook } from './appspec-file.js'
import { type HookEvent, hookOrder } from './lifecycle-events.js'

/** The AppSpec as sent: PascalCase keys, as the docs show them. */
export interface EcsAppSpec {
  version: '0.0'
  Resources: [
    {
      TargetService: {
        Type: 'AWS::ECS::Service'
        Properties: {
          TaskDefinition: string
          LoadBalancerInfo: { ContainerName: string; ContainerPort: number }
          PlatformVersion?: string
          NetworkConfiguration?: {
            AwsvpcConfiguration: { Subnets: string[]; SecurityGroups?: string[]; AssignPublicIp?: string }
          }
          CapacityProviderStrategy?: { Base?: number; CapacityProvider: string; Weight?: number }[]
        }
      }
    }
  ]
  Hooks?: Partial<Record<HookEvent, string>>[]
}

export interface BuildAppSpecParams {
  taskDefinitionArn: string
  containerName: string
  containerPort: number
  platformVersion?: string
  networkConfiguration?: NetworkConfiguration
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  hooks?: AppSpecHook[]
}

export interface BuiltAppSpec {
  /** Compact JSON, exactly what goes into `appSpecContent.content`. */
  content: string
  /** Lowercase hex SHA-256 of `content`'s UTF-8 bytes, as the AWS CLI and the official action compute it. */
  sha256: string
  appSpec: EcsAppSpec
}

/**
 * Builds the AppSpec this action sends. The version is the string "0.0": JSON.stringify would write the
 * number 0.0 as `0`, and the string keeps the documented value readable in the `appspec` output;
 * ecspresso and cdklabs/cdk-ecs-codedeploy send it so to CodeDeploy.
 */
export function buildAppSpec(p: BuildAppSpecParams): BuiltAppSpec {
  if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
    throw new InputError(
      `Container port ${p.containerPort} is not a port number.`,
      'Set container-port to the port the load balancer sends traffic to (1-65535).'
    )
  }
  if (p.containerName.trim() === '') {
    throw new InputError(
      'The container name is blank.',
      'Set container-name to the container that receives traffic.'
    )
  }
  const hooks = p.hooks ?? []
  const net = p.networkConfiguration?.awsvpcConfiguration
  const appSpec: EcsAppSpec = {
    version: '0.0',
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: p.taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: p.containerName, ContainerPort: p.containerPort },
            ...(p.platformVersion ? { PlatformVersion: p.platformVersion } : {}),
            ...(net
              ? {
                  NetworkConfiguration: {
                    AwsvpcConfiguration: {
                      Subnets: net.subnets,
                      ...(net.securityGroups ? { SecurityGroups: net.securityGroups } : {}),
                      ...(net.assignPublicIp ? { AssignPublicIp: net.assignPublicIp } : {})
                    }
                  }
                }
              : {}),
            ...(p.capacityProviderStrategy?.length
              ? {
                  CapacityProviderStrategy: p.capacityProviderStrategy.map(c => ({
                    ...(c.base !== undefined ? { Base: c.base } : {}),
                    CapacityProvider: c.capacityProvider,
                    ...(c.weight !== undefined ? { Weight: c.weight } : {})
                  }))
                }
              : {})
          }
        }
      }
    ],
    ...(hooks.length
      ? {
          Hooks: [...hooks]
            .sort((a, b) => hookOrder(a.event) - hookOrder(b.event))
            .map(h => ({ [h.event]: h.functionName }))
        }
      : {})
  }
  const content = JSON.stringify(appSpec)
  const sha256 = createHash('sha256').update(content, 'utf8').digest('hex')
  return { content, sha256, appSpec }
}
