import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { parseOverrides } from '../../src/inputs/overrides.js'
import { applyOverrides } from '../../src/plan/overrides.js'
import { thrown } from './template-fixtures.js'

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf'
const PARAMETER = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-key'

/** `web` (container-name) with environment, secrets and awslogs; `log-router` bare. */
function request(): RegisterTaskDefinitionCommandInput {
  return {
    family: 'web',
    executionRoleArn: 'arn:aws:iam::123456789012:role/old-exec',
    containerDefinitions: [
      {
        name: 'web',
        image: 'repo/web:1',
        command: ['npm', 'start'],
        secrets: [{ name: 'DB', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/old' }],
        environmentFiles: [{ value: 'arn:aws:s3:::bucket/old.env', type: 's3' }],
        dockerLabels: { team: 'web', tier: 'front' },
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', mode: 'blocking' } }
      },
      { name: 'log-router', image: 'repo/fluent-bit:1' }
    ],
    tags: [
      { key: 'team', value: 'web' },
      { key: 'cost-center', value: '42' }
    ]
  }
}

function apply(inputs: Record<string, string>, image?: string): RegisterTaskDefinitionCommandInput {
  const td = request()
  applyOverrides(
    td,
    parseOverrides(name => inputs[name] ?? ''),
    'web',
    image
  )
  return td
}

const container = (td: RegisterTaskDefinitionCommandInput, name: string) =>
  td.containerDefinitions!.find(c => c.name === name)!

describe('applyOverrides', () => {
  it('changes nothing when no input is given', () => {
    expect(apply({})).toEqual(request())
  })

  it('sets the image of each container named in container-images', () => {
    const td = apply({ 'container-images': 'log-router=repo/fluent-bit:2' }, 'repo/web:2')
    expect(container(td, 'log-router').image).toBe('repo/fluent-bit:2')
    // The image input is render.ts's to set: here it only counts for the clash check.
    expect(container(td, 'web').image).toBe('repo/web:1')
  })

  it('refuses a container the task definition lacks, naming the lines and the containers it has', () => {
    const e = thrown(() =>
      apply({ 'container-images': 'envoy=repo/envoy:1', secrets: `Log-Router: TOKEN=${PARAMETER}` })
    )
    expect(e.message).toBe(
      "container-images line 1 names container 'envoy'; secrets line 1 names container 'Log-Router', which the task definition does not have; it has 'web', 'log-router'."
    )
    expect(e.hint).toContain('case-sensitive')
  })

  it('refuses two images, commands or log drivers for one container', () => {
    expect(thrown(() => apply({ 'container-images': 'web=repo/web:3' }, 'repo/web:2')).message).toBe(
      'The image input and container-images line 1 both set the image of container web.'
    )
    expect(thrown(() => apply({ 'container-images': 'log-router=a:1\nlog-router=a:2' })).message).toBe(
      'container-images line 1 and container-images line 2 both set the image of container log-router.'
    )
    expect(thrown(() => apply({ command: '["a"]\nweb: ["b"]' })).message).toBe(
      'command line 1 and command line 2 both set the command of container web.'
    )
    expect(
      thrown(() => apply({ 'log-configuration-log-driver': 'log-router: awslogs\nlog-router: splunk' }))
        .message
    ).toBe(
      'log-configuration-log-driver line 1 and log-configuration-log-driver line 2 both set the log driver of container log-router.'
    )
  })

  it('merges secrets by name into the container each line is for', () => {
    const td = apply({ secrets: `DB=${SECRET}\nAPI_KEY=${PARAMETER}\nlog-router: TOKEN=${PARAMETER}` })
    expect(container(td, 'web').secrets).toEqual([
      { name: 'DB', valueFrom: SECRET },
      { name: 'API_KEY', valueFrom: PARAMETER }
    ])
    expect(container(td, 'log-router').secrets).toEqual([{ name: 'TOKEN', valueFrom: PARAMETER }])
  })

  it("replaces a container's environment files with its env-files lines, as the render action does", () => {
    const td = apply({
      'env-files':
        'arn:aws:s3:::bucket/a.env\narn:aws:s3:::bucket/b.env\nlog-router: arn:aws:s3:::bucket/r.env'
    })
    expect(container(td, 'web').environmentFiles).toEqual([
      { value: 'arn:aws:s3:::bucket/a.env', type: 's3' },
      { value: 'arn:aws:s3:::bucket/b.env', type: 's3' }
    ])
    expect(container(td, 'log-router').environmentFiles).toEqual([
      { value: 'arn:aws:s3:::bucket/r.env', type: 's3' }
    ])
  })

  it('merges docker labels and log options by key; the last line for a key wins', () => {
    const td = apply({
      'docker-labels': 'tier=back\nversion=2\nversion=3\nlog-router: team=logs',
      'log-configuration-options': 'mode=non-blocking\nmax-buffer-size=25m'
    })
    expect(container(td, 'web').dockerLabels).toEqual({ team: 'web', tier: 'back', version: '3' })
    expect(container(td, 'log-router').dockerLabels).toEqual({ team: 'logs' })
    expect(container(td, 'web').logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/web', mode: 'non-blocking', 'max-buffer-size': '25m' }
    })
  })

  it('replaces the command; an empty array removes it', () => {
    const td = apply({ command: 'web: []\nlog-router: ["/fluent-bit/bin/fluent-bit"]' })
    expect(container(td, 'web')).not.toHaveProperty('command')
    expect(container(td, 'log-router').command).toEqual(['/fluent-bit/bin/fluent-bit'])
    expect(container(apply({ command: '["node", "server.js"]' }), 'web').command).toEqual([
      'node',
      'server.js'
    ])
  })

  it('replaces the log driver and keeps the options, as the render action does', () => {
    const td = apply({
      'log-configuration-log-driver': 'splunk\nlog-router: awslogs',
      'log-configuration-options': 'log-router: awslogs-group=/ecs/router'
    })
    expect(container(td, 'web').logConfiguration).toEqual({
      logDriver: 'splunk',
      options: { 'awslogs-group': '/ecs/web', mode: 'blocking' }
    })
    expect(container(td, 'log-router').logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/router' }
    })
  })

  it('refuses log options for a container with no log driver', () => {
    const e = thrown(() => apply({ 'log-configuration-options': 'web: mode=blocking\nlog-router: tag=x' }))
    expect(e.message).toBe(
      'log-configuration-options line 2 sets an option of log-router, which has no log driver.'
    )
    expect(e.hint).toContain('log-configuration-log-driver')
  })

  it('replaces the task role and the execution role', () => {
    const td = apply({
      'task-role-arn': 'arn:aws:iam::123456789012:role/web-task',
      'execution-role-arn': 'arn:aws:iam::123456789012:role/exec'
    })
    expect(td.taskRoleArn).toBe('arn:aws:iam::123456789012:role/web-task')
    expect(td.executionRoleArn).toBe('arn:aws:iam::123456789012:role/exec')
  })

  it("keeps the template's tags and adds the input's; a key in both takes the input's value", () => {
    expect(apply({ tags: 'team=platform\nversion=1.2.3' }).tags).toEqual([
      { key: 'team', value: 'platform' },
      { key: 'cost-center', value: '42' },
      { key: 'version', value: '1.2.3' }
    ])
  })

  it('refuses more tags than ECS takes, counting the template and the input together', () => {
    const keys = (n: number): string => Array.from({ length: n }, (_, i) => `k${i}=v`).join('\n')
    expect(apply({ tags: `${keys(48)}\nteam=x` }).tags).toHaveLength(50)
    expect(thrown(() => apply({ tags: keys(49) })).message).toBe(
      "The revision would have 51 tags (the template's and the tags input's); ECS allows 50."
    )
  })
})
