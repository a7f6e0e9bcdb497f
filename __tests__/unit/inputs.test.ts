import { InputError } from '../../src/runtime/errors.js'
import { thrown } from './thrown.js'
import { parseEnvironmentVariables, parseInputs } from '../../src/inputs/inputs.js'

const reader =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''

const parse = (inputs: Record<string, string>) => parseInputs(reader({ service: 'web', ...inputs }))

const inputError = (fn: () => unknown): InputError => thrown(fn)

describe('parseInputs', () => {
  it("fills action.yml's defaults", () => {
    expect(parse({})).toEqual({
      service: 'web',
      cluster: 'default',
      taskDefinition: '',
      containerName: undefined,
      image: undefined,
      containerPort: undefined,
      environment: [],
      overrides: {
        containerImages: [],
        secrets: [],
        envFiles: [],
        dockerLabels: [],
        command: [],
        logDriver: [],
        logOptions: [],
        tags: []
      },
      appspecPath: undefined,
      application: undefined,
      deploymentGroup: undefined,
      deploymentConfig: undefined,
      description: undefined,
      waitForDeployment: true,
      waitUntil: 'succeeded',
      deploymentId: undefined,
      continueDeployment: false,
      stopDeployment: false,
      timeoutMinutes: undefined,
      pollIntervalSeconds: 5,
      ifDeploymentRunning: 'fail',
      rollbackOnCancel: true,
      environmentName: undefined,
      environmentUrl: undefined,
      githubToken: undefined,
      dryRun: false,
      registerOnly: false,
      deregisterPrevious: false
    })
  })

  it('trims values and treats blank ones as unset', () => {
    const inputs = parse({ service: '  web ', cluster: '   ', image: ' repo/web:1 ' })
    expect(inputs.service).toBe('web')
    expect(inputs.cluster).toBe('default')
    expect(inputs.image).toBe('repo/web:1')
  })

  describe('booleans', () => {
    it.each([
      ['true', true],
      ['True', true],
      ['TRUE', true],
      [' true ', true],
      ['false', false],
      ['False', false],
      ['FALSE', false]
    ])('accepts %p', (raw, value) => {
      expect(parse({ 'dry-run': raw }).dryRun).toBe(value)
      expect(parse({ 'wait-for-deployment': raw }).waitForDeployment).toBe(value)
      expect(parse({ 'rollback-on-cancel': raw }).rollbackOnCancel).toBe(value)
    })

    it.each(['yes', 'no', 'on', '1', '0', 'tRuE', 'y'])('rejects %p, naming the input', raw => {
      const e = inputError(() => parse({ 'wait-for-deployment': raw }))
      expect(e.message).toBe(`wait-for-deployment is '${raw}', not a boolean.`)
      expect(e.full).toContain('Use true or false.')
    })
  })

  describe('numbers', () => {
    it.each([
      ['timeout-minutes', '0.5', 'timeoutMinutes', 0.5],
      ['timeout-minutes', '90', 'timeoutMinutes', 90],
      ['timeout-minutes', '.25', 'timeoutMinutes', 0.25],
      ['timeout-minutes', '7200', 'timeoutMinutes', 7200],
      ['poll-interval-seconds', '1', 'pollIntervalSeconds', 1],
      ['poll-interval-seconds', '2.5', 'pollIntervalSeconds', 2.5],
      ['poll-interval-seconds', '300', 'pollIntervalSeconds', 300],
      ['container-port', '8080', 'containerPort', 8080],
      ['container-port', '65535', 'containerPort', 65535]
    ] as const)('%s: %p is accepted', (name, raw, key, value) => {
      expect(parse({ [name]: raw })[key]).toBe(value)
    })

    it.each([
      ['timeout-minutes', '0', 'a number, above 0, at most 7200'],
      ['timeout-minutes', '-1', 'a number, above 0, at most 7200'],
      ['timeout-minutes', 'abc', 'a number, above 0, at most 7200'],
      ['timeout-minutes', '1e3', 'a number, above 0, at most 7200'],
      ['timeout-minutes', '10m', 'a number, above 0, at most 7200'],
      ['timeout-minutes', '7200.5', 'a number, above 0, at most 7200'],
      // A date that far ahead is invalid, and the watch would poll every millisecond.
      ['timeout-minutes', '1000000000000', 'a number, above 0, at most 7200'],
      ['timeout-minutes', 'Infinity', 'a number, above 0, at most 7200'],
      ['poll-interval-seconds', '0.5', 'a number, at least 1, at most 300'],
      ['poll-interval-seconds', '0', 'a number, at least 1, at most 300'],
      // Node cuts a sleep over 2^31 ms to 1 ms.
      ['poll-interval-seconds', '2147484', 'a number, at least 1, at most 300'],
      ['container-port', '0', 'a whole number, at least 1, at most 65535'],
      ['container-port', '65536', 'a whole number, at least 1, at most 65535'],
      ['container-port', '80.5', 'a whole number, at least 1, at most 65535'],
      ['container-port', 'http', 'a whole number, at least 1, at most 65535']
    ])('%s: %p is an input error', (name, raw, range) => {
      const e = inputError(() => parse({ [name]: raw }))
      expect(e.message).toBe(`${name} is '${raw}'.`)
      expect(e.hint).toBe(`It must be ${range}.`)
    })

    it('a number of 400 digits is too large, and the error shows its start', () => {
      const e = inputError(() => parse({ 'timeout-minutes': '9'.repeat(400) }))
      expect(e.message).toBe(`timeout-minutes is '${'9'.repeat(40)}…'.`)
    })

    it('warns that a timeout under a minute stops the deployment that soon', () => {
      const warnings: string[] = []
      const read = (inputs: Record<string, string>) => reader({ service: 'web', ...inputs })
      parseInputs(read({ 'timeout-minutes': '0.5' }), (m, title) => warnings.push(`${title}: ${m}`))
      parseInputs(read({ 'timeout-minutes': '0.5', 'rollback-on-cancel': 'false' }), m => warnings.push(m))
      parseInputs(read({ 'timeout-minutes': '1' }), m => warnings.push(m))
      expect(warnings).toEqual([
        expect.stringMatching(
          /^Short timeout: timeout-minutes is 0\.5: the step waits 30 seconds, then stops the deployment it created or continued, with rollback/
        ),
        expect.stringMatching(/^timeout-minutes is 0\.5: the step waits 30 seconds, then stops waiting\./)
      ])
    })
  })

  describe('choices', () => {
    it('takes each wait-until and if-deployment-running value', () => {
      expect(parse({ 'wait-until': 'traffic-shifted' }).waitUntil).toBe('traffic-shifted')
      expect(parse({ 'wait-until': 'ready' }).waitUntil).toBe('ready')
      expect(parse({ 'if-deployment-running': 'wait' }).ifDeploymentRunning).toBe('wait')
      expect(parse({ 'if-deployment-running': 'replace' }).ifDeploymentRunning).toBe('replace')
    })

    it('rejects other values, listing the allowed ones', () => {
      const e = inputError(() => parse({ 'wait-until': 'Ready' }))
      expect(e.full).toBe("wait-until is 'Ready'. Use one of: succeeded, traffic-shifted, ready.")
      expect(inputError(() => parse({ 'if-deployment-running': 'queue' })).full).toContain(
        'fail, wait, replace'
      )
    })
  })

  it('requires service unless deployment-id is given', () => {
    const e = inputError(() => parseInputs(reader({})))
    expect(e.message).toBe('The service input is required.')
    expect(parseInputs(reader({ 'deployment-id': 'd-ABCDEFGH1' })).service).toBeUndefined()
  })

  it.each(['staging', 'javascript:alert(document.cookie)', 'file:///etc/passwd', 'ftp://example.com'])(
    'rejects the environment-url %p: only http(s) URLs become the deployment link',
    url => {
      expect(inputError(() => parse({ 'environment-url': url })).message).toContain('is not an http(s) URL')
    }
  )

  it.each(['https://staging.example.com', 'http://10.0.0.1:8080/health'])(
    'accepts the environment-url %p',
    url => {
      expect(parse({ 'environment-url': url }).environmentUrl).toBe(url)
    }
  )

  describe('deployment-id', () => {
    const existing = (more: Record<string, string>) =>
      parseInputs(reader({ 'deployment-id': 'd-ABCDEFGH1', ...more }))

    it.each(['d-ABCDEFGH1', 'd-012345678'])('accepts %p', id => {
      expect(existing({ 'deployment-id': id }).deploymentId).toBe(id)
    })

    it.each([
      'd-abcdefgh1',
      'ABCDEFGH1',
      'd-ABCDEFGH',
      'd-ABCDEFGH12',
      'arn:aws:codedeploy:x',
      'arn:aws:ecs:us-east-1:123456789012:service/prod/web'
    ])('rejects %p', id => {
      expect(inputError(() => existing({ 'deployment-id': id })).message).toBe(
        `deployment-id '${id}' is neither a CodeDeploy deployment id nor an ECS service deployment ARN.`
      )
    })

    it("takes a service deployment ARN of ECS's own deployments", () => {
      const arn = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/r4nd0mId'
      expect(existing({ 'deployment-id': arn }).deploymentId).toBe(arn)
    })

    it('takes continue-deployment or stop-deployment, and cluster, service and waiting inputs', () => {
      const inputs = existing({
        'continue-deployment': 'true',
        service: 'web',
        cluster: 'prod',
        'wait-until': 'traffic-shifted',
        'timeout-minutes': '5',
        'dry-run': 'false'
      })
      expect(inputs.continueDeployment).toBe(true)
      expect(inputs.waitUntil).toBe('traffic-shifted')
      expect(existing({ 'stop-deployment': 'true' }).stopDeployment).toBe(true)
    })

    it.each([
      ['task-definition', 'td.json'],
      ['image', 'repo/web:2'],
      ['environment-variables', 'A=1'],
      ['container-images', 'log-router=repo/fluent-bit:3'],
      ['secrets', 'DB=arn:aws:ssm:us-east-1:123456789012:parameter/db'],
      ['env-files', 'arn:aws:s3:::bucket/web.env'],
      ['docker-labels', 'team=web'],
      ['command', '["npm", "start"]'],
      ['log-configuration-log-driver', 'awslogs'],
      ['log-configuration-options', 'awslogs-group=/ecs/web'],
      ['task-role-arn', 'arn:aws:iam::123456789012:role/web'],
      ['execution-role-arn', 'arn:aws:iam::123456789012:role/exec'],
      ['tags', 'team=web'],
      ['container-name', 'web'],
      ['container-port', '80'],
      ['codedeploy-appspec', 'appspec.yaml'],
      ['codedeploy-deployment-config', 'CodeDeployDefault.ECSAllAtOnce'],
      ['codedeploy-deployment-description', 'x'],
      ['dry-run', 'true'],
      ['dry-run', 'TRUE']
    ])('rejects %s, which needs a new deployment', (name, value) => {
      const e = inputError(() => existing({ [name]: value }))
      expect(e.message).toBe(`deployment-id acts on an existing deployment, but ${name} needs a new one.`)
    })

    it.each(['false', 'False', 'FALSE'])(
      'dry-run: %s is no clash: it is read as core.getBooleanInput reads it',
      raw => {
        expect(existing({ 'dry-run': raw }).dryRun).toBe(false)
      }
    )

    it('names every clashing input at once', () => {
      const e = inputError(() => existing({ image: 'repo/web:2', 'dry-run': 'true' }))
      expect(e.message).toContain('but image, dry-run need a new one.')
    })

    it('rejects continue-deployment and stop-deployment together', () => {
      expect(
        inputError(() => existing({ 'continue-deployment': 'true', 'stop-deployment': 'true' })).message
      ).toBe('continue-deployment and stop-deployment are both true.')
    })

    it.each(['continue-deployment', 'stop-deployment'])('%s without deployment-id is an error', name => {
      const e = inputError(() => parse({ [name]: 'true' }))
      expect(e.message).toBe(`${name} needs deployment-id.`)
      expect(e.hint).toContain('steps.deploy.outputs.deployment-id')
    })
  })

  it('parses the render inputs into overrides', () => {
    expect(parse({ tags: 'team=web' }).overrides.tags).toEqual([{ key: 'team', value: 'web' }])
  })

  it('parses environment-variables', () => {
    expect(parse({ 'environment-variables': 'A=1\nB=2' }).environment).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' }
    ])
  })
})

describe('parseEnvironmentVariables', () => {
  it('splits at the first =', () => {
    expect(parseEnvironmentVariables('URL=postgres://u:p@h/db?x=1')).toEqual([
      { name: 'URL', value: 'postgres://u:p@h/db?x=1' }
    ])
  })

  it.each([
    ['ignores blank lines and takes CRLF', '\nA=1\r\n   \r\nB=2\n', ['A', '1'], ['B', '2']],
    ['lets the last duplicate win, in the position of the last', 'A=1\nB=2\nA=3', ['B', '2'], ['A', '3']],
    [
      'NAME= sets an empty value; the value keeps its spaces',
      'EMPTY=\nPADDED= x ',
      ['EMPTY', ''],
      ['PADDED', ' x ']
    ]
  ])('%s', (_, text, [name1, value1], [name2, value2]) => {
    expect(parseEnvironmentVariables(text)).toEqual([
      { name: name1, value: value1 },
      { name: name2, value: value2 }
    ])
  })

  it('trims the name', () => {
    expect(parseEnvironmentVariables('  A  =1')).toEqual([{ name: 'A', value: '1' }])
  })

  it.each(['A_B', '_x', 'X9', 'a'.repeat(128)])('accepts the name %p', name => {
    expect(parseEnvironmentVariables(`${name}=v`)).toEqual([{ name, value: 'v' }])
  })

  it('a line without = is an error naming the line, never its text', () => {
    const e = inputError(() => parseEnvironmentVariables('A=1\nhunter2-secret-token'))
    expect(e.message).toBe("environment-variables line 2 is not NAME=value (no '=').")
    expect(e.full).not.toContain('hunter2')
  })

  it.each([
    ['starts with a digit', '9A'],
    ['holds a space', 'A B'],
    ['is empty', ''],
    ['holds a $', 'A$'],
    ['holds a dot or a dash', 'a.b-c'],
    ['is longer than 128 characters', 'a'.repeat(129)],
    // A colon typo: the value, minus the padding the runner's mask would need to match it whole.
    ['is a secret after a colon typo', 'SIGNING_KEY: c2VjcmV0LXNpZ25pbmcta2V5']
  ])('a name that %s is an error that quotes nothing of the line', (_, name) => {
    const e = inputError(() => parseEnvironmentVariables(`OK=1\n${name}=secret-value`))
    expect(e.message).toMatch(
      /^environment-variables line 2: what comes before the first '=' is not a variable name/
    )
    for (const part of [name, 'secret-value']) if (part.length > 2) expect(e.full).not.toContain(part)
  })
})
