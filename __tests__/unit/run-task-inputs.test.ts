import { parseInputs } from '../../src/inputs/inputs.js'
import { parseRunTask } from '../../src/inputs/run-task.js'
import { InputError } from '../../src/runtime/errors.js'
import { thrown } from './thrown.js'

const read =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''

const refusal = (inputs: Record<string, string>): InputError => thrown(() => parseRunTask(read(inputs)))

describe('parseRunTask', () => {
  it('runs no task unless run-task or run-task-command says so', () => {
    expect(parseRunTask(read({}))).toBeUndefined()
    expect(parseRunTask(read({ 'run-task': 'false' }))).toBeUndefined()
  })

  it('run-task: true with the official defaults, except that the deployment waits for the task', () => {
    expect(parseRunTask(read({ 'run-task': 'true' }))).toEqual({
      containerOverrides: [],
      startedBy: 'GitHub-Actions',
      tags: [],
      waitForStop: true
    })
  })

  it('run-task-command implies run-task and names its container with run-task-container', () => {
    expect(
      parseRunTask(
        read({ 'run-task-command': ' ["npm", "run", "migrate"] ', 'run-task-container': 'migrate' })
      )
    ).toMatchObject({ command: ['npm', 'run', 'migrate'], commandContainer: 'migrate' })
  })

  it('takes every input in its official form', () => {
    const parsed = parseRunTask(
      read({
        'run-task': 'True',
        'run-task-container-overrides': '[{"name": "web", "environment": [{"name": "MODE", "value": "x"}]}]',
        'run-task-capacity-provider-strategy':
          '[{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]',
        'run-task-subnets': 'subnet-0a1b2c3d, subnet-4e5f6a7b\nsubnet-0a1b2c3d',
        'run-task-security-groups': 'sg-0123abcd',
        'run-task-assign-public-IP': 'ENABLED',
        'run-task-started-by': 'deploy/main_42',
        'run-task-tags': '[{"key": "purpose", "value": "migration"}]',
        'wait-for-task-stopped': 'false'
      })
    )
    expect(parsed).toEqual({
      containerOverrides: [{ name: 'web', environment: [{ name: 'MODE', value: 'x' }] }],
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
      subnets: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
      securityGroups: ['sg-0123abcd'],
      assignPublicIp: 'ENABLED',
      startedBy: 'deploy/main_42',
      tags: [{ key: 'purpose', value: 'migration' }],
      waitForStop: false
    })
    expect(parseRunTask(read({ 'run-task': 'true', 'run-task-launch-type': 'EC2' }))?.launchType).toBe('EC2')
  })

  it.each([
    [{ 'run-task': 'false', 'run-task-command': '["x"]' }, 'run-task is false, but run-task-command is set.'],
    [
      { 'run-task-subnets': 'subnet-0a1b2c3d', 'wait-for-task-stopped': 'true' },
      'run-task-subnets, wait-for-task-stopped are set, but no task runs.'
    ],
    [{ 'run-task': 'yes' }, "run-task is 'yes', not a boolean."],
    [
      { 'run-task-command': '["x"]', 'run-task-container': 'my app' },
      "run-task-container 'my app' is not a container name."
    ],
    [{ 'run-task-command': '[]' }, 'run-task-command is an empty array.'],
    [{ 'run-task-command': '["sleep", 10]' }, 'run-task-command is not a JSON array of strings.']
  ])('refuses %j', (inputs, message) => {
    expect(refusal(inputs).message).toContain(message)
  })

  it.each([
    [{ 'run-task-container': 'web' }, 'run-task-container is set without run-task-command.'],
    [{ 'run-task-launch-type': 'fargate' }, "run-task-launch-type is 'fargate'."],
    [
      {
        'run-task-launch-type': 'FARGATE',
        'run-task-capacity-provider-strategy': '[{"capacityProvider": "FARGATE"}]'
      },
      'run-task-launch-type and run-task-capacity-provider-strategy are both set.'
    ],
    [
      { 'run-task-capacity-provider-strategy': '[{"weight": 1}]' },
      'run-task-capacity-provider-strategy[0] has no capacityProvider (required)'
    ],
    [{ 'run-task-assign-public-IP': 'enabled' }, "run-task-assign-public-IP is 'enabled'."],
    [
      { 'run-task-assign-public-IP': 'ENABLED', 'run-task-launch-type': 'EC2' },
      'run-task-assign-public-IP is ENABLED with run-task-launch-type EC2.'
    ],
    [{ 'run-task-subnets': 'subnet-1,vpc-0a1b2c3d' }, "holds 'subnet-1', which is not a subnet id"],
    [{ 'run-task-security-groups': 'default' }, "holds 'default', which is not a security group id"],
    [{ 'run-task-started-by': 'me and you' }, 'run-task-started-by is not a value ECS takes.'],
    [{ 'run-task-container-overrides': '{"name": "web"}' }, 'is a JSON object, not an array.'],
    [
      { 'run-task-container-overrides': '[{"command": ["x"]}]' },
      'run-task-container-overrides[0] has no name.'
    ],
    [
      { 'run-task-container-overrides': '[{"name": "web"}, {"name": "web"}]' },
      'run-task-container-overrides has two entries for container web.'
    ],
    [
      {
        'run-task-container-overrides': '[{"name": "web", "Command": ["x"], "cpu": 0.5}]'
      },
      'unknown member run-task-container-overrides[0].Command (did you mean command?); run-task-container-overrides[0].cpu must be a whole number, not a fractional number.'
    ],
    [
      { 'run-task-tags': '[{"key": "aws:owner", "value": "x"}]' },
      'run-task-tags[0] has a key ECS does not accept.'
    ],
    [
      { 'run-task-tags': '[{"key": "team", "value": "a;b"}]' },
      'run-task-tags[0] (team) has a value ECS does not accept.'
    ]
  ])('with run-task: true, refuses %j', (inputs, message) => {
    expect(refusal({ 'run-task': 'true', ...inputs }).message).toContain(message)
  })

  it('never quotes what it refuses in a JSON input: environment values and commands may be secrets', () => {
    const secret = 'postgres://admin:hunter2@db'
    const cases: Record<string, string>[] = [
      { 'run-task-command': `["migrate", "--url", "${secret}"` },
      { 'run-task-command': `["migrate", {"url": "${secret}"}]` },
      {
        'run-task': 'true',
        'run-task-container-overrides': `[{"name": "web", "environment": [{"name": "DB", "value": ["${secret}"]}]}]`
      },
      {
        'run-task': 'true',
        'run-task-container-overrides': `[{"name": "web", "environment": [{"name": "DB", "valu": "${secret}"}]}]`
      },
      { 'run-task': 'true', 'run-task-tags': `[{"key": "db", "value": "${secret}?sslmode=require"}]` }
    ]
    for (const inputs of cases) {
      const e = refusal(inputs)
      expect(e.full).not.toContain('hunter2')
    }
    expect(refusal(cases[0]!).message).toMatch(/^run-task-command is not valid JSON \(at character \d+\)\.$/)
  })
})

describe('parseInputs', () => {
  it('has the run-task inputs; they need a new deployment, not deployment-id', () => {
    expect(parseInputs(read({ service: 'web', 'run-task-command': '["x"]' })).runTask?.command).toEqual(['x'])
    expect(parseInputs(read({ service: 'web' })).runTask).toBeUndefined()
    expect(() => parseInputs(read({ 'deployment-id': 'd-AAAAAAAA1', 'run-task': 'true' }))).toThrow(
      'deployment-id acts on an existing deployment, but run-task needs a new one.'
    )
  })
})
