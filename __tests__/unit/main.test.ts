// run() and post() against mocked AWS, for what the end-to-end suite cannot bring about through the
// simulator: permissions it does not check, races at one exact moment, answers it never gives.
// Deployments are scripted frame by frame; StopDeployment and ContinueDeployment switch a deployment
// to its after-stop / after-continue frames, as CodeDeploy would move on.
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  type DeploymentInfo,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  type ECSTarget,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand
} from '@aws-sdk/client-ecs'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { type Settled, StepState } from '../../src/runtime/state.js'
import { run } from '../../src/main.js'
import { post } from '../../src/runtime/post.js'
import { LIFECYCLE_EVENTS } from '../../src/backends/codedeploy/lifecycle-events.js'
import { GROUP, NEXT_ARN, RUNNING_ARN, RUNNING_TD, SERVICE } from './aws-fixtures.js'
import { type FakeIo, T0, fakeIo } from './fake-io.js'

const ecsMock = mockClient(ECSClient)
const cdMock = mockClient(CodeDeployClient)

const PREVIOUS = RUNNING_ARN
const NEXT = NEXT_ARN
const ID = 'd-NEW000001'
const RB = 'd-ROLLBACK1'
const URL_OF = (id: string): string =>
  `https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=us-east-1`

// --- scripted deployments -------------------------------------------------------------------

const EVENTS = LIFECYCLE_EVENTS as readonly string[]
const at = (sec: number): Date => new Date(T0.getTime() + sec * 1000)

/** Events before `current` Succeeded, `current` in `status`, the rest Pending; no `current`: all done. */
function target(current: string | undefined, status = 'InProgress', replacement = 0): ECSTarget {
  const idx = current === undefined ? EVENTS.length : EVENTS.indexOf(current)
  return {
    targetId: 'prod:web',
    lifecycleEvents: EVENTS.map((name, i) => {
      if (i < idx)
        return { lifecycleEventName: name, status: 'Succeeded', startTime: at(i), endTime: at(i + 1) }
      if (i > idx) return { lifecycleEventName: name, status: 'Pending' }
      return {
        lifecycleEventName: name,
        status: status as 'InProgress',
        startTime: at(i),
        ...(status === 'Failed'
          ? {
              endTime: at(i + 1),
              diagnostics: { errorCode: 'ScriptFailed', message: 'The replacement tasks did not start.' }
            }
          : {})
      }
    }),
    taskSetsInfo: [
      { identifer: 'ecs-svc/1', taskSetLabel: 'Blue', trafficWeight: 100 - replacement },
      { identifer: 'ecs-svc/2', taskSetLabel: 'Green', trafficWeight: replacement }
    ]
  }
}

interface Frame {
  info: Partial<DeploymentInfo> | (() => Partial<DeploymentInfo>)
  target?: ECSTarget
}

const F = {
  created: { info: { status: 'Created' } },
  installing: { info: { status: 'InProgress' }, target: target('Install') },
  shifting: { info: { status: 'InProgress' }, target: target('AllowTraffic', 'InProgress', 100) },
  ready: { info: { status: 'Ready' }, target: target('BeforeAllowTraffic', 'Pending') },
  terminationWait: {
    info: { status: 'InProgress', instanceTerminationWaitTimeStarted: true },
    target: target(undefined, 'Succeeded', 100)
  },
  succeeded: { info: { status: 'Succeeded' }, target: target(undefined, 'Succeeded', 100) },
  failedInInstall: {
    info: {
      status: 'Failed',
      errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'The ECS service could not be updated.' },
      rollbackInfo: { rollbackDeploymentId: RB }
    },
    target: target('Install', 'Failed')
  },
  stopped: {
    info: {
      status: 'Stopped',
      errorInformation: { code: 'MANUAL_STOP', message: 'Stopped by the user.' },
      rollbackInfo: { rollbackDeploymentId: RB }
    },
    target: target('Install', 'InProgress')
  }
} satisfies Record<string, Frame>

const ROLLBACK: Frame[] = [
  {
    info: {
      status: 'InProgress',
      creator: 'codeDeployRollback',
      rollbackInfo: { rollbackTriggeringDeploymentId: ID }
    },
    target: target('Install')
  },
  {
    info: { status: 'Succeeded', creator: 'codeDeployRollback' },
    target: target(undefined, 'Succeeded', 100)
  }
]

interface Script {
  frames: Frame[]
  afterStop?: Frame[]
  afterContinue?: Frame[]
}

let scripts: Record<
  string,
  Script & { mode: 'frames' | 'afterStop' | 'afterContinue'; read: number; current?: Frame }
>
/** Called before each GetDeployment: a test's hook into the middle of a watch. */
let onRead: (id: string, read: number) => void

function script(id: string, s: Script): void {
  scripts[id] = { ...s, mode: 'frames', read: 0 }
}

function frameOf(id: string): Frame {
  const s = scripts[id]
  if (!s) throw new DeploymentDoesNotExistException({ message: `No deployment ${id}`, $metadata: {} })
  const list = s[s.mode] ?? s.frames
  const frame = list[Math.min(s.read, list.length - 1)]!
  s.read++
  s.current = frame
  return frame
}

function moveOn(id: string, mode: 'afterStop' | 'afterContinue'): void {
  const s = scripts[id]
  if (s?.[mode]) Object.assign(s, { mode, read: 0 })
}

// --- the step --------------------------------------------------------------------------------

const APPLICATION_REVISIONS: Record<string, string> = {
  ['n'.repeat(64)]: NEXT,
  ['p'.repeat(64)]: PREVIOUS
}

function existingInfo(): Partial<DeploymentInfo> {
  return {
    applicationName: 'AppECS-prod-web',
    deploymentGroupName: 'DgpECS-prod-web',
    deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'n'.repeat(64) } },
    previousRevision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'p'.repeat(64) } }
  }
}

let exit: jest.Mock<() => void>

async function step(
  inputs: Record<string, string>,
  more: Parameters<typeof fakeIo>[0] = {}
): Promise<FakeIo> {
  const io = fakeIo({ ...more, inputs })
  await run(io, exit)
  return io
}

const deploy = (inputs: Record<string, string> = {}, more: Parameters<typeof fakeIo>[0] = {}) =>
  step({ service: 'web', cluster: 'prod', image: 'repo/web:2', ...inputs }, more)

function expectNoWrites(): void {
  expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
  expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
  expect(cdMock).not.toHaveReceivedCommand(CreateDeploymentCommand)
  expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
}

beforeEach(() => {
  ecsMock.reset()
  cdMock.reset()
  scripts = {}
  onRead = () => undefined
  exit = jest.fn<() => void>()
  ecsMock.on(DescribeServicesCommand).resolves({ services: [SERVICE] })
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: RUNNING_TD })
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } })
  ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] })
  cdMock.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: GROUP })
  cdMock.on(ListDeploymentsCommand).resolves({ deployments: [] })
  cdMock.on(CreateDeploymentCommand).resolves({ deploymentId: ID })
  cdMock.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => {
    onRead(input.deploymentId, scripts[input.deploymentId]?.read ?? 0)
    const frame = frameOf(input.deploymentId)
    const info = typeof frame.info === 'function' ? frame.info() : frame.info
    return { deploymentInfo: { deploymentId: input.deploymentId, createTime: T0, ...info } }
  })
  cdMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:web'] })
  cdMock.on(GetDeploymentTargetCommand).callsFake((input: { deploymentId: string }) => ({
    deploymentTarget: {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: scripts[input.deploymentId]?.current?.target
    }
  }))
  cdMock.on(StopDeploymentCommand).callsFake((input: { deploymentId: string }) => {
    moveOn(input.deploymentId, 'afterStop')
    return { status: 'Pending' }
  })
  cdMock.on(ContinueDeploymentCommand).callsFake((input: { deploymentId: string }) => {
    moveOn(input.deploymentId, 'afterContinue')
    return {}
  })
  cdMock
    .on(GetApplicationRevisionCommand)
    .callsFake((input: { revision: { appSpecContent: { sha256: string } } }) => ({
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: {
          content: JSON.stringify({
            Resources: [
              {
                TargetService: {
                  Properties: { TaskDefinition: APPLICATION_REVISIONS[input.revision.appSpecContent.sha256] }
                }
              }
            ]
          })
        }
      }
    }))
  script(RB, { frames: ROLLBACK })
})

// --- new deployments -------------------------------------------------------------------------

describe('a new deployment', () => {
  it('deploys a revision as it is, without registering one', async () => {
    script(ID, { frames: [F.succeeded] })
    const io = await step({ service: 'web', cluster: 'prod', 'task-definition': 'web:7' })
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
    expect(io.outputs['task-definition-arn']).toBe(PREVIOUS)
    expect(io.lines).toContain(`Deploying ${PREVIOUS} as it is (no input changes the task definition).`)
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })

  it('a dry run of a revision deployed as it is names it', async () => {
    const io = await step({ service: 'web', cluster: 'prod', 'task-definition': 'web:7', 'dry-run': 'true' })
    expect(io.lines).toContain(`Task definition: ${PREVIOUS} would be deployed as it is.`)
    expect(io.outputs.appspec).toContain(PREVIOUS)
  })
})

describe('errors before anything is written', () => {
  it('a check that needs AWS reads only, then fails', async () => {
    const io = await deploy({ 'container-port': '9999' })
    expectNoWrites()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.title).toBe('Invalid input')
  })

  it('missing credentials become what to add to the workflow', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }))
    const io = await deploy()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.title).toBe('AWS credentials')
    expect(io.errors[0]!.message).toContain('aws-actions/configure-aws-credentials')
  })
})

describe('no orphan revisions', () => {
  it('a deployment that started in the race is named; fail deregisters the revision', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: [] })
      .resolves({ deployments: ['d-OTHER0001'] })
    script('d-OTHER0001', { frames: [{ info: { status: 'InProgress' } }] })
    cdMock
      .on(CreateDeploymentCommand)
      .rejects(new DeploymentLimitExceededException({ message: 'busy', $metadata: {} }))
    const io = await deploy()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toMatch(
      /^Deployment group DgpECS-prod-web got a deployment in progress just before this one: d-OTHER0001/
    )
    expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: NEXT })
  })

  it('a refusal that cannot be looked into (no ListDeployments) fails once, deregistering the revision', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
    cdMock.on(CreateDeploymentCommand).rejects(
      new DeploymentLimitExceededException({
        message: "The Deployment Group 'DgpECS-prod-web' already has an active Deployment 'd-OTHER0001'",
        $metadata: {}
      })
    )
    const io = await deploy({ 'if-deployment-running': 'wait' })
    expect(cdMock).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1)
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toMatch(/^CreateDeployment was refused: .*'d-OTHER0001'/)
    expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: NEXT })
  })

  it('with wait, the race is waited out and the deployment created after it', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: [] })
      .resolvesOnce({ deployments: ['d-OTHER0001'] })
      .resolvesOnce({ deployments: ['d-OTHER0001'] })
      .resolves({ deployments: [] })
    // Read once when CreateDeployment meets it, once more when the group is checked again.
    script('d-OTHER0001', {
      frames: [{ info: { status: 'InProgress' } }, { info: { status: 'InProgress' } }, F.succeeded]
    })
    script(ID, { frames: [F.succeeded] })
    cdMock
      .on(CreateDeploymentCommand)
      .rejectsOnce(new DeploymentLimitExceededException({ message: 'busy', $metadata: {} }))
      .resolves({ deploymentId: ID })
    const io = await deploy({ 'if-deployment-running': 'wait' })
    expect(cdMock).toHaveReceivedCommandTimes(CreateDeploymentCommand, 2)
    expect(io.log()).toMatch(/d-OTHER0001 .* took the deployment group first\./)
    expect(io.log()).toMatch(/Waiting for d-OTHER0001 .* to end before deploying\./)
    expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })

  it('a retried CreateDeployment that went through is adopted, not deregistered', async () => {
    let sha = ''
    cdMock.on(CreateDeploymentCommand).callsFake((input: CreateDeploymentCommandInput) => {
      sha = input.revision?.appSpecContent?.sha256 ?? ''
      throw new DeploymentLimitExceededException({ message: 'busy', $metadata: {} })
    })
    cdMock
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: [] })
      .resolves({ deployments: [ID] })
    const ours = (status: 'InProgress' | 'Succeeded'): Frame => ({
      info: () => ({ status, revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: sha } } }),
      target: target(undefined, 'Succeeded', 100)
    })
    script(ID, { frames: [ours('InProgress'), ours('Succeeded')] })
    const io = await deploy()
    expect(io.lines).toContain(`Adopted deployment ${ID} of AppECS-prod-web/DgpECS-prod-web: ${URL_OF(ID)}`)
    expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })
})

// --- deployment-id ---------------------------------------------------------------------------

const existing = (id: string, inputs: Record<string, string> = {}) =>
  step({ 'deployment-id': id, 'github-token': 'ghs_x', ...inputs })

function withInfo(frame: Frame): Frame {
  return { ...frame, info: { ...existingInfo(), ...(frame.info as Partial<DeploymentInfo>) } }
}

describe('deployment-id', () => {
  const GATE = 'd-GATE00001'

  it('sets the outputs at once from the deployment and its revisions', async () => {
    script(GATE, { frames: [F.succeeded].map(withInfo) })
    const io = await existing(GATE)
    expect(io.outputs).toEqual({
      'deployment-id': GATE,
      'codedeploy-deployment-id': GATE,
      'deployment-url': URL_OF(GATE),
      'task-definition-arn': NEXT,
      'previous-task-definition-arn': PREVIOUS,
      'deployment-status': 'Succeeded'
    })
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
    expect(io.warnings).toEqual([])
    // The GitHub deployment an earlier step made for it is looked for, to update its status.
    expect(io.githubCalls.map(c => c.method)).toEqual(['listDeployments'])
    expect(io.lines[0]).toBe(
      `Deployment ${GATE} of AppECS-prod-web/DgpECS-prod-web is Succeeded: ${URL_OF(GATE)}`
    )
  })

  it('a deployment that does not exist: an error naming the region', async () => {
    const io = await existing('d-MISSING01')
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toMatch(/^Deployment d-MISSING01 does not exist in us-east-1\./)
  })

  it('revisions that cannot be read leave their outputs unset', async () => {
    script(GATE, { frames: [F.succeeded].map(withInfo) })
    cdMock.on(GetApplicationRevisionCommand).rejects(new Error('AccessDenied'))
    const io = await existing(GATE)
    expect(io.outputs['task-definition-arn']).toBeUndefined()
    expect(io.outputs['previous-task-definition-arn']).toBeUndefined()
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })

  it('derives the timeout from the deployment: ready wait, routing and termination wait', async () => {
    const slow = {
      ...F.installing,
      info: {
        ...F.installing.info,
        deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 60 },
          terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: 20 }
        }
      }
    }
    script(GATE, { frames: [withInfo(slow)] })
    const io = await existing(GATE, { 'poll-interval-seconds': '60' })
    // 60 for Install + no hooks + 60 ready wait + 10 × 1 linear steps + 20 termination wait
    expect(io.errors[0]!.message).toMatch(
      /^Timed out after 150 minutes waiting for the deployment to succeed/
    )
    // Only watched, not owned: a timeout stops nothing.
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('gives each hook of the deployment’s AppSpec CodeDeploy’s hour', async () => {
    script(GATE, { frames: [F.installing].map(withInfo) })
    const hooks = [{ BeforeInstall: 'CodeDeployHook_a' }, { AfterAllowTraffic: 'CodeDeployHook_b' }]
    cdMock.on(GetApplicationRevisionCommand).resolves({
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: JSON.stringify({ Hooks: hooks }) }
      }
    })
    const io = await existing(GATE, { 'poll-interval-seconds': '60', 'wait-until': 'ready' })
    // 60 for Install + 2 × 60 for the hooks
    expect(io.errors[0]!.message).toMatch(/^Timed out after 180 minutes/)
  })

  it('a deployment configuration that cannot be read counts as all at once', async () => {
    script(GATE, {
      frames: [withInfo({ ...F.installing, info: { ...F.installing.info, deploymentConfigName: 'Custom' } })]
    })
    cdMock.on(GetDeploymentConfigCommand).rejects(new Error('AccessDenied'))
    const io = await existing(GATE, { 'poll-interval-seconds': '60', 'wait-until': 'ready' })
    expect(io.errors[0]!.message).toMatch(/^Timed out after 60 minutes/)
  })

  describe('continue-deployment', () => {
    it('before Ready: waits for Ready, then reroutes', async () => {
      script(GATE, {
        frames: [F.installing, F.installing, F.ready].map(withInfo),
        afterContinue: [F.succeeded].map(withInfo)
      })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
        deploymentWaitType: 'READY_WAIT'
      })
      expect(io.outputs['deployment-status']).toBe('Succeeded')
    })

    it('after the end: reports how it ended, continuing nothing', async () => {
      script(GATE, { frames: [F.succeeded].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
      expect(new StepState(io).read().deploymentId).toBeUndefined()
      expect(io.outputs['deployment-status']).toBe('Succeeded')
    })

    it('never stops a deployment it only waited for: a timeout before Ready stops nothing', async () => {
      script(GATE, { frames: [F.installing].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true', 'timeout-minutes': '1' })
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
      expect(io.errors).toHaveLength(1)
      expect(io.errors[0]!.title).toBe('Deployment timed out')
      expect(io.exitCode).toBe(1)
    })

    it('a deployment that fails before Ready is reported as failed', async () => {
      script(GATE, { frames: [F.installing, F.failedInInstall].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(io.errors).toHaveLength(1)
      expect(io.errors[0]!.message).toMatch(new RegExp(`^Deployment ${GATE} failed in Install`))
      expect(io.outputs['rollback-deployment-id']).toBe(RB)
    })
  })

  describe('stop-deployment', () => {
    it('a deployment that ends between the read and the stop is reported as it ended', async () => {
      script(GATE, { frames: [F.installing, F.failedInInstall].map(withInfo) })
      cdMock
        .on(StopDeploymentCommand)
        .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(io.outputs['deployment-status']).toBe('Failed')
      expect(io.outputs['rollback-deployment-id']).toBe(RB)
      expect(io.errors).toEqual([])
    })

    it('already failed: reports its rollback, exit 0', async () => {
      script(GATE, { frames: [F.failedInInstall].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(io.lines).toContain(`Deployment ${GATE} had already ended Failed; reporting its rollback.`)
      expect(io.errors).toEqual([])
      expect(io.exitCode).toBeUndefined()
    })

    it('a rollback that fails is non-zero', async () => {
      script(RB, { frames: [{ info: { status: 'Failed' }, target: target('Install', 'Failed') }] })
      script(GATE, { frames: [F.installing].map(withInfo), afterStop: [F.stopped].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(io.errors).toHaveLength(1)
      expect(io.exitCode).toBe(1)
    })

    it('succeeded before the stop took: non-zero, naming the previous revision', async () => {
      script(GATE, { frames: [F.shifting, F.succeeded].map(withInfo) })
      cdMock.on(StopDeploymentCommand).resolves({ status: 'Succeeded' })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(io.errors).toHaveLength(1)
      expect(io.errors[0]!.message).toBe(
        `Deployment ${GATE} succeeded before it could be stopped. What this step changed in AWS: asked CodeDeploy to stop deployment ${GATE} with rollback (stop-deployment). To roll back, deploy the previous revision (task-definition: ${PREVIOUS}).`
      )
    })
  })
})

// --- the post step ---------------------------------------------------------------------------

describe('post', () => {
  /** The state a main step that owned deployment ID leaves, as the post step finds it. */
  const saved = (settled?: Settled, rollbackOnCancel = true): FakeIo => {
    const io = fakeIo()
    const state = new StepState(io)
    state.rollbackOnCancel(rollbackOnCancel)
    state.owns(ID)
    if (settled) state.settled(settled)
    return io
  }

  it.each(['goal', 'ended', 'handed-off'] as const)('settled as %s: no call at all', async settled => {
    await post(saved(settled))
    expect(cdMock.calls()).toHaveLength(0)
  })

  it('no deployment: no call at all', async () => {
    await post(fakeIo())
    expect(cdMock.calls()).toHaveLength(0)
  })

  it('stop-requested: follows the rollback only', async () => {
    script(ID, { frames: [F.stopped] })
    const io = saved('stop-requested')
    await post(io)
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.lines).toContain(`Deployment ${ID} ended Stopped; its rollback ${RB} ended Succeeded.`)
  })

  it('an unsettled deployment that ended meanwhile is not stopped', async () => {
    script(ID, { frames: [F.succeeded] })
    const io = saved()
    await post(io)
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.lines).toContain(`Deployment ${ID} had already ended Succeeded.`)
  })

  it('a deployment that ends as it is stopped is still followed', async () => {
    script(ID, { frames: [F.installing, F.failedInInstall] })
    cdMock
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
    const io = saved()
    await post(io)
    expect(io.lines).toContain(`Deployment ${ID} ended Failed; its rollback ${RB} ended Succeeded.`)
    expect(io.warnings).toEqual([])
  })

  it('rollback-on-cancel false: warns and leaves it running', async () => {
    const io = saved(undefined, false)
    await post(io)
    expect(cdMock.calls()).toHaveLength(0)
    expect(io.warnings[0]!.title).toBe('Deployment left running')
  })

  describe('a CreateDeployment the main step never heard back from', () => {
    const SHA = 'c'.repeat(64)
    /** The state a main step killed while CreateDeployment was in flight leaves. */
    const cutShort = (rollbackOnCancel = true): FakeIo => {
      const io = fakeIo()
      const state = new StepState(io)
      state.rollbackOnCancel(rollbackOnCancel)
      state.creating({
        applicationName: 'AppECS-prod-web',
        deploymentGroupName: 'DgpECS-prod-web',
        appSpecSha256: SHA,
        taskDefinitionArn: NEXT,
        sentAt: T0.toISOString()
      })
      return io
    }
    const ours = { revision: { revisionType: 'AppSpecContent' as const, appSpecContent: { sha256: SHA } } }

    it('finds the deployment by its AppSpec, stops it with rollback and follows the rollback', async () => {
      script(ID, {
        frames: [{ ...F.installing, info: { ...F.installing.info, ...ours } }],
        afterStop: [F.stopped]
      })
      // The deployment shows up on the second look: the request reached CodeDeploy late.
      cdMock
        .on(ListDeploymentsCommand)
        .resolvesOnce({ deployments: [] })
        .resolvesOnce({ deployments: [] })
        .resolves({ deployments: [ID] })
      const io = cutShort()
      await post(io)
      expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
        deploymentId: ID,
        autoRollbackEnabled: true
      })
      expect(ecsMock).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand)
      expect(io.lines).toContain(
        `The deploy step was cut short before CreateDeployment answered; it created deployment ${ID}.`
      )
      expect(io.lines).toContain(`Deployment ${ID} ended Stopped; its rollback ${RB} ended Succeeded.`)
      expect(io.summaries[0]).toContain('Deploy step cut short')
      expect(io.summaries[0]).toContain('The rollback succeeded')
    })

    it('another AppSpec running in the group is not ours: nothing is stopped', async () => {
      script('d-OTHER0001', { frames: [F.installing] })
      cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] })
      const io = cutShort()
      await post(io)
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    })

    it('none came of it: once that is sure, the revision is deregistered', async () => {
      const io = cutShort()
      await post(io)
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: NEXT })
      // It looked for 30 s from when the call was sent.
      expect(io.now().getTime() - T0.getTime()).toBe(30_000)
      expect(io.lines.at(-1)).toBe(
        `The deploy step's CreateDeployment never took effect (AppECS-prod-web/DgpECS-prod-web has no deployment of its AppSpec): deregistered ${NEXT}, which no deployment uses.`
      )
    })
  })

  it.each([
    ['a malformed deployment id', { 'deployment-id': 'd-../../x', 'rollback-on-cancel': 'true' }],
    ['a malformed pending create', { creating: '{"applicationName":"a"}', 'rollback-on-cancel': 'true' }]
  ])('%s is not acted on', async (_, state) => {
    await post(fakeIo({ state }))
    expect(cdMock.calls()).toHaveLength(0)
    expect(ecsMock.calls()).toHaveLength(0)
  })

  it('a failure is a warning: the post step never fails the job on its own', async () => {
    cdMock.on(GetDeploymentCommand).rejects(new Error('socket hang up'))
    const io = saved()
    await post(io)
    expect(io.warnings).toEqual([
      {
        message: `Could not stop or follow deployment ${ID}: socket hang up. Check it in the AWS console.`,
        title: 'Deployment may still run'
      }
    ])
    expect(io.errors).toEqual([])
  })
})
