// if-deployment-running: fail, wait and replace against a deployment group that is busy, parked
// in Ready, or in its termination wait; a rollback CodeDeploy started is always waited for.
import { scenarios } from '../../sim/scenarios.js'
import {
  WEB,
  WORLDS,
  body,
  callsTo,
  inWorld,
  logText,
  onlyError,
  useSimulatorRuns,
  writes
} from './helpers.js'

const { start, runOnSimClock } = useSimulatorRuns()

/** `busy` with a 5-minute termination wait, so waiting for the other deployment to end is quick. */
const [busyWeb, ...neighbours] = scenarios.busy.services
const busyShort = {
  ...scenarios.busy,
  name: 'busy-short',
  services: [{ ...busyWeb!, group: { ...busyWeb!.group, terminationWaitMinutes: 5 } }, ...neighbours]
}

/**
 * busy's group shifts traffic 10% every 3 minutes: this step's own deployment goes all at once, so
 * the test's time goes into the deployment it waits behind.
 */
const DEPLOY = { ...WEB, 'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce' }

test('fail: names the running deployment, its creator, start and console link; writes nothing', async () => {
  const sim = await start('busy', 600)
  const r = await runOnSimClock(WEB)
  const error = onlyError(r)
  const existing = callsTo(sim, 'GetDeployment')[0]
  const id = body<{ deploymentId: string }>(existing).deploymentId
  expect(error).toContain(id)
  expect(error).toContain('by user')
  expect(error).toMatch(/started \d{4}-\d\d-\d\dT/)
  expect(error).toContain(`/codedeploy/deployments/${id}?region=us-east-1`)
  expect(error).toContain('if-deployment-running')
  expect(writes(sim)).toEqual([])
})

test('wait: streams the other deployment to its end, then deploys', async () => {
  const sim = await start(busyShort, 600)
  const r = await runOnSimClock({
    ...DEPLOY,
    'if-deployment-running': 'wait',
    'wait-until': 'traffic-shifted'
  })
  expect(r.exitCode).toBe(0)
  const other = body<{ deploymentId: string }>(callsTo(sim, 'GetDeployment')[0]).deploymentId
  expect(logText(r)).toContain(`Deployment ${other} is Succeeded`)
  // Its deployment was not ours to stop.
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  expect(r.outputs['deployment-id']).not.toBe(other)
  const created = callsTo(sim, 'CreateDeployment', 200)[0]!
  const otherEnd = sim.calls.find(
    c => c.operation === 'GetDeployment' && body<{ deploymentId: string }>(c).deploymentId === other
  )
  expect(otherEnd).toBeDefined()
  expect(writes(sim)[0]).toBe('RegisterTaskDefinition')
  expect(writes(sim).at(-1)).toBe('CreateDeployment')
  expect(created.at.getTime()).toBeGreaterThan(otherEnd!.at.getTime())
})

describe.each(WORLDS)('$world', ({ fixes }) => {
  test('wait: when the deployment waited for reaches its termination wait, that wait is ended', async () => {
    // The contract: wait and replace on a deployment in its termination wait end that wait
    // (ContinueDeployment TERMINATION_WAIT), also when it only reaches it while being waited for,
    // instead of sitting out its 60 minutes.
    const sim = await start(inWorld('busy', fixes), 600)
    const r = await runOnSimClock({
      ...DEPLOY,
      'if-deployment-running': 'wait',
      'wait-until': 'traffic-shifted'
    })
    expect(r.exitCode).toBe(0)
    expect(
      callsTo(sim, 'ContinueDeployment').map(c => body<{ deploymentWaitType: string }>(c).deploymentWaitType)
    ).toEqual(['TERMINATION_WAIT'])
    expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  })

  test.each(['wait', 'replace'])(
    '%s on a deployment in its termination wait ends that wait instead of rolling it back',
    async mode => {
      const sim = await start(inWorld('parked-termination-wait', fixes), 600)
      const r = await runOnSimClock({
        ...WEB,
        'if-deployment-running': mode,
        'wait-until': 'traffic-shifted'
      })
      expect(r.exitCode).toBe(0)
      expect(logText(r)).toMatch(/d-[A-Z0-9]{9} \(InProgress, in its termination wait started /)
      expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
      const continues = callsTo(sim, 'ContinueDeployment')
      expect(continues.map(c => body<{ deploymentWaitType: string }>(c).deploymentWaitType)).toEqual([
        'TERMINATION_WAIT'
      ])
      expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'ContinueDeployment', 'CreateDeployment'])
      // The previous revision is the one the finished deployment left running.
      expect(r.outputs['previous-task-definition-arn']).toMatch(/task-definition\/web:4$/)
    }
  )
})

test('replace: stops the running deployment with rollback, waits for the rollback, then deploys', async () => {
  const sim = await start('busy', 600)
  const r = await runOnSimClock({
    ...DEPLOY,
    'if-deployment-running': 'replace',
    'wait-until': 'traffic-shifted'
  })
  expect(r.exitCode).toBe(0)
  const stops = callsTo(sim, 'StopDeployment')
  expect(stops).toHaveLength(1)
  const other = body<{ deploymentId: string; autoRollbackEnabled: boolean }>(stops[0])
  expect(other.autoRollbackEnabled).toBe(true)
  expect(other.deploymentId).not.toBe(r.outputs['deployment-id'])
  // The revision is registered first: a step that cannot register stops nobody's deployment.
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'StopDeployment', 'CreateDeployment'])
  // The rollback is followed to its end before this step creates its deployment.
  const log = logText(r)
  expect(log).toMatch(
    /Rollback deployment d-\w+ succeeded: production traffic is back on the original task set\./
  )
  expect(log.search(/Rollback deployment d-\w+ succeeded/)).toBeLessThan(log.indexOf('Created deployment '))
})

describe('wait and replace act only once the revision is registered', () => {
  const denied = (operation: string) => ({
    rules: [{ error: 'denied' as const, operations: [operation] }]
  })

  test.each(['wait', 'replace'])(
    '%s, and RegisterTaskDefinition is refused: the other deployment is neither stopped nor waited for',
    async mode => {
      const sim = await start('busy', 600, denied('RegisterTaskDefinition'))
      const r = await runOnSimClock({ ...WEB, 'if-deployment-running': mode })
      expect(r.exitCode).toBe(1)
      expect(writes(sim)).toEqual([])
      expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
      expect(logText(r)).not.toMatch(/Waiting for|Replacing/)
      expect(r.errors).toHaveLength(1)
      expect(r.errors[0]).toContain('RegisterTaskDefinition failed (AccessDeniedException')
      expect(r.errors[0]).toContain('This step changed nothing in AWS.')
    }
  )

  test('replace, and CreateDeployment is refused: the error says the other deployment was stopped', async () => {
    const sim = await start(busyShort, 600, denied('CreateDeployment'))
    const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'replace' })
    expect(r.exitCode).toBe(1)
    const other = body<{ deploymentId: string }>(callsTo(sim, 'StopDeployment')[0]).deploymentId
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'StopDeployment', 'DeregisterTaskDefinition'])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).not.toContain('Nothing was')
    const arn = body<{ taskDefinition: string }>(callsTo(sim, 'DeregisterTaskDefinition')[0]).taskDefinition
    expect(r.errors[0]).toContain(
      `What this step changed in AWS: registered ${arn}; stopped deployment ${other} with rollback (if-deployment-running: replace); deregistered ${arn} again (no deployment used it).`
    )
  })
})

test('wait on a deployment parked in Ready fails and names it; the revision is taken back', async () => {
  const sim = await start('parked-ready', 600)
  const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'wait' })
  const error = onlyError(r)
  expect(error).toMatch(/d-[A-Z0-9]{9} \(Ready/)
  expect(error).toContain('continue-deployment')
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
  const arn = body<{ taskDefinition: string }>(callsTo(sim, 'DeregisterTaskDefinition')[0]).taskDefinition
  expect(error).toContain(`registered ${arn}; deregistered ${arn} again`)
})

test('replace on a deployment parked in Ready stops it, then deploys', async () => {
  const sim = await start('parked-ready', 600)
  const r = await runOnSimClock({ ...WEB, 'if-deployment-running': 'replace', 'wait-until': 'ready' })
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('Ready')
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'StopDeployment', 'CreateDeployment'])
})

test('a rollback CodeDeploy started is waited for even with if-deployment-running: fail', async () => {
  const scenario = {
    ...busyShort,
    name: 'busy-rollback',
    existingDeployments: [{ at: 'Install' as const, creator: 'codeDeployRollback' as const }]
  }
  const sim = await start(scenario, 600)
  const r = await runOnSimClock({ ...DEPLOY, 'wait-until': 'traffic-shifted' })
  expect(r.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])
  expect(logText(r)).toMatch(/rolling back/)
})
