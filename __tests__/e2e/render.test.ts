// The render action's inputs (container-images, secrets, env-files, docker-labels, command, the log
// configuration, the roles) and tags, through the built action and the simulator, which checks each
// RegisterTaskDefinition against the ECS API model: what is registered, what the log and the job
// summary say changed, and that docker label and log option values never reach either. The runs
// go on the simulator's clock: nothing here is about the runner's signals.
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import {
  type ActionRun,
  IMAGE,
  WEB,
  WEB_NEXT,
  body,
  callsTo,
  logText,
  onlyError,
  stream,
  useSimulatorRuns,
  workspace,
  writeCalls
} from './helpers.js'

const { start, runOnSimClock, sim } = useSimulatorRuns()

const ACCOUNT = '123456789012'
const FLUENT_BIT = 'public.ecr.aws/aws-observability/aws-for-fluent-bit'
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-AbCdEf`
const PARAMETER_ARN = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/prod/splunk-token`
const ENV_FILE = 'arn:aws:s3:::config-bucket/web/prod.env'
const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-task`
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-execution`
/** Values that must never be printed: a log driver token and a docker label value. */
const TOKEN = 'splunk-hec-token-do-not-print'
const LABEL = 'label-value-do-not-print'

/** The app container and a FireLens log router, both images left as CodePipeline placeholders. */
const TEMPLATE = JSON.stringify({
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
  containerDefinitions: [
    {
      name: 'web',
      image: '<IMAGE1_NAME>',
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }]
    },
    {
      name: 'log-router',
      image: '<IMAGE2_NAME>',
      essential: false,
      firelensConfiguration: { type: 'fluentbit' },
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'fb' }
      }
    }
  ],
  tags: [{ key: 'team', value: 'web' }]
})

const registered = (n = 0): RegisterTaskDefinitionCommandInput =>
  body<RegisterTaskDefinitionCommandInput>(callsTo(sim(), 'RegisterTaskDefinition', 200)[n])
const container = (td: RegisterTaskDefinitionCommandInput, name: string): ContainerDefinition =>
  td.containerDefinitions!.find(c => c.name === name)!
/** The job summary as it reads once rendered: Markdown escapes (`DB\_PASSWORD`) undone. */
const summary = (r: ActionRun): string => r.summary.replace(/\\(.)/g, '$1')

/** Deploys the two-container template once, so that the service runs web:4 with both containers. */
async function deployTemplate(ws: string): Promise<void> {
  const first = await runOnSimClock(
    { ...WEB, 'task-definition': 'td.json', 'container-images': `log-router=${FLUENT_BIT}:2.32.0` },
    { workspace: ws }
  )
  expect([first.exitCode, first.errors]).toEqual([0, []])
  expect(first.outputs['task-definition-arn']).toBe(WEB_NEXT)
}

test('container-images: a sidecar image deployed with the app, its placeholder replaced; the change shown', async () => {
  await start('all-at-once', 300)
  const ws = workspace({ 'td.json': TEMPLATE })
  await deployTemplate(ws)
  expect(registered(0).containerDefinitions!.map(c => [c.name, c.image])).toEqual([
    ['web', IMAGE],
    ['log-router', `${FLUENT_BIT}:2.32.0`]
  ])

  const r = await runOnSimClock(
    { ...WEB, 'task-definition': 'td.json', 'container-images': `log-router=${FLUENT_BIT}:2.33.0` },
    { workspace: ws }
  )
  expect([r.exitCode, r.errors]).toEqual([0, []])
  expect(container(registered(1), 'log-router').image).toBe(`${FLUENT_BIT}:2.33.0`)
  const change = `log-router: image ${FLUENT_BIT}:2.32.0 → ${FLUENT_BIT}:2.33.0`
  expect(stream(r)).toContain(`  ${change}`)
  expect(summary(r)).toContain(`- ${change}`)
  // The app's image did not change, so it is not listed.
  expect(logText(r)).not.toMatch(/^ {2}web: image/m)
})

test('every render input on two containers and the task: registered, shown as changes, label and option values hidden', async () => {
  await start('all-at-once', 300)
  const ws = workspace({ 'td.json': TEMPLATE })
  await deployTemplate(ws)

  const r = await runOnSimClock(
    {
      ...WEB,
      'task-definition': 'td.json',
      'container-images': `log-router=${FLUENT_BIT}:2.32.0`,
      secrets: `DB_PASSWORD=${SECRET_ARN}\nlog-router: SPLUNK_TOKEN=${PARAMETER_ARN}`,
      'env-files': ENV_FILE,
      'docker-labels': `com.example.owner=${LABEL}\nlog-router: com.example.role=${LABEL}`,
      command: '["node", "server.js"]\nlog-router: ["/fluent-bit/bin/fluent-bit", "-c", "/extra.conf"]',
      'log-configuration-log-driver': 'awsfirelens',
      'log-configuration-options': `Name=splunk\nHost=splunk.example.com\nSplunk_Token=${TOKEN}\nlog-router: awslogs-stream-prefix=router`,
      'task-role-arn': TASK_ROLE,
      'execution-role-arn': EXECUTION_ROLE,
      tags: 'release=42\nteam=platform'
    },
    { workspace: ws }
  )
  expect([r.exitCode, r.errors]).toEqual([0, []])

  const td = registered(1)
  expect(container(td, 'web')).toMatchObject({
    image: IMAGE,
    secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET_ARN }],
    environmentFiles: [{ value: ENV_FILE, type: 's3' }],
    dockerLabels: { 'com.example.owner': LABEL },
    command: ['node', 'server.js'],
    logConfiguration: {
      logDriver: 'awsfirelens',
      options: { Name: 'splunk', Host: 'splunk.example.com', Splunk_Token: TOKEN }
    }
  })
  expect(container(td, 'log-router')).toMatchObject({
    secrets: [{ name: 'SPLUNK_TOKEN', valueFrom: PARAMETER_ARN }],
    dockerLabels: { 'com.example.role': LABEL },
    command: ['/fluent-bit/bin/fluent-bit', '-c', '/extra.conf'],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': '/ecs/web',
        'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'router'
      }
    }
  })
  expect(container(td, 'log-router')).not.toHaveProperty('environmentFiles')
  expect(td).toMatchObject({ taskRoleArn: TASK_ROLE, executionRoleArn: EXECUTION_ROLE })
  // The template's tag is kept, and the input's value wins for the same key.
  expect(td.tags).toEqual([
    { key: 'team', value: 'platform' },
    { key: 'release', value: '42' }
  ])

  const changes = [
    `web: secrets added DB_PASSWORD=${SECRET_ARN}`,
    `web: environment files none → ${ENV_FILE}`,
    'web: docker labels added com.example.owner',
    'web: command none → ["node","server.js"]',
    'web: log driver none → awsfirelens',
    'web: log options added Name, Host, Splunk_Token',
    `log-router: secrets added SPLUNK_TOKEN=${PARAMETER_ARN}`,
    'log-router: docker labels added com.example.role',
    'log-router: command none → ["/fluent-bit/bin/fluent-bit","-c","/extra.conf"]',
    'log-router: log options changed awslogs-stream-prefix',
    `task role: none → ${TASK_ROLE}`,
    `task execution role: arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole → ${EXECUTION_ROLE}`,
    'tags added release=42; changed team=platform'
  ]
  const lines = stream(r)
  const first = lines.indexOf(`  ${changes[0]}`)
  expect(lines.slice(first, first + changes.length)).toEqual(changes.map(c => `  ${c}`))
  for (const change of changes) expect(summary(r)).toContain(`- ${change}`)
  for (const hidden of [TOKEN, LABEL]) {
    expect(logText(r)).not.toContain(hidden)
    expect(summary(r)).not.toContain(hidden)
  }
})

interface AloneRow {
  input: string
  value: string
  registers: Partial<RegisterTaskDefinitionCommandInput> | { web: Partial<ContainerDefinition> }
  change: string
}

// Each input alone, on the revision the service runs (web:3): without it, that revision would be
// deployed as it is; with it, a new one is registered.
const alone: AloneRow[] = [
  {
    input: 'container-images',
    value: `web=${IMAGE}`,
    registers: { web: { image: IMAGE } },
    change: `web: image ${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:v1 → ${IMAGE}`
  },
  {
    input: 'secrets',
    value: `DB_PASSWORD=${SECRET_ARN}`,
    registers: { web: { secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET_ARN }] } },
    change: `web: secrets added DB_PASSWORD=${SECRET_ARN}`
  },
  {
    input: 'env-files',
    value: ENV_FILE,
    registers: { web: { environmentFiles: [{ value: ENV_FILE, type: 's3' }] } },
    change: `web: environment files none → ${ENV_FILE}`
  },
  {
    input: 'docker-labels',
    value: `com.example.owner=${LABEL}`,
    registers: { web: { dockerLabels: { 'com.example.owner': LABEL } } },
    change: 'web: docker labels added com.example.owner'
  },
  {
    input: 'command',
    value: '["node", "server.js"]',
    registers: { web: { command: ['node', 'server.js'] } },
    change: 'web: command none → ["node","server.js"]'
  },
  {
    input: 'log-configuration-log-driver',
    value: 'splunk',
    registers: { web: { logConfiguration: { logDriver: 'splunk' } } },
    change: 'web: log driver awslogs → splunk'
  },
  {
    input: 'log-configuration-options',
    value: `awslogs-group=${TOKEN}`,
    registers: { web: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': TOKEN } } } },
    change: 'web: log options changed awslogs-group'
  },
  {
    input: 'task-role-arn',
    value: TASK_ROLE,
    registers: { taskRoleArn: TASK_ROLE },
    change: `task role: none → ${TASK_ROLE}`
  },
  {
    input: 'execution-role-arn',
    value: EXECUTION_ROLE,
    registers: { executionRoleArn: EXECUTION_ROLE },
    change: `task execution role: arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole → ${EXECUTION_ROLE}`
  },
  {
    input: 'tags',
    value: 'release=42',
    registers: { tags: [{ key: 'release', value: '42' }] },
    change: 'tags added release=42'
  }
]

test.each(alone)('$input alone makes web:3 a new revision', async row => {
  await start('all-at-once', 300)
  const inputs = { ...WEB, image: '', 'task-definition': 'web:3', 'wait-for-deployment': 'false' }
  const r = await runOnSimClock({ ...inputs, [row.input]: row.value })
  expect([r.exitCode, r.errors]).toEqual([0, []])
  expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
  const td = registered()
  if ('web' in row.registers) expect(container(td, 'web')).toMatchObject(row.registers.web)
  else expect(td).toMatchObject(row.registers)
  expect(stream(r)).toContain(`  ${row.change}`)
  expect(summary(r)).toContain(`- ${row.change}`)
  for (const hidden of [LABEL, TOKEN]) {
    expect(logText(r)).not.toContain(hidden)
    expect(summary(r)).not.toContain(hidden)
  }
})

test('dry-run prints docker label and log option values hidden, and says so', async () => {
  const s = await start('all-at-once', 300)
  const r = await runOnSimClock({
    ...WEB,
    'dry-run': 'true',
    'docker-labels': `com.example.owner=${LABEL}`,
    'log-configuration-options': `awslogs-group=${TOKEN}`
  })
  expect([r.exitCode, r.errors]).toEqual([0, []])
  expect(writeCalls(s)).toEqual([])
  const log = logText(r)
  expect(log).toContain(
    'Task definition to register (environment, docker label and log option values hidden)'
  )
  expect(log).toContain('"com.example.owner": "***"')
  expect(log).toContain('"awslogs-group": "***"')
  expect(log).not.toContain(LABEL)
  expect(log).not.toContain(TOKEN)
  expect(summary(r)).not.toContain(TOKEN)
})

interface ErrorRow {
  name: string
  inputs: Record<string, string>
  files?: Record<string, string>
  expect: RegExp[]
  /** Must not be in the ::error line: a value that may be a secret. */
  never?: string
}

const errors: ErrorRow[] = [
  {
    name: 'a secrets value that is not an ARN, never quoted',
    inputs: { secrets: `DB_PASSWORD=${TOKEN}` },
    expect: [/secrets line 1/, /DB_PASSWORD/, /ARN/],
    never: TOKEN
  },
  {
    name: 'a command that is not a JSON array, never quoted',
    inputs: { command: `node server.js --token ${TOKEN}` },
    expect: [/command line 1 is not a JSON array/],
    never: TOKEN
  },
  {
    name: 'a log option line without =, never quoted',
    inputs: { 'log-configuration-options': `awslogs-group\n${TOKEN}` },
    expect: [/log-configuration-options line 1/, /key=value/],
    never: TOKEN
  },
  {
    name: 'a log driver ECS does not know',
    inputs: { 'log-configuration-log-driver': 'cloudwatch' },
    expect: [/log-configuration-log-driver line 1/, /awslogs/]
  },
  {
    name: 'a role given by name, not ARN',
    inputs: { 'task-role-arn': 'web-task' },
    expect: [/task-role-arn/, /arn:aws:iam::<account>:role\/<name>/]
  },
  {
    name: 'a container the task definition lacks, listing those it has',
    inputs: {
      'container-images': 'envoy=public.ecr.aws/envoy:v1',
      secrets: `log-router: X=${PARAMETER_ARN}`
    },
    expect: [
      /container-images line 1 names container 'envoy'/,
      /secrets line 1 names container 'log-router'/,
      /it has 'web'/
    ]
  },
  {
    name: 'a sidecar whose placeholder no container-images line replaces',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': TEMPLATE },
    expect: [/\(log-router\): image "<IMAGE2_NAME>" is an unrendered placeholder/, /container-images line/]
  },
  {
    name: 'the image input and a container-images line for the same container',
    inputs: { 'container-images': `web=${IMAGE}` },
    expect: [/The image input and container-images line 1 both set the image of container web/]
  },
  {
    name: 'log options for a container without a log driver',
    inputs: {
      'task-definition': 'td.json',
      'container-images': `log-router=${FLUENT_BIT}:2.32.0`,
      'log-configuration-options': 'mode=non-blocking'
    },
    files: { 'td.json': TEMPLATE },
    expect: [/log-configuration-options line 1 sets an option of web, which has no log driver/]
  },
  {
    name: 'a tags key reserved for AWS',
    inputs: { tags: 'aws:team=web' },
    expect: [/tags line 1/, /aws:/]
  },
  {
    name: 'deployment-id with a render input, which needs a new deployment',
    inputs: { 'deployment-id': 'd-ABCDEFGHI', service: '', image: '', tags: 'release=42' },
    expect: [/deployment-id/, /tags/]
  }
]

test.each(errors)('input error before any write: $name', async row => {
  const s = await start('all-at-once', 300)
  const r = await runOnSimClock({ ...WEB, ...row.inputs }, { workspace: workspace(row.files) })
  const error = onlyError(r)
  for (const pattern of row.expect) expect(error).toMatch(pattern)
  if (row.never !== undefined) {
    expect(logText(r)).not.toContain(row.never)
    expect(summary(r)).not.toContain(row.never)
  }
  expect(writeCalls(s)).toEqual([])
})
