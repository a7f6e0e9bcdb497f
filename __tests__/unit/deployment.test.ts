import { jest } from '@jest/globals'
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  type DeploymentInfo,
  DeploymentAlreadyCompletedException,
  DeploymentLimitExceededException,
  InvalidDeploymentStatusException,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  InvalidRoleException,
  ListDeploymentsCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import {
  GroupBusyError,
  MAX_DESCRIPTION,
  type NewDeployment,
  type Runway,
  clearTheWay,
  continueDeployment,
  createDeployment,
  defaultDescription,
  describeDeployment,
  revisionTaskDefinition,
  taskDefinitionOfAppSpec
} from '../../src/backends/codedeploy/deployment.js'
import { ActionError } from '../../src/runtime/errors.js'

const cdMock = mockClient(CodeDeployClient)
const cd = new CodeDeployClient({ region: 'us-east-1' })
const TARGET = { applicationName: 'AppECS-prod-web', deploymentGroupName: 'DgpECS-prod-web' }
const url = (id: string): string => `https://console/${id}`

function running(over: Partial<DeploymentInfo> = {}): DeploymentInfo {
  return {
    deploymentId: 'd-RUNNING01',
    status: 'InProgress',
    creator: 'user',
    createTime: new Date('2026-11-27T13:55:00.123Z'),
    ...TARGET,
    ...over
  }
}

/** The group has `ids` running one after the other: each ends when the runway has waited behind it. */
function group(...deployments: DeploymentInfo[]): {
  runway: Runway
  waited: string[]
  log: string[]
  ends: boolean[]
} {
  const queue = [...deployments]
  const waited: string[] = []
  const log: string[] = []
  /** Per wait: whether the runway may end a termination wait it meets. */
  const ends: boolean[] = []
  cdMock.on(ListDeploymentsCommand).callsFake(() => ({
    deployments: queue.length ? [queue[0]!.deploymentId] : []
  }))
  cdMock.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => ({
    deploymentInfo: queue.find(d => d.deploymentId === input.deploymentId)
  }))
  return {
    waited,
    log,
    ends,
    runway: {
      waitBehind: (id, endTerminationWait) => {
        waited.push(id)
        ends.push(endTerminationWait)
        queue.shift()
        return Promise.resolve()
      },
      log: line => {
        log.push(line)
      },
      consoleUrl: url
    }
  }
}

beforeEach(() => {
  cdMock.reset()
})

describe('clearTheWay', () => {
  it('returns at once when nothing runs, asking only for running statuses', async () => {
    const { runway, waited } = group()
    await clearTheWay(cd, TARGET, 'fail', runway)
    expect(waited).toEqual([])
    expect(cdMock).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      ...TARGET,
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready', 'Baking']
    })
  })

  it('fail: names the running deployment, its creator, start time and console link', async () => {
    const { runway } = group(running())
    const e = (await clearTheWay(cd, TARGET, 'fail', runway).catch((x: unknown) => x)) as ActionError
    expect(e).toBeInstanceOf(ActionError)
    expect(e.title).toBe('Deployment already running')
    expect(e.message).toBe(
      'Deployment group DgpECS-prod-web already has a deployment in progress: d-RUNNING01 (InProgress started 2026-11-27T13:55:00Z by user; https://console/d-RUNNING01).'
    )
    expect(e.hint).toContain('if-deployment-running: wait')
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('wait: streams the running deployment, then proceeds', async () => {
    const { runway, waited, log } = group(running(), running({ deploymentId: 'd-RUNNING02' }))
    await clearTheWay(cd, TARGET, 'wait', runway)
    expect(waited).toEqual(['d-RUNNING01', 'd-RUNNING02'])
    expect(log[0]).toMatch(/^Waiting for d-RUNNING01 \(InProgress .*\) to end before deploying\.$/)
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
  })

  it('wait: a deployment parked in Ready fails, naming it', async () => {
    const { runway, waited } = group(running({ status: 'Ready' }))
    const e = (await clearTheWay(cd, TARGET, 'wait', runway).catch((x: unknown) => x)) as ActionError
    expect(e.message).toMatch(/^Deployment d-RUNNING01 \(Ready .*\) waits in Ready/)
    expect(e.hint).toContain('continue-deployment: true')
    expect(waited).toEqual([])
  })

  it('replace: stops with rollback, then waits for it (and the rollback) to end', async () => {
    const rollback = running({ deploymentId: 'd-ROLLBACK1', creator: 'codeDeployRollback' })
    const { runway, waited, log } = group(running({ status: 'Ready' }), rollback)
    await clearTheWay(cd, TARGET, 'replace', runway)
    expect(cdMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-RUNNING01',
      autoRollbackEnabled: true
    })
    expect(waited).toEqual(['d-RUNNING01', 'd-ROLLBACK1'])
    expect(log[0]).toMatch(/^Replacing d-RUNNING01 .*: stopping it with rollback\.$/)
    expect(log[1]).toContain('is rolling back')
  })

  it.each(['wait', 'replace'] as const)(
    '%s: a deployment in its termination wait is waited behind (the runway ends the wait), not rolled back',
    async policy => {
      const { runway, waited, log } = group(running({ instanceTerminationWaitTimeStarted: true }))
      await clearTheWay(cd, TARGET, policy, runway)
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(waited).toEqual(['d-RUNNING01'])
      expect(log[0]).toContain('in its termination wait')
    }
  )

  it('without permission to list deployments, leaves the check to CreateDeployment', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .rejects(
        Object.assign(new Error('not authorized to ListDeployments'), { name: 'AccessDeniedException' })
      )
    const g = { waitBehind: jest.fn<Runway['waitBehind']>(), log: jest.fn<Runway['log']>(), consoleUrl: url }
    await clearTheWay(cd, TARGET, 'fail', g)
    expect(g.waitBehind).not.toHaveBeenCalled()
    expect(g.log).toHaveBeenCalledWith(
      expect.stringContaining('CreateDeployment will tell if one is running')
    )
  })

  it('takes a listed deployment that has ended meanwhile for a free group', async () => {
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-ENDED0001'] })
    cdMock
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: running({ deploymentId: 'd-ENDED0001', status: 'Succeeded' }) })
    const g = { waitBehind: jest.fn<Runway['waitBehind']>(), log: jest.fn(), consoleUrl: url }
    await clearTheWay(cd, TARGET, 'fail', g)
    expect(g.waitBehind).not.toHaveBeenCalled()
  })

  it('fail: a deployment in its termination wait still fails', async () => {
    const { runway } = group(running({ instanceTerminationWaitTimeStarted: true }))
    await expect(clearTheWay(cd, TARGET, 'fail', runway)).rejects.toThrow(/already has a deployment/)
    expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
  })

  it.each(['fail', 'wait', 'replace'] as const)(
    '%s: a rollback CodeDeploy started is always waited for, never stopped',
    async policy => {
      const { runway, waited, ends } = group(running({ creator: 'codeDeployRollback', status: 'Ready' }))
      await clearTheWay(cd, TARGET, policy, runway)
      expect(waited).toEqual(['d-RUNNING01'])
      // Under fail it is waited for to its very end; wait and replace may end its termination wait.
      expect(ends).toEqual([policy !== 'fail'])
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
    }
  )
})

describe('describeDeployment', () => {
  it('degrades gracefully when CodeDeploy leaves fields out', () => {
    expect(describeDeployment({}, url)).toBe('? (?; https://console/?)')
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
    const e = (await createDeployment(cd, request).catch((x: unknown) => x)) as GroupBusyError
    expect(e).toBeInstanceOf(GroupBusyError)
    expect(e.running).toEqual(other)
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
  it('is false, not an error, when the deployment moved on before the call', async () => {
    cdMock
      .on(ContinueDeploymentCommand)
      .rejectsOnce(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
      .rejectsOnce(new InvalidDeploymentStatusException({ message: 'not waiting', $metadata: {} }))
      .resolves({})
    expect(await continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).toBe(false)
    expect(await continueDeployment(cd, 'd-RUNNING01', 'TERMINATION_WAIT')).toBe(false)
    expect(await continueDeployment(cd, 'd-RUNNING01', 'READY_WAIT')).toBe(true)
  })
})

describe('taskDefinitionOfAppSpec', () => {
  const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'

  it('reads JSON as this action sends it', () => {
    const json = JSON.stringify({
      version: '0.0',
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: ARN } } }]
    })
    expect(taskDefinitionOfAppSpec(json)).toBe(ARN)
  })

  it('reads YAML with keys in any case, whatever the resource is called', () => {
    const yaml = [
      'version: 0.0',
      'resources:',
      '  - myService:',
      '      type: AWS::ECS::Service',
      '      PROPERTIES:',
      `        taskDefinition: "${ARN}"`
    ].join('\n')
    expect(taskDefinitionOfAppSpec(yaml)).toBe(ARN)
  })

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['a scalar', '42'],
    ['no resources', 'version: 0.0'],
    ['resources not a list', 'Resources: {}'],
    ['a non-string task definition', 'Resources:\n  - S:\n      Properties:\n        TaskDefinition: 7']
  ])('gives undefined for %s', (_, content) => {
    expect(taskDefinitionOfAppSpec(content)).toBeUndefined()
  })
})

describe('revisionTaskDefinition', () => {
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
    expect(await revisionTaskDefinition(cd, info, 'previousRevision')).toBe(ARN)
    expect(cdMock).toHaveReceivedCommandWith(GetApplicationRevisionCommand, {
      applicationName: 'AppECS-prod-web',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'c'.repeat(64) } }
    })
  })

  it('makes no call when the revision has no AppSpec sha256', async () => {
    expect(await revisionTaskDefinition(cd, info, 'revision')).toBeUndefined()
    expect(cdMock).not.toHaveReceivedCommand(GetApplicationRevisionCommand)
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
