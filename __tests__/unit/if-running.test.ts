import {
  ContinueDeploymentCommand,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { mockCodeDeploy } from './mock-clients.js'
import type { WaitBehind } from '../../src/backends/backend.js'
import { freeDeploymentGroup } from '../../src/backends/codedeploy/if-running.js'
import { ActionError } from '../../src/runtime/errors.js'
import { initialView } from '../../src/watch/progress.js'
import type { DeploymentSnapshot, Phase } from '../../src/watch/snapshot.js'
import type { WatchGoal, WatchResult } from '../../src/watch/watch.js'
import { TARGET, accessDenied, running, shiftedTarget } from './aws-fixtures.js'

const { cdMock, cd } = mockCodeDeploy()
const url = (id: string): string => `https://console/${id}`
const T0 = new Date('2026-11-27T14:00:00Z')

function snapshot(id: string, phase: Phase): DeploymentSnapshot {
  return { id, status: phase, phase, events: [], taskSets: [], statusMessages: [], stoppedTasks: [] }
}

/**
 * The group has `deployments` running one after the other; each ends when it has been waited
 * behind, unless `phases` says how the watch of that deployment ends, one entry per watch.
 * `targets` are their ECS targets by id (none: the deployment has not started one).
 */
function group(
  deployments: DeploymentInfo[],
  targets: Record<string, ECSTarget> = {}
): {
  behind: WaitBehind
  waited: string[]
  log: string[]
  changed: string[]
  /** Per wait: whether a termination wait it meets may be ended (the watch stops at it). */
  ends: boolean[]
  /** The goal of every watch, in order. */
  goals: WatchGoal[]
  phases: Partial<WatchResult>[]
} {
  const queue = [...deployments]
  const waited: string[] = []
  const log: string[] = []
  const changed: string[] = []
  const ends: boolean[] = []
  const phases: Partial<WatchResult>[] = []
  const goals: WatchGoal[] = []
  cdMock.on(ListDeploymentsCommand).callsFake(() => ({
    deployments: queue.length ? [queue[0]!.deploymentId] : []
  }))
  cdMock.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => ({
    deploymentInfo: queue.find(d => d.deploymentId === input.deploymentId)
  }))
  cdMock.on(ListDeploymentTargetsCommand).callsFake((input: { deploymentId: string }) => ({
    targetIds: targets[input.deploymentId] ? ['prod:web'] : []
  }))
  cdMock.on(GetDeploymentTargetCommand).callsFake((input: { deploymentId: string }) => ({
    deploymentTarget: { ecsTarget: targets[input.deploymentId] }
  }))
  const watch = (id: string, goal: WatchGoal): Promise<WatchResult> => {
    goals.push(goal)
    if (!waited.includes(id)) {
      waited.push(id)
      ends.push(goal === 'termination-wait')
    }
    const next = phases.shift()
    if (!next) queue.shift()
    return Promise.resolve({
      outcome: 'goal',
      snapshot: snapshot(id, 'succeeded'),
      view: initialView(T0),
      ...next
    })
  }
  return {
    waited,
    log,
    changed,
    ends,
    goals,
    phases,
    behind: {
      watch: { watch, rollbackOf: () => Promise.resolve(undefined) },
      deadline: () => T0,
      timeoutMinutes: 30,
      log: line => {
        log.push(line)
      },
      changed: what => {
        changed.push(what)
      },
      consoleUrl: url
    }
  }
}

describe('freeDeploymentGroup', () => {
  it('returns at once when nothing runs, asking only for running statuses', async () => {
    const { behind, waited } = group([])
    await freeDeploymentGroup(cd, TARGET, 'fail', behind)
    expect(waited).toEqual([])
    expect(cdMock).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      ...TARGET,
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready', 'Baking']
    })
  })

  it('fail: names the running deployment, its creator, start time and console link', async () => {
    const { behind } = group([running()])
    const e = (await freeDeploymentGroup(cd, TARGET, 'fail', behind).catch((x: unknown) => x)) as ActionError
    expect(e).toBeInstanceOf(ActionError)
    expect(e.title).toBe('Deployment already running')
    expect(e.message).toBe(
      'Deployment group DgpECS-prod-web already has a deployment in progress: d-RUNNING01 (InProgress started 2026-11-27T13:55:00Z by user; https://console/d-RUNNING01).'
    )
    expect(e.hint).toContain('if-deployment-running: wait')
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
  })

  it('wait: streams the running deployment, then proceeds', async () => {
    const { behind, waited, log } = group([running(), running({ deploymentId: 'd-RUNNING02' })])
    await freeDeploymentGroup(cd, TARGET, 'wait', behind)
    expect(waited).toEqual(['d-RUNNING01', 'd-RUNNING02'])
    expect(log[0]).toMatch(/^Waiting for d-RUNNING01 \(InProgress .*\) to end before deploying\.$/)
    expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
  })

  it('wait: a deployment parked in Ready fails, naming it', async () => {
    const { behind, waited } = group([running({ status: 'Ready' })])
    const e = (await freeDeploymentGroup(cd, TARGET, 'wait', behind).catch((x: unknown) => x)) as ActionError
    expect(e.message).toMatch(/^Deployment d-RUNNING01 \(Ready .*\) waits in Ready/)
    expect(e.hint).toContain('continue-deployment: true')
    expect(waited).toEqual([])
  })

  it('replace: stops with rollback, then waits for it (and the rollback) to end', async () => {
    const rollback = running({ deploymentId: 'd-ROLLBACK1', creator: 'codeDeployRollback' })
    const { behind, waited, log, changed } = group([running({ status: 'Ready' }), rollback])
    await freeDeploymentGroup(cd, TARGET, 'replace', behind)
    expect(changed).toEqual(['stopped deployment d-RUNNING01 with rollback (if-deployment-running: replace)'])
    expect(cdMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
    expect(cdMock).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-RUNNING01',
      autoRollbackEnabled: true
    })
    expect(waited).toEqual(['d-RUNNING01', 'd-ROLLBACK1'])
    expect(log[0]).toMatch(/^Replacing d-RUNNING01 .*: stopping it with rollback\.$/)
    expect(log[1]).toContain('is rolling back')
  })

  /** A deployment in its termination wait, as real CodeDeploy shows it and as the flag would. */
  const inTerminationWait: [string, () => ReturnType<typeof group>][] = [
    ['its target Succeeded', () => group([running()], { 'd-RUNNING01': shiftedTarget('Succeeded') })],
    ['the flag set', () => group([running({ instanceTerminationWaitTimeStarted: true })])]
  ]

  describe.each(inTerminationWait)('a deployment in its termination wait (%s)', (_, busy) => {
    it.each(['wait', 'replace'] as const)('%s: ends that wait, never rolls it back', async policy => {
      const { behind, waited, log, goals, phases } = busy()
      cdMock.on(ContinueDeploymentCommand).resolves({})
      phases.push({ snapshot: snapshot('d-RUNNING01', 'termination-wait') })
      await freeDeploymentGroup(cd, TARGET, policy, behind)
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
        deploymentId: 'd-RUNNING01',
        deploymentWaitType: 'TERMINATION_WAIT'
      })
      expect(waited).toEqual(['d-RUNNING01'])
      expect(goals).toEqual(['termination-wait', 'succeeded'])
      expect(log[0]).toContain('in its termination wait')
    })

    it('fail: still fails, touching nothing', async () => {
      const { behind } = busy()
      await expect(freeDeploymentGroup(cd, TARGET, 'fail', behind)).rejects.toThrow(
        /already has a deployment in progress: d-RUNNING01 \(InProgress, in its termination wait/
      )
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
    })
  })

  it('replace: a deployment whose traffic moved but whose target is not Succeeded yet is stopped', async () => {
    const { behind } = group([running()], { 'd-RUNNING01': shiftedTarget('InProgress') })
    await freeDeploymentGroup(cd, TARGET, 'replace', behind)
    expect(cdMock).toHaveReceivedCommandTimes(StopDeploymentCommand, 1)
  })

  it('without permission to list deployments, leaves the check to CreateDeployment', async () => {
    const { behind, waited, log } = group([])
    cdMock
      .on(ListDeploymentsCommand)
      .rejects(
        Object.assign(new Error('not authorized to ListDeployments'), { name: 'AccessDeniedException' })
      )
    await freeDeploymentGroup(cd, TARGET, 'fail', behind)
    expect(waited).toEqual([])
    expect(log).toEqual([expect.stringContaining('CreateDeployment will tell if one is running')])
  })

  it('takes a listed deployment that has ended meanwhile for a free group', async () => {
    const { behind, waited } = group([])
    cdMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-ENDED0001'] })
    cdMock
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: running({ deploymentId: 'd-ENDED0001', status: 'Succeeded' }) })
    await freeDeploymentGroup(cd, TARGET, 'fail', behind)
    expect(waited).toEqual([])
  })

  it.each(['fail', 'wait', 'replace'] as const)(
    '%s: a rollback CodeDeploy started is always waited for, never stopped',
    async policy => {
      const { behind, waited, ends } = group([running({ creator: 'codeDeployRollback', status: 'Ready' })])
      await freeDeploymentGroup(cd, TARGET, policy, behind)
      expect(waited).toEqual(['d-RUNNING01'])
      // Under fail it is waited for to its very end; wait and replace may end its termination wait.
      expect(ends).toEqual([policy !== 'fail'])
      expect(cdMock).not.toHaveReceivedCommand(StopDeploymentCommand)
      expect(cdMock).not.toHaveReceivedCommand(ContinueDeploymentCommand)
    }
  )

  it('ends the termination wait it meets under wait, then follows the deployment to its end', async () => {
    const { behind, phases, log, goals, changed } = group([running()])
    cdMock.on(ContinueDeploymentCommand).resolves({})
    phases.push({ snapshot: snapshot('d-RUNNING01', 'termination-wait') })
    await freeDeploymentGroup(cd, TARGET, 'wait', behind)
    expect(cdMock).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
      deploymentId: 'd-RUNNING01',
      deploymentWaitType: 'TERMINATION_WAIT'
    })
    expect(goals).toEqual(['termination-wait', 'succeeded'])
    expect(log).toContain(
      'Ending the termination wait of d-RUNNING01 (ContinueDeployment TERMINATION_WAIT): its release is done.'
    )
    expect(changed).toEqual(['ended the termination wait of deployment d-RUNNING01 (if-deployment-running)'])
  })

  it('without codedeploy:ContinueDeployment, waits the termination wait out within timeout-minutes', async () => {
    const { behind, phases, log, goals } = group([running()])
    cdMock.on(ContinueDeploymentCommand).rejects(accessDenied())
    phases.push(
      { snapshot: snapshot('d-RUNNING01', 'termination-wait') },
      { outcome: 'timeout', snapshot: snapshot('d-RUNNING01', 'termination-wait') }
    )
    const e = (await freeDeploymentGroup(cd, TARGET, 'wait', behind).catch((x: unknown) => x)) as ActionError
    expect(goals).toEqual(['termination-wait', 'succeeded'])
    expect(log[2]).toBe(
      'Could not end the termination wait of d-RUNNING01 (AccessDeniedException); waiting for it to end, at most 30 minutes (timeout-minutes). Allow codedeploy:ContinueDeployment to end such waits at once.'
    )
    expect(e).toBeInstanceOf(ActionError)
    expect(e.message).toContain('did not end within 30 minutes')
  })

  it('raises what else ContinueDeployment answers', async () => {
    const { behind, phases } = group([running()], { 'd-RUNNING01': shiftedTarget('Succeeded') })
    cdMock
      .on(ContinueDeploymentCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'InternalFailure' }))
    phases.push({ snapshot: snapshot('d-RUNNING01', 'termination-wait') })
    await expect(freeDeploymentGroup(cd, TARGET, 'wait', behind)).rejects.toThrow('boom')
  })

  it('gives up waiting when the deployment outlasts timeout-minutes', async () => {
    const { behind, phases } = group([running()])
    phases.push({ outcome: 'timeout', snapshot: snapshot('d-RUNNING01', 'installing') })
    const e = (await freeDeploymentGroup(cd, TARGET, 'wait', behind).catch((x: unknown) => x)) as ActionError
    expect(e).toBeInstanceOf(ActionError)
    expect(e.message).toBe(
      'Deployment d-RUNNING01 did not end within 30 minutes; this step gave up waiting behind it.'
    )
  })
})
