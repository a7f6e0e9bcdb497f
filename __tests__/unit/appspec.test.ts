import { InputError } from '../../src/runtime/errors.js'
import { buildAppSpec } from '../../src/backends/codedeploy/appspec.js'
import { parseAppSpecFile } from '../../src/backends/codedeploy/appspec-file.js'

const TD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:42'

describe('buildAppSpec', () => {
  it('sends compact JSON with version "0.0" and the SHA-256 of exactly those bytes', () => {
    const built = buildAppSpec({ taskDefinitionArn: TD, containerName: 'web', containerPort: 8080 })
    expect(built.content).toBe(
      '{"version":"0.0","Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":' +
        `{"TaskDefinition":"${TD}","LoadBalancerInfo":{"ContainerName":"web","ContainerPort":8080}}}}]}`
    )
    // Computed independently: printf '%s' "<content>" | sha256sum
    expect(built.sha256).toBe('ae48804901f5f1bea7600d90cddf025b68a3ffc01acb028fddddb62688eee104')
    expect(JSON.parse(built.content)).toEqual(built.appSpec)
  })

  it('writes every optional property with PascalCase keys and hooks in lifecycle order', () => {
    const { appSpec, content } = buildAppSpec({
      taskDefinitionArn: TD,
      containerName: 'web',
      containerPort: 80,
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' }
      },
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 2 },
        { capacityProvider: 'FARGATE_SPOT' }
      ],
      hooks: [
        { event: 'AfterAllowTraffic', functionName: 'c' },
        { event: 'BeforeInstall', functionName: 'a' },
        { event: 'AfterAllowTestTraffic', functionName: 'b' }
      ]
    })
    expect(appSpec.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: TD,
      LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 },
      PlatformVersion: 'LATEST',
      NetworkConfiguration: {
        AwsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'], AssignPublicIp: 'ENABLED' }
      },
      CapacityProviderStrategy: [
        { Base: 1, CapacityProvider: 'FARGATE', Weight: 2 },
        { CapacityProvider: 'FARGATE_SPOT' }
      ]
    })
    expect(appSpec.Hooks).toEqual([
      { BeforeInstall: 'a' },
      { AfterAllowTestTraffic: 'b' },
      { AfterAllowTraffic: 'c' }
    ])
    expect(content).toContain(
      '"CapacityProviderStrategy":[{"Base":1,"CapacityProvider":"FARGATE","Weight":2}'
    )
    // What this action sends, this action can read back unchanged.
    const reread = parseAppSpecFile(content, 'sent.json')
    expect(reread.hooks.map(h => h.event)).toEqual([
      'BeforeInstall',
      'AfterAllowTestTraffic',
      'AfterAllowTraffic'
    ])
    expect(reread.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', base: 1, weight: 2 },
      { capacityProvider: 'FARGATE_SPOT' }
    ])
  })

  it('omits Hooks and optional network fields that are not given', () => {
    const { appSpec } = buildAppSpec({
      taskDefinitionArn: TD,
      containerName: 'web',
      containerPort: 80,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      capacityProviderStrategy: [],
      hooks: []
    })
    expect('Hooks' in appSpec).toBe(false)
    expect(appSpec.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: TD,
      LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 },
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'] } }
    })
  })

  it.each([
    [{ containerPort: 0 }, 'Container port 0 is not a port number.'],
    [{ containerPort: 80.5 }, 'Container port 80.5 is not a port number.'],
    [{ containerName: ' ' }, 'The container name is blank.']
  ])('rejects %j', (override, message) => {
    expect(() =>
      buildAppSpec({ taskDefinitionArn: TD, containerName: 'web', containerPort: 80, ...override })
    ).toThrow(new InputError(message))
  })
})
