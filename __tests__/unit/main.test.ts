// The step end to end against mocked AWS: run() (new deployments and deployment-id follow-ups) and
// post(). Deployments are scripted frame by frame; StopDeployment and ContinueDeployment switch a
// deployment to its after-stop / after-continue frames, as CodeDeploy would move on.
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  type DeploymentGroupInfo,
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
  InvalidRoleException,
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
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import * as github from '@actions/github'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { EOL, tmpdir } from 'node:os'
import { join } from 'node:path'
import { AwsAccessError } from '../../src/runtime/errors.js'
import { STATE } from '../../src/runtime/cancel-guard.js'
import { actionsIo } from '../../src/runtime/io.js'
import { run } from '../../src/main.js'
import { post } from '../../src/runtime/post.js'
import { type FakeIo, T0, fakeIo } from './fake-io.js'

const ecsMock = mockClient(ECSClient)
const cdMock = mockClient(CodeDeployClient)

const PREVIOUS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
const NEXT = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8'
const ID = 'd-NEW000001'
const RB = 'd-ROLLBACK1'
const URL_OF = (id: string): string =>
  `https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=us-east-1`

const SERVICE: Service = {
  serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
  serviceName: 'web',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
  taskDefinition: PREVIOUS,
  deploymentController: { type: 'CODE_DEPLOY' },
  loadBalancers: [{ containerName: 'web', containerPort: 8080, targetGroupArn: 'arn:tg-blue' }],
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
  status: 'ACTIVE'
}

const GROUP: DeploymentGroupInfo = {
  applicationName: 'AppECS-prod-web',
  deploymentGroupName: 'DgpECS-prod-web',
  computePlatform: 'ECS',
  deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
  ecsServices: [{ serviceName: 'web', clusterName: 'prod' }],
  autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }
}

const RUNNING_TD: TaskDefinition = {
  taskDefinitionArn: PREVIOUS,
  family: 'web',
  revision: 7,
  containerDefinitions: [{ name: 'web', image: 'repo/web:1', portMappings: [{ containerPort: 8080 }] }]
}

// --- scripted deployments -------------------------------------------------------------------

const EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic'
]
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

let exit: jest.Mock<(code: number) => void>

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
  exit = jest.fn<(code: number) => void>()
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

afterEach(() => {
  process.exitCode = undefined
})

const sentDeployment = (): CreateDeploymentCommandInput =>
  cdMock.commandCalls(CreateDeploymentCommand)[0]!.args[0].input

// --- new deployments -------------------------------------------------------------------------

describe('a new deployment', () => {
  it('succeeds: registers, deploys, streams the lifecycle, sets every output and the summary', async () => {
    script(ID, { frames: [F.created, F.installing, F.shifting, F.succeeded] })
    const io = await deploy()

    expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1)
    const registered = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input
    expect(registered.containerDefinitions?.[0]?.image).toBe('repo/web:2')

    const appspec = JSON.parse(io.outputs.appspec!) as {
      Resources: { TargetService: { Properties: unknown } }[]
    }
    expect(appspec.Resources[0]!.TargetService.Properties).toEqual({
      TaskDefinition: NEXT,
      LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'] } }
    })
    const sent = sentDeployment()
    expect(sent).toMatchObject({ applicationName: 'AppECS-prod-web', deploymentGroupName: 'DgpECS-prod-web' })
    expect(sent.revision?.appSpecContent).toEqual({
      content: io.outputs.appspec,
      sha256: createHash('sha256').update(io.outputs.appspec!).digest('hex')
    })
    expect(sent.description).toBe(
      'GitHub Actions: acme/shop@0123456 https://github.com/acme/shop/actions/runs/42'
    )

    expect(io.outputs).toEqual({
      'previous-task-definition-arn': PREVIOUS,
      'task-definition-arn': NEXT,
      appspec: io.outputs.appspec,
      'deployment-id': ID,
      'codedeploy-deployment-id': ID,
      'deployment-url': URL_OF(ID),
      'deployment-status': 'Succeeded'
    })
    expect(io.errors).toEqual([])
    expect(io.warnings).toEqual([])
    expect(process.exitCode).toBeUndefined()
    expect(exit).not.toHaveBeenCalled()
    expect(io.state[STATE.settled]).toBe('ended')
    expect(io.summaries).toHaveLength(1)
    expect(io.summaries[0]).toContain('Deployment succeeded')

    const log = io.log()
    expect(log).toContain(`Registered ${NEXT}.`)
    expect(log).toContain(`Created deployment ${ID} of AppECS-prod-web/DgpECS-prod-web: ${URL_OF(ID)}`)
    expect(log).toContain('  web: image repo/web:1 → repo/web:2')
    for (const event of EVENTS) expect(log).toMatch(new RegExp(`\\] ${event} (started|succeeded)`))
    expect(log).toMatch(/Traffic: original 0% \| replacement 100%/)
    expect(log).toMatch(new RegExp(`Deployment ${ID} is Succeeded`))
  })

  it('deploys a revision as it is, without registering one', async () => {
    script(ID, { frames: [F.succeeded] })
    const io = await step({ service: 'web', cluster: 'prod', 'task-definition': 'web:7' })
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand)
    expect(io.outputs['task-definition-arn']).toBe(PREVIOUS)
    expect(io.lines).toContain(`Deploying ${PREVIOUS} as it is (no image or environment-variables given).`)
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })

  it('fails: one error naming the lifecycle event, the rollback followed, exit code 1', async () => {
    script(ID, { frames: [F.installing, F.failedInInstall] })
    const io = await deploy()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.title).toBe('Deployment failed')
    expect(io.errors[0]!.message).toMatch(new RegExp(`^Deployment ${ID} failed in Install`))
    expect(io.errors[0]!.message).toContain('ECS_UPDATE_ERROR')
    expect(process.exitCode).toBe(1)
    expect(io.outputs['deployment-status']).toBe('Failed')
    expect(io.outputs['rollback-deployment-id']).toBe(RB)
    expect(io.log()).toContain(`Rollback deployment ${RB} succeeded`)
    expect(io.state[STATE.settled]).toBe('ended')
    // A failed deployment is not stopped again: CodeDeploy rolls it back.
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('wait-for-deployment false: returns after CreateDeployment with status Created, handed off', async () => {
    script(ID, { frames: [F.installing] })
    const io = await deploy({ 'wait-for-deployment': 'false' })
    expect(io.outputs['deployment-status']).toBe('Created')
    expect(io.outputs['deployment-id']).toBe(ID)
    expect(io.state[STATE.settled]).toBe('handed-off')
    expect(cdMock).not.toHaveReceivedCommand(GetDeploymentCommand)
    expect(process.exitCode).toBeUndefined()
  })

  it('wait-until traffic-shifted: ends InProgress once traffic has moved, settled at its goal', async () => {
    script(ID, { frames: [F.installing, F.terminationWait] })
    const io = await deploy({ 'wait-until': 'traffic-shifted' })
    expect(io.outputs['deployment-status']).toBe('InProgress')
    expect(io.state[STATE.settled]).toBe('goal')
    expect(process.exitCode).toBeUndefined()
  })

  it('times out: stops the deployment with rollback and follows the rollback', async () => {
    script(ID, { frames: [F.installing], afterStop: [F.stopped] })
    const io = await deploy({ 'timeout-minutes': '1' })
    expect(cdMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: ID,
      autoRollbackEnabled: true
    })
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.title).toBe('Deployment timed out')
    expect(io.errors[0]!.message).toMatch(/^Timed out after 1 minutes waiting for the deployment to succeed/)
    expect(io.outputs['deployment-status']).toBe('Stopped')
    expect(io.outputs['rollback-deployment-id']).toBe(RB)
    expect(io.state[STATE.settled]).toBe('stop-requested')
    expect(process.exitCode).toBe(1)
  })

  it('times out with rollback-on-cancel false: leaves the deployment running', async () => {
    script(ID, { frames: [F.installing] })
    const io = await deploy({ 'timeout-minutes': '1', 'rollback-on-cancel': 'false' })
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toContain('rollback-on-cancel is false')
    expect(io.state[STATE.settled]).toBe('handed-off')
    expect(process.exitCode).toBe(1)
  })

  it('creates a GitHub deployment for environment and sets its status', async () => {
    script(ID, { frames: [F.succeeded] })
    const io = await deploy({ environment: 'production', 'github-token': 'ghs_x' })
    expect(io.outputs['github-deployment-id']).toBe('7')
    expect(io.githubCalls.map(c => [c.method, c.params.state])).toEqual([
      ['createDeployment', undefined],
      ['createDeploymentStatus', 'in_progress'],
      ['createDeploymentStatus', 'success']
    ])
  })

  it('prints a dry run and writes nothing', async () => {
    const io = await deploy({ 'dry-run': 'true', 'environment-variables': 'API_KEY=s3cret' })
    expectNoWrites()
    expect(io.outputs.appspec).toContain('"TaskDefinition":"web:NEXT"')
    expect(io.log()).toContain(
      'Dry run: nothing was registered or deployed through AppECS-prod-web/DgpECS-prod-web.'
    )
    expect(io.log()).not.toContain('s3cret')
    expect(io.log()).toContain('"API_KEY"')
    expect(io.summaries[0]).toContain('Dry run')
    expect(io.errors).toEqual([])
  })

  it('a dry run of a revision deployed as it is names it', async () => {
    const io = await step({ service: 'web', cluster: 'prod', 'task-definition': 'web:7', 'dry-run': 'true' })
    expect(io.lines).toContain(`Task definition: ${PREVIOUS} would be deployed as it is.`)
    expect(io.outputs.appspec).toContain(PREVIOUS)
  })
})

describe('errors before anything is written', () => {
  it('an input error: one error line, no AWS call at all', async () => {
    const io = await deploy({ 'wait-for-deployment': 'yes' })
    expect(ecsMock.calls()).toHaveLength(0)
    expect(cdMock.calls()).toHaveLength(0)
    expect(io.errors).toEqual([
      { message: "wait-for-deployment is 'yes', not a boolean. Use true or false.", title: 'Invalid input' }
    ])
    expect(process.exitCode).toBe(1)
  })

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

  it('if-deployment-running fail: names the running deployment, registers nothing', async () => {
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] })
    script('d-OTHER0001', { frames: [{ info: { status: 'InProgress', creator: 'user' } }] })
    const io = await deploy()
    expectNoWrites()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.title).toBe('Deployment already running')
    expect(io.errors[0]!.message).toContain('d-OTHER0001 (InProgress started 2026-11-27T14:00:00Z by user')
  })
})

describe('no orphan revisions', () => {
  it('a failure after RegisterTaskDefinition and before the deployment deregisters the revision', async () => {
    cdMock
      .on(CreateDeploymentCommand)
      .rejects(new InvalidRoleException({ message: 'Bad role', $metadata: {} }))
    const io = await deploy()
    expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: NEXT })
    expect(io.lines).toContain(`Deregistered ${NEXT}: no deployment uses it.`)
    expect(io.errors).toEqual([
      {
        message:
          "CreateDeployment failed (InvalidRoleException: Bad role). Nothing was deployed; arn:aws:ecs:us-east-1:123456789012:task-definition/web:8 is deregistered. Run the step again; if it keeps failing, check the AWS Health Dashboard and the role's permissions.",
        title: 'Deployment failed'
      }
    ])
    expect(io.state[STATE.deploymentId]).toBeUndefined()
  })

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

describe('if-deployment-running', () => {
  it('wait: streams the running deployment to its end, never stopping it, then deploys', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: ['d-OTHER0001'] })
      .resolves({ deployments: [] })
    script('d-OTHER0001', { frames: [F.installing, F.succeeded] })
    script(ID, { frames: [F.succeeded] })
    const io = await deploy({ 'if-deployment-running': 'wait' })
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.log()).toContain('Deployment d-OTHER0001 is Succeeded')
    expect(io.outputs['deployment-id']).toBe(ID)
    expect(process.exitCode).toBeUndefined()
  })

  it('wait: a deployment that reaches its termination wait is finished (TERMINATION_WAIT), then this one deploys', async () => {
    cdMock
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: ['d-OTHER0001'] })
      .resolves({ deployments: [] })
    script('d-OTHER0001', { frames: [F.installing, F.terminationWait], afterContinue: [F.succeeded] })
    script(ID, { frames: [F.succeeded] })
    const io = await deploy({ 'if-deployment-running': 'wait' })
    expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
      deploymentId: 'd-OTHER0001',
      deploymentWaitType: 'TERMINATION_WAIT'
    })
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.outputs['deployment-status']).toBe('Succeeded')
  })

  it('wait: gives up behind a deployment that does not end in time, and registers nothing', async () => {
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] })
    script('d-OTHER0001', { frames: [F.installing] })
    const io = await deploy({ 'if-deployment-running': 'wait', 'timeout-minutes': '1' })
    expectNoWrites()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toMatch(/^Deployment d-OTHER0001 did not end within 1 minutes/)
  })
})

describe('cancellation', () => {
  it('SIGINT while watching stops the deployment through the cancel client and exits 1', async () => {
    script(ID, { frames: [F.installing, F.installing, F.installing], afterStop: [F.stopped] })
    const before = process.listenerCount('SIGINT')
    onRead = (id, read) => {
      if (id === ID && read === 1) process.emit('SIGINT', 'SIGINT')
    }
    const io = await deploy()
    expect(cdMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(exit).toHaveBeenCalledWith(1)
    expect(io.errors[0]).toEqual({
      message: `The run was cancelled (SIGINT). Deployment ${ID} was stopped and is rolling back; the post step reports how the rollback ends.`,
      title: 'Deployment cancelled'
    })
    expect(process.listenerCount('SIGINT')).toBe(before)
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
    // 30 for Install and hooks + 60 ready wait + 10 × 1 linear steps + 20 termination wait
    expect(io.errors[0]!.message).toMatch(
      /^Timed out after 120 minutes waiting for the deployment to succeed/
    )
    // Only watched, not owned: a timeout stops nothing.
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('a deployment configuration that cannot be read counts as all at once', async () => {
    script(GATE, {
      frames: [withInfo({ ...F.installing, info: { ...F.installing.info, deploymentConfigName: 'Custom' } })]
    })
    cdMock.on(GetDeploymentConfigCommand).rejects(new Error('AccessDenied'))
    const io = await existing(GATE, { 'poll-interval-seconds': '60', 'wait-until': 'ready' })
    expect(io.errors[0]!.message).toMatch(/^Timed out after 30 minutes/)
  })

  describe('continue-deployment', () => {
    it('on Ready: reroutes (READY_WAIT), owns it, then watches it to success', async () => {
      script(GATE, {
        frames: [F.ready].map(withInfo),
        afterContinue: [F.shifting, F.terminationWait, F.succeeded].map(withInfo)
      })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(cdMock).toHaveReceivedCommandTimes(ContinueDeploymentCommand, 1)
      expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
        deploymentId: GATE,
        deploymentWaitType: 'READY_WAIT'
      })
      expect(io.lines).toContain(
        `Rerouting production traffic of ${GATE} to the replacement (ContinueDeployment READY_WAIT).`
      )
      expect(io.state[STATE.deploymentId]).toBe(GATE)
      expect(io.state[STATE.settled]).toBe('ended')
      expect(io.outputs['deployment-status']).toBe('Succeeded')
      expect(process.exitCode).toBeUndefined()
    })

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

    it('in the termination wait: ends it (TERMINATION_WAIT)', async () => {
      script(GATE, { frames: [F.terminationWait].map(withInfo), afterContinue: [F.succeeded].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
        deploymentId: GATE,
        deploymentWaitType: 'TERMINATION_WAIT'
      })
      expect(io.outputs['deployment-status']).toBe('Succeeded')
    })

    it('after the end: reports how it ended, continuing nothing', async () => {
      script(GATE, { frames: [F.succeeded].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true' })
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
      expect(io.state[STATE.deploymentId]).toBeUndefined()
      expect(io.outputs['deployment-status']).toBe('Succeeded')
    })

    it('never stops a deployment it only waited for: a timeout before Ready stops nothing', async () => {
      script(GATE, { frames: [F.installing].map(withInfo) })
      const io = await existing(GATE, { 'continue-deployment': 'true', 'timeout-minutes': '1' })
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
      expect(io.errors).toHaveLength(1)
      expect(io.errors[0]!.title).toBe('Deployment timed out')
      expect(process.exitCode).toBe(1)
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
    it('running: stops it with rollback; stopped and rolled back is exit 0', async () => {
      script(GATE, { frames: [F.installing].map(withInfo), afterStop: [F.stopped].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
        deploymentId: GATE,
        autoRollbackEnabled: true
      })
      expect(io.errors).toEqual([])
      expect(process.exitCode).toBeUndefined()
      expect(io.outputs['deployment-status']).toBe('Stopped')
      expect(io.outputs['rollback-deployment-id']).toBe(RB)
      expect(io.lines).toContain(`Stopped deployment ${GATE} with rollback.`)
      expect(io.log()).toContain(`Rollback deployment ${RB} succeeded`)
      expect(io.summaries[0]).toContain('Deployment stopped')
    })

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

    it('already succeeded: non-zero, naming the previous revision to redeploy', async () => {
      script(GATE, { frames: [F.succeeded].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(io.errors).toEqual([
        {
          message: `Deployment ${GATE} had already succeeded; there is nothing to stop. To roll back, deploy the previous revision (task-definition: ${PREVIOUS}).`,
          title: 'Nothing to stop'
        }
      ])
      expect(process.exitCode).toBe(1)
    })

    it('already failed: reports its rollback, exit 0', async () => {
      script(GATE, { frames: [F.failedInInstall].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(io.lines).toContain(`Deployment ${GATE} had already ended Failed; reporting its rollback.`)
      expect(io.errors).toEqual([])
      expect(process.exitCode).toBeUndefined()
    })

    it('a rollback that fails is non-zero', async () => {
      script(RB, { frames: [{ info: { status: 'Failed' }, target: target('Install', 'Failed') }] })
      script(GATE, { frames: [F.installing].map(withInfo), afterStop: [F.stopped].map(withInfo) })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(io.errors).toHaveLength(1)
      expect(process.exitCode).toBe(1)
    })

    it('succeeded before the stop took: non-zero, naming the previous revision', async () => {
      script(GATE, { frames: [F.shifting, F.succeeded].map(withInfo) })
      cdMock.on(StopDeploymentCommand).resolves({ status: 'Succeeded' })
      const io = await existing(GATE, { 'stop-deployment': 'true' })
      expect(io.errors).toHaveLength(1)
      expect(io.errors[0]!.message).toBe(
        `Deployment ${GATE} succeeded before it could be stopped. To roll back, deploy the previous revision (task-definition: ${PREVIOUS}).`
      )
    })
  })
})

// --- the post step ---------------------------------------------------------------------------

describe('post', () => {
  const saved = (settled: string, rollbackOnCancel = 'true'): FakeIo =>
    fakeIo({
      state: {
        [STATE.deploymentId]: ID,
        [STATE.settled]: settled,
        [STATE.rollbackOnCancel]: rollbackOnCancel
      }
    })

  it('an unsettled deployment is stopped with rollback and followed to the end', async () => {
    script(ID, { frames: [F.installing], afterStop: [F.stopped] })
    const io = saved('')
    await post(io)
    expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: ID,
      autoRollbackEnabled: true
    })
    expect(io.lines).toContain(`The deploy step did not finish: stopped deployment ${ID} with rollback.`)
    expect(io.lines).toContain(`Deployment ${ID} ended Stopped; its rollback ${RB} ended Succeeded.`)
  })

  it('sets the GitHub deployment the main step made to error, so it does not stay in progress', async () => {
    script(ID, { frames: [F.stopped] })
    const io = fakeIo({
      inputs: { 'github-token': 'ghs_x', 'environment-url': 'https://staging.example.com' },
      state: {
        [STATE.deploymentId]: ID,
        [STATE.settled]: 'stop-requested',
        [STATE.rollbackOnCancel]: 'true',
        [STATE.githubDeploymentId]: '7'
      }
    })
    await post(io)
    expect(io.githubCalls).toEqual([
      {
        method: 'createDeploymentStatus',
        params: expect.objectContaining({
          deployment_id: 7,
          state: 'error',
          environment_url: 'https://staging.example.com',
          description: expect.stringMatching(/^The deploy step did not finish\. Deployment d-/)
        })
      }
    ])
  })

  it.each(['goal', 'ended', 'handed-off'])('settled as %s: no call at all', async settled => {
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
    const io = saved('')
    await post(io)
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.lines).toContain(`Deployment ${ID} had already ended Succeeded.`)
  })

  it('a deployment that ends as it is stopped is still followed', async () => {
    script(ID, { frames: [F.installing, F.failedInInstall] })
    cdMock
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
    const io = saved('')
    await post(io)
    expect(io.lines).toContain(`Deployment ${ID} ended Failed; its rollback ${RB} ended Succeeded.`)
    expect(io.warnings).toEqual([])
  })

  it('rollback-on-cancel false: warns and leaves it running', async () => {
    const io = saved('', 'false')
    await post(io)
    expect(cdMock.calls()).toHaveLength(0)
    expect(io.warnings[0]!.title).toBe('Deployment left running')
  })

  it('a failure is a warning: the post step never fails the job on its own', async () => {
    cdMock.on(GetDeploymentCommand).rejects(new Error('socket hang up'))
    const io = saved('')
    await post(io)
    expect(io.warnings).toEqual([
      {
        message: `Could not stop or follow deployment ${ID}: socket hang up. Check it in the CodeDeploy console.`,
        title: 'Deployment may still run'
      }
    ])
    expect(io.errors).toEqual([])
  })
})

// --- the real Io that run() and post() default to ---------------------------------------------

describe('actionsIo', () => {
  const saved = { ...process.env }
  let dir: string
  let stdout: string[]

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'actions-io-'))
    for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
      process.env[name] = join(dir, name)
      writeFileSync(join(dir, name), '')
    }
    stdout = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk))
      return true
    })
  })

  afterEach(() => {
    jest.restoreAllMocks()
    process.env = { ...saved }
    rmSync(dir, { recursive: true, force: true })
  })

  it('speaks the runner protocol: inputs, log commands, outputs, state and the summary', async () => {
    process.env.INPUT_SERVICE = ' web '
    process.env.STATE_settled = 'goal'
    const io = actionsIo({ ...process.env })
    expect(io.input('service')).toBe('web')
    io.info('hello')
    io.warning('careful', 'Title')
    io.warning('plain')
    io.error('broken', 'Failed')
    io.error('plain error')
    io.startGroup('group')
    io.endGroup()
    expect(stdout.join('')).toBe(
      [
        'hello',
        '::warning title=Title::careful',
        '::warning::plain',
        '::error title=Failed::broken',
        '::error::plain error',
        '::group::group',
        '::endgroup::',
        ''
      ].join(EOL)
    )
    io.setOutput('deployment-id', 'd-AAAAAAAA1')
    io.saveState('settled', 'ended')
    expect(readFileSync(join(dir, 'GITHUB_OUTPUT'), 'utf8')).toMatch(/^deployment-id<<.*\nd-AAAAAAAA1\n/)
    expect(readFileSync(join(dir, 'GITHUB_STATE'), 'utf8')).toMatch(/^settled<<.*\nended\n/)
    expect(io.getState('settled')).toBe('goal')
    await io.summary('# Done')
    expect(readFileSync(join(dir, 'GITHUB_STEP_SUMMARY'), 'utf8')).toBe(`# Done${EOL}`)
    expect(io.context()).toBe(github.context)
  })

  it('writes no summary outside a runner', async () => {
    const env = { ...process.env, GITHUB_STEP_SUMMARY: '' }
    await actionsIo(env).summary('# Done')
    expect(readFileSync(join(dir, 'GITHUB_STEP_SUMMARY'), 'utf8')).toBe('')
  })

  it('reads files, keeps time and sleeps', async () => {
    const file = join(dir, 'td.json')
    writeFileSync(file, '{}')
    const io = actionsIo({})
    expect(io.exists(file)).toBe(true)
    expect(io.exists(join(dir, 'nope'))).toBe(false)
    expect(io.readFile(file)).toBe('{}')
    const before = io.now().getTime()
    await io.sleep(5)
    expect(io.now().getTime()).toBeGreaterThanOrEqual(before + 4)
  })

  it('makes the AWS clients once, on first use, and GitHub clients for GITHUB_API_URL', () => {
    const io = actionsIo({ AWS_REGION: 'eu-west-1', GITHUB_API_URL: 'https://ghe.example.com/api/v3' })
    expect(io.aws()).toBe(io.aws())
    expect(io.aws().region).toBe('eu-west-1')
    expect(io.github('t').request.endpoint.DEFAULTS.baseUrl).toBe('https://ghe.example.com/api/v3')
    expect(actionsIo({}).github('t').request.endpoint.DEFAULTS.baseUrl).toBe('https://api.github.com')
    expect(() => actionsIo({}).aws()).toThrow(AwsAccessError)
  })
})
