// run-task: a one-off task of the new revision (a database migration) between RegisterTaskDefinition
// and CreateDeployment, through the built action as the runner runs it, on the CodeDeploy backend.
// The runs that only wait are on the simulator's clock; cancellation stays on real time, as the
// runner's signals do.
import { runAction } from '../../sim/run-action.js'
import type { OneOffTaskSpec } from '../../sim/run-tasks.js'
import { runnerCommands } from '../../sim/runner-commands.js'
import { scenarios } from '../../sim/scenarios.js'
import type { CallRecord, Simulator } from '../../sim/server.js'
import {
  WEB,
  WEB_NEXT,
  body,
  callsTo,
  lineIndex,
  logText,
  nodeBinaries,
  stream,
  useSimulatorRuns,
  writes
} from './helpers.js'

const { start, run, runOnSimClock } = useSimulatorRuns()

const MIGRATE = { ...WEB, 'run-task-command': '["npm", "run", "migrate"]' }

/** The one StopTask call the simulator had: it stopped task `arn` for `reason`. */
function onlyStopTask(sim: Simulator, arn: string, reason: string): CallRecord {
  const stops = callsTo(sim, 'StopTask')
  expect(stops.map(c => body(c))).toEqual([{ cluster: 'sim-cluster', task: arn, reason }])
  return stops[0]!
}

/** all-at-once, whose one-off tasks do what `runTask` says. */
function withTask(runTask: OneOffTaskSpec): (typeof scenarios)['all-at-once'] {
  return { ...scenarios['all-at-once'], runTask }
}

describe.each(nodeBinaries())('on $name', ({ path: node }) => {
  test('the task runs on the new revision as the service runs, its states and log are streamed, and the deployment waits for its exit 0', async () => {
    const sim = await start('migration', 300)
    const r = await runOnSimClock(MIGRATE, { node })
    const lines = stream(r)

    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'CreateDeployment'])
    expect(body(callsTo(sim, 'RunTask')[0])).toEqual({
      cluster: 'sim-cluster',
      taskDefinition: WEB_NEXT,
      count: 1,
      startedBy: 'GitHub-Actions',
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
      // The service's network, launch type and platform version: awsvpc needs them.
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
          securityGroups: ['sg-0123abcd'],
          assignPublicIp: 'DISABLED'
        }
      },
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      // The SDK's idempotency token: a retried RunTask does not start a second task.
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/)
    })
    const arn = sim.state.tasks.find(t => t.startedBy === 'GitHub-Actions')!.taskArn
    const id = arn.split('/').pop()!
    expect(r.outputs['run-task-arn']).toBe(arn)

    // Each state the polls saw, once and in ECS's order; a short one may fall between two polls.
    const order = ['PROVISIONING', 'PENDING', 'RUNNING', 'DEPROVISIONING', 'STOPPED']
    const seen = lines.flatMap(l => new RegExp(`^Task ${id} is ([A-Z]+)`).exec(l)?.[1] ?? [])
    expect(seen).toEqual(order.filter(s => seen.includes(s)))
    expect(seen).toEqual(expect.arrayContaining(['RUNNING', 'STOPPED']))
    const running = lines.indexOf(`Task ${id} is RUNNING`)
    const log = [
      'web | Connecting to postgres://db.internal:5432/shop',
      'web | Applying migration 0042_add_orders',
      'web | Applying migration 0043_orders_index',
      'web | Migrations done: 2 applied'
    ].map(l => lines.indexOf(l))
    expect(log.every((at, i) => at > (i === 0 ? running : log[i - 1]!))).toBe(true)
    expect(lines).toContain(`Task ${id} is STOPPED: Essential container in task exited`)
    expect(lines).toContain('  container web: exited with code 0')
    const created = lineIndex(lines, /^Created deployment d-/)
    expect(created).toBeGreaterThan(lineIndex(lines, `Task ${id} succeeded: deploying ${WEB_NEXT}.`))
    expect(created).toBeGreaterThan(log[3]!)
    // CreateDeployment went out after ECS had the task stopped, on the simulated clock.
    const stoppedAt = sim.state.tasks.find(t => t.taskArn === arn)!.stoppedAt!
    expect(callsTo(sim, 'CreateDeployment')[0]!.simAt).toBeGreaterThanOrEqual(stoppedAt)
    // The task was seen to stop: the post step has nothing to stop.
    expect(r.state['running-task']).toBe('')
  })
})

test('a non-zero exit fails the step before any CreateDeployment; the revision is deregistered and the log shows why', async () => {
  const sim = await start('migration-fails', 300)
  const r = await runOnSimClock(MIGRATE)

  expect(r.exitCode).not.toBe(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'DeregisterTaskDefinition'])
  expect(body(callsTo(sim, 'DeregisterTaskDefinition')[0])).toEqual({ taskDefinition: WEB_NEXT })
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(
    /^::error title=Task failed::Task [0-9a-f]{32} failed: container web exited with code 1\./
  )
  expect(r.errors[0]).toContain(`deregistered ${WEB_NEXT} again (no deployment used it)`)
  expect(stream(r)).toContain('web | ERROR: relation "orders" already exists')
  expect(logText(r)).toContain(`Deregistered ${WEB_NEXT}: no deployment uses it.`)
  expect(r.outputs['run-task-arn']).toMatch(/:task\/sim-cluster\/[0-9a-f]{32}$/)
  expect(r.outputs['deployment-id'] ?? '').toBe('')
})

test('a task that never starts, and a RunTask that places none, fail the step before any deployment', async () => {
  const sim = await start(
    withTask({
      neverStarts: {
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        containerReason: 'CannotPullContainerError: ref not found'
      }
    }),
    300
  )
  const r = await runOnSimClock(MIGRATE)
  expect(r.exitCode).not.toBe(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'DeregisterTaskDefinition'])
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(
    /^::error title=Task did not start::Task [0-9a-f]{32} stopped before it started: CannotPullContainerError/
  )
  expect(r.errors[0]).toContain('(web: CannotPullContainerError: ref not found)')
  expect(r.errors[0]).toContain(`deregistered ${WEB_NEXT} again (no deployment used it)`)
  expect(stream(r).filter(l => l.includes(' | '))).toEqual([])
  await sim.close()

  const placed = await start(withTask({ failures: [{ reason: 'RESOURCE:MEMORY' }] }), 300)
  const none = await runOnSimClock(MIGRATE)
  expect(none.exitCode).not.toBe(0)
  expect(writes(placed)).toEqual(['RegisterTaskDefinition', 'RunTask', 'DeregisterTaskDefinition'])
  expect(none.errors[0]).toContain(
    `RunTask started no task: RESOURCE:MEMORY. What this step changed in AWS: registered ${WEB_NEXT}; deregistered ${WEB_NEXT} again (no deployment used it).`
  )
  expect(none.outputs['run-task-arn'] ?? '').toBe('')
})

test('wait-for-task-stopped: false deploys while the task runs, with a notice, whatever its exit code', async () => {
  const sim = await start(withTask({ exitCode: 1, runSeconds: 3600 }), 300)
  const r = await runOnSimClock({ ...MIGRATE, 'wait-for-task-stopped': 'false' })

  expect(r.exitCode).toBe(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'CreateDeployment'])
  expect(callsTo(sim, 'DescribeTasks').filter(c => JSON.stringify(c.body).includes('GitHub'))).toEqual([])
  const notices = r.lines.filter(l => l.startsWith('::notice'))
  expect(notices).toHaveLength(1)
  expect(notices[0]).toMatch(
    /^::notice title=Task not waited for::The deployment does not wait for task [0-9a-f]{32}/
  )
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  // The task runs on by design: nothing is left for the post step to stop.
  expect(r.state['running-task']).toBe('')
})

test('the task log is untrusted text: a line shaped like a workflow command stays a line', async () => {
  await start(
    withTask({
      logs: [
        { at: 1, message: '::error title=x::y' },
        { at: 2, message: '::add-mask::hunter2' },
        { at: 4, message: 'two\n::warning::lines' },
        { at: 5, message: 'status ##[warning]legacy form' }
      ]
    }),
    300
  )
  const r = await runOnSimClock(MIGRATE)

  expect(r.exitCode).toBe(0)
  expect(r.errors).toEqual([])
  expect(r.warnings).toEqual([])
  const acted = runnerCommands([...r.lines, ...r.stderr.split('\n')]).filter(
    c => c.command !== 'group' && c.command !== 'endgroup'
  )
  expect(acted).toEqual([])
  const text = logText(r).replaceAll('\u200b', '')
  for (const shown of [
    'web | ::error title=x::y',
    'web | ::add-mask::hunter2',
    'web | two',
    'web | ::warning::lines',
    'web | status ##[warning]legacy form'
  ])
    expect(text).toContain(shown)
})

test('without logs:GetLogEvents the step warns once and still waits for the task and deploys', async () => {
  const sim = await start(
    withTask({ logsAccessDenied: true, logs: [{ at: 1, message: 'secret sauce' }] }),
    300
  )
  const r = await runOnSimClock(MIGRATE)

  expect(r.exitCode).toBe(0)
  expect(r.warnings).toHaveLength(1)
  expect(r.warnings[0]).toContain('allow logs:GetLogEvents on log group /ecs/web')
  expect(callsTo(sim, 'GetLogEvents')).toHaveLength(1)
  expect(logText(r)).not.toContain('secret sauce')
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'CreateDeployment'])
})

test('run-task inputs are checked before anything is written', async () => {
  const sim = await start('migration', 300)
  const cases: [Record<string, string>, string][] = [
    [
      { ...MIGRATE, 'run-task-container': 'migrate' },
      "container migrate, which the task definition does not have; it has 'web'"
    ],
    [{ ...WEB, 'run-task-subnets': 'subnet-0a1b2c3d' }, 'run-task-subnets is set, but no task runs.'],
    [
      { ...WEB, 'run-task': 'true', 'run-task-container-overrides': '[{"name": "web", "comand": ["x"]}]' },
      'unknown member run-task-container-overrides[0].comand (did you mean command?)'
    ],
    [
      {
        ...MIGRATE,
        'run-task-container-overrides': '[{"name": "web", "environment": [{"name": "T", "value": 7}]}]'
      },
      'run-task-container-overrides[0].environment[0].value must be a string, not a number'
    ]
  ]
  for (const [inputs, message] of cases) {
    const r = await run(inputs)
    expect([r.exitCode, r.errors.length]).toEqual([1, 1])
    expect(r.errors[0]).toContain(message)
  }
  expect(writes(sim)).toEqual([])
})

test('SIGINT while the task runs: StopTask at once, the revision deregistered, no deployment; the post step stops nothing more', async () => {
  // 30x: the task runs for 200 real seconds unless stopped.
  const sim = await start(withTask({ runSeconds: 6000 }), 30)
  const r = await run(MIGRATE, { cancelWhen: l => / is RUNNING$/.test(l) })

  expect(r.cancelledAt).toBeDefined()
  expect(r.exitCode).not.toBe(0)
  expect(r.exitCode).not.toBeNull()
  const arn = r.outputs['run-task-arn']!
  const stop = onlyStopTask(sim, arn, 'The GitHub Actions run that started this task was cancelled.')
  expect(stop.at.getTime() - r.cancelledAt!).toBeLessThan(2000)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'StopTask', 'DeregisterTaskDefinition'])
  expect(logText(r)).toContain(`stopped task ${arn}.`)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain('cancelled')
  expect(r.state['running-task']).toBe('')

  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopTask')).toHaveLength(1)
})

test('a main step killed outright while the task runs: the post step stops the task', async () => {
  const sim = await start(withTask({ runSeconds: 6000 }), 30)
  const r = await run(MIGRATE, { killAfterMs: 3000 })

  expect(r.signal).toBe('SIGKILL')
  const arn = r.state['running-task']!
  expect(arn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/sim-cluster\/[0-9a-f]{32}$/)
  expect(callsTo(sim, 'StopTask')).toHaveLength(0)

  const post = await runAction({ env: sim.env, inputs: MIGRATE }, { state: r.state, dir: r.files.dir })
  expect(post.exitCode).toBe(0)
  onlyStopTask(sim, arn, 'The deploy step did not finish.')
  expect(stream(post)).toContain(`The deploy step did not finish: stopped task ${arn}.`)
  expect(callsTo(sim, 'CreateDeployment')).toHaveLength(0)
})
