// ECS's own deployments (deployment controller ECS) through the built bundle, against the simulator
// (sim/ecs-scenarios.ts), on its clock: the contract's section "ECS's own deployments", rows 1–4 and 6
// (start, stream, success and failure, outputs), its input errors, and what the watch costs in reads.
// Log lines are checked by the facts they carry (stage names, statuses, ARNs, percentages), not by
// their wording.
import { jest } from '@jest/globals'
import { ecsScenarios, ecsWeb, ecsScenario } from '../../sim/ecs-scenarios.js'
import type { Scenario } from '../../sim/scenarios.js'
import { STAGES as ECS_STAGES } from '../../src/backends/ecs/snapshot.js'
import type { CallRecord, Simulator } from '../../sim/server.js'
import {
  type ActionRun,
  IMAGE,
  WEB,
  WEB_NEXT,
  WEB_PREVIOUS,
  WRITE_OPERATIONS,
  body,
  callsTo,
  lineIndex,
  stream,
  useSimulator,
  workspace,
  writes
} from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock } = useSimulator()

export const SERVICE_DEPLOYMENT_ARN =
  /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/sim-cluster\/web\/[A-Za-z0-9_-]+$/
export const DEPLOYMENTS_TAB =
  'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/sim-cluster/services/web/deployments?region=us-east-1'
/** ECS's stages but RECONCILE_SERVICE, which a deployment runs only when the service has more than one ACTIVE revision. */
export const STAGES: string[] = ECS_STAGES.filter(s => s !== 'RECONCILE_SERVICE')

/** Lines that name `stage` as a word of its own (SCALE_UP is not PRE_SCALE_UP). */
const stageLines = (lines: string[], stage: string): number[] =>
  lines.flatMap((l, i) => (new RegExp(`(^|[^A-Z_])${stage}([^A-Z_]|$)`).test(l) ? [i] : []))

/** The production traffic splits the log shows, as [source, target] percentages in order. */
export function splits(lines: string[]): [number, number][] {
  return lines.flatMap(l => {
    if (!/traffic/i.test(l)) return []
    const m = /(\d+)%\D+?(\d+)%/.exec(l)
    return m ? [[Number(m[1]), Number(m[2])] as [number, number]] : []
  })
}

export const codedeployCalls = (sim: Simulator): CallRecord[] =>
  sim.calls.filter(c => c.service === 'codedeploy')

/** What every ECS deployment of `web` that this step started shows: its outputs and writes. */
export function expectEcsDeployment(sim: Simulator, r: ActionRun, status: string): string {
  const id = r.outputs['deployment-id']!
  expect(id).toMatch(SERVICE_DEPLOYMENT_ARN)
  expect(r.outputs['codedeploy-deployment-id'] ?? '').toBe('')
  expect(r.outputs.appspec ?? '').toBe('')
  expect(r.outputs['rollback-deployment-id'] ?? '').toBe('')
  expect(r.outputs['deployment-status']).toBe(status)
  expect(r.outputs['deployment-url']).toBe(DEPLOYMENTS_TAB)
  expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
  expect(r.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
  expect(codedeployCalls(sim)).toEqual([])
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
  // The new revision and nothing else: strategy, hooks and bake time are the service's own.
  const update = callsTo(sim, 'UpdateService')
  expect(update).toHaveLength(1)
  expect(body(update[0])).toEqual({
    cluster: expect.stringMatching(/sim-cluster$/) as unknown,
    service: 'web',
    taskDefinition: WEB_NEXT
  })
  const registered = body<{ containerDefinitions: { name: string; image: string }[] }>(
    callsTo(sim, 'RegisterTaskDefinition')[0]
  )
  expect(registered.containerDefinitions.find(c => c.name === 'web')?.image).toBe(IMAGE)
  return id
}

describe('blue/green, linear and canary succeed', () => {
  test.each([
    { scenario: 'ecs-canary', strategy: 'canary' },
    { scenario: 'ecs-blue-green', strategy: 'blue/green' },
    { scenario: 'ecs-linear', strategy: 'linear' }
  ] as const)(
    '$scenario: every stage starts and ends, outputs, summary, no CodeDeploy',
    async ({ scenario }) => {
      const sim = await start(scenario, 600)
      const r = await runOnSimClock(WEB)
      const lines = stream(r)

      expect(r.exitCode).toBe(0)
      expect(r.errors).toEqual([])
      const id = expectEcsDeployment(sim, r, 'SUCCESSFUL')
      // Each stage has a line where it starts and a later one where it ends, in ECS's order.
      let previous = -1
      for (const stage of STAGES) {
        const at = stageLines(lines, stage)
        expect([stage, at.length >= 2]).toEqual([stage, true])
        expect([stage, at[0]! >= previous]).toEqual([stage, true])
        previous = at[0]!
      }
      expect(lineIndex(lines, `${id} is SUCCESSFUL`)).toBeGreaterThan(stageLines(lines, 'CLEAN_UP')[0]!)

      // Production traffic as it moves: the canary's step, each linear step, blue/green at once.
      const moved = splits(lines).filter(([, target]) => target > 0)
      expect(moved.at(-1)).toEqual([0, 100])
      const partial = moved.filter(([, target]) => target < 100)
      if (scenario === 'ecs-canary') expect(partial).toEqual([[90, 10]])
      if (scenario === 'ecs-blue-green') expect(partial).toEqual([])
      if (scenario === 'ecs-linear') {
        // 10% a minute: the weights only grow, and most steps are seen.
        expect(partial.length).toBeGreaterThanOrEqual(5)
        const targets = partial.map(([, t]) => t)
        expect(targets).toEqual([...targets].sort((a, b) => a - b))
        for (const [source, target] of partial) expect(source + target).toBe(100)
      }

      expect(r.summary).toContain(id)
      expect(r.summary).toContain(DEPLOYMENTS_TAB)
      expect(r.summary).toContain('SUCCESSFUL')
      for (const stage of STAGES) expect(r.summary).toContain(stage.replaceAll('_', '\\_'))

      // Ended: the post step has nothing to stop.
      const post = await r.post({ clock: sim.clock() })
      expect(post.exitCode).toBe(0)
      expect(callsTo(sim, 'StopServiceDeployment')).toHaveLength(0)
    }
  )
})

describe('rolling', () => {
  test('succeeds with task counts and no stages', async () => {
    const sim = await start('ecs-rolling', 600)
    const r = await runOnSimClock(WEB)
    const lines = stream(r)

    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    const id = expectEcsDeployment(sim, r, 'SUCCESSFUL')
    expect(lines).toContainEqual(expect.stringContaining(`${id} is SUCCESSFUL`))
    // A rolling update has no stages: none is shown, only its tasks.
    for (const stage of STAGES) expect([stage, stageLines(lines, stage)]).toEqual([stage, []])
    expect(lines.some(l => /^Target revision: \d+\/2 tasks running/.test(l))).toBe(true)
    // No traffic moves between revisions in a rolling update: no split is shown.
    expect(lines.filter(l => l.startsWith('Traffic:'))).toEqual([])
    expect(r.summary).toContain(id)
  })

  test('the circuit breaker rolls back crashing tasks: one error with ECS reason and the tasks’ reasons', async () => {
    const sim = await start('ecs-rolling-circuit-breaker', 600)
    const r = await runOnSimClock(WEB)

    expect(r.exitCode).not.toBe(0)
    expectEcsDeployment(sim, r, 'ROLLBACK_SUCCESSFUL')
    expect(r.errors).toHaveLength(1)
    const error = r.errors[0]!
    expect(error).toMatch(/^::error title=[^:]+::/)
    expect(error).toContain(r.outputs['deployment-id'])
    expect(error).toContain('ECS deployment circuit breaker: tasks failed to start')
    expect(error).toContain('Essential container in task exited')
    expect(error).toContain('Cannot find module')
    expect(r.summary.replaceAll('\\_', '_')).toContain('ROLLBACK_SUCCESSFUL')
  })
})

describe('failed deployments fail the step and say why', () => {
  test.each([
    {
      scenario: 'ecs-hook-failure',
      status: 'ROLLBACK_SUCCESSFUL',
      says: ['web-smoke-test', 'POST_TEST_TRAFFIC_SHIFT', 'smoke test failed: GET /health returned 503']
    },
    {
      scenario: 'ecs-alarm-bake',
      status: 'ROLLBACK_SUCCESSFUL',
      says: ['web-5xx', 'ALARM']
    },
    {
      scenario: 'ecs-rollback-fails',
      status: 'ROLLBACK_FAILED',
      says: ['could not complete']
    }
  ] as const)('$scenario: $status', async ({ scenario, status, says }) => {
    const sim = await start(scenario, 600)
    const r = await runOnSimClock(WEB)

    expect(r.exitCode).not.toBe(0)
    expectEcsDeployment(sim, r, status)
    expect(r.errors).toHaveLength(1)
    for (const fact of says) expect(r.errors[0]).toContain(fact)
    expect(r.errors[0]).toContain(r.outputs['deployment-id'])
    expect(stream(r)).toContainEqual(expect.stringContaining(`is ${status}`))
    expect(r.summary.replaceAll('\\_', '_')).toContain(status)
  })
})

describe('input errors come before any write', () => {
  test.each([
    ['codedeploy-application', 'AppECS-sim-cluster-web'],
    ['codedeploy-deployment-group', 'DgpECS-sim-cluster-web'],
    ['codedeploy-deployment-config', 'CodeDeployDefault.ECSAllAtOnce'],
    ['codedeploy-deployment-description', 'release 42'],
    ['codedeploy-appspec', 'appspec.yaml']
  ])('%s on a service ECS deploys', async (input, value) => {
    const sim = await start('ecs-blue-green', 300)
    const ws = workspace({ 'appspec.yaml': 'version: 0.0\nResources: []\n' })
    const r = await runOnSimClock({ ...WEB, [input]: value }, { workspace: ws })

    expect(r.exitCode).not.toBe(0)
    expect(writes(sim)).toEqual([])
    expect(codedeployCalls(sim)).toEqual([])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(input)
    expect(r.errors[0]).toContain('ECS deployments')
  })

  test('wait-until: ready on a service without a PAUSE hook names the fix', async () => {
    const sim = await start('ecs-blue-green', 300)
    const r = await runOnSimClock({ ...WEB, 'wait-until': 'ready' })

    expect(r.exitCode).not.toBe(0)
    expect(writes(sim)).toEqual([])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('PAUSE')
    expect(r.errors[0]).toContain('POST_TEST_TRAFFIC_SHIFT')
    expect(r.errors[0]).toContain('traffic-shifted')
  })

  test('a service on the EXTERNAL deployment controller', async () => {
    const web = {
      ...ecsWeb({ strategy: 'ROLLING' }),
      controller: 'EXTERNAL'
    } as unknown as Scenario['services'][number]
    const sim = await start(ecsScenario('ecs-external', 'web on the EXTERNAL controller', web as never), 300)
    const r = await runOnSimClock(WEB)

    expect(r.exitCode).not.toBe(0)
    expect(writes(sim)).toEqual([])
    expect(codedeployCalls(sim)).toEqual([])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('EXTERNAL')
  })

  test('an appspec.yaml in the workspace is ignored with one notice, and the deployment succeeds', async () => {
    const sim = await start('ecs-blue-green', 600)
    const ws = workspace({
      'appspec.yaml': 'version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n'
    })
    const r = await runOnSimClock(WEB, { workspace: ws })

    expect(r.exitCode).toBe(0)
    expectEcsDeployment(sim, r, 'SUCCESSFUL')
    const notices = r.lines.filter(l => l.startsWith('::notice'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('appspec.yaml')
  })
})

describe('what the watch costs', () => {
  /** ECS reads after UpdateService, one group per DescribeServiceDeployments (a poll). */
  function polls(sim: Simulator, from: number, to = Infinity): CallRecord[][] {
    const reads = sim.calls.filter(
      c => c.service === 'ecs' && c.simAt >= from && c.simAt <= to && !WRITE_OPERATIONS.includes(c.operation)
    )
    const groups: CallRecord[][] = []
    for (const c of reads) {
      if (c.operation === 'DescribeServiceDeployments' || groups.length === 0) groups.push([])
      groups.at(-1)!.push(c)
    }
    return groups
  }

  test('at most two ECS reads per poll while traffic moves', async () => {
    const sim = await start('ecs-linear', 600)
    const r = await runOnSimClock(WEB)
    expect(r.exitCode).toBe(0)
    const updated = callsTo(sim, 'UpdateService')[0]!.simAt
    const groups = polls(sim, updated)
    expect(groups.length).toBeGreaterThan(10)
    const worst = Math.max(...groups.map(g => g.length))
    expect(worst).toBeLessThanOrEqual(2)
  })

  test('a long bake costs at most one read a minute', async () => {
    // The blue/green scenario with an hour's bake and no hook.
    const base = ecsScenarios['ecs-blue-green']
    const web = ecsWeb({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 60 })
    const sim = await start({ ...ecsScenario('ecs-long-bake', base.description, web) }, 900)
    const r = await runOnSimClock(WEB)
    expect(r.exitCode).toBe(0)
    expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
    const updated = callsTo(sim, 'UpdateService')[0]!.simAt
    // 10 to 55 minutes after UpdateService: inside the bake, which starts within two minutes.
    const during = polls(sim, updated + 10 * 60, updated + 55 * 60).flat()
    expect(during.length).toBeGreaterThan(0)
    expect(during.length).toBeLessThanOrEqual(45)
  })
})
