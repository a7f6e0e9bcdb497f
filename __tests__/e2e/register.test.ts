// One revision for several services, and the previous revision cleaned up, through the built action
// as the runner runs it: register-only registers and deploys nothing, its ARN deploys as it is to two
// services; deregister-previous deregisters the revision web ran before after success, keeps one
// another service runs, waits for the deployment's end, and never fails a deployment that succeeded.
import { jest } from '@jest/globals'
import {
  WEB,
  WEB_NEXT,
  WEB_PREVIOUS,
  body,
  callsTo,
  stream,
  useSimulator,
  workspace,
  writes
} from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock, sim } = useSimulator()

const codeDeployCalls = (): string[] =>
  sim()
    .calls.filter(c => c.service === 'codedeploy')
    .map(c => c.operation)

describe('register-only', () => {
  test('registers the revision, outputs its ARN and deploys nothing; that ARN then deploys as it is to two services', async () => {
    await start('shared-revision', 300)
    const r = await runOnSimClock({ ...WEB, 'register-only': 'true', tags: 'release=42' })

    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
    expect(r.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
    expect(r.outputs['deployment-id'] ?? '').toBe('')
    expect(writes(sim())).toEqual(['RegisterTaskDefinition'])
    expect(codeDeployCalls()).toEqual([])
    expect(callsTo(sim(), 'UpdateService')).toHaveLength(0)
    expect(body<{ tags: unknown[] }>(callsTo(sim(), 'RegisterTaskDefinition')[0]).tags).toEqual([
      { key: 'release', value: '42' }
    ])
    const lines = stream(r)
    expect(lines).toContain(`Registered ${WEB_NEXT}.`)
    expect(lines.some(l => l.startsWith('register-only: nothing was deployed.'))).toBe(true)
    expect(r.summary).toContain('📦 Revision registered, nothing deployed (register-only)')
    expect(r.summary).toContain('#### Changes against web:3')
    // Nothing for the post step: the revision is the step's result, not an orphan.
    expect((await r.post()).exitCode).toBe(0)
    expect(writes(sim())).toEqual(['RegisterTaskDefinition'])

    // The matrix jobs: each deploys the ARN as it is, nothing registered again.
    for (const service of ['web', 'web-eu']) {
      const d = await runOnSimClock({
        service,
        cluster: 'sim-cluster',
        'task-definition': r.outputs['task-definition-arn']!,
        'poll-interval-seconds': '1'
      })
      expect([service, d.exitCode, d.outputs['task-definition-arn']]).toEqual([service, 0, WEB_NEXT])
    }
    expect(writes(sim())).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'CreateDeployment'])
    const sent = callsTo(sim(), 'CreateDeployment').map(
      c =>
        (
          JSON.parse(
            body<{ revision: { appSpecContent: { content: string } } }>(c).revision.appSpecContent.content
          ) as { Resources: { TargetService: { Properties: { TaskDefinition: string } } }[] }
        ).Resources[0]!.TargetService.Properties.TaskDefinition
    )
    expect(sent).toEqual([WEB_NEXT, WEB_NEXT])
  })

  test('without a service: a template file, compared with the family latest revision', async () => {
    await start('all-at-once', 300)
    const dir = workspace({
      'td.json': JSON.stringify({
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: '<IMAGE>', portMappings: [{ containerPort: 8080 }] }]
      })
    })
    const r = await runOnSimClock(
      { 'register-only': 'true', 'task-definition': 'td.json', image: WEB.image! },
      { workspace: dir }
    )
    expect(r.errors).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
    expect(r.outputs['previous-task-definition-arn'] ?? '').toBe('')
    expect(callsTo(sim(), 'DescribeServices')).toHaveLength(0)
    expect(writes(sim())).toEqual(['RegisterTaskDefinition'])
    expect(r.summary).toContain('#### Changes against web:3')
  })

  test.each([
    [{ 'wait-until': 'ready' }, 'wait-until: ready'],
    [{ environment: 'production' }, 'environment'],
    [{ 'codedeploy-deployment-group': 'DgpECS-sim-cluster-web' }, 'codedeploy-deployment-group'],
    [{ 'run-task-command': '["npm", "run", "migrate"]' }, 'run-task-command'],
    [{ 'deregister-previous': 'true' }, 'deregister-previous: true']
  ])('%j is refused before anything is written', async (extra, named) => {
    await start('all-at-once', 300)
    const r = await runOnSimClock({ ...WEB, 'register-only': 'true', ...extra })
    expect(r.exitCode).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(
      `register-only registers a revision and deploys nothing, but ${named} is about a deployment.`
    )
    expect(sim().calls.filter(c => c.service !== 'github')).toEqual([])
  })
})

describe('deregister-previous', () => {
  test('after success, deregisters the revision web ran before and says so', async () => {
    await start('all-at-once', 300)
    const r = await runOnSimClock({ ...WEB, 'deregister-previous': 'true' })
    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual([])
    expect(writes(sim())).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'DeregisterTaskDefinition'])
    expect(
      body<{ taskDefinition: string }>(callsTo(sim(), 'DeregisterTaskDefinition')[0]).taskDefinition
    ).toBe(WEB_PREVIOUS)
    // After the deployment's end: the last write comes after the deployment read as Succeeded.
    const lines = stream(r)
    const said = `Deregistered ${WEB_PREVIOUS}: no service of cluster sim-cluster runs it any more.`
    expect(lines.indexOf(said)).toBeGreaterThan(
      lines.findIndex(l => /^Deployment d-\w+ is Succeeded$/.test(l))
    )
    expect(r.summary).toContain('#### Previous revision')
    expect(r.summary).toContain(`Deregistered ${WEB_PREVIOUS}`)
    expect(sim().state.findTaskDefinition(WEB_PREVIOUS)?.status).toBe('INACTIVE')
    expect(callsTo(sim(), 'ListServices').length).toBeGreaterThan(0)
  })

  test('keeps the revision another service of the cluster runs, and names it', async () => {
    await start('shared-revision', 300)
    const r = await runOnSimClock({ ...WEB, 'deregister-previous': 'true' })
    expect(r.exitCode).toBe(0)
    expect(writes(sim())).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])
    expect(stream(r)).toContain(`Kept ${WEB_PREVIOUS}: service web-eu still runs it.`)
    expect(r.summary).toContain('service web-eu still runs it')
    expect(sim().state.findTaskDefinition(WEB_PREVIOUS)?.status).toBe('ACTIVE')
  })

  test('with wait-until: ready it is skipped with a notice that says why', async () => {
    await start('ready-wait', 300)
    const r = await runOnSimClock({ ...WEB, 'wait-until': 'ready', 'deregister-previous': 'true' })
    expect(r.exitCode).toBe(0)
    expect(r.outputs['deployment-status']).toBe('Ready')
    expect(writes(sim())).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])
    expect(callsTo(sim(), 'ListServices')).toHaveLength(0)
    const notices = r.lines.filter(l => l.startsWith('::notice'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain(
      'deregister-previous skipped: wait-until: ready returns before the deployment ends'
    )
  })

  test('a DeregisterTaskDefinition the role may not make is a warning, and the step succeeds', async () => {
    await start('all-at-once', 300, {
      rules: [{ error: 'denied', services: ['ecs'], operations: ['DeregisterTaskDefinition'] }]
    })
    const r = await runOnSimClock({ ...WEB, 'deregister-previous': 'true' })
    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.outputs['deployment-status']).toBe('Succeeded')
    expect(callsTo(sim(), 'DeregisterTaskDefinition', 400)).toHaveLength(1)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toContain(`Could not deregister ${WEB_PREVIOUS}`)
    expect(r.warnings[0]).toContain('the deployment succeeded all the same')
    expect(r.warnings[0]).toContain('not authorized to perform: ecs:DeregisterTaskDefinition')
  })
})
