import {
  ApplicationDoesNotExistException,
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  DeploymentGroupDoesNotExistException,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  type DeploymentGroupInfo as SdkGroup
} from '@aws-sdk/client-codedeploy'
import { mockCodeDeploy } from './mock-clients.js'
import {
  consoleDeploymentGroupNames,
  findDeploymentGroup
} from '../../src/backends/codedeploy/deployment-group.js'
import type { ServiceInfo } from '../../src/plan/service.js'
import { SERVICE, accessDenied, awsError, rejection } from './aws-fixtures.js'

const { cdMock, cd } = mockCodeDeploy()

const SVC: ServiceInfo = {
  serviceArn: SERVICE.serviceArn!,
  serviceName: 'web',
  clusterName: 'prod',
  clusterArn: SERVICE.clusterArn!,
  region: 'us-east-1',
  taskDefinitionArn: SERVICE.taskDefinition!,
  deploymentController: 'CODE_DEPLOY',
  loadBalancer: { containerName: 'app', containerPort: 8080, targetGroupArn: 'tg' },
  status: 'ACTIVE'
}

function group(app: string, name: string, over: Partial<SdkGroup> = {}): SdkGroup {
  return {
    applicationName: app,
    deploymentGroupName: name,
    computePlatform: 'ECS',
    deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
    ecsServices: [{ clusterName: 'prod', serviceName: 'web' }],
    ...over
  }
}

describe('consoleDeploymentGroupNames', () => {
  it("cuts cluster and service to 46 characters each, so the names fit CodeDeploy's 100", () => {
    expect(consoleDeploymentGroupNames('prod', 'web')).toEqual({
      application: 'AppECS-prod-web',
      deploymentGroup: 'DgpECS-prod-web'
    })
    const long = consoleDeploymentGroupNames('c'.repeat(60), 's'.repeat(60))
    expect(long.application).toBe(`AppECS-${'c'.repeat(46)}-${'s'.repeat(46)}`)
    expect(long.deploymentGroup).toHaveLength(100)
  })
})

describe('findDeploymentGroup', () => {
  it('reads the group the inputs name and maps its settings, absent numbers as 0', async () => {
    cdMock.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: group('app', 'dg', {
        serviceRoleArn: 'arn:aws:iam::111122223333:role/cd',
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' }
        },
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            { prodTrafficRoute: { listenerArns: ['prod'] }, testTrafficRoute: { listenerArns: ['test'] } }
          ]
        },
        autoRollbackConfiguration: {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']
        },
        alarmConfiguration: { enabled: true, alarms: [{ name: '5xx' }, {}] }
      })
    })
    await expect(
      findDeploymentGroup(cd, SVC, { application: ' app ', deploymentGroup: 'dg' })
    ).resolves.toEqual({
      applicationName: 'app',
      deploymentGroupName: 'dg',
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      readyWait: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
      terminationWaitMinutes: 0,
      hasTestListener: true,
      autoRollback: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      alarms: ['5xx'],
      serviceRoleArn: 'arn:aws:iam::111122223333:role/cd'
    })
    expect(cdMock).toHaveReceivedCommandWith(GetDeploymentGroupCommand, {
      applicationName: 'app',
      deploymentGroupName: 'dg'
    })
    expect(cdMock).toHaveReceivedCommandTimes(ListApplicationsCommand, 0)
  })

  it('maps a group that reroutes at once, has no test listener and disabled alarms', async () => {
    cdMock.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: group('app', 'dg', {
        deploymentConfigName: undefined,
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
        },
        loadBalancerInfo: { targetGroupPairInfoList: [{ prodTrafficRoute: { listenerArns: ['prod'] } }] },
        alarmConfiguration: { enabled: false, alarms: [{ name: 'ignored' }] }
      })
    })
    const info = await findDeploymentGroup(cd, SVC, { application: 'app', deploymentGroup: 'dg' })
    expect(info).toEqual({
      applicationName: 'app',
      deploymentGroupName: 'dg',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      terminationWaitMinutes: 5,
      hasTestListener: false,
      autoRollback: { enabled: false, events: [] },
      alarms: []
    })
  })

  it('matches a group that stores the service and cluster as ARNs', async () => {
    cdMock.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: group('app', 'dg', {
        ecsServices: [{ clusterName: SVC.clusterArn, serviceName: SVC.serviceArn }]
      })
    })
    await expect(
      findDeploymentGroup(cd, SVC, { application: 'app', deploymentGroup: 'dg' })
    ).resolves.toMatchObject({
      deploymentGroupName: 'dg'
    })
  })

  it.each([
    [
      'deploys another service',
      { ecsServices: [{ clusterName: 'staging', serviceName: 'web' }] },
      'Deployment group app/dg deploys staging/web, not prod/web.'
    ],
    [
      'deploys no service',
      { ecsServices: [] },
      'Deployment group app/dg deploys no ECS service, not prod/web.'
    ],
    [
      'is not for ECS',
      { computePlatform: 'Server' as const },
      'Deployment group app/dg is for the Server compute platform, not ECS.'
    ]
  ])('rejects a named group that %s', async (_what, over, message) => {
    cdMock.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: group('app', 'dg', over) })
    const e = await rejection(findDeploymentGroup(cd, SVC, { application: 'app', deploymentGroup: 'dg' }))
    expect(e.message).toBe(message)
    expect(e.hint).toMatch(/^Set codedeploy-application and codedeploy-deployment-group/)
  })

  it.each([
    [
      awsError(ApplicationDoesNotExistException),
      'CodeDeploy application app does not exist.',
      /codedeploy-application/
    ],
    [
      awsError(DeploymentGroupDoesNotExistException),
      'CodeDeploy application app has no deployment group dg.',
      /codedeploy-deployment-group/
    ],
    [accessDenied('no'), 'Not allowed to read deployment group app/dg: no', /codedeploy:GetDeploymentGroup/]
  ])('explains %s on the named group', async (error, message, hint) => {
    cdMock.on(GetDeploymentGroupCommand).rejects(error)
    const e = await rejection(findDeploymentGroup(cd, SVC, { application: 'app', deploymentGroup: 'dg' }))
    expect(e.message).toBe(message)
    expect(e.hint).toMatch(hint)
  })

  it('lets an unexpected error on the named group through as raised', async () => {
    const expired = Object.assign(new Error('expired'), { name: 'ExpiredToken' })
    cdMock.on(GetDeploymentGroupCommand).rejects(expired)
    await expect(findDeploymentGroup(cd, SVC, { application: 'a', deploymentGroup: 'g' })).rejects.toBe(
      expired
    )
  })

  it('rejects an empty GetDeploymentGroup answer', async () => {
    cdMock.on(GetDeploymentGroupCommand).resolves({})
    expect(
      (await rejection(findDeploymentGroup(cd, SVC, { application: 'a', deploymentGroup: 'g' }))).message
    ).toBe('CodeDeploy returned no deployment group for a/g.')
  })

  it("takes the console's names first, without searching", async () => {
    cdMock
      .on(GetDeploymentGroupCommand, {
        applicationName: 'AppECS-prod-web',
        deploymentGroupName: 'DgpECS-prod-web'
      })
      .resolves({ deploymentGroupInfo: group('AppECS-prod-web', 'DgpECS-prod-web') })
    const info = await findDeploymentGroup(cd, SVC, { application: '', deploymentGroup: ' ' })
    expect(info.applicationName).toBe('AppECS-prod-web')
    expect(info.deploymentGroupName).toBe('DgpECS-prod-web')
    expect(cdMock).toHaveReceivedCommandTimes(ListApplicationsCommand, 0)
  })

  it('searches every ECS application, page by page, in batches of 25 groups', async () => {
    cdMock.on(GetDeploymentGroupCommand).rejects(awsError(ApplicationDoesNotExistException))
    cdMock
      .on(ListApplicationsCommand)
      .resolvesOnce({ applications: ['lambda-app', 'other'], nextToken: 't1' })
      .resolvesOnce({ applications: ['web-app'] })
    cdMock.on(BatchGetApplicationsCommand).resolves({
      applicationsInfo: [
        { applicationName: 'lambda-app', computePlatform: 'Lambda' },
        { applicationName: 'other', computePlatform: 'ECS' },
        { applicationName: 'web-app', computePlatform: 'ECS' }
      ]
    })
    cdMock.on(ListDeploymentGroupsCommand, { applicationName: 'other' }).resolves({ deploymentGroups: ['x'] })
    const names = Array.from({ length: 30 }, (_, i) => `dg-${i}`)
    cdMock
      .on(ListDeploymentGroupsCommand, { applicationName: 'web-app' })
      .resolvesOnce({ deploymentGroups: names.slice(0, 20), nextToken: 'p2' })
      .resolvesOnce({ deploymentGroups: names.slice(20) })
    cdMock.on(BatchGetDeploymentGroupsCommand, { applicationName: 'other' }).resolves({
      deploymentGroupsInfo: [
        group('other', 'x', { ecsServices: [{ clusterName: 'prod', serviceName: 'api' }] })
      ]
    })
    cdMock
      .on(BatchGetDeploymentGroupsCommand, { applicationName: 'web-app' })
      .resolvesOnce({ deploymentGroupsInfo: [group('web-app', 'dg-0', { ecsServices: [] })] })
      .resolvesOnce({
        deploymentGroupsInfo: [
          group('web-app', 'dg-26', { computePlatform: 'Server' }),
          group('web-app', 'dg-27')
        ]
      })

    const info = await findDeploymentGroup(cd, SVC, {})
    expect(info).toMatchObject({ applicationName: 'web-app', deploymentGroupName: 'dg-27' })
    expect(cdMock).toHaveReceivedNthSpecificCommandWith(2, ListApplicationsCommand, { nextToken: 't1' })
    expect(cdMock).toHaveReceivedCommandWith(BatchGetApplicationsCommand, {
      applicationNames: ['lambda-app', 'other', 'web-app']
    })
    expect(cdMock).toHaveReceivedCommandWith(ListDeploymentGroupsCommand, {
      applicationName: 'web-app',
      nextToken: 'p2'
    })
    expect(cdMock).toHaveReceivedCommandWith(BatchGetDeploymentGroupsCommand, {
      applicationName: 'web-app',
      deploymentGroupNames: names.slice(0, 25)
    })
    expect(cdMock).toHaveReceivedCommandWith(BatchGetDeploymentGroupsCommand, {
      applicationName: 'web-app',
      deploymentGroupNames: names.slice(25)
    })
    expect(cdMock).toHaveReceivedCommandTimes(ListDeploymentGroupsCommand, 3)
  })

  it('asks BatchGetApplications for at most 100 names at a time', async () => {
    cdMock.on(GetDeploymentGroupCommand).rejects(awsError(DeploymentGroupDoesNotExistException))
    const apps = Array.from({ length: 150 }, (_, i) => `app-${i}`)
    cdMock.on(ListApplicationsCommand).resolves({ applications: apps })
    cdMock.on(BatchGetApplicationsCommand).resolves({ applicationsInfo: [] })
    const e = await rejection(findDeploymentGroup(cd, SVC, {}))
    expect(cdMock).toHaveReceivedNthSpecificCommandWith(1, BatchGetApplicationsCommand, {
      applicationNames: apps.slice(0, 100)
    })
    expect(cdMock).toHaveReceivedNthSpecificCommandWith(2, BatchGetApplicationsCommand, {
      applicationNames: apps.slice(100)
    })
    expect(e.message).toBe(
      "No CodeDeploy deployment group deploys ECS service web in cluster prod (us-east-1). Tried the console's names " +
        'AppECS-prod-web/DgpECS-prod-web (no such deployment group), then 0 deployment groups in 0 ECS applications.'
    )
    expect(e.hint).toMatch(/^Set codedeploy-application and codedeploy-deployment-group .* create one/)
  })

  it('says what it tried when nothing deploys the service, console group deploying another included', async () => {
    cdMock.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: group('AppECS-prod-web', 'DgpECS-prod-web', {
        ecsServices: [{ clusterName: 'prod', serviceName: 'web-old' }]
      })
    })
    cdMock.on(ListApplicationsCommand).resolves({ applications: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'] })
    cdMock.on(BatchGetApplicationsCommand).resolves({
      applicationsInfo: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map(n => ({
        applicationName: n,
        computePlatform: 'ECS' as const
      }))
    })
    cdMock.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['g'] })
    cdMock.on(BatchGetDeploymentGroupsCommand).resolves({ deploymentGroupsInfo: [] })
    const e = await rejection(findDeploymentGroup(cd, SVC, {}))
    expect(e.message).toBe(
      "No CodeDeploy deployment group deploys ECS service web in cluster prod (us-east-1). Tried the console's names " +
        'AppECS-prod-web/DgpECS-prod-web (it deploys prod/web-old), then 6 deployment groups in 6 ECS applications (a1, a2, a3, a4, a5, …).'
    )
  })

  it('searches only the given application when the group is not given', async () => {
    cdMock.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['blue', 'green'] })
    cdMock.on(BatchGetDeploymentGroupsCommand).resolves({ deploymentGroupsInfo: [group('mine', 'green')] })
    const info = await findDeploymentGroup(cd, SVC, { application: 'mine' })
    expect(info.deploymentGroupName).toBe('green')
    expect(cdMock).toHaveReceivedCommandTimes(GetDeploymentGroupCommand, 0)
    expect(cdMock).toHaveReceivedCommandTimes(ListApplicationsCommand, 0)
    expect(cdMock).toHaveReceivedCommandWith(BatchGetDeploymentGroupsCommand, {
      applicationName: 'mine',
      deploymentGroupNames: ['blue', 'green']
    })
  })

  it('names the given application when it does not exist, or when none of its groups fits', async () => {
    cdMock.on(ListDeploymentGroupsCommand).rejectsOnce(awsError(ApplicationDoesNotExistException))
    const missing = await rejection(findDeploymentGroup(cd, SVC, { application: 'mine' }))
    expect(missing.message).toBe('CodeDeploy application mine does not exist.')
    cdMock.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['only'] })
    cdMock.on(BatchGetDeploymentGroupsCommand).resolves({ deploymentGroupsInfo: [] })
    expect((await rejection(findDeploymentGroup(cd, SVC, { application: 'mine' }))).message).toBe(
      'No CodeDeploy deployment group deploys ECS service web in cluster prod (us-east-1). Tried 1 deployment group in application mine.'
    )
  })

  it('looks for a group given by name alone in every ECS application', async () => {
    cdMock.on(ListApplicationsCommand).resolves({ applications: ['a', 'b'] })
    cdMock.on(BatchGetApplicationsCommand).resolves({
      applicationsInfo: [
        { applicationName: 'a', computePlatform: 'ECS' },
        { applicationName: 'b', computePlatform: 'ECS' }
      ]
    })
    cdMock.on(ListDeploymentGroupsCommand, { applicationName: 'a' }).resolves({ deploymentGroups: ['other'] })
    cdMock
      .on(ListDeploymentGroupsCommand, { applicationName: 'b' })
      .resolves({ deploymentGroups: ['x', 'web-dg'] })
    cdMock.on(BatchGetDeploymentGroupsCommand).resolves({ deploymentGroupsInfo: [group('b', 'web-dg')] })
    const info = await findDeploymentGroup(cd, SVC, { deploymentGroup: 'web-dg' })
    expect(info).toMatchObject({ applicationName: 'b', deploymentGroupName: 'web-dg' })
    expect(cdMock).toHaveReceivedCommandTimes(GetDeploymentGroupCommand, 0)
    expect(cdMock).toHaveReceivedCommandTimes(BatchGetDeploymentGroupsCommand, 1)
    expect(cdMock).toHaveReceivedCommandWith(BatchGetDeploymentGroupsCommand, {
      applicationName: 'b',
      deploymentGroupNames: ['web-dg']
    })
  })

  it.each([
    ['ListApplications', ListApplicationsCommand],
    ['BatchGetApplications', BatchGetApplicationsCommand],
    ['ListDeploymentGroups', ListDeploymentGroupsCommand],
    ['BatchGetDeploymentGroups', BatchGetDeploymentGroupsCommand]
  ] as const)('says which two inputs to set when %s is denied', async (action, command) => {
    // A policy scoped to other applications denies the console names too: the search goes on.
    cdMock.on(GetDeploymentGroupCommand).rejects(accessDenied())
    cdMock.on(ListApplicationsCommand).resolves({ applications: ['a'] })
    cdMock
      .on(BatchGetApplicationsCommand)
      .resolves({ applicationsInfo: [{ applicationName: 'a', computePlatform: 'ECS' }] })
    cdMock.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['g'] })
    cdMock.on(command as typeof ListApplicationsCommand).rejects(accessDenied('nope'))
    const e = await rejection(findDeploymentGroup(cd, SVC, {}))
    expect(e.message).toBe(
      `Could not search CodeDeploy for the deployment group of ECS service web in cluster prod: codedeploy:${action} was denied (nope).`
    )
    expect(e.hint).toMatch(
      /^Set codedeploy-application and codedeploy-deployment-group to the deployment group/
    )
  })

  it('lets other errors of the search through', async () => {
    cdMock.on(GetDeploymentGroupCommand).rejects(awsError(ApplicationDoesNotExistException))
    cdMock.on(ListApplicationsCommand).rejectsOnce(new Error('throttled'))
    await expect(findDeploymentGroup(cd, SVC, {})).rejects.toThrow('throttled')
    cdMock.on(GetDeploymentGroupCommand).rejects(new Error('network down'))
    await expect(findDeploymentGroup(cd, SVC, {})).rejects.toThrow('network down')
  })
})
