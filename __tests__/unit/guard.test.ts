import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { Outputs } from '../../src/report/outputs.js'
import { CancelGuard } from '../../src/runtime/cancel-guard.js'
import { StepState } from '../../src/runtime/state.js'
import { Reporter } from '../../src/report/report.js'
import { type FakeIo, T0, fakeIo } from './fake-io.js'

const stopClient = new CodeDeployClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' }
})
const stopMock = mockClient(stopClient)
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8'

let io: FakeIo
let exit: jest.Mock<() => void>
let unlisten: (() => void) | undefined

let reporter: Reporter

function guard(rollbackOnCancel = true): CancelGuard {
  reporter = new Reporter(io, new Outputs(io), new StepState(io), T0)
  return new CancelGuard(
    io,
    new StepState(io),
    reporter,
    rollbackOnCancel,
    { codedeploy: () => stopClient, ecs: () => io.aws().cancelEcs },
    exit
  )
}

const TARGET = {
  applicationName: 'AppECS-prod-web',
  deploymentGroupName: 'DgpECS-prod-web',
  appSpecSha256: 'a'.repeat(64)
}
/** An SDK error as AWS answers a refused call. */
const refusal = Object.assign(new Error('denied'), { $metadata: { httpStatusCode: 400 } })
const refused = (e: unknown): boolean => e === refusal

/** What the post step will read. */
const saved = (): ReturnType<StepState['read']> => new StepState(io).read()

/** Lets the signal handler's promise chain run to its end. */
const settle = (): Promise<void> => new Promise(r => setImmediate(r))

beforeEach(() => {
  stopMock.reset()
  stopMock.on(StopDeploymentCommand).resolves({ status: 'Pending' })
  stopMock.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Stopped' } })
  io = fakeIo()
  exit = jest.fn<() => void>()
})

afterEach(() => {
  unlisten?.()
  unlisten = undefined
})

describe('state for the post step', () => {
  it('saves rollback-on-cancel at once', () => {
    guard(false)
    expect(saved().rollbackOnCancel).toBe(false)
  })

  it('own saves the id as unsettled; settle saves how it settled', () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    expect(saved()).toMatchObject({ deploymentId: 'd-AAAAAAAA1', settled: undefined })
    expect(g.ownsLiveDeployment).toBe('d-AAAAAAAA1')
    g.settle('goal')
    expect(saved().settled).toBe('goal')
    expect(g.ownsLiveDeployment).toBeUndefined()
  })

  it('settle without an owned deployment saves nothing', () => {
    guard().settle('ended')
    expect(saved()).toEqual({ rollbackOnCancel: true })
  })

  it('owning again (continue after a wait) unsettles', () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    g.settle('ended')
    g.own('d-AAAAAAAA1')
    expect(saved().settled).toBeUndefined()
    expect(g.ownsLiveDeployment).toBe('d-AAAAAAAA1')
  })
})

describe('stopOwned', () => {
  it('stops an owned, unsettled deployment with rollback through the stop client', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    expect(await g.stopOwned('Timed out')).toBe('d-AAAAAAAA1')
    expect(stopMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(stopMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-AAAAAAAA1',
      autoRollbackEnabled: true
    })
    expect(saved().settled).toBe('stop-requested')
    expect(io.lines).toEqual([
      'Timed out: stopped deployment d-AAAAAAAA1 with rollback; production traffic goes back to the original task set.'
    ])
  })

  it('stops nothing it does not own', async () => {
    expect(await guard().stopOwned('Timed out')).toBeUndefined()
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('stops nothing settled', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    g.settle('goal')
    expect(await g.stopOwned('Timed out')).toBeUndefined()
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('with rollback-on-cancel false, warns and hands the deployment off', async () => {
    const g = guard(false)
    g.own('d-AAAAAAAA1')
    expect(await g.stopOwned('Timed out')).toBeUndefined()
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.warnings).toEqual([
      {
        message: 'Timed out; deployment d-AAAAAAAA1 goes on without this step (rollback-on-cancel: false).',
        title: 'Deployment left running'
      }
    ])
    expect(saved().settled).toBe('handed-off')
  })
})

describe('dropOrphan', () => {
  it('deregisters a revision no deployment uses, once, and says so', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    await g.dropOrphan()
    await g.dropOrphan()
    expect(deregister).toHaveBeenCalledTimes(1)
    expect(io.lines).toEqual([`Deregistered ${ARN}: no deployment uses it.`])
  })

  it('keeps a revision a deployment uses', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    g.own('d-AAAAAAAA1')
    await g.dropOrphan()
    expect(deregister).not.toHaveBeenCalled()
  })

  it('warns when deregistering fails', async () => {
    const g = guard()
    g.registered(ARN, () => Promise.reject(new Error('AccessDenied')))
    await g.dropOrphan()
    expect(io.warnings[0]!.message).toBe(
      `Could not deregister ${ARN} (AccessDenied); deregister it by hand if no deployment uses it.`
    )
  })
})

describe('whatChanged', () => {
  it('says nothing changed until something did, then lists each change in order', async () => {
    const g = guard()
    expect(g.whatChanged).toBe('This step changed nothing in AWS.')
    g.registered(ARN, () => Promise.resolve())
    g.changed('stopped deployment d-OTHER0001 with rollback (if-deployment-running: replace)')
    await g.dropOrphan()
    expect(g.whatChanged).toBe(
      `What this step changed in AWS: registered ${ARN}; stopped deployment d-OTHER0001 with rollback (if-deployment-running: replace); deregistered ${ARN} again (no deployment used it).`
    )
  })

  it('names the deployment created and the stop', async () => {
    const g = guard()
    await g.create(TARGET, () => Promise.resolve({ id: 'd-AAAAAAAA1' }), refused)
    await g.stopOwned('Timed out')
    expect(g.whatChanged).toBe(
      'What this step changed in AWS: created deployment d-AAAAAAAA1; stopped deployment d-AAAAAAAA1 with rollback.'
    )
  })
})

describe('create', () => {
  it('saves what finds the deployment before the call goes out, and forgets it once created', async () => {
    const g = guard()
    g.registered(ARN, () => Promise.resolve())
    let during: ReturnType<StepState['read']> | undefined
    await g.create(
      TARGET,
      () => {
        during = saved()
        return Promise.resolve({ id: 'd-AAAAAAAA1' })
      },
      refused
    )
    expect(during?.creating).toEqual({ ...TARGET, taskDefinitionArn: ARN, sentAt: T0.toISOString() })
    expect(saved()).toMatchObject({ deploymentId: 'd-AAAAAAAA1', creating: undefined })
  })

  it('a refusal from AWS: nothing was created, the revision is an orphan again', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    await expect(g.create(TARGET, () => Promise.reject(refusal), refused)).rejects.toBe(refusal)
    expect(saved().creating).toBeUndefined()
    await g.dropOrphan()
    expect(deregister).toHaveBeenCalledTimes(1)
  })

  it('no answer (the network, a timeout): the deployment may exist, so the revision stays for the post step', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    const lost = new Error('socket hang up')
    await expect(g.create(TARGET, () => Promise.reject(lost), refused)).rejects.toBe(lost)
    expect(saved().creating).toMatchObject(TARGET)
    await g.dropOrphan()
    expect(deregister).not.toHaveBeenCalled()
    expect(io.lines).toContain(
      `Kept ${ARN} registered: CreateDeployment gave no clear answer, so a deployment may use it. The post step finds out.`
    )
  })
})

describe('the timeout and a signal at once', () => {
  it('both get the one stop: StopDeployment is sent once', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    unlisten = g.listen()
    const byTimeout = g.stopOwned('Timed out after 1 minutes')
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(await byTimeout).toBe('d-AAAAAAAA1')
    expect(stopMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(io.errors).toHaveLength(1)
  })

  it('the flow stops at its next sleep, and its report is dropped for the cancellation', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    unlisten = g.listen()
    const flowIo = g.interruptible(io)
    let slept = false
    const sleeping = new Promise<void>(() => undefined)
    const sleeper = g.interruptible({ ...io, sleep: () => sleeping }).sleep(60_000)
    process.emit('SIGINT', 'SIGINT')
    await expect(sleeper).rejects.toThrow('The run was cancelled.')
    await expect(flowIo.sleep(1).then(() => (slept = true))).rejects.toThrow('cancelled')
    expect(slept).toBe(false)
    await reporter.end({ outcome: 'succeeded' })
    await settle()
    expect(io.summaries).toHaveLength(1)
    expect(io.summaries[0]).toContain('Run cancelled')
  })

  it('a signal after the step reached its result changes nothing', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    g.settle('ended')
    unlisten = g.listen()
    await reporter.end({ outcome: 'succeeded' })
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.errors).toEqual([])
    expect(io.summaries).toHaveLength(1)
    expect(exit).toHaveBeenCalled()
  })

  it('a deployment that ended just before the stop is not an error', async () => {
    stopMock
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }))
    const g = guard()
    g.own('d-AAAAAAAA1')
    expect(await g.stopOwned('Timed out after 1 minutes')).toBeUndefined()
    expect(saved().settled).toBe('ended')
    expect(io.lines).toContain(
      'Timed out after 1 minutes: deployment d-AAAAAAAA1 had already ended, there was nothing to stop.'
    )
  })
})

describe('signals', () => {
  it('SIGINT stops the owned deployment once, even when SIGTERM follows, and exits 1', async () => {
    const g = guard()
    g.own('d-AAAAAAAA1')
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    process.emit('SIGTERM', 'SIGTERM')
    await settle()
    expect(stopMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(stopMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-AAAAAAAA1',
      autoRollbackEnabled: true
    })
    expect(exit).toHaveBeenCalledTimes(1)
    expect(io.exitCode).toBe(1)
    expect(io.errors).toEqual([
      {
        message:
          'The run was cancelled (SIGINT). Deployment d-AAAAAAAA1 was stopped and is rolling back; the post step reports how the rollback ends. What this step changed in AWS: stopped deployment d-AAAAAAAA1 with rollback.',
        title: 'Deployment cancelled'
      }
    ])
    // The job summary says so too.
    expect(io.summaries[0]).toContain('Run cancelled')
    expect(io.summaries[0]).toContain('stopped deployment d-AAAAAAAA1 with rollback')
    expect(saved().settled).toBe('stop-requested')
    expect(io.outputs['deployment-status']).toBe('Stopped')
  })

  it('SIGTERM before any deployment deregisters the orphan revision and exits 1', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    unlisten = g.listen()
    process.emit('SIGTERM', 'SIGTERM')
    await settle()
    expect(deregister).toHaveBeenCalledTimes(1)
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.errors.map(e => e.message)).toEqual([
      `The run was cancelled (SIGTERM). What this step changed in AWS: registered ${ARN}; deregistered ${ARN} again (no deployment used it).`
    ])
    expect(exit).toHaveBeenCalled()
    expect(io.exitCode).toBe(1)
  })

  it('a signal during CreateDeployment waits for its answer, then stops the new deployment and keeps its revision', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    unlisten = g.listen()
    let answer: (r: { id: string }) => void = () => undefined
    const creating = g.create(TARGET, () => new Promise<{ id: string }>(r => (answer = r)), refused)
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(exit).not.toHaveBeenCalled()
    answer({ id: 'd-CREATED01' })
    await creating
    for (let i = 0; i < 5; i++) await settle()
    expect(deregister).not.toHaveBeenCalled()
    expect(stopMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-CREATED01',
      autoRollbackEnabled: true
    })
    expect(exit).toHaveBeenCalled()
    expect(io.exitCode).toBe(1)
  })

  it('with rollback-on-cancel false, leaves the deployment running and exits 1', async () => {
    const g = guard(false)
    g.own('d-AAAAAAAA1')
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(stopMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(io.warnings[0]!.title).toBe('Deployment left running')
    expect(saved().settled).toBe('handed-off')
    expect(exit).toHaveBeenCalled()
    expect(io.exitCode).toBe(1)
  })

  it('a failed StopDeployment is one error line, and the post step is left to retry', async () => {
    stopMock.on(StopDeploymentCommand).rejects(new Error('connect ETIMEDOUT'))
    const g = guard()
    g.own('d-AAAAAAAA1')
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(io.errors).toHaveLength(1)
    expect(io.errors[0]!.message).toBe(
      'The run was cancelled (SIGINT), and stopping deployment d-AAAAAAAA1 failed: connect ETIMEDOUT. The post step tries again; check the deployment in the console. This step changed nothing in AWS.'
    )
    expect(saved().settled).toBeUndefined()
    expect(exit).toHaveBeenCalled()
    expect(io.exitCode).toBe(1)
  })

  it('unlisten removes both handlers', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const stop = guard().listen()
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([
      before[0]! + 1,
      before[1]! + 1
    ])
    stop()
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before)
  })
})

describe('the one-off task', () => {
  const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef'

  it('records the task RunTask started for the post step, and forgets it when done', async () => {
    const g = guard()
    await g.startTask(
      () => Promise.resolve({ tasks: [{ taskArn: TASK }] }),
      o => o.tasks[0]?.taskArn,
      () => Promise.resolve()
    )
    expect(saved().runningTask).toEqual({ cluster: 'prod', taskArn: TASK })
    g.taskDone()
    expect(saved().runningTask).toBeUndefined()
  })

  it('records nothing when RunTask started no task', async () => {
    await guard().startTask(
      () => Promise.resolve({ tasks: [] as { taskArn: string }[] }),
      o => o.tasks[0]?.taskArn,
      () => Promise.resolve()
    )
    expect(saved().runningTask).toBeUndefined()
  })

  it('SIGINT stops the running task before the revision is deregistered, and clears it', async () => {
    const g = guard()
    const order: string[] = []
    g.registered(ARN, () => {
      order.push('deregister')
      return Promise.resolve()
    })
    const stop = jest.fn((arn: string) => {
      order.push(`stop ${arn}`)
      return Promise.resolve()
    })
    await g.startTask(
      () => Promise.resolve(TASK),
      arn => arn,
      stop
    )
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    await settle()
    await settle()
    expect(order).toEqual([`stop ${TASK}`, 'deregister'])
    expect(io.lines).toContain(`The run was cancelled (SIGINT): stopped task ${TASK}.`)
    expect(saved().runningTask).toBeUndefined()
    expect(exit).toHaveBeenCalledTimes(1)
  })

  it('a stop that fails is a warning, and the post step keeps the task to stop', async () => {
    const g = guard()
    await g.startTask(
      () => Promise.resolve(TASK),
      arn => arn,
      () => Promise.reject(new Error('connect ETIMEDOUT'))
    )
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    await settle()
    await settle()
    expect(io.warnings).toContainEqual({
      message: `The run was cancelled (SIGINT), and stopping task ${TASK} failed (connect ETIMEDOUT); the post step tries again.`,
      title: 'Task may still run'
    })
    expect(saved().runningTask?.taskArn).toBe(TASK)
  })

  it('a task handed off (not waited for) is not stopped on cancel', async () => {
    const g = guard()
    const stop = jest.fn(() => Promise.resolve())
    await g.startTask(
      () => Promise.resolve(TASK),
      arn => arn,
      stop
    )
    g.taskDone()
    unlisten = g.listen()
    process.emit('SIGINT', 'SIGINT')
    await settle()
    expect(stop).not.toHaveBeenCalled()
  })
})
