import { InputError } from '../../src/runtime/errors.js'
import { thrown } from './thrown.js'
import {
  OVERRIDE_INPUTS,
  changesTaskDefinition,
  parseOverrides,
  type TaskDefinitionOverrides
} from '../../src/inputs/overrides.js'

const parse = (inputs: Record<string, string>): TaskDefinitionOverrides =>
  parseOverrides(name => inputs[name] ?? '')

const inputError = (inputs: Record<string, string>): InputError => thrown(() => parse(inputs))

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf'
const PARAMETER = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-key'
const ENV_FILE = 'arn:aws:s3:::config-bucket/web/prod.env'
const HIDDEN = 'hunter2-do-not-print'

describe('parseOverrides', () => {
  it('gives nothing when no input is set, and that changes nothing', () => {
    const none = parse({})
    expect(none).toEqual({
      containerImages: [],
      secrets: [],
      envFiles: [],
      dockerLabels: [],
      command: [],
      logDriver: [],
      logOptions: [],
      tags: []
    })
    expect(changesTaskDefinition(none)).toBe(false)
  })

  it.each([
    ['container-images', 'log-router=repo/fluent-bit:3'],
    ['secrets', `DB=${SECRET}`],
    ['env-files', ENV_FILE],
    ['docker-labels', 'team=web'],
    ['command', '["npm", "start"]'],
    ['log-configuration-log-driver', 'awslogs'],
    ['log-configuration-options', 'mode=non-blocking'],
    ['task-role-arn', 'arn:aws:iam::123456789012:role/web'],
    ['execution-role-arn', 'arn:aws:iam::123456789012:role/exec'],
    ['tags', 'team=web']
  ])('%s alone changes the task definition', (name, value) => {
    expect(changesTaskDefinition(parse({ [name]: value }))).toBe(true)
  })

  it('knows every input it parses', () => {
    expect([...OVERRIDE_INPUTS].sort()).toEqual(
      [
        'command',
        'container-images',
        'docker-labels',
        'env-files',
        'execution-role-arn',
        'log-configuration-log-driver',
        'log-configuration-options',
        'secrets',
        'tags',
        'task-role-arn'
      ].sort()
    )
  })

  describe('container-images', () => {
    it('takes container=image lines, blank lines and spaces ignored', () => {
      expect(
        parse({
          'container-images': '\n  log-router = repo/fluent-bit:3 \r\nenvoy=public.ecr.aws/envoy:v1\n'
        }).containerImages
      ).toEqual([
        { container: 'log-router', image: 'repo/fluent-bit:3', line: 2 },
        { container: 'envoy', image: 'public.ecr.aws/envoy:v1', line: 3 }
      ])
    })

    it('refuses a line without =, a name ECS would not take, and an image that cannot be pulled', () => {
      expect(inputError({ 'container-images': 'a=repo/a:1\nrepo/b:1' }).message).toBe(
        "container-images line 2 is not container=image (no '=')."
      )
      expect(inputError({ 'container-images': 'log router=repo/a:1' }).message).toBe(
        "container-images line 1: 'log router' is not a container name."
      )
      const e = inputError({ 'container-images': 'envoy=<IMAGE2_NAME>' })
      expect(e.message).toBe(
        'container-images line 1: the image for envoy, "<IMAGE2_NAME>", is an unrendered placeholder.'
      )
      expect(e.hint).toContain('image URI')
    })
  })

  describe('a line for another container than container-name', () => {
    it('starts with the container name, a colon and a space', () => {
      const o = parse({
        secrets: `DB=${SECRET}\nlog-router:  TOKEN=${PARAMETER}`,
        'docker-labels': 'log-router:\tteam=logs'
      })
      expect(o.secrets).toEqual([
        { line: 1, value: { name: 'DB', valueFrom: SECRET } },
        { container: 'log-router', line: 2, value: { name: 'TOKEN', valueFrom: PARAMETER } }
      ])
      expect(o.dockerLabels).toEqual([
        { container: 'log-router', line: 1, value: { key: 'team', value: 'logs' } }
      ])
    })

    it('is not read into an ARN, whose colons have no space after them', () => {
      expect(parse({ 'env-files': `${ENV_FILE}\nlog-router: ${ENV_FILE}` }).envFiles).toEqual([
        { line: 1, value: ENV_FILE },
        { container: 'log-router', line: 2, value: ENV_FILE }
      ])
    })

    it('without the space is an error that says how to write it', () => {
      const e = inputError({ 'docker-labels': `log-router:team=${HIDDEN}` })
      expect(e.message).toBe("docker-labels line 1: the key 'log-router:team' holds a blank or ':'.")
      expect(e.hint).toContain('"<container>: "')
      expect(e.full).not.toContain(HIDDEN)
      expect(inputError({ secrets: `log-router:TOKEN=${PARAMETER}` }).message).toBe(
        "secrets line 1: 'log-router:TOKEN' is not a variable name."
      )
    })
  })

  describe('secrets', () => {
    it.each([
      SECRET,
      `${SECRET}:password::`,
      PARAMETER,
      'arn:aws:ssm:eu-west-1:123456789012:parameter/plain',
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db',
      'arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x'
    ])('takes the ARN %s', arn => {
      expect(parse({ secrets: `DB = ${arn} ` }).secrets).toEqual([
        { line: 1, value: { name: 'DB', valueFrom: arn } }
      ])
    })

    it.each([
      HIDDEN,
      'prod/db',
      'arn:aws:kms:us-east-1:123456789012:key/1234',
      'arn:aws:ssm:us-east-1:123456789012:document/x',
      'arn:aws:secretsmanager:us-east-1:12345:secret:db'
    ])('refuses %p without quoting it', value => {
      const e = inputError({ secrets: `DB=${value}` })
      expect(e.message).toBe(
        'secrets line 1: the value of DB is not a Secrets Manager or SSM Parameter Store ARN.'
      )
      expect(e.full).not.toContain(value)
    })

    it('refuses a line without = and a name that is no variable name, never quoting the value', () => {
      expect(inputError({ secrets: HIDDEN }).full).not.toContain(HIDDEN)
      expect(inputError({ secrets: HIDDEN }).message).toBe("secrets line 1 is not NAME=arn (no '=').")
      expect(inputError({ secrets: `9DB=${SECRET}` }).message).toBe(
        "secrets line 1: '9DB' is not a variable name."
      )
    })
  })

  describe('env-files', () => {
    it.each([
      's3://config-bucket/web.env',
      'arn:aws:s3:::Bucket/web.env',
      'arn:aws:s3:::config-bucket',
      HIDDEN
    ])('refuses %p, which is not an S3 object ARN', value => {
      const e = inputError({ 'env-files': `${ENV_FILE}\n${value}` })
      expect(e.message).toBe('env-files line 2 is not the ARN of an S3 object.')
      expect(e.full).not.toContain(value)
    })
  })

  describe('docker-labels and log-configuration-options', () => {
    it.each([
      ['docker-labels', 'dockerLabels'],
      ['log-configuration-options', 'logOptions']
    ] as const)('%s: key=value split at the first =, empty values kept', (input, field) => {
      expect(parse({ [input]: 'a=b=c\nempty=\nweb: k=v' })[field]).toEqual([
        { line: 1, value: { key: 'a', value: 'b=c' } },
        { line: 2, value: { key: 'empty', value: '' } },
        { container: 'web', line: 3, value: { key: 'k', value: 'v' } }
      ])
    })

    it.each(['docker-labels', 'log-configuration-options'])(
      '%s: refuses an empty key, never quoting the value',
      input => {
        const e = inputError({ [input]: `=${HIDDEN}` })
        expect(e.message).toBe(`${input} line 1: the key is empty.`)
        expect(e.full).not.toContain(HIDDEN)
        expect(inputError({ [input]: HIDDEN }).full).not.toContain(HIDDEN)
      }
    )
  })

  describe('command', () => {
    it('takes one JSON array for container-name, as the render action does, over several lines too', () => {
      expect(parse({ command: '["npm", "run", "start"]' }).command).toEqual([
        { line: 1, value: ['npm', 'run', 'start'] }
      ])
      expect(parse({ command: '[\n  "sh",\n  "-c",\n  "exec app"\n]\n' }).command).toEqual([
        { line: 1, value: ['sh', '-c', 'exec app'] }
      ])
    })

    it('takes one array a line for named containers', () => {
      expect(
        parse({
          command:
            '["npm", "start"]\nlog-router: ["/fluent-bit/bin/fluent-bit", "-c", "/x.conf"]\nmigrate: []'
        }).command
      ).toEqual([
        { line: 1, value: ['npm', 'start'] },
        { container: 'log-router', line: 2, value: ['/fluent-bit/bin/fluent-bit', '-c', '/x.conf'] },
        { container: 'migrate', line: 3, value: [] }
      ])
    })

    it('refuses what is not a JSON array of strings, never quoting it', () => {
      expect(inputError({ command: `npm start --token ${HIDDEN}` }).message).toBe(
        'command line 1 is not a JSON array.'
      )
      expect(inputError({ command: `npm start --token ${HIDDEN}` }).full).not.toContain(HIDDEN)
      expect(inputError({ command: '["a"]\nweb: {"a": 1}' }).message).toBe(
        'command line 2 is not a JSON array.'
      )
      const e = inputError({ command: '["sleep", 10]' })
      expect(e.message).toBe('command line 1: element 2 of the array is not a string.')
      expect(e.hint).toContain('"10"')
    })
  })

  describe('log-configuration-log-driver', () => {
    it('takes the drivers of the ECS model, one a line', () => {
      expect(parse({ 'log-configuration-log-driver': 'awsfirelens\nlog-router: awslogs' }).logDriver).toEqual(
        [
          { line: 1, value: 'awsfirelens' },
          { container: 'log-router', line: 2, value: 'awslogs' }
        ]
      )
    })

    it('refuses any other, with the one meant when only the case differs', () => {
      const e = inputError({ 'log-configuration-log-driver': 'AwsLogs' })
      expect(e.message).toBe(
        'log-configuration-log-driver line 1 is not a log driver ECS knows (did you mean awslogs?).'
      )
      expect(e.hint).toBe(
        'Use one of: json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens.'
      )
      expect(inputError({ 'log-configuration-log-driver': 'logentries' }).message).toBe(
        'log-configuration-log-driver line 1 is not a log driver ECS knows.'
      )
    })
  })

  describe('task-role-arn and execution-role-arn', () => {
    it.each(['task-role-arn', 'execution-role-arn'])(
      '%s takes a role ARN, with a path and in any partition',
      input => {
        const field = input === 'task-role-arn' ? 'taskRoleArn' : 'executionRoleArn'
        for (const arn of [
          'arn:aws:iam::123456789012:role/web',
          'arn:aws-cn:iam::123456789012:role/teams/web-task'
        ]) {
          expect(parse({ [input]: ` ${arn} ` })[field]).toBe(arn)
        }
      }
    )

    it.each([
      'web-task-role',
      'arn:aws:iam::123456789012:user/web',
      'arn:aws:iam:us-east-1:123456789012:role/web'
    ])('refuses %p', value => {
      const e = inputError({ 'task-role-arn': value })
      expect(e.message).toBe('task-role-arn is not the ARN of an IAM role.')
      expect(e.hint).toContain('arn:aws:iam::<account>:role/<name>')
    })
  })

  describe('tags', () => {
    it('takes key=value lines, trimmed; the last duplicate wins', () => {
      expect(parse({ tags: 'team = web \nversion=1.2.3\n\nteam=platform\nempty=' }).tags).toEqual([
        { key: 'version', value: '1.2.3' },
        { key: 'team', value: 'platform' },
        { key: 'empty', value: '' }
      ])
    })

    it('refuses keys ECS refuses, naming the key', () => {
      for (const key of ['aws:owner', 'AWS:x', 'a'.repeat(129), 'semi;colon', '']) {
        expect(inputError({ tags: `${key}=v` }).message).toBe(
          `tags line 1: '${key}' is not a tag key ECS accepts.`
        )
      }
    })

    it('refuses values ECS refuses, never quoting them', () => {
      for (const value of [`${HIDDEN}!`, 'x'.repeat(257)]) {
        const e = inputError({ tags: `team=${value}` })
        expect(e.message).toBe('tags line 1: the value of team is not a tag value ECS accepts.')
        expect(e.full).not.toContain(value)
      }
    })
  })
})
