import {
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  type DeploymentInfo,
  DeploymentAlreadyCompletedException,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  InvalidDeploymentStatusException,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  InvalidRoleException,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand
} from '@aws-sdk/client-codedeploy'
import { mockCodeDeploy } from './mock-clients.js'
import {
  GroupBusyError,
  MAX_DESCRIPTION,
  type NewDeployment,
  continueDeployment,
  createDeployment,
  defaultDescription,
  describeDeployment,
  appSpecFacts,
  revisionAppSpec
} from '../../src/backends/codedeploy/deployment.js'
import { TARGET, accessDenied, running, shiftedTarget } from './aws-fixtures.js'

const { cdMock, cd } = mockCodeDeploy()
const url = (id: string): string => `https://console/${id}`

beforeEach(() => {
  cdMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:web'] })
  cdMock
    .on(GetDeploymentTargetCommand)
    .resolves({ deploymentTarget: { ecsTarget: shiftedTarget('InProgress') } })
})

describe('describeDeployment', () => {
  it('degrades gracefully when CodeDeploy leaves fields out', () => {
    expect(describeDeployment({ info: {} }, url)).toBe('? (?; https://console/?)')
  })

  it.each([
    ['its target Succeeded (real CodeDeploy)', running(), shiftedTarget('Succeeded')],
    ['the flag (should AWS fix it)', running({ instanceTerminationWaitTimeStarted: true }), undefined]
  ])('says when the deployment is in its termination wait: %s', (_, info, target) => {
    expect(describeDeployment({ info, target }, url)).toMatch(
      /^d-RUNNING01 \(InProgress, in its termination wait /
    )
    expect(describeDeployment({ info: running(), target: shiftedTarget('InProgress') }, url)).toMatch(
      /^d-RUNNING01 \(InProgress started/
    )
  })
})

describe('createDeployment', () => {
  const appSpec = { content: '{"version":"0.0"}', sha256: 'a'.repeat(64) }
  const request: NewDeployment = {
    ...TARGET,
    deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    description: 'x'.repeat(600),
    appSpec
  }
  const limit = (): DeploymentLimitExceededException =>
    new DeploymentLimitExceededException({ message: 'The deployment group already has one', $metadata: {} })

  it('sends AppSpecContent with its sha256 and cuts the description to 512 characters', async () => {
    cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-NEW000001' })
    expect(await createDeployment(cd, request)).toEqual({ id: 'd-NEW000001', adopted: false })
    const sent = cdMock.commandCalls(CreateDeploymentCommand)[0]!.args[0].input
    expect(sent).toEqual({
      ...TARGET,
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      description: 'x'.repeat(MAX_DESCRIPTION),
      revision: { revisionType: 'AppSpecContent', appSpecContent: appSpec }
    })
    expect(MAX_DESCRIPTION).toBe(512)
  })

  it('fails when CodeDeploy returns no id', async () => {
    cdMock.on(CreateDeploymentCommand).resolves({})
    await expect(createDeployment(cd, request)).rejects.toThrow('returned no id')
  })

  it('adopts the running deployment when its AppSpec sha256 is ours (a retried call went through)', async () => {
    cdMock.on(CreateDeploymentCommand).rejects(limit())
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OURS00001'] })
    cdMock.on(GetDeploymentCommand).resolves({
      deploymentInfo: running({
        deploymentId: 'd-OURS00001',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: appSpec.sha256 } }
      })
    })
    expect(await createDeployment(cd, request)).toEqual({ id: 'd-OURS00001', adopted: true })
  })

  it('raises GroupBusyError when the running deployment has another AppSpec', async () => {
    cdMock.on(CreateDeploymentCommand).rejects(limit())
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] })
    const other = running({
      deploymentId: 'd-OTHER0001',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'b'.repeat(64) } }
    })
    cdMock.on(GetDeploymentCommand).resolves({ deploymentInfo: other })
    cdMock
      .on(GetDeploymentTargetCommand)
      .resolves({ deploymentTarget: { ecsTarget: shiftedTarget('Succeeded') } })
    const e = (await createDeployment(cd, request).catch((x: unknown) => x)) as GroupBusyError
    expect(e).toBeInstanceOf(GroupBusyError)
    expect(e.running).toEqual({ info: other, target: shiftedTarget('Succeeded') })
    expect(e.refusal).toBe('The deployment group already has one')
  })

  it('raises GroupBusyError naming nothing when the busy deployment ended meanwhile', async () => {
    cdMock.on(CreateDeploymentCommand).rejects(limit())
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] })
    const e = (await createDeployment(cd, request).catch((x: unknown) => x)) as GroupBusyError
    expect(e).toBeInstanceOf(GroupBusyError)
    expect(e.running).toBeUndefined()
    // CodeDeploy's own refusal still says what holds the group.
    expect(e.refusal).toBe('The deployment group already has one')
  })

  it('passes other errors through untouched', async () => {
    const denied = new InvalidRoleException({ message: 'role', $metadata: {} })
    cdMock.on(CreateDeploymentCommand).rejects(denied)
    await expect(createDeployment(cd, request)).rejects.toBe(denied)
    expect(cdMock).not.toHaveReceivedCommand(ListDeploymentsCommand)
  })
})

describe('continueDeployment', () => {
  const refused = (e: Error): void => {
    cdMock.on(ContinueDeploymentCommand).rejects(e)
  }
  const now = (info: DeploymentInfo, target = shiftedTarget('InProgress')): void => {
    cdMock.on(GetDeploymentCommand).resolves({ deploymentInfo: info })
    cdMock.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: target } })
  }

  it('continues', async () => {
    cdMock.on(ContinueDeploymentCommand).resolves({})
    expect(await continueDeployment(cd, 'd-RUNNING01', 'READY_WAIT')).toBe('continued')
    expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
      deploymentId: 'd-RUNNING01',
      deploymentWaitType: 'READY_WAIT'
    })
  })

  it('takes DeploymentAlreadyCompletedException at its documented word: the deployment ended', async () => {
    refused(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
    expect(await continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).toBe('moved-on')
    expect(cdMock).not.toHaveReceivedCommand(GetDeploymentCommand)
  })

  it('reads the deployment again after another refusal: moved on when the wait is over', async () => {
    refused(new DeploymentIsNotInReadyStateException({ message: 'not ready', $metadata: {} }))
    now(running({ status: 'Stopped' }))
    expect(await continueDeployment(cd, 'd-RUNNING01', 'READY_WAIT')).toBe('moved-on')
    // Not documented for TERMINATION_WAIT outside the wait: only the state decides.
    refused(new InvalidDeploymentStatusException({ message: 'not waiting', $metadata: {} }))
    now(running(), shiftedTarget('InProgress'))
    expect(await continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).toBe('moved-on')
  })

  it('raises the refusal when the deployment still waits', async () => {
    const e = new InvalidDeploymentStatusException({ message: 'cannot be determined', $metadata: {} })
    refused(e)
    now(running(), shiftedTarget('Succeeded'))
    await expect(continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).rejects.toBe(e)
    refused(e)
    now(running({ status: 'Ready' }))
    await expect(continueDeployment(cd, 'd-RUNNING01', 'READY_WAIT')).rejects.toBe(e)
  })

  it('leaves credential and permission errors to the caller, reading nothing', async () => {
    const denied = accessDenied()
    refused(denied)
    await expect(continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).rejects.toBe(denied)
    expect(cdMock).not.toHaveReceivedCommand(GetDeploymentCommand)
  })
})

describe('appSpecFacts', () => {
  const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'

  it('reads JSON as this action sends it', () => {
    const json = JSON.stringify({
      version: '0.0',
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: ARN } } }],
      Hooks: [{ BeforeInstall: 'CodeDeployHook_pre' }, { AfterAllowTestTraffic: 'CodeDeployHook_smoke' }]
    })
    expect(appSpecFacts(json)).toEqual({ taskDefinition: ARN, hooks: 2 })
  })

  it('reads YAML with keys in any case, whatever the resource is called, hooks as a map', () => {
    const yaml = [
      'version: 0.0',
      'resources:',
      '  - myService:',
      '      type: AWS::ECS::Service',
      '      PROPERTIES:',
      `        taskDefinition: "${ARN}"`,
      'hooks:',
      '  BeforeInstall: CodeDeployHook_pre'
    ].join('\n')
    expect(appSpecFacts(yaml)).toEqual({ taskDefinition: ARN, hooks: 1 })
  })

  it.each([
    ['a scalar', '42'],
    ['no resources', 'version: 0.0'],
    ['resources not a list', 'Resources: {}'],
    ['a non-string task definition', 'Resources:\n  - S:\n      Properties:\n        TaskDefinition: 7']
  ])('gives no task definition and no hooks for %s', (_, content) => {
    expect(appSpecFacts(content)).toEqual({ hooks: 0 })
  })
})

describe('revisionAppSpec', () => {
  const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:6'
  const info: DeploymentInfo = {
    applicationName: 'AppECS-prod-web',
    previousRevision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'c'.repeat(64) } }
  }

  it('asks GetApplicationRevision by sha256 and reads the AppSpec it returns', async () => {
    cdMock.on(GetApplicationRevisionCommand).resolves({
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: {
          content: `Resources:\n  - TargetService:\n      Properties:\n        TaskDefinition: ${ARN}`
        }
      }
    })
    expect(await revisionAppSpec(cd, info, 'previousRevision')).toEqual({ taskDefinition: ARN, hooks: 0 })
    expect(cdMock).toHaveReceivedCommandWith(GetApplicationRevisionCommand, {
      applicationName: 'AppECS-prod-web',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'c'.repeat(64) } }
    })
  })

  it('makes no call when the revision has no AppSpec sha256, and reads nothing from an empty answer', async () => {
    expect(await revisionAppSpec(cd, info, 'revision')).toBeUndefined()
    expect(cdMock).not.toHaveReceivedCommand(GetApplicationRevisionCommand)
    cdMock.on(GetApplicationRevisionCommand).resolves({})
    expect(await revisionAppSpec(cd, info, 'previousRevision')).toBeUndefined()
  })
})

describe('defaultDescription', () => {
  it('names the repository, the short commit, the workflow and the run link', () => {
    expect(
      defaultDescription({
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: '0123456789abcdef',
        GITHUB_WORKFLOW: 'deploy',
        GITHUB_RUN_ID: '42',
        GITHUB_SERVER_URL: 'https://ghe.example.com'
      })
    ).toBe(
      'GitHub Actions: acme/shop@0123456 workflow deploy https://ghe.example.com/acme/shop/actions/runs/42'
    )
  })

  it('works outside a runner', () => {
    expect(defaultDescription({})).toBe('GitHub Actions: unknown repository')
  })

  it('stays within CodeDeploy limit', () => {
    expect(defaultDescription({ GITHUB_WORKFLOW: 'w'.repeat(1000) })).toHaveLength(MAX_DESCRIPTION)
  })
})
