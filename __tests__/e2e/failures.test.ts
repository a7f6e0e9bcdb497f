// Deployments that fail, each kind with the message that explains it: one ::error line that says
// what failed and what to do, non-zero exit, and the rollback watched to its end.
import { scenarios } from '../../sim/scenarios.js'
import {
  WEB,
  WEB_NEXT,
  WEB_PREVIOUS,
  body,
  callsTo,
  lineIndex,
  logText,
  nodeBinaries,
  onlyError,
  ownStream,
  stream,
  useSimulatorRuns,
  writes
} from './helpers.js'

const { start, runOnSimClock } = useSimulatorRuns()

describe.each(nodeBinaries())('on $name', ({ path: node }) => {
  test('a failing hook: the event, the error code, the hook message and its log tail; the rollback followed', async () => {
    const sim = await start('hook-failure', 300)
    const r = await runOnSimClock(WEB, { node })

    const error = onlyError(r)
    const id = r.outputs['deployment-id']!
    expect(error).toMatch(/^::error[^:]*::/)
    expect(error).toContain(`Deployment ${id} failed in AfterAllowTestTraffic`)
    expect(error).toContain('HOOK_EXECUTION_FAILURE')
    expect(error).toContain('smoke test failed: GET /health returned 503')
    // What to do, not only what happened.
    expect(error).toMatch(/fix the hook or the service and deploy again/i)
    // The hook's logTail is in the log as plain lines.
    expect(logText(r)).toContain('GET http://internal-alb:8080/health -> 503')
    expect(ownStream(r)).toContain(
      'AfterAllowTestTraffic: ScriptFailed: smoke test failed: GET /health returned 503'
    )

    expect(r.outputs['deployment-status']).toBe('Failed')
    const rollback = r.outputs['rollback-deployment-id']!
    expect(rollback).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(rollback).not.toBe(id)
    expect(error).toContain(`The rollback ${rollback} succeeded`)
    expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
    expect(r.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
    // The failed deployment is CodeDeploy's to roll back: the action stops nothing itself.
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])
    expect(stream(r)).toContainEqual(
      `Rollback deployment ${rollback} succeeded: production traffic is back on the original task set.`
    )

    // The summary of a failure: the failed event, the diagnostics, the Mermaid timeline, the console link.
    expect(r.summary).toMatch(/```mermaid\s*\n\s*gantt/)
    expect(r.summary).toContain(r.outputs['deployment-url'])
    expect(r.summary).toContain('AfterAllowTestTraffic')
    expect(r.summary.replace(/\\_/g, '_')).toContain('HOOK_EXECUTION_FAILURE')
    expect(r.summary).toContain('smoke test failed: GET /health returned 503')
    expect(r.summary).toContain(rollback)
  })
})

test('replacement tasks that stop are reported while Install runs, with their stopped reason and exit code', async () => {
  // The action looks for stopped tasks every 15 s while Install runs; Install fails 3 minutes in,
  // after the three tasks stopped (45, 90 and 135 s in).
  await start('tasks-stopping', 300)
  const r = await runOnSimClock(WEB)
  const lines = ownStream(r)

  expect(r.exitCode).not.toBe(0)
  const firstStop = lineIndex(
    lines,
    /^Replacement task [0-9a-f]+ stopped \(EssentialContainerExited\): Essential container in task exited$/
  )
  const installFailed = lineIndex(lines, /^Install FAILED/)
  expect(firstStop).toBeGreaterThanOrEqual(0)
  expect(installFailed).toBeGreaterThan(firstStop)
  expect(lines[firstStop + 1]).toBe(
    '  container web: exit code 1, Error: Cannot find module "/app/server.js"'
  )

  expect(r.errors).toHaveLength(1)
  const error = r.errors[0]!
  expect(error).toContain('failed in Install')
  expect(error).toContain('ECS_UPDATE_ERROR')
  expect(error).toContain('Essential container in task exited')
  expect(error).toContain('Cannot find module "/app/server.js"')
  expect(r.outputs['deployment-status']).toBe('Failed')
  expect(r.outputs['rollback-deployment-id']).toMatch(/^d-/)
  expect(r.summary).toContain('Essential container in task exited')
})

test('an alarm stops the deployment during the shift: the error names the alarm', async () => {
  await start('alarm', 300)
  const r = await runOnSimClock(WEB)

  const error = onlyError(r)
  expect(error).toContain('CloudWatch alarm web-5xx')
  expect(error).toContain('ALARM_ACTIVE')
  expect(error).not.toContain('web-latency')
  expect(r.outputs['deployment-status']).toBe('Stopped')
  const rollback = r.outputs['rollback-deployment-id']!
  expect(rollback).toMatch(/^d-/)
  expect(error).toContain(`The rollback ${rollback} succeeded`)
})

test('a rollback CodeDeploy names 40 s after the failure is waited for, said so, reported and followed', async () => {
  // The action runs on the simulator's clock: 40 simulated seconds are 40 seconds of its own.
  await start({ ...scenarios['hook-failure'], durations: { rollbackInfoDelay: 40 } }, 300)
  const r = await runOnSimClock(WEB)
  const lines = ownStream(r)
  const id = r.outputs['deployment-id']!
  const rollback = r.outputs['rollback-deployment-id']!

  expect(r.exitCode).not.toBe(0)
  expect(rollback).toMatch(/^d-[A-Z0-9]{9}$/)
  const waiting = lineIndex(
    lines,
    `Waiting up to 1m00s for CodeDeploy to name the rollback deployment of ${id}.`
  )
  const named = lineIndex(lines, `Rollback deployment ${rollback} started`)
  expect(waiting).toBeGreaterThanOrEqual(0)
  expect(named).toBeGreaterThan(waiting)
  const at = (line: string): number => {
    const [, m, s] = /^\[\+(\d+):(\d\d)\]/.exec(line) ?? []
    return Number(m) * 60 + Number(s)
  }
  const tagged = r.lines.filter(l => l.startsWith('[+'))
  const waitedFrom = tagged.find(l => l.includes('Waiting up to 1m00s'))!
  const namedAt = tagged.find(l => l.includes(`Rollback deployment ${rollback} started`))!
  // The step saw the failure a few simulated seconds late; three polls (the old wait) gave up after 3 s.
  expect(at(namedAt) - at(waitedFrom)).toBeGreaterThanOrEqual(30)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain(`The rollback ${rollback} succeeded`)
  expect(r.errors[0]).not.toContain('No rollback was made')
  expect(stream(r)).toContainEqual(
    `Rollback deployment ${rollback} succeeded: production traffic is back on the original task set.`
  )
})

test('a rollback that fails too: the error says so and where to look', async () => {
  await start('rollback-fails', 300)
  const r = await runOnSimClock(WEB)

  const error = onlyError(r)
  const rollback = r.outputs['rollback-deployment-id']!
  expect(rollback).toMatch(/^d-/)
  expect(error).toContain('failed in AfterAllowTraffic')
  expect(error).toContain(`The rollback ${rollback} failed too`)
  expect(error).toContain('check which task set serves production traffic')
  expect(r.outputs['deployment-status']).toBe('Failed')
})

test('no automatic rollback: warned at the start, the failure reported, no rollback output', async () => {
  await start('no-rollback', 300)
  const r = await runOnSimClock(WEB)

  const error = onlyError(r)
  expect(r.warnings).toHaveLength(1)
  expect(r.warnings[0]).toContain('does not roll back on failure')
  // The warning comes before anything is registered.
  expect(lineIndex(r.lines, '::warning')).toBeLessThan(lineIndex(r.lines, 'Registered '))
  expect(error).toContain('failed in BeforeAllowTraffic')
  expect(error).toContain('HOOK_EXECUTION_FAILURE')
  expect(r.outputs['deployment-status']).toBe('Failed')
  expect(r.outputs['rollback-deployment-id'] ?? '').toBe('')
})

test('a timeout stops the deployment with rollback and fails the step', async () => {
  const sim = await start('all-at-once', 300)
  const r = await runOnSimClock({ ...WEB, 'timeout-minutes': '3' })

  expect(r.exitCode).not.toBe(0)
  const stops = callsTo(sim, 'StopDeployment')
  expect(stops).toHaveLength(1)
  expect(body(stops[0])).toEqual({ deploymentId: r.outputs['deployment-id'], autoRollbackEnabled: true })
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(/^::error title=Deployment timed out::Timed out after 3 minutes/)
  expect(r.errors[0]).toContain('Raise timeout-minutes')
  expect(r.outputs['deployment-status']).toBe('Stopped')
  expect(r.outputs['rollback-deployment-id']).toMatch(/^d-/)
  // The step stopped it and saw the rollback through: nothing left for the post step.
  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(1)
})

test('after a timeout the stream does not print the lifecycle events it already showed again', async () => {
  await start('all-at-once', 300)
  const r = await runOnSimClock({ ...WEB, 'timeout-minutes': '3' })
  const lines = ownStream(r)
  expect(r.exitCode).not.toBe(0)
  expect(lines.filter(l => l === 'BeforeInstall started')).toHaveLength(1)
  expect(lines.filter(l => l === 'AllowTraffic started')).toHaveLength(1)
})

test('no orphan revision: CreateDeployment refused after RegisterTaskDefinition deregisters the revision', async () => {
  const sim = await start('all-at-once', 300)
  // A configuration that does not exist: only CreateDeployment finds out.
  const r = await runOnSimClock({ ...WEB, 'codedeploy-deployment-config': 'Custom.DoesNotExist' })

  onlyError(r)
  const registered = callsTo(sim, 'RegisterTaskDefinition', 200)
  if (registered.length === 0) {
    // The action checked the configuration before registering: no revision to deregister, fine too.
    expect(writes(sim)).toEqual([])
    return
  }
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
  expect(body(callsTo(sim, 'DeregisterTaskDefinition')[0])).toEqual({ taskDefinition: WEB_NEXT })
  expect(logText(r)).toContain(`Deregistered ${WEB_NEXT}`)
})

test('no orphan revision: CreateDeployment failing with 5xx until the SDK gives up; the post step, sure no deployment came of it, deregisters the revision', async () => {
  const sim = await start('all-at-once', 300, {
    rules: [{ error: 'server', operations: ['CreateDeployment'] }]
  })
  const r = await runOnSimClock(WEB)

  expect(r.exitCode).not.toBe(0)
  expect(callsTo(sim, 'CreateDeployment', 200)).toHaveLength(0)
  // A 5xx is no clear answer: the deployment may exist, so its revision stays for now.
  expect(writes(sim)).toEqual(['RegisterTaskDefinition'])
  expect(logText(r)).toContain(`Kept ${WEB_NEXT} registered`)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain('sent CreateDeployment without a clear answer')

  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
  expect(body(callsTo(sim, 'DeregisterTaskDefinition')[0])).toEqual({ taskDefinition: WEB_NEXT })
  expect(logText(post)).toContain(`deregistered ${WEB_NEXT}, which no deployment uses`)
}, 90_000)

test('a CreateDeployment that fails for good: the error names the call, what the step left in AWS, what to do', async () => {
  await start('all-at-once', 300, { rules: [{ error: 'server', operations: ['CreateDeployment'] }] })
  const r = await runOnSimClock(WEB)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(
    /^::error title=CreateDeployment failed::CreateDeployment failed \(InternalFailure: /
  )
  expect(r.errors[0]).toContain(
    // A 5xx is no clear answer: the revision stays for the post step, which looks for the deployment.
    `What this step changed in AWS: registered ${WEB_NEXT}; sent CreateDeployment without a clear answer (the post step looks for its deployment).`
  )
  expect(r.errors[0]).toContain('Run the step again')
})

test('an answer the SDK cannot read names the call and says nothing was written; nothing was deployed', async () => {
  // What an emulator that does not implement a call answers: a page, not AWS JSON.
  const sim = await start('all-at-once', 300, {
    rules: [{ error: 'unreadable', operations: ['ListDeployments'] }]
  })
  const r = await runOnSimClock(WEB)
  const error = onlyError(r)
  expect(error).toMatch(
    /^::error title=ListDeployments failed::ListDeployments failed: the AWS SDK could not read its answer \(SyntaxError: /
  )
  expect(error).toContain('AWS_ENDPOINT_URL')
  expect(error).toContain('This step changed nothing in AWS.')
  expect(error).not.toContain('Deployment failed')
  expect(writes(sim)).toEqual([])
  expect(r.summary).toMatch(/^### ❌ Nothing deployed/)
})

test('an error before anything is deployed is not titled "Deployment failed"', async () => {
  await start('all-at-once', 300)
  const r = await runOnSimClock({ ...WEB, 'codedeploy-application': 'no-such-app' })
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(/^::error title=Nothing deployed::.*no-such-app/)
})
