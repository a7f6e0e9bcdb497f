// Input errors: reported before anything is written to AWS, with one ::error line that says what
// is wrong and what to do. Each row checks the simulator recorded no write call at all.
import { WEB, logText, onlyError, useSimulatorRuns, workspace, writeCalls } from './helpers.js'

const { start, run } = useSimulatorRuns(30_000)

const template = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string =>
  JSON.stringify({
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: 'web',
        image: 'web:v1',
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        ...container
      }
    ],
    ...extra
  })

interface Row {
  name: string
  inputs: Record<string, string>
  files?: Record<string, string>
  /** Every pattern must be in the ::error line. */
  expect: RegExp[]
}

const rows: Row[] = [
  {
    name: 'a template that is not JSON, with line and column',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': '{\n  "family": "web",\n  "cpu": 256,,\n}' },
    expect: [/td\.json/, /line 3/i, /column \d+/i]
  },
  {
    name: 'a template that is not an object',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': '["web"]' },
    expect: [/td\.json/, /object/i]
  },
  {
    name: 'a template without containerDefinitions',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': JSON.stringify({ family: 'web' }) },
    expect: [/containerDefinitions/]
  },
  {
    name: 'an unknown key deep in the template, with its path and the nearest valid key',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': template({}, { healthCheck: { comand: ['CMD', 'true'] } }) },
    expect: [/containerDefinitions\[0\]\.healthCheck\.comand/, /command/]
  },
  {
    name: 'a container-name that is not in the template',
    inputs: { 'task-definition': 'td.json', 'container-name': 'api' },
    files: { 'td.json': template() },
    expect: [/api/, /web/]
  },
  {
    name: 'an image that cannot be an image URI',
    inputs: { image: 'not an image!' },
    expect: [/not an image!/, /image/i]
  },
  {
    name: 'a container-port not among the port mappings',
    inputs: { 'container-port': '9999' },
    expect: [/9999/]
  },
  {
    name: 'an environment-variables line that is not NAME=value',
    inputs: { 'environment-variables': 'GOOD=1\njust-a-word' },
    // The line is named by number: its text may be a secret.
    expect: [/environment-variables line 2/, /NAME=value/]
  },
  {
    name: 'a boolean that is not true/false',
    inputs: { 'wait-for-deployment': 'yes' },
    expect: [/wait-for-deployment/]
  },
  {
    name: 'a number that is not one',
    inputs: { 'timeout-minutes': 'ten' },
    expect: [/timeout-minutes/, /ten/]
  },
  {
    // 400 digits read as Infinity: an invalid deadline, and a watch that polls every millisecond.
    name: 'a timeout-minutes too large to be a date',
    inputs: { 'timeout-minutes': '9'.repeat(400) },
    expect: [/timeout-minutes/, /at most 7200/]
  },
  {
    name: 'a timeout-minutes beyond the runner job limit (5 days)',
    inputs: { 'timeout-minutes': '7201' },
    expect: [/timeout-minutes is '7201'/, /at most 7200/]
  },
  {
    // Node cuts sleeps over 2^31 ms to 1 ms.
    name: 'a poll-interval-seconds over 300',
    inputs: { 'poll-interval-seconds': '2147484' },
    expect: [/poll-interval-seconds is '2147484'/, /at least 1, at most 300/]
  },
  {
    // GitHub shows it as the deployment's link.
    name: 'an environment-url that is not http(s)',
    inputs: { environment: 'staging', 'environment-url': 'javascript:alert(document.cookie)' },
    expect: [/environment-url/, /is not an http\(s\) URL/]
  },
  {
    name: 'a YAML alias bomb in the AppSpec file: stopped, and the file named',
    inputs: { 'codedeploy-appspec': 'deploy/appspec.yaml' },
    files: {
      'deploy/appspec.yaml': [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...['b', 'c', 'd', 'e', 'f', 'g'].map(
          (name, i) =>
            `${name}: &${name} [${Array(9)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(', ')}]`
        )
      ].join('\n')
    },
    expect: [/deploy\/appspec\.yaml expands into more than 100 aliased values \(a YAML alias bomb\?\)/]
  },
  {
    // JSON.parse would keep the second image without a word.
    name: 'a template with a key given twice: the key path and line',
    inputs: { 'task-definition': 'td.json' },
    files: {
      'td.json': template({}, { image: 'web:v1' }).replace(
        '"image":"web:v1"',
        '"image":"web:v1","image":"web:v2"'
      )
    },
    expect: [/td\.json has a key given twice: containerDefinitions\[0\]\.image \(line 1\)/]
  },
  {
    name: 'an AppSpec file that is not YAML',
    inputs: { 'codedeploy-appspec': 'appspec.yaml' },
    files: { 'appspec.yaml': 'Resources: [\n  - : : :\n' },
    expect: [/appspec\.yaml/]
  },
  {
    name: 'an AppSpec file that is not an ECS AppSpec',
    inputs: { 'codedeploy-appspec': 'appspec.yaml' },
    files: { 'appspec.yaml': 'version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv\n' },
    expect: [/appspec\.yaml/, /ECS|TargetService/]
  },
  {
    name: 'deployment-id with an option that needs a new deployment',
    inputs: { 'deployment-id': 'd-ABCDEFGHI', image: 'web:v2', service: '' },
    expect: [/deployment-id/, /image/]
  },
  { name: 'a service that does not exist', inputs: { service: 'nope' }, expect: [/nope/, /sim-cluster/] },
  {
    name: 'a codedeploy-* input for a service that ECS deploys itself (deployment controller ECS)',
    inputs: { service: 'rolling', 'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce' },
    expect: [/rolling/, /ECS deployments/, /codedeploy-deployment-config/]
  },
  {
    name: 'wait-until: ready for an ECS rolling service, which has no PAUSE hook to wait at',
    inputs: { service: 'worker', 'wait-until': 'ready' },
    expect: [/worker/, /PAUSE lifecycle hook/]
  },
  {
    name: 'a deployment group that does not deploy this service',
    inputs: { 'codedeploy-application': 'api-app', 'codedeploy-deployment-group': 'api-prod' },
    expect: [/api-prod/, /web/]
  },
  {
    name: 'a task-definition that is neither file, ARN nor family',
    inputs: { 'task-definition': './missing.json' },
    expect: [/missing\.json/]
  }
]

test.each(rows)('$name', async row => {
  const sim = await start('all-at-once', 300)
  const r = await run({ ...WEB, ...row.inputs }, { workspace: workspace(row.files) })
  const error = onlyError(r)
  for (const pattern of row.expect) expect(error).toMatch(pattern)
  expect(writeCalls(sim)).toEqual([])
})

test('deployment-id with dry-run: False is no clash: booleans read as core.getBooleanInput reads them', async () => {
  const sim = await start('busy', 600)
  const other = sim.engine.deployments.find(d => d.status === 'InProgress')!.id
  const r = await run({
    'deployment-id': other,
    'dry-run': 'False',
    'wait-until': 'traffic-shifted',
    'poll-interval-seconds': '1'
  })
  expect(r.errors).toEqual([])
  expect(r.exitCode).toBe(0)
  expect(writeCalls(sim)).toEqual([])
})

test('a timeout under a minute is allowed, with a warning, before anything is written', async () => {
  await start('all-at-once', 300)
  const r = await run({ ...WEB, 'timeout-minutes': '0.25', 'dry-run': 'true' })
  expect(r.exitCode).toBe(0)
  expect(r.warnings).toContainEqual(
    expect.stringMatching(
      /^::warning title=Short timeout::timeout-minutes is 0\.25: the step waits 15 seconds, then stops the deployment it created or continued, with rollback/
    )
  )
})

test('missing region: says how configure-aws-credentials provides it, and calls nothing', async () => {
  const sim = await start('all-at-once', 300)
  const env = { ...sim.env }
  delete env.AWS_REGION
  delete env.AWS_DEFAULT_REGION
  const { runAction } = await import('../../sim/run-action.js')
  const r = await runAction({ env, inputs: WEB })
  const error = onlyError(r)
  expect(error).toMatch(/region/i)
  expect(error).toContain('configure-aws-credentials')
  expect(sim.calls).toEqual([])
})

test('dry-run: no write calls, the AppSpec names <family>:NEXT, environment values hidden', async () => {
  const sim = await start('all-at-once', 300)
  const secret = 'hunter2-S3CR3T-do-not-print'
  const r = await run({
    ...WEB,
    'dry-run': 'true',
    'environment-variables': `DB_PASSWORD=${secret}\nMODE=prod`
  })
  expect(r.exitCode).toBe(0)
  expect(writeCalls(sim)).toEqual([])
  const appspec = JSON.parse(r.outputs.appspec!) as {
    Resources: { TargetService: { Properties: { TaskDefinition: string } } }[]
  }
  expect(appspec.Resources[0]!.TargetService.Properties.TaskDefinition).toBe('web:NEXT')
  const log = logText(r)
  expect(log).toContain('DB_PASSWORD')
  expect(log).not.toContain(secret)
  expect(r.summary).not.toContain(secret)
  expect(r.outputs['deployment-id'] ?? '').toBe('')
})
