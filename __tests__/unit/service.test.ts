import {
  AccessDeniedException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  type Service
} from '@aws-sdk/client-ecs'
import { mockEcs } from './mock-clients.js'
import { InputError } from '../../src/runtime/errors.js'
import { describeService, serviceTarget } from '../../src/plan/service.js'
import { awsError, rejection } from './aws-fixtures.js'

const { ecsMock, ecs } = mockEcs()

const SERVICE: Service = {
  serviceArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/web',
  serviceName: 'web',
  clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
  status: 'ACTIVE',
  taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:41',
  deploymentController: { type: 'CODE_DEPLOY' },
  loadBalancers: [
    {
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web-blue/1',
      containerName: 'app',
      containerPort: 8080
    }
  ],
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: ['subnet-1', 'subnet-2'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED'
    }
  },
  platformVersion: 'LATEST',
  launchType: 'FARGATE'
}

describe('serviceTarget', () => {
  it('takes the cluster from a service ARN when the cluster input is the default', () => {
    expect(serviceTarget('default', SERVICE.serviceArn!)).toEqual({
      cluster: 'prod',
      service: SERVICE.serviceArn
    })
    expect(serviceTarget('', 'web')).toEqual({ cluster: 'default', service: 'web' })
    expect(serviceTarget(SERVICE.clusterArn!, SERVICE.serviceArn!)).toEqual({
      cluster: SERVICE.clusterArn,
      service: SERVICE.serviceArn
    })
    // The old ARN form carries no cluster.
    expect(serviceTarget('prod', 'arn:aws:ecs:us-east-1:111122223333:service/web')).toEqual({
      cluster: 'prod',
      service: 'arn:aws:ecs:us-east-1:111122223333:service/web'
    })
  })

  it('rejects a cluster that contradicts the service ARN, and ARNs of the wrong kind', () => {
    expect(() => serviceTarget('staging', SERVICE.serviceArn!)).toThrow(
      new InputError(`The service ARN ${SERVICE.serviceArn!} is in cluster prod, but cluster is staging.`)
    )
    expect(() => serviceTarget(SERVICE.serviceArn!, 'web')).toThrow(/cluster is a service ARN/)
    expect(() => serviceTarget('prod', SERVICE.clusterArn!)).toThrow(/service is a cluster ARN/)
  })
})

describe('describeService', () => {
  it('reads a CODE_DEPLOY service into the AppSpec shapes', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [SERVICE], failures: [] })
    await expect(describeService(ecs, 'prod', 'web')).resolves.toEqual({
      serviceArn: SERVICE.serviceArn,
      serviceName: 'web',
      clusterName: 'prod',
      clusterArn: SERVICE.clusterArn,
      region: 'us-east-1',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:41',
      deploymentController: 'CODE_DEPLOY',
      loadBalancer: {
        containerName: 'app',
        containerPort: 8080,
        targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web-blue/1'
      },
      // As the service has them: the AppSpec's network and platform are the service's own.
      networkConfiguration: SERVICE.networkConfiguration,
      platformVersion: 'LATEST',
      launchType: 'FARGATE',
      status: 'ACTIVE'
    })
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'prod', services: ['web'] })
  })

  it.each([
    ['the ECS deployment controller', { deploymentController: { type: 'ECS' as const } }],
    ['no deployment controller (ECS means ECS)', { deploymentController: undefined }]
  ])('reads a service on %s with its deployment configuration, load balancer or not', async (_, over) => {
    const deploymentConfiguration = {
      strategy: 'CANARY' as const,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 15
    }
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [{ ...SERVICE, ...over, loadBalancers: [], deploymentConfiguration }] })
    const info = await describeService(ecs, 'prod', 'web')
    expect(info.deploymentController).toBe('ECS')
    expect(info.deploymentConfiguration).toEqual(deploymentConfiguration)
    expect(info.loadBalancer).toBeUndefined()
  })

  it('asks for the cluster named in a service ARN, and maps a capacity provider strategy', async () => {
    const ec2: Service = { ...SERVICE, launchType: undefined, networkConfiguration: undefined }
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          ...ec2,
          capacityProviderStrategy: [
            { capacityProvider: 'cp-a', base: 1, weight: 1 },
            { capacityProvider: 'cp-b', weight: 3 }
          ]
        }
      ]
    })
    const info = await describeService(ecs, 'default', SERVICE.serviceArn!)
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: 'prod',
      services: [SERVICE.serviceArn!]
    })
    expect(info.capacityProviderStrategy).toEqual([
      { capacityProvider: 'cp-a', base: 1, weight: 1 },
      { capacityProvider: 'cp-b', weight: 3 }
    ])
    expect(info.networkConfiguration).toBeUndefined()
    expect(info.launchType).toBeUndefined()
  })

  it('says which service and cluster were tried when the service is missing', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: 'arn:aws:ecs:us-east-1:111122223333:service/default/web', reason: 'MISSING' }]
    })
    const e = await rejection(describeService(ecs, '', 'web'))
    expect(e.message).toBe('ECS service web in cluster default does not exist (region us-east-1).')
    expect(e.hint).toBe('Check the service and cluster inputs; cluster defaults to default when not given.')
  })

  it('passes on another failure reason with its detail', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ failures: [{ reason: 'INTERNAL', detail: 'try later' }] })
    expect((await rejection(describeService(ecs, 'prod', 'web'))).message).toBe(
      'ECS could not describe service web in cluster prod (region us-east-1): INTERNAL (try later).'
    )
  })

  it('names the cluster and region when the cluster does not exist', async () => {
    ecsMock.on(DescribeServicesCommand).rejects(awsError(ClusterNotFoundException, 'Cluster not found.'))
    const e = await rejection(describeService(ecs, 'prod', 'web'))
    expect(e.message).toBe('Cluster prod was not found in us-east-1.')
    expect(e.hint).toMatch(/cluster input \(it defaults to default\) and the region/)
  })

  it('says which permission is missing, and lets other errors through as the SDK raised them', async () => {
    ecsMock.on(DescribeServicesCommand).rejectsOnce(awsError(AccessDeniedException, 'not authorized'))
    const denied = await rejection(describeService(ecs, 'prod', 'web'))
    expect(denied.message).toBe('Not allowed to describe service web in cluster prod: not authorized')
    expect(denied.hint).toMatch(/ecs:DescribeServices/)
    // The caller recognises credential errors by their name.
    const expired = Object.assign(new Error('token expired'), { name: 'ExpiredTokenException' })
    ecsMock.on(DescribeServicesCommand).rejects(expired)
    await expect(describeService(ecs, 'prod', 'web')).rejects.toBe(expired)
  })

  it.each([
    [{ status: 'DRAINING' }, 'ECS service web in cluster prod is DRAINING, not ACTIVE.', /recreate it/],
    [
      { deploymentController: { type: 'EXTERNAL' as const } },
      'ECS service web in cluster prod uses the EXTERNAL deployment controller: its deployments are made by another tool, through task sets, and neither CodeDeploy nor ECS deploys it.',
      /ECS deployment controller.*https:\/\/docs\.aws\.amazon\.com\/AmazonECS\/latest\/developerguide\/migrate-codedeploy-to-ecs-bluegreen\.html/
    ],
    [
      { loadBalancers: [] },
      'ECS service web in cluster prod has no load balancer with a container name and port.',
      /two target groups/
    ],
    [
      { taskDefinition: undefined },
      'ECS service web in cluster prod reports no task definition.',
      /ECS console/
    ]
  ])('rejects a service with %j', async (override, message, hint) => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ ...SERVICE, ...override }] })
    const e = await rejection(describeService(ecs, 'prod', 'web'))
    expect(e.message).toBe(message)
    expect(e.hint).toMatch(hint)
  })
})
