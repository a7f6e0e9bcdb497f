import { DeploymentConfigDoesNotExistException, GetDeploymentConfigCommand } from '@aws-sdk/client-codedeploy'
import { mockCodeDeploy } from './mock-clients.js'
import { describeTrafficRouting, getTrafficRouting } from '../../src/backends/codedeploy/traffic-routing.js'
import { accessDenied, awsError, rejection } from './aws-fixtures.js'

const { cdMock, cd } = mockCodeDeploy()

describe('getTrafficRouting', () => {
  it.each([
    ['CodeDeployDefault.ECSAllAtOnce', { type: 'AllAtOnce' }],
    [
      'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      { type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 1 }
    ],
    [
      'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
      { type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 3 }
    ],
    [
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
      { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 }
    ],
    [
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
      { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 15 }
    ]
  ])('knows %s without a call', async (name, routing) => {
    await expect(getTrafficRouting(cd, name)).resolves.toEqual(routing)
    expect(cdMock).toHaveReceivedCommandTimes(GetDeploymentConfigCommand, 0)
  })

  it.each([
    [
      { type: 'TimeBasedCanary' as const, timeBasedCanary: { canaryPercentage: 20, canaryInterval: 10 } },
      { type: 'TimeBasedCanary', percentage: 20, intervalMinutes: 10 }
    ],
    [
      { type: 'TimeBasedLinear' as const, timeBasedLinear: { linearPercentage: 25, linearInterval: 2 } },
      { type: 'TimeBasedLinear', percentage: 25, intervalMinutes: 2 }
    ],
    [{ type: 'TimeBasedLinear' as const }, { type: 'TimeBasedLinear', percentage: 0, intervalMinutes: 0 }],
    [{ type: 'TimeBasedCanary' as const }, { type: 'TimeBasedCanary', percentage: 0, intervalMinutes: 0 }],
    [{ type: 'AllAtOnce' as const }, { type: 'AllAtOnce' }],
    [undefined, { type: 'AllAtOnce' }]
  ])('reads a custom configuration %j', async (trafficRoutingConfig, routing) => {
    cdMock.on(GetDeploymentConfigCommand, { deploymentConfigName: 'Custom' }).resolves({
      deploymentConfigInfo: { deploymentConfigName: 'Custom', computePlatform: 'ECS', trafficRoutingConfig }
    })
    await expect(getTrafficRouting(cd, 'Custom')).resolves.toEqual(routing)
  })

  it('rejects a configuration for another compute platform', async () => {
    cdMock.on(GetDeploymentConfigCommand).resolves({
      deploymentConfigInfo: {
        deploymentConfigName: 'CodeDeployDefault.OneAtATime',
        computePlatform: 'Server'
      }
    })
    const e = await rejection(getTrafficRouting(cd, 'CodeDeployDefault.OneAtATime'))
    expect(e.message).toBe(
      'Deployment configuration CodeDeployDefault.OneAtATime is for the Server compute platform, not ECS.'
    )
    expect(e.hint).toContain('CodeDeployDefault.ECSAllAtOnce')
  })

  it.each([
    [
      awsError(DeploymentConfigDoesNotExistException),
      'CodeDeploy deployment configuration Nope does not exist.',
      /codedeploy-deployment-config/
    ],
    [
      accessDenied('denied'),
      'Not allowed to read deployment configuration Nope: denied',
      /codedeploy:GetDeploymentConfig/
    ]
  ])('explains %s', async (error, message, hint) => {
    cdMock.on(GetDeploymentConfigCommand).rejects(error)
    const e = await rejection(getTrafficRouting(cd, 'Nope'))
    expect(e.message).toBe(message)
    expect(e.hint).toMatch(hint)
  })

  it('lets an unexpected error through as raised', async () => {
    const boom = new Error('socket hang up')
    cdMock.on(GetDeploymentConfigCommand).rejects(boom)
    await expect(getTrafficRouting(cd, 'Nope')).rejects.toBe(boom)
  })
})

describe('describeTrafficRouting', () => {
  it('says how traffic moves', () => {
    expect(describeTrafficRouting({ type: 'AllAtOnce' })).toBe('all at once')
    expect(describeTrafficRouting({ type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 })).toBe(
      'canary: 10% then the rest after 5 min'
    )
    expect(describeTrafficRouting({ type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 1 })).toBe(
      'linear: 10% every 1 min'
    )
  })
})
