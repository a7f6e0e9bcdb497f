import { CodeDeployClient, GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { jest } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { Outputs } from '../../src/report/outputs.js'
import { CancelGuard } from '../../src/runtime/cancel-guard.js'
import { StepState } from '../../src/runtime/state.js'
import { type FakeIo, fakeIo } from './fake-io.js'

const stopClient = new CodeDeployClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' }
})
const stopMock = mockClient(stopClient)
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8'

let io: FakeIo
let exit: jest.Mock<() => void>
let unlisten: (() => void) | undefined

function guard(rollbackOnCancel = true): CancelGuard {
  return new CancelGuard(io, new StepState(io), new Outputs(io), rollbackOnCancel, () => stopClient, exit)
}

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
    await g.create(() => Promise.resolve({ id: 'd-AAAAAAAA1' }))
    await g.stopOwned('Timed out')
    expect(g.whatChanged).toBe(
      'What this step changed in AWS: created deployment d-AAAAAAAA1; stopped deployment d-AAAAAAAA1 with rollback.'
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
          'The run was cancelled (SIGINT). Deployment d-AAAAAAAA1 was stopped and is rolling back; the post step reports how the rollback ends.',
        title: 'Deployment cancelled'
      }
    ])
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
    expect(io.errors.map(e => e.message)).toEqual(['The run was cancelled (SIGTERM).'])
    expect(exit).toHaveBeenCalled()
    expect(io.exitCode).toBe(1)
  })

  it('a signal during CreateDeployment waits for its answer, then stops the new deployment and keeps its revision', async () => {
    const g = guard()
    const deregister = jest.fn(() => Promise.resolve())
    g.registered(ARN, deregister)
    unlisten = g.listen()
    let answer: (r: { id: string }) => void = () => undefined
    const creating = g.create(() => new Promise<{ id: string }>(r => (answer = r)))
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
      'The run was cancelled (SIGINT), and stopping deployment d-AAAAAAAA1 failed: connect ETIMEDOUT. The post step tries again; check the deployment in the console.'
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
