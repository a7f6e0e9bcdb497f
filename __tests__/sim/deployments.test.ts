// Deployments played through the real CodeDeploy/ECS SDK clients against the simulator.
import {
  ContinueDeploymentCommand,
  GetApplicationRevisionCommand,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  DeploymentIsNotInReadyStateException,
  DeploymentAlreadyCompletedException
} from '@aws-sdk/client-codedeploy'
import { LIFECYCLE_EVENTS } from '../../src/backends/codedeploy/lifecycle-events.js'
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs'
import { startSimulator, type Simulator } from '../../sim/server.js'
import { scenarios, type Scenario } from '../../sim/scenarios.js'
import { appSpec, clients, deploy, greenWeights, play, read, WEB, WEB_TD } from './helpers.js'

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

async function frozen(scenario: Scenario): Promise<ReturnType<typeof clients>> {
  sim = await startSimulator({ scenario, timeScale: 0 })
  return clients(sim)
}

/** `scenario` deployed once and played to its end, a frame every `step` simulated seconds. */
async function playedToEnd(scenario: Scenario, step: number) {
  const { cd, ecs } = await frozen(scenario)
  const id = await deploy(cd)
  const frames = await play(sim, cd, id, { step })
  return { cd, ecs, id, frames, last: frames.at(-1)! }
}

describe('traffic shifting follows the deployment configuration', () => {
  test('all at once: events in order, one jump to 100, PRIMARY swap, termination wait, blue removed', async () => {
    const { cd, ecs } = await frozen(scenarios['all-at-once'])
    const id = await deploy(cd)
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/)
    const frames = await play(sim, cd, id, { step: 2 })

    expect(frames[0]!.status).toBe('Created')
    // Events run one at a time, in order: each frame has a Succeeded prefix and at most one InProgress.
    for (const f of frames.slice(1)) expect(f.events).toMatch(/^S*I?P*$/)
    expect(frames.map(f => f.events)).toEqual(expect.arrayContaining(['SIPPPPPP', 'SSSSSSIP', 'SSSSSSSS']))
    expect(greenWeights(frames)).toEqual([0, 100])
    const waiting = frames.find(f => f.terminationWait)!
    expect(waiting.status).toBe('InProgress')
    // Real CodeDeploy: the target is Succeeded, the flag never set (aws/containers-roadmap#269).
    expect(waiting.events).toBe('SSSSSSSS')
    expect(frames.some(f => f.flag)).toBe(false)
    expect(waiting.weights).toBe('Blue:0 Green:100')
    expect(waiting.target!.taskSetsInfo!.map(t => t.status)).toEqual(['ACTIVE', 'PRIMARY'])
    const last = frames.at(-1)!
    expect(last.status).toBe('Succeeded')
    expect(last.weights).toBe('Green:100')
    const names = last.target!.lifecycleEvents!.map(e => e.lifecycleEventName)
    // All eight events, in the order the action reads them in.
    expect(names).toEqual(LIFECYCLE_EVENTS)
    expect(last.info.completeTime).toBeInstanceOf(Date)
    expect(last.info.completeTime!.getTime() - last.info.startTime!.getTime()).toBeGreaterThanOrEqual(
      5 * 60 * 1000
    )

    const service = (
      await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] }))
    ).services![0]!
    expect(service.taskDefinition).toBe(WEB_TD(2))
    expect(service.deployments).toEqual([])
    expect(service.taskSets).toHaveLength(1)
    expect(service.taskSets![0]).toMatchObject({
      status: 'PRIMARY',
      externalId: id,
      startedBy: 'CODE_DEPLOY'
    })
    expect(service.loadBalancers![0]!.targetGroupArn).toContain('targetgroup/web-tg-green/')
    expect(service.events!.map(e => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/has reached a steady state/)])
    )

    // The next deployment goes back to the first target group.
    const second = await deploy(cd, appSpec(WEB_TD(3)))
    await play(sim, cd, second, { step: 5 })
    const after = (await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] })))
      .services![0]!
    expect(after.loadBalancers![0]!.targetGroupArn).toContain('targetgroup/web-tg-blue/')
    const group = (await cd.send(new GetDeploymentGroupCommand(WEB))).deploymentGroupInfo!
    expect(group.lastSuccessfulDeployment?.deploymentId).toBe(second)
    const previous = (await cd.send(new GetDeploymentCommand({ deploymentId: second }))).deploymentInfo!
      .previousRevision
    expect(previous?.appSpecContent?.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  test('canary 10% / 5 minutes: 10, then 100 five simulated minutes later', async () => {
    const { frames } = await playedToEnd(scenarios.canary, 5)
    expect(greenWeights(frames)).toEqual([0, 10, 100])
    const at = (w: number): number => frames.findIndex(f => f.weights === `Blue:${100 - w} Green:${w}`)
    expect(at(10)).toBeGreaterThan(0)
    // 5 minutes in 5-second steps: about 60 polls apart, but one distinct frame.
    expect(frames.at(-1)!.status).toBe('Succeeded')
  })

  test('linear 10% every minute: ten steps of ten', async () => {
    const { frames } = await playedToEnd(scenarios.linear, 10)
    expect(greenWeights(frames)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    expect(frames.at(-1)!.status).toBe('Succeeded')
  })

  test('on the real clock a canary deployment takes a few seconds at the default time scale', async () => {
    sim = await startSimulator({ scenario: scenarios.canary })
    const { cd } = clients(sim)
    const started = Date.now()
    const frames = await play(sim, cd, await deploy(cd), { pollMs: 25 })
    expect(Date.now() - started).toBeLessThan(8000)
    expect(greenWeights(frames)).toEqual(expect.arrayContaining([10, 100]))
    expect(frames.at(-1)!.status).toBe('Succeeded')
  })

  test('without a test listener the test-traffic events are Skipped', async () => {
    const { frames } = await playedToEnd(scenarios['no-test-listener'], 5)
    expect(frames.at(-1)!.events).toBe('SSSKKSSS')
  })
})

describe('waits and interventions', () => {
  test('ready wait: Ready until ContinueDeployment(READY_WAIT); continuing twice is refused', async () => {
    const { cd } = await frozen(scenarios['ready-wait'])
    const id = await deploy(cd)
    await expect(
      cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    ).rejects.toBeInstanceOf(DeploymentIsNotInReadyStateException)
    const frames = await play(sim, cd, id, { step: 5, until: f => f.status === 'Ready' })
    const ready = frames.at(-1)!
    expect(ready.events).toBe('SSSSSPPP')
    expect(ready.target!.status).toBe('Ready')
    expect(ready.info.deploymentOverview?.Ready).toBe(1)
    expect(ready.weights).toBe('Blue:100 Green:0')
    sim.advance(30 * 60)
    expect((await read(cd, id)).status).toBe('Ready')

    await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    expect((await read(cd, id)).status).toBe('InProgress')
    const rest = await play(sim, cd, id, { step: 5 })
    expect(rest.at(-1)!.status).toBe('Succeeded')
    await expect(
      cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    ).rejects.toBeInstanceOf(DeploymentAlreadyCompletedException)
  })

  test('ready wait that expires: Stopped', async () => {
    const { cd } = await frozen(scenarios['ready-wait'])
    const id = await deploy(cd)
    await play(sim, cd, id, { step: 5, until: f => f.status === 'Ready' })
    sim.advance(61 * 60)
    const f = await read(cd, id)
    expect(f.status).toBe('Stopped')
    expect(f.info.errorInformation?.code).toBe('TIMEOUT')
  })

  test.each([
    ['real CodeDeploy: the flag never set', {}, false],
    ['the fixed world: the flag set', { setsTerminationWaitFlag: true }, true]
  ])(
    'termination wait (%s): InProgress, target Succeeded, until ContinueDeployment(TERMINATION_WAIT)',
    async (_, world, flag) => {
      const { cd } = await frozen({ ...scenarios['long-termination-wait'], ...world })
      const id = await deploy(cd)
      const frames = await play(sim, cd, id, { step: 5, until: f => f.terminationWait })
      expect(frames.at(-1)).toMatchObject({ status: 'InProgress', events: 'SSSSSSSS', flag })
      expect(frames.at(-1)!.target!.status).toBe('Succeeded')
      sim.advance(60 * 60)
      expect((await read(cd, id)).status).toBe('InProgress')
      // The group stays busy through the termination wait.
      await expect(deploy(cd, appSpec(WEB_TD(1)))).rejects.toBeInstanceOf(DeploymentLimitExceededException)
      await cd.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' })
      )
      // The original task set drains before the deployment ends: the target shows it.
      const draining = await read(cd, id)
      expect(draining.target!.taskSetsInfo!.find(t => t.taskSetLabel === 'Blue')?.status).toBe('DRAINING')
      const rest = await play(sim, cd, id, { step: 2 })
      expect(rest.at(-1)!.status).toBe('Succeeded')
      expect(rest.at(-1)!.info.completeTime!.getTime() - rest.at(-1)!.info.startTime!.getTime()).toBeLessThan(
        110 * 60 * 1000
      )
    }
  )

  test('GetDeployment names the AppSpec by its sha256 only; GetApplicationRevision returns it', async () => {
    const { cd } = await frozen(scenarios['all-at-once'])
    const content = appSpec(WEB_TD(2))
    const id = await deploy(cd, content)
    const revision = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!.revision!
    expect(revision.appSpecContent?.content).toBeUndefined()
    const sha256 = revision.appSpecContent!.sha256!
    const stored = await cd.send(
      new GetApplicationRevisionCommand({
        applicationName: WEB.applicationName,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256 } }
      })
    )
    expect(stored.revision?.appSpecContent?.content).toBe(content)
  })

  test('stop with rollback: Stopped/MANUAL_STOP, then a codeDeployRollback deployment returns traffic to blue', async () => {
    const { cd, ecs } = await frozen(scenarios.linear)
    const id = await deploy(cd)
    await play(sim, cd, id, { step: 10, until: f => f.weights === 'Blue:70 Green:30' })
    const stop = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    expect(stop.status).toBe('Pending')
    const stopped = await read(cd, id)
    expect(stopped.status).toBe('Stopped')
    expect(stopped.info.errorInformation?.code).toBe('MANUAL_STOP')
    expect(stopped.weights).toBe('Blue:70 Green:30')
    expect(stopped.info.rollbackInfo?.rollbackDeploymentId).toBeUndefined()
    const withRollback = await play(sim, cd, id, {
      step: 1,
      until: f => Boolean(f.info.rollbackInfo?.rollbackDeploymentId)
    })
    const rollbackId = withRollback.at(-1)!.info.rollbackInfo!.rollbackDeploymentId!

    const rb = await play(sim, cd, rollbackId, { step: 2 })
    expect(rb.at(-1)!.status).toBe('Succeeded')
    expect(rb.at(-1)!.info.creator).toBe('codeDeployRollback')
    expect(rb.at(-1)!.info.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(id)
    expect(greenWeights(rb)).toEqual([30, 0])
    expect(rb.at(-1)!.weights).toBe('Blue:100')
    const service = (
      await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] }))
    ).services![0]!
    expect(service.taskDefinition).toBe(WEB_TD(3))
    expect(service.taskSets!.map(t => t.status)).toEqual(['PRIMARY'])
    expect((await read(cd, id)).info.rollbackInfo?.rollbackMessage).toMatch(/succeeded/)
    await expect(cd.send(new StopDeploymentCommand({ deploymentId: id }))).rejects.toBeInstanceOf(
      DeploymentAlreadyCompletedException
    )
  })

  test('stop without rollback leaves the task sets as they are', async () => {
    const { cd } = await frozen(scenarios.linear)
    const id = await deploy(cd)
    await play(sim, cd, id, { step: 10, until: f => f.weights === 'Blue:80 Green:20' })
    expect(
      (await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: false }))).status
    ).toBe('Succeeded')
    sim.advance(600)
    const f = await read(cd, id)
    expect(f.status).toBe('Stopped')
    expect(f.info.rollbackInfo).toBeUndefined()
    // The group's history: the deployment that put the current revision in place, then this one.
    expect((await cd.send(new ListDeploymentsCommand(WEB))).deployments).toEqual([id, 'd-HISTORY01'])
  })
})

describe('failures', () => {
  test('hook failure: the event Failed with ScriptFailed diagnostics, HOOK_EXECUTION_FAILURE, rollback succeeds', async () => {
    const { cd, id, last } = await playedToEnd(scenarios['hook-failure'], 2)
    expect(last.status).toBe('Failed')
    expect(last.events).toBe('SSSSFKKK')
    expect(last.info.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE')
    const failed = last.target!.lifecycleEvents![4]!
    expect(failed.diagnostics).toMatchObject({
      errorCode: 'ScriptFailed',
      logTail: expect.stringContaining('503')
    })
    const rb = await play(sim, cd, id, {
      step: 1,
      until: f => Boolean(f.info.rollbackInfo?.rollbackDeploymentId)
    })
    const rollback = await play(sim, cd, rb.at(-1)!.info.rollbackInfo!.rollbackDeploymentId!, { step: 2 })
    expect(rollback.at(-1)!.status).toBe('Succeeded')
  })

  test('alarm at traffic step 3: Stopped with ALARM_ACTIVE naming the alarm, then rolled back', async () => {
    const { cd, id, frames, last } = await playedToEnd(scenarios.alarm, 5)
    expect(last.status).toBe('Stopped')
    expect(greenWeights(frames)).toEqual([0, 10, 20, 30])
    expect(last.info.errorInformation).toMatchObject({
      code: 'ALARM_ACTIVE',
      message: expect.stringContaining('web-5xx')
    })
    expect(last.events.charAt(6)).toBe('F')
    sim.advance(5)
    const rollbackId = (await read(cd, id)).info.rollbackInfo?.rollbackDeploymentId
    expect(rollbackId).toMatch(/^d-/)
    expect((await play(sim, cd, rollbackId!, { step: 5 })).at(-1)!.status).toBe('Succeeded')
  })

  test('replacement tasks stop during Install: stopped tasks are visible, Install fails with ECS_UPDATE_ERROR', async () => {
    const { ecs, last } = await playedToEnd(scenarios['tasks-stopping'], 10)
    expect(last.status).toBe('Failed')
    expect(last.events).toBe('SFKKKKKK')
    expect(last.info.errorInformation?.code).toBe('ECS_UPDATE_ERROR')
    const green = last.target!.taskSetsInfo!.find(t => t.taskSetLabel === 'Green')!
    const stoppedArns = (
      await ecs.send(
        new ListTasksCommand({ cluster: 'sim-cluster', startedBy: green.identifer, desiredStatus: 'STOPPED' })
      )
    ).taskArns!
    expect(stoppedArns).toHaveLength(3)
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'sim-cluster', tasks: stoppedArns })))
      .tasks!
    expect(tasks[0]).toMatchObject({
      startedBy: green.identifer,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [
        expect.objectContaining({ exitCode: 1, reason: expect.stringContaining('Cannot find module') })
      ]
    })
    expect(tasks[0]!.stoppedAt).toBeInstanceOf(Date)
  })

  test('a rollback that fails ends Failed and says so on the original', async () => {
    const { cd } = await frozen(scenarios['rollback-fails'])
    const id = await deploy(cd)
    await play(sim, cd, id, { step: 5 })
    const orig = await play(sim, cd, id, {
      step: 1,
      until: f => Boolean(f.info.rollbackInfo?.rollbackDeploymentId)
    })
    const rb = await play(sim, cd, orig.at(-1)!.info.rollbackInfo!.rollbackDeploymentId!, { step: 2 })
    expect(rb.at(-1)!.status).toBe('Failed')
    expect((await read(cd, id)).info.rollbackInfo?.rollbackMessage).toMatch(/failed/)
  })

  test('with auto rollback off a failure leaves the replacement in place', async () => {
    const { cd } = await frozen(scenarios['no-rollback'])
    const id = await deploy(cd)
    const last = (await play(sim, cd, id, { step: 5 })).at(-1)!
    expect(last.status).toBe('Failed')
    expect(last.events).toBe('SSSSSFKK')
    sim.advance(300)
    expect((await read(cd, id)).info.rollbackInfo).toBeUndefined()
  })
})

describe('deployments that exist when the simulator starts', () => {
  test("another user's deployment blocks the group; its id is in the message and in ListDeployments", async () => {
    const { cd } = await frozen(scenarios.busy)
    const [active] = (
      await cd.send(
        new ListDeploymentsCommand({ ...WEB, includeOnlyStatuses: ['Created', 'InProgress', 'Ready'] })
      )
    ).deployments!
    expect(active).toMatch(/^d-/)
    const err = await deploy(cd).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DeploymentLimitExceededException)
    expect((err as Error).message).toBe(
      `The Deployment Group 'DgpECS-sim-cluster-web' already has an active Deployment '${active!}'`
    )
    const info = (await read(cd, active!)).info
    expect(info).toMatchObject({
      creator: 'user',
      status: 'InProgress',
      description: 'deployed by alice from her laptop'
    })
    expect(info.createTime!.getTime()).toBeLessThan(sim.now().getTime())
  })

  test('a deployment parked in Ready, and one in its termination wait', async () => {
    const { cd } = await frozen(scenarios['parked-ready'])
    const [ready] = (await cd.send(new ListDeploymentsCommand(WEB))).deployments!
    expect((await read(cd, ready!)).status).toBe('Ready')
    await sim.close()
    const again = await frozen(scenarios['parked-termination-wait'])
    const [waiting] = (await again.cd.send(new ListDeploymentsCommand(WEB))).deployments!
    const f = await read(again.cd, waiting!)
    expect(f).toMatchObject({
      status: 'InProgress',
      terminationWait: true,
      flag: false,
      weights: 'Blue:0 Green:100'
    })
    const targets = await again.cd.send(new ListDeploymentTargetsCommand({ deploymentId: waiting! }))
    expect(targets.targetIds).toEqual(['sim-cluster:web'])
  })
})
