// Cancellation as the runner does it (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that) and
// the post step that runs at the end of the job with the state the main step saved. The main steps
// run on real time, as the runner's signals do; the post steps that follow a rollback run on the
// simulator's clock, since no signal reaches them and following is only waiting.
import { runAction } from '../../sim/run-action.js'
import {
  WEB,
  WEB_NEXT,
  body,
  callsTo,
  logText,
  nodeBinaries,
  postState,
  stream,
  useSimulatorRuns,
  writes
} from './helpers.js'

const { start, run } = useSimulatorRuns(90_000)

describe.each(nodeBinaries())('on $name', ({ path: node }) => {
  test('SIGINT while Install runs: StopDeployment at once, non-zero, then the post step follows the rollback', async () => {
    // 30x: Install lasts two real seconds, so the signal lands in it.
    const sim = await start('all-at-once', 30)
    const r = await run(WEB, { node, cancelWhen: l => l.endsWith('Install started') })

    expect(r.cancelledAt).toBeDefined()
    expect(r.exitCode).not.toBe(0)
    expect(r.exitCode).not.toBeNull() // it exited on its own, before SIGTERM/SIGKILL
    const id = r.outputs['deployment-id']!
    expect(id).toMatch(/^d-/)
    const stops = callsTo(sim, 'StopDeployment')
    expect(stops).toHaveLength(1)
    expect(body(stops[0])).toEqual({ deploymentId: id, autoRollbackEnabled: true })
    // "At once": well before the runner's SIGTERM.
    expect(stops[0]!.at.getTime() - r.cancelledAt!).toBeLessThan(2000)
    expect(r.endedAt - r.cancelledAt!).toBeLessThan(7500)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(`Deployment ${id} was stopped and is rolling back`)
    // The revision is in use by the deployment: it stays registered.
    expect(callsTo(sim, 'DeregisterTaskDefinition')).toHaveLength(0)
    expect(r.state['deployment-id']).toBe(id)
    expect(r.state.settled).toBe('stop-requested')
    expect(['InProgress', 'Stopped']).toContain(r.outputs['deployment-status'])

    const post = await r.post({ clock: sim.clock() })
    expect(post.exitCode).toBe(0)
    // The post step does not stop it again; it watches the rollback to its end.
    expect(callsTo(sim, 'StopDeployment')).toHaveLength(1)
    expect(stream(post)).toContainEqual(
      expect.stringMatching(
        /^Rollback deployment d-[A-Z0-9]{9} succeeded: production traffic is back on the original task set\.$/
      )
    )
    expect(logText(post)).toContain(`Deployment ${id} ended Stopped`)
  })
})

test('SIGINT before the deployment exists: the revision it registered is deregistered, nothing is created', async () => {
  const sim = await start('all-at-once', 60)
  // Every call takes 0.8 s, so the signal sent when "Registered" prints lands before CreateDeployment.
  sim.setFaults({ latencyMs: 800 })
  const r = await run(WEB, { cancelWhen: l => l.startsWith('Registered ') })

  expect(r.exitCode).not.toBe(0)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
  expect(body(callsTo(sim, 'DeregisterTaskDefinition')[0])).toEqual({ taskDefinition: WEB_NEXT })
  expect(logText(r)).toContain(`Deregistered ${WEB_NEXT}`)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain('cancelled')
  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
})

test('SIGINT while CreateDeployment is in flight: the revision a deployment uses is never deregistered', async () => {
  const sim = await start('all-at-once', 60)
  // The signal comes as CreateDeployment goes out: the step waits for its answer, then cleans up
  // after it (stops the deployment) or, when it was not sent, deregisters the unused revision.
  const r = await run(WEB, { cancelWhen: l => l.startsWith('Registered ') })

  expect(r.exitCode).not.toBe(0)
  const created = callsTo(sim, 'CreateDeployment', 200)
  if (created.length > 0) {
    // The deployment exists: it is stopped, and the revision it deploys stays registered.
    expect(callsTo(sim, 'StopDeployment')).toHaveLength(1)
    expect(callsTo(sim, 'DeregisterTaskDefinition')).toHaveLength(0)
    expect(logText(r)).not.toContain('no deployment uses it')
  } else {
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
  }
})

test('rollback-on-cancel: false leaves the deployment running, warns, and the post step leaves it alone', async () => {
  const sim = await start('all-at-once', 30)
  const r = await run(
    { ...WEB, 'rollback-on-cancel': 'false' },
    { cancelWhen: l => l.endsWith('Install started') }
  )

  expect(r.exitCode).not.toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  expect(r.warnings.join('\n')).toContain('rollback-on-cancel: false')
  const post = await r.post()
  expect(post.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
})

test('a main step killed outright (SIGKILL): the post step stops the unsettled deployment and follows its rollback', async () => {
  const sim = await start('all-at-once', 30)
  // No SIGINT: the process is killed mid-watch, as when the runner's grace period runs out.
  const r = await run(WEB, { killAfterMs: 2500 })

  expect(r.signal).toBe('SIGKILL')
  const id = r.state['deployment-id']!
  expect(id).toMatch(/^d-/)
  expect(r.state.settled ?? '').toBe('')
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)

  // r.post() would inherit killAfterMs: run the post step with the saved state by hand.
  const post = await runAction(
    { env: sim.env, inputs: WEB, clock: sim.clock() },
    { state: r.state, dir: r.files.dir }
  )
  expect(post.exitCode).toBe(0)
  const stops = callsTo(sim, 'StopDeployment')
  expect(stops).toHaveLength(1)
  expect(body(stops[0])).toEqual({ deploymentId: id, autoRollbackEnabled: true })
  expect(stream(post)).toContain(`The deploy step did not finish: stopped deployment ${id} with rollback.`)
  expect(stream(post)).toContainEqual(
    expect.stringMatching(
      /^Rollback deployment d-[A-Z0-9]{9} succeeded: production traffic is back on the original task set\.$/
    )
  )
  expect(logText(post)).toMatch(
    new RegExp(`Deployment ${id} ended Stopped; its rollback d-[A-Z0-9]{9} ended Succeeded`)
  )
})

test('the post step with a hand-made state: an unsettled deployment is stopped, a handed-off one is not', async () => {
  const sim = await start('long-termination-wait', 300)
  // wait-for-deployment: false hands the deployment off: settled, the post step leaves it.
  const handed = await run({ ...WEB, 'wait-for-deployment': 'false' })
  expect(handed.exitCode).toBe(0)
  expect(handed.outputs['deployment-status']).toBe('Created')
  expect(handed.state.settled).toBe('handed-off')
  const id = handed.outputs['deployment-id']!
  const leftAlone = await handed.post()
  expect(leftAlone.exitCode).toBe(0)
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)

  // The same deployment as the state of a main step that died before settling it.
  const post = await runAction(
    { env: sim.env, inputs: WEB, clock: sim.clock() },
    { state: postState(handed.state, id) }
  )
  const stops = callsTo(sim, 'StopDeployment')
  expect(stops).toHaveLength(1)
  expect(body(stops[0])).toEqual({ deploymentId: id, autoRollbackEnabled: true })
  expect(post.exitCode).toBe(0)
  expect(logText(post)).toMatch(
    new RegExp(`Deployment ${id} ended Stopped; its rollback d-[A-Z0-9]{9} ended Succeeded`)
  )
})

describe('a cancel while CreateDeployment is slow to answer', () => {
  test('the revision stays; the post step finds the deployment by its AppSpec, stops it and follows the rollback', async () => {
    const sim = await start('all-at-once', 60)
    // CreateDeployment takes 12 s: longer than the signal handler waits, and than the runner's
    // SIGKILL. The request still reaches CodeDeploy, after the main step is gone.
    sim.setFaults({ operationLatencyMs: { CreateDeployment: 12_000 } })
    const createSent = new Promise<void>(resolve => {
      sim.onRequest = operation => {
        if (operation === 'CreateDeployment') resolve()
      }
    })
    const r = await run(WEB, { cancelOn: createSent })

    expect(r.exitCode).toBe(1)
    // No deployment id reached the main step, but what finds the deployment was saved first.
    expect(r.outputs['deployment-id'] ?? '').toBe('')
    const creating = JSON.parse(r.state.creating!) as { appSpecSha256: string; taskDefinitionArn: string }
    expect(creating).toMatchObject({
      applicationName: 'AppECS-sim-cluster-web',
      deploymentGroupName: 'DgpECS-sim-cluster-web',
      taskDefinitionArn: WEB_NEXT
    })
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('while CreateDeployment had not answered')
    // Never deregistered while the create that uses it has an unknown outcome.
    expect(logText(r)).toContain(`Kept ${WEB_NEXT} registered`)
    expect(callsTo(sim, 'DeregisterTaskDefinition')).toHaveLength(0)

    const post = await r.post()
    expect(post.exitCode).toBe(0)
    const created = callsTo(sim, 'CreateDeployment', 200)
    expect(created).toHaveLength(1)
    const sha = body<{ revision: { appSpecContent: { sha256: string } } }>(created[0]).revision.appSpecContent
      .sha256
    expect(sha).toBe(creating.appSpecSha256)
    const stops = callsTo(sim, 'StopDeployment')
    expect(stops).toHaveLength(1)
    const id = body<{ deploymentId: string }>(stops[0]).deploymentId
    expect(stream(post)).toContain(
      `The deploy step was cut short before CreateDeployment answered; it created deployment ${id}.`
    )
    expect(logText(post)).toMatch(
      new RegExp(`Deployment ${id} ended Stopped; its rollback d-[A-Z0-9]{9} ended Succeeded`)
    )
    expect(callsTo(sim, 'DeregisterTaskDefinition')).toHaveLength(0)
    expect(post.summary).toContain('Deploy step cut short')
  })
})

test('a cancelled run writes a job summary: what was stopped and what is left; the post step adds how the rollback ended', async () => {
  await start('all-at-once', 30)
  const r = await run(WEB, { cancelWhen: l => l.endsWith('Install started') })
  const id = r.outputs['deployment-id']!

  expect(r.exitCode).toBe(1)
  expect(r.summary).toContain('Run cancelled')
  expect(r.summary).toContain(`Deployment ${id} was stopped and is rolling back`)
  expect(r.summary).toContain(`registered ${WEB_NEXT}; created deployment ${id}; stopped deployment ${id}`)
  const post = await r.post()
  expect(post.summary).toContain('Deploy step cut short')
  expect(post.summary).toMatch(/Rollback \| \[d-[A-Z0-9]{9}\]\(.*\): Succeeded/)
  expect(post.summary).toContain(
    'The rollback succeeded: production traffic is back on the original task set.'
  )
})

test('the timeout and a signal at once: one StopDeployment, one error, one summary', async () => {
  const sim = await start('all-at-once', 10)
  // The signal's StopDeployment is still on its way when timeout-minutes runs out.
  sim.setFaults({ operationLatencyMs: { StopDeployment: 2000 } })
  // Counted as they arrive: a second stop would still be on its way when the step exits.
  let stopsSent = 0
  sim.onRequest = operation => {
    if (operation === 'StopDeployment') stopsSent++
  }
  let signal = (): void => undefined
  const signalled = new Promise<void>(resolve => (signal = resolve))
  const r = await run(
    { ...WEB, 'timeout-minutes': '0.1' },
    {
      cancelOn: signalled,
      onLine: l => {
        if (l.startsWith('Created deployment')) setTimeout(signal, 5000)
      }
    }
  )

  expect(r.exitCode).toBe(1)
  expect(stopsSent).toBe(1)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toContain('Deployment cancelled')
  expect(r.summary.match(/^### /gm)).toHaveLength(1)
})

describe('state the job inherited does not steer either step', () => {
  test('an inherited STATE_is-post=true: the main step still deploys, and says what it ignored', async () => {
    const sim = await start('all-at-once', 300)
    const r = await run(
      { ...WEB, 'wait-for-deployment': 'false' },
      { env: { ...sim.env, 'STATE_is-post': 'true' } }
    )
    expect(r.exitCode).toBe(0)
    expect(callsTo(sim, 'CreateDeployment', 200)).toHaveLength(1)
    expect(r.warnings).toContainEqual(expect.stringContaining('Inherited state ignored'))
  })

  test("an inherited STATE_deployment-id: the post step does not stop that (someone else's) deployment", async () => {
    const sim = await start('busy', 600)
    const other = sim.engine.deployments.find(d => d.status === 'InProgress')!.id
    const inherited = { ...sim.env, 'STATE_deployment-id': other, 'STATE_rollback-on-cancel': 'true' }
    // The group is busy: this step fails before creating anything, and owns no deployment.
    const r = await run(WEB, { env: inherited })
    expect(r.exitCode).toBe(1)
    const post = await r.post()
    expect(post.exitCode).toBe(0)
    expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  })
})
