import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { ActionError, InputError } from '../../src/runtime/errors.js'
import {
  classifyTaskDefinitionInput,
  containerPortMappings,
  deregisterTaskDefinition,
  describeTaskDefinitionChanges,
  loadTaskDefinition,
  parseTaskDefinitionTemplate,
  redactTaskDefinition,
  registerTaskDefinition,
  renderTaskDefinition,
  validateImage
} from '../../src/plan/task-definition.js'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2'

function thrown(f: () => unknown): InputError {
  try {
    f()
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error('expected an InputError')
}

function base(
  container: Record<string, unknown> = {},
  top: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'nginx:1', ...container }],
    ...top
  }
}

describe('classifyTaskDefinitionInput', () => {
  const ws = '/work/ws'
  const files = new Set(['/work/ws/td.json', '/work/ws/web'])
  const exists = (p: string): boolean => files.has(p)

  it('reads empty as the service revision', () => {
    expect(classifyTaskDefinitionInput('', exists, ws)).toEqual({ kind: 'service' })
    expect(classifyTaskDefinitionInput('  ', exists, ws)).toEqual({ kind: 'service' })
  })
  it('reads an existing file as a template, resolved in the workspace, even when it could be a family', () => {
    expect(classifyTaskDefinitionInput('td.json', exists, ws)).toEqual({
      kind: 'file',
      path: '/work/ws/td.json'
    })
    expect(classifyTaskDefinitionInput('./td.json', exists, ws)).toEqual({
      kind: 'file',
      path: '/work/ws/td.json'
    })
    expect(classifyTaskDefinitionInput('web', exists, ws)).toEqual({ kind: 'file', path: '/work/ws/web' })
  })
  it('reads ARNs and family[:revision] as revisions', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42'
    expect(classifyTaskDefinitionInput(arn, exists, ws)).toEqual({ kind: 'revision', id: arn })
    const cn = 'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web'
    expect(classifyTaskDefinitionInput(cn, exists, ws)).toEqual({ kind: 'revision', id: cn })
    expect(classifyTaskDefinitionInput('api', exists, ws)).toEqual({ kind: 'revision', id: 'api' })
    expect(classifyTaskDefinitionInput('my_api-2:17', exists, ws)).toEqual({
      kind: 'revision',
      id: 'my_api-2:17'
    })
  })
  it('names what it tried for anything else', () => {
    expect(thrown(() => classifyTaskDefinitionInput('task-def.json', exists, ws)).message).toBe(
      "task-definition 'task-def.json' is not a file in the workspace (looked at /work/ws/task-def.json), an ARN, or family[:revision]."
    )
    expect(thrown(() => classifyTaskDefinitionInput('./missing.json', exists, ws)).message).toContain(
      '(looked at /work/ws/missing.json)'
    )
    for (const bad of ['web:0', 'web:latest', 'a/b']) {
      expect(() => classifyTaskDefinitionInput(bad, exists, ws)).toThrow(InputError)
    }
  })
  it('rejects an ARN of something other than a task definition', () => {
    const e = thrown(() =>
      classifyTaskDefinitionInput('arn:aws:ecs:us-east-1:123456789012:service/prod/web', exists, ws)
    )
    expect(e.message).toContain('is not a task definition ARN')
  })
  it('resolves against the current directory by default', () => {
    const seen: string[] = []
    classifyTaskDefinitionInput('x.json', p => (seen.push(p), true))
    expect(seen).toEqual([`${process.cwd()}/x.json`])
  })
})

describe('parseTaskDefinitionTemplate', () => {
  it('names a misspelt containerDefinitions key when the list is missing', () => {
    expect(() =>
      parseTaskDefinitionTemplate('{"family":"web","containerDefinition":[{"name":"web"}]}', 'td.json')
    ).toThrow(
      'td.json has no containerDefinitions list (it has unknown key containerDefinition: did you mean containerDefinitions?).'
    )
  })

  it('parses a task definition object, ignoring a byte order mark', () => {
    const text = '\uFEFF' + JSON.stringify(base())
    expect(parseTaskDefinitionTemplate(text, 'td.json')).toEqual(base())
  })
  it('gives the line and column of a syntax error, CRLF files included', () => {
    const crlf = '{\r\n  "family": "web",\r\n  "cpu": "256"\r\n  "memory": "512"\r\n}\r\n'
    const e = thrown(() => parseTaskDefinitionTemplate(crlf, 'td.json'))
    expect(e.message).toBe(
      `td.json is not valid JSON: unexpected "\\"", expected ',' or '}' after the property value at line 4, column 3.`
    )
    expect(e.hint).not.toContain('template')
  })
  it.each([
    ['[1, 2,]', 'unexpected "]", expected a value at line 1, column 7'],
    ['{"a": tru}', 'unexpected "}", expected true at line 1, column 10'],
    ['{"a": "x', 'unexpected end of input, expected a closing " at line 1, column 9'],
    ['{"a": "\\x"}', 'expected an escape'],
    ['{"a": "\\u12G4"}', 'expected a hex digit of \\uXXXX at line 1, column 12'],
    ['{"a": "tab\there"}', 'no raw control character'],
    ['{"a": 1} x', 'unexpected "x", expected the end of the document at line 1, column 10'],
    ['{a: 1}', 'expected a quoted property name at line 1, column 2'],
    ['{"a" 1}', "expected ':' after the property name"],
    ['{"a": [1 2]}', "expected ',' or ']' after the array element at line 1, column 10"],
    ['{"a": -}', 'unexpected "-", expected a value'],
    ['', 'unexpected end of input, expected a value at line 1, column 1'],
    ['{"a": {}, "b": [], "c" 1}', "expected ':' after the property name at line 1, column 24"]
  ])('locates the error in %j', (text, expected) => {
    expect(thrown(() => parseTaskDefinitionTemplate(text, 'f')).message).toContain(expected)
  })
  it('accepts every valid JSON construct the locator knows', () => {
    const text =
      '{"a": [true, false, null, -1.5e3, "\\u00e9\\n", {}, []], "b": {"c": 0}, "containerDefinitions": [{}]}'
    expect(parseTaskDefinitionTemplate(text, 'f').b).toEqual({ c: 0 })
  })
  it("falls back to JSON.parse's own message where the locator cannot follow", () => {
    const deep = '['.repeat(200_000)
    expect(thrown(() => parseTaskDefinitionTemplate(deep, 'f')).message).toBe(
      'f is not valid JSON: Unexpected end of JSON input at line 1, column 200001.'
    )
  })
  it('points at unrendered placeholders on the failing line', () => {
    const text = '{\n  "family": "web",\n  "containerPort": ${PORT}\n}'
    const e = thrown(() => parseTaskDefinitionTemplate(text, 'td.json.tpl'))
    expect(e.message).toContain('at line 3, column 20')
    expect(e.hint).toContain('unrendered template')
  })
  it.each([
    ['[{"family": "web", "containerDefinitions": []}]', 'holds a JSON array', 'Remove the surrounding [ ]'],
    ['[{"name": "app", "image": "nginx"}]', 'holds a JSON array', 'containerDefinitions list only'],
    ['[]', 'holds a JSON array', 'one task definition object'],
    ['"{\\"family\\": \\"web\\"}"', 'holds a JSON string', 'encoded twice'],
    ['42', 'holds a JSON number', 'one task definition object'],
    ['null', 'holds a JSON null', 'one task definition object']
  ])('says what the top level is instead of an object: %s', (text, message, hint) => {
    const e = thrown(() => parseTaskDefinitionTemplate(text, 'td.json'))
    expect(e.message).toContain(`td.json ${message}, not a task definition object.`)
    expect(e.hint).toContain(hint)
  })
  it('unwraps describe-task-definition output and moves its tags to the top level', () => {
    const tags = [{ key: 'team', value: 'web' }]
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base(), tags }), 'f')).toEqual({
      ...base(),
      tags
    })
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base(), tags: [] }), 'f')).toEqual(
      base()
    )
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base() }), 'f')).toEqual(base())
  })
  it('keeps tags the inner definition already has', () => {
    const inner = base({}, { tags: [{ key: 'a', value: '1' }] })
    const parsed = parseTaskDefinitionTemplate(
      JSON.stringify({ taskDefinition: inner, tags: [{ key: 'b' }] }),
      'f'
    )
    expect(parsed.tags).toEqual([{ key: 'a', value: '1' }])
  })
  it('does not unwrap an object that has other keys beside taskDefinition', () => {
    const text = JSON.stringify({
      taskDefinition: base(),
      family: 'x',
      containerDefinitions: [{ name: 'a' }]
    })
    expect(parseTaskDefinitionTemplate(text, 'f').taskDefinition).toEqual(base())
  })
  it('requires a non-empty containerDefinitions list', () => {
    expect(thrown(() => parseTaskDefinitionTemplate('{"family": "web"}', 'td.json')).message).toBe(
      'td.json has no containerDefinitions list.'
    )
    for (const value of ['[]', '{}', '"app"']) {
      expect(
        thrown(() => parseTaskDefinitionTemplate(`{"containerDefinitions": ${value}}`, 'td.json')).message
      ).toBe('td.json has an empty or invalid containerDefinitions list.')
    }
  })
})

describe('renderTaskDefinition', () => {
  const render = (
    template: Record<string, unknown>,
    warnings: string[] = []
  ): RegisterTaskDefinitionCommandInput =>
    renderTaskDefinition(template, { containerName: 'app', warn: m => warnings.push(m) })

  it('drops read-only fields, and says so', () => {
    const warnings: string[] = []
    const out = render(
      base(
        {},
        {
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
          revision: 3,
          status: 'ACTIVE',
          requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
          compatibilities: ['EC2', 'FARGATE'],
          registeredAt: new Date(0),
          registeredBy: 'arn:aws:iam::123456789012:user/me',
          deregisteredAt: '2024-01-01',
          deleteRequestedAt: '2024-01-02'
        }
      ),
      warnings
    )
    expect(out).toEqual(base())
    expect(warnings).toEqual([
      'Dropped the read-only fields taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy, deregisteredAt, deleteRequestedAt (describe-task-definition output).'
    ])
  })
  it('drops nulls and empty lists, objects and strings at any depth', () => {
    const out = render(
      base(
        {
          links: [],
          entryPoint: null,
          dockerLabels: {},
          repositoryCredentials: { credentialsParameter: '' },
          portMappings: [{ containerPort: 80, hostPort: null, name: '' }, {}],
          linuxParameters: { capabilities: { add: [], drop: [] }, devices: [] },
          cpu: 0,
          essential: false
        },
        { taskRoleArn: '', volumes: [], ipcMode: null, pidMode: '', placementConstraints: [] }
      )
    )
    expect(out).toEqual(base({ portMappings: [{ containerPort: 80 }], cpu: 0, essential: false }))
  })
  it('keeps the empty strings that mean something', () => {
    const out = render(
      base(
        {
          environment: [{ name: 'EMPTY', value: '' }],
          command: ['sh', '-c', ''],
          dockerLabels: { 'traefik.enable': '' },
          logConfiguration: {
            logDriver: 'splunk',
            options: { tag: '', 'splunk-url': 'https://splunk:8088' }
          },
          firelensConfiguration: { type: 'fluentbit', options: { 'config-file-value': '' } }
        },
        {
          proxyConfiguration: {
            type: 'APPMESH',
            containerName: 'envoy',
            properties: [{ name: 'IgnoredGID', value: '' }]
          },
          tags: [{ key: 'empty', value: '' }]
        }
      )
    )
    const app = out.containerDefinitions![0]!
    expect(app.environment).toEqual([{ name: 'EMPTY', value: '' }])
    expect(app.command).toEqual(['sh', '-c', ''])
    expect(app.dockerLabels).toEqual({ 'traefik.enable': '' })
    expect(app.logConfiguration?.options).toEqual({ tag: '', 'splunk-url': 'https://splunk:8088' })
    expect(app.firelensConfiguration?.options).toEqual({ 'config-file-value': '' })
    expect(out.proxyConfiguration?.properties).toEqual([{ name: 'IgnoredGID', value: '' }])
    expect(out.tags).toEqual([{ key: 'empty', value: '' }])
  })
  it('leaves placeholders and runtime variables untouched', () => {
    const options = { log_stream_name: '${ECS_TASK_ID}', region: '{{region}}' }
    const out = render(base({ logConfiguration: { logDriver: 'awsfirelens', options } }))
    expect(out.containerDefinitions![0]!.logConfiguration?.options).toEqual(options)
  })
  it('does not change the template it was given', () => {
    const template = base({ environment: [{ name: 'A', value: '1' }], links: [] })
    const copy = structuredClone(template)
    renderTaskDefinition(template, {
      containerName: 'app',
      image: IMAGE,
      environment: [{ name: 'A', value: '2' }]
    })
    expect(template).toEqual(copy)
  })
  it('rejects unknown keys with their path and the nearest valid key', () => {
    const template = {
      family: 'web',
      containerDefinition: [],
      containerDefinitions: [{ name: 'app', image: 'nginx', portMapping: [{ containerPort: 80 }] }],
      NetworkMode: 'awsvpc'
    }
    const e = thrown(() => render(template))
    expect(e.message).toBe(
      'The task definition is not a valid RegisterTaskDefinition request: unknown key containerDefinition (did you mean containerDefinitions?); unknown key containerDefinitions[0].portMapping (did you mean portMappings?); unknown key NetworkMode (did you mean networkMode?).'
    )
    expect(e.hint).toContain('case-sensitive')
  })
  it('accepts any key in free-form maps', () => {
    const labels = { 'com.datadoghq.ad.instances': '[{"host": "%%host%%"}]', Anything_Goes: 'x' }
    const out = render(
      base({
        dockerLabels: labels,
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', mode: 'non-blocking' }
        }
      })
    )
    expect(out.containerDefinitions![0]!.dockerLabels).toEqual(labels)
  })
  it('converts numeric strings where the API wants integers, and says so', () => {
    // The ECS API rejects "3000" where it wants an integer and the SDK sends the string as written;
    // the value is unambiguous, so it is converted (with a warning) instead of failing the run.
    const warnings: string[] = []
    const out = render(base({ cpu: '128', portMappings: [{ containerPort: ' 3000 ' }] }), warnings)
    expect(out.containerDefinitions![0]).toMatchObject({ cpu: 128, portMappings: [{ containerPort: 3000 }] })
    expect(warnings).toEqual([
      'containerDefinitions[0].cpu: the string "128" is sent as the number 128.',
      'containerDefinitions[0].portMappings[0].containerPort: the string " 3000 " is sent as the number 3000.'
    ])
  })
  it('rejects values that cannot be what the API wants, naming the path', () => {
    const e = thrown(() =>
      render(
        base({
          memory: 0.5,
          portMappings: [{ containerPort: '${PORT}' }],
          essential: 'yes',
          command: 'npm start',
          environment: { A: '1' },
          user: ['root'],
          healthCheck: { command: ['CMD'], retries: true }
        })
      )
    )
    expect(e.message).toContain('containerDefinitions[0].memory must be an integer, got a number')
    expect(e.message).toContain(
      'containerDefinitions[0].portMappings[0].containerPort must be an integer, got "${PORT}"'
    )
    expect(e.message).toContain('containerDefinitions[0].essential must be true or false, got "yes"')
    expect(e.message).toContain('containerDefinitions[0].command must be a list, got "npm start"')
    expect(e.message).toContain('containerDefinitions[0].environment must be a list, got a object')
    expect(e.message).toContain('containerDefinitions[0].user must be a string, got a array')
    expect(e.message).toContain(
      'containerDefinitions[0].healthCheck.retries must be an integer, got a boolean'
    )
  })
  it('rejects a task definition that is not an object, and map values that are not strings', () => {
    expect(
      thrown(() => renderTaskDefinition([] as unknown as Record<string, unknown>, { containerName: 'a' }))
        .message
    ).toBe('The task definition is a JSON array, not an object.')
    expect(
      thrown(() => render(base({ dockerLabels: { a: { b: 1 } }, linuxParameters: 'x' }))).message
    ).toContain(
      'containerDefinitions[0].dockerLabels["a"] must be a string, got a object; containerDefinitions[0].linuxParameters must be an object'
    )
    expect(thrown(() => render(base({ dockerLabels: ['a'] }))).message).toContain(
      'containerDefinitions[0].dockerLabels must be an object, got a array'
    )
  })
  it('drops, with a warning, a key unknown to the model in a revision read from AWS (a newer API field)', () => {
    const warnings: string[] = []
    const described = {
      family: 'web',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
      futureField: { on: true },
      containerDefinitions: [{ name: 'web', image: 'nginx', futureContainerField: 1 }]
    }
    const out = renderTaskDefinition(described, {
      containerName: 'web',
      fromAws: true,
      warn: w => warnings.push(w)
    })
    expect(out).toEqual({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx' }] })
    expect(warnings).toEqual([
      "Dropped futureField, which this action's model of RegisterTaskDefinition does not know.",
      "Dropped containerDefinitions[0].futureContainerField, which this action's model of RegisterTaskDefinition does not know."
    ])
    expect(() => renderTaskDefinition(described, { containerName: 'web' })).toThrow(/unknown key futureField/)
  })

  it('converts a number in an environment value without showing it', () => {
    const warnings: string[] = []
    const template = {
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'nginx', environment: [{ name: 'PIN', value: 987654 }] }]
    }
    const out = renderTaskDefinition(template, { containerName: 'web', warn: w => warnings.push(w) })
    expect(out.containerDefinitions![0]!.environment).toEqual([{ name: 'PIN', value: '987654' }])
    expect(warnings).toEqual(['containerDefinitions[0].environment[0].value: a number is sent as a string.'])
  })

  it('writes numbers and booleans as strings where the API wants a string (task cpu and memory)', () => {
    const warnings: string[] = []
    const out = render(base({ dockerLabels: { enabled: true } }, { cpu: 256, memory: '2 gb' }), warnings)
    expect(out.cpu).toBe('256')
    expect(out.memory).toBe('2 gb')
    expect(out.containerDefinitions![0]!.dockerLabels).toEqual({ enabled: 'true' })
    expect(warnings).toEqual([
      'containerDefinitions[0].dockerLabels["enabled"]: true is sent as the string "true".',
      'cpu: 256 is sent as the string "256".'
    ])
    expect(render(base({}, { cpu: '1 vcpu' })).cpu).toBe('1 vcpu')
  })
  it('converts "true"/"false" strings where the API wants a boolean', () => {
    const warnings: string[] = []
    expect(render(base({ essential: 'false' }), warnings).containerDefinitions![0]!.essential).toBe(false)
    expect(warnings).toEqual([
      'containerDefinitions[0].essential: the string "false" is sent as the boolean false.'
    ])
  })
  it('checks enum values and suggests the right case', () => {
    const e = thrown(() => render(base({}, { networkMode: 'default', requiresCompatibilities: ['fargate'] })))
    expect(e.message).toContain('networkMode is "default", which is not one of bridge, host, awsvpc, none;')
    expect(e.message).toContain(
      'requiresCompatibilities[0] is "fargate", which is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES (did you mean "FARGATE"?)'
    )
  })
  it('checks required members, also those left empty', () => {
    const e = thrown(() =>
      render(
        base(
          { logConfiguration: { options: { a: 'b' } }, healthCheck: { command: [], interval: 30 } },
          { family: null }
        )
      )
    )
    expect(e.message).toContain('containerDefinitions[0].logConfiguration has no logDriver (required)')
    expect(e.message).toContain('containerDefinitions[0].healthCheck has no command (required)')
    expect(e.message).toContain('the task definition has no family (required)')
  })
  it('lists at most ten problems', () => {
    const template = base(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`bad${i}`, 1])))
    expect(thrown(() => render(template)).message).toMatch(
      /unknown key containerDefinitions\[0\]\.bad9 .*; and 2 more\.$/
    )
  })
  it('sets the image on the named container only', () => {
    const template = base(
      {},
      {
        containerDefinitions: [
          { name: 'app', image: 'nginx' },
          { name: 'log', image: 'fluent-bit' }
        ]
      }
    )
    const out = renderTaskDefinition(template, { containerName: 'app', image: IMAGE })
    expect(out.containerDefinitions!.map(c => c.image)).toEqual([IMAGE, 'fluent-bit'])
  })
  it('rejects an image input that cannot be an image', () => {
    expect(() => renderTaskDefinition(base(), { containerName: 'app', image: 'my app:1' })).toThrow(
      'contains whitespace'
    )
  })
  it('names the containers the template has when the container is not there', () => {
    const template = base({}, { containerDefinitions: [{ name: 'web', image: 'nginx' }, { image: 'x' }] })
    const e = thrown(() => renderTaskDefinition(template, { containerName: 'app', image: IMAGE }))
    expect(e.message).toBe("Container 'app' is not in the task definition; it has 'web', (unnamed).")
  })
  it('replaces existing environment variables and appends new ones, in order', () => {
    const template = base({
      environment: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' }
      ]
    })
    const out = renderTaskDefinition(template, {
      containerName: 'app',
      environment: [
        { name: 'B', value: 'two' },
        { name: 'C', value: '' },
        { name: 'C', value: 'three' }
      ]
    })
    expect(out.containerDefinitions![0]!.environment).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: 'three' }
    ])
    const fresh = renderTaskDefinition(base(), {
      containerName: 'app',
      environment: [{ name: 'X', value: '' }]
    })
    expect(fresh.containerDefinitions![0]!.environment).toEqual([{ name: 'X', value: '' }])
  })
  it('refuses a revision whose containers could never start', () => {
    const template = {
      family: 'web-${ENV}',
      containerDefinitions: [
        { name: 'app', image: '<IMAGE1_NAME>' },
        { name: 'xray', image: '{{ must_env `XRAY_IMAGE` }}' },
        { name: 'log' },
        { image: 'nginx' }
      ]
    }
    const e = thrown(() => renderTaskDefinition(template, { containerName: 'app' }))
    expect(e.message).toBe(
      'The task definition is not a valid RegisterTaskDefinition request: family "web-${ENV}" is not a valid family name (up to 255 letters, digits, - and _); ' +
        'containerDefinitions[0] (app): image "<IMAGE1_NAME>" is an unrendered placeholder (set the image input to replace it); ' +
        'containerDefinitions[1] (xray): image "{{ must_env `XRAY_IMAGE` }}" is an unrendered placeholder; ' +
        'containerDefinitions[2] (log) has no image; containerDefinitions[3] has no name.'
    )
    const withImage = renderTaskDefinition(
      { family: 'web', containerDefinitions: [{ name: 'app', image: '<IMAGE1_NAME>' }] },
      { containerName: 'app', image: IMAGE }
    )
    expect(withImage.containerDefinitions![0]!.image).toBe(IMAGE)
    expect(
      thrown(() =>
        renderTaskDefinition(
          { family: 'web', containerDefinitions: [{ name: 'app' }] },
          { containerName: 'app' }
        )
      ).message
    ).toContain('containerDefinitions[0] (app) has no image (set the image input)')
  })
})

describe('validateImage', () => {
  const NOT_A_REFERENCE = 'is not an image reference ([registry[:port]/]repository[:tag][@sha256:digest])'
  it.each([
    'nginx',
    'nginx:1.27-alpine',
    'library/nginx:latest',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1.2.3',
    'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0',
    'ghcr.io/org/app@sha256:' + 'a'.repeat(64),
    'ghcr.io/org/app:1@sha256:' + 'b'.repeat(64),
    'localhost:5000/app',
    'localhost/app:dev',
    'registry.example.com:8443/a/b/c:TAG_1.x',
    '[::1]:5000/app:1',
    'my_org/my-app__x:1',
    'mcr.microsoft.com/windows/servercore:ltsc2019',
    'Registry.Example.com/app:1'
  ])('accepts %s', image => {
    expect(() => {
      validateImage(image)
    }).not.toThrow()
  })
  it.each([
    ['', 'is empty'],
    ['my app:1', 'contains whitespace'],
    ['<IMAGE1_NAME>', 'is an unrendered placeholder'],
    ['${REPOSITORY_URI}:${IMAGE_TAG}', 'is an unrendered placeholder'],
    ['{{sampleAppImage}}', 'is an unrendered placeholder'],
    ['$APP_IMAGE', 'is an unrendered placeholder'],
    ['a'.repeat(256), 'is longer than the 255 characters ECS allows'],
    ['/app:1', 'starts with "/"'],
    ['repo:', 'has an empty tag'],
    ['repo:@sha256:' + 'a'.repeat(64), 'has an empty tag'],
    ['MyOrg/app:1', 'has uppercase letters in the repository name "MyOrg/app"'],
    ['ghcr.io/Org/App:1', 'has uppercase letters in the repository name "Org/App"'],
    ['CHANGEME_IMAGE', 'has uppercase letters in the repository name "CHANGEME_IMAGE"'],
    ['app@sha256:short', NOT_A_REFERENCE],
    ['app:-tag', NOT_A_REFERENCE],
    ['app//x', NOT_A_REFERENCE],
    ['app:1:2', NOT_A_REFERENCE]
  ])('rejects %j: %s', (image, problem) => {
    const e = thrown(() => {
      validateImage(image)
    })
    expect(e.message).toBe(`image ${JSON.stringify(image)} ${problem}.`)
    expect(e.hint).toContain('dkr.ecr')
  })
})

describe('containerPortMappings', () => {
  const td = {
    family: 'web',
    containerDefinitions: [
      {
        name: 'app',
        portMappings: [{ containerPort: 80 }, { containerPortRange: '8000-8010' }, { containerPort: 443 }]
      },
      { name: 'log' }
    ]
  }
  it('lists the container ports of the container', () => {
    expect(containerPortMappings(td, 'app')).toEqual([80, 443])
    expect(containerPortMappings(td, 'log')).toEqual([])
    expect(containerPortMappings(td, 'missing')).toEqual([])
    expect(containerPortMappings({ family: 'x', containerDefinitions: undefined }, 'app')).toEqual([])
  })
})

describe('describeTaskDefinitionChanges', () => {
  const previous = {
    family: 'web',
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image: 'app:1',
        environment: [
          { name: 'KEEP', value: 'same' },
          { name: 'GONE', value: 'secret-gone' },
          { name: 'CHANGED', value: 'old-secret' }
        ]
      },
      { name: 'old-sidecar', image: 'x:1' },
      { name: 'log', image: 'fluent-bit:1' }
    ]
  }
  it('names image, environment, container and size changes, never environment values', () => {
    const next = {
      family: 'web',
      cpu: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:2',
          environment: [
            { name: 'KEEP', value: 'same' },
            { name: 'CHANGED', value: 'new-secret' },
            { name: 'NEW', value: 'secret-new' }
          ]
        },
        { name: 'log', image: 'fluent-bit:1' },
        { name: 'xray' }
      ]
    }
    const lines = describeTaskDefinitionChanges(previous, next)
    expect(lines).toEqual([
      'app: image app:1 → app:2',
      'app: environment added NEW; removed GONE; changed CHANGED',
      'container xray added (image none)',
      'container old-sidecar removed',
      'task cpu: 256 → 512',
      'task memory: 512 → unset'
    ])
    expect(lines.join('\n')).not.toMatch(/secret|same/)
  })
  it('reports nothing for the same definition, and handles missing parts', () => {
    expect(describeTaskDefinitionChanges(previous, structuredClone(previous))).toEqual([])
    expect(describeTaskDefinitionChanges({ family: 'web' }, { family: 'web', cpu: '256' })).toEqual([
      'task cpu: unset → 256'
    ])
    expect(
      describeTaskDefinitionChanges(
        { family: 'w', containerDefinitions: [{ name: 'a' }] },
        { family: 'w', containerDefinitions: [{ name: 'a', image: 'b', environment: [{ name: 'X' }] }] }
      )
    ).toEqual(['a: image none → b', 'a: environment added X'])
  })
})

describe('redactTaskDefinition', () => {
  it('hides every environment value in a copy', () => {
    const td = {
      family: 'web',
      containerDefinitions: [
        { name: 'app', environment: [{ name: 'TOKEN', value: 's3cret' }, { name: 'NOVALUE' }], secrets: [] },
        { name: 'log' },
        'not a container'
      ]
    }
    const redacted = redactTaskDefinition(td)
    expect(redacted.containerDefinitions[0]).toEqual({
      name: 'app',
      environment: [{ name: 'TOKEN', value: '***' }, { name: 'NOVALUE' }],
      secrets: []
    })
    expect(JSON.stringify(redacted)).not.toContain('s3cret')
    expect(td.containerDefinitions[0]).toMatchObject({
      environment: [{ name: 'TOKEN', value: 's3cret' }, { name: 'NOVALUE' }]
    })
    expect(redactTaskDefinition({ family: 'x' })).toEqual({ family: 'x' })
  })
})

describe('AWS calls', () => {
  const ecsMock = mockClient(ECSClient)
  const ecs = new ECSClient({ region: 'us-east-1' })
  const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
  beforeEach(() => ecsMock.reset())

  describe('loadTaskDefinition', () => {
    it('reads and parses a template file', async () => {
      const read: string[] = []
      const readFile = async (p: string): Promise<string> => (
        read.push(p),
        JSON.stringify({ taskDefinition: base() })
      )
      const loaded = await loadTaskDefinition(ecs, { kind: 'file', path: '/ws/td.json' }, arn, readFile)
      expect(loaded).toEqual({ template: base() })
      expect(read).toEqual(['/ws/td.json'])
      expect(ecsMock).not.toHaveReceivedAnyCommand()
    })
    it('names the file it could not read, and the parse error with the file name', async () => {
      const missing = async (): Promise<string> => Promise.reject(new Error('ENOENT: no such file'))
      await expect(
        loadTaskDefinition(ecs, { kind: 'file', path: '/ws/td.json' }, undefined, missing)
      ).rejects.toThrow('Cannot read the task definition file /ws/td.json: ENOENT: no such file')
      const broken = async (): Promise<string> => '{'
      await expect(
        loadTaskDefinition(ecs, { kind: 'file', path: '/ws/td.json' }, undefined, broken)
      ).rejects.toThrow('/ws/td.json is not valid JSON')
    })
    it('reads the default file system when no reader is given', async () => {
      await expect(
        loadTaskDefinition(ecs, { kind: 'file', path: '/nonexistent/dir/td.json' })
      ).rejects.toBeInstanceOf(InputError)
    })
    it('describes a revision with its tags, in template form', async () => {
      ecsMock.on(DescribeTaskDefinitionCommand).resolves({
        taskDefinition: {
          ...base(),
          taskDefinitionArn: arn,
          revision: 7,
          registeredAt: new Date(0)
        },
        tags: [{ key: 'team', value: 'web' }]
      })
      const loaded = await loadTaskDefinition(ecs, { kind: 'revision', id: 'web:7' })
      expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
        taskDefinition: 'web:7',
        include: ['TAGS']
      })
      expect(loaded.arn).toBe(arn)
      expect(loaded.template.tags).toEqual([{ key: 'team', value: 'web' }])
      expect(renderTaskDefinition(loaded.template, { containerName: 'app' })).toEqual({
        ...base(),
        tags: [{ key: 'team', value: 'web' }]
      })
    })
    it("starts from the service's revision, without tags when it has none", async () => {
      ecsMock
        .on(DescribeTaskDefinitionCommand)
        .resolves({ taskDefinition: { ...base(), taskDefinitionArn: arn }, tags: [] })
      const loaded = await loadTaskDefinition(ecs, { kind: 'service' }, arn)
      expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: arn })
      expect(loaded.template.tags).toBeUndefined()
      expect(loaded.arn).toBe(arn)
    })
    it('fails when the service has no revision to start from', async () => {
      await expect(loadTaskDefinition(ecs, { kind: 'service' })).rejects.toThrow(
        'The service runs no task definition'
      )
    })
    it('reports a revision that does not exist as an input error', async () => {
      ecsMock
        .on(DescribeTaskDefinitionCommand)
        .rejects(Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' }))
      const e = await loadTaskDefinition(ecs, { kind: 'revision', id: arn }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).message).toBe(
        `Task definition ${arn} was not found: Unable to describe task definition.`
      )
      expect((e as InputError).hint).toContain('--family-prefix web)')
    })
    it('lets other errors through', async () => {
      const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })
      ecsMock.on(DescribeTaskDefinitionCommand).rejects(denied)
      await expect(loadTaskDefinition(ecs, { kind: 'revision', id: 'web' })).rejects.toThrow('not authorized')
      const missing = Object.assign(new Error('Unable to describe task definition.'), {
        name: 'ClientException'
      })
      ecsMock.on(DescribeTaskDefinitionCommand).rejects(missing)
      await expect(loadTaskDefinition(ecs, { kind: 'service' }, arn)).rejects.not.toBeInstanceOf(InputError)
    })
    it('fails on an empty describe answer', async () => {
      ecsMock.on(DescribeTaskDefinitionCommand).resolves({})
      await expect(loadTaskDefinition(ecs, { kind: 'revision', id: 'web' })).rejects.toThrow(
        'DescribeTaskDefinition returned no task definition for web.'
      )
    })
  })

  describe('registerTaskDefinition', () => {
    const input = { family: 'web', containerDefinitions: [{ name: 'app', image: IMAGE }] }
    const concurrent = (): Error =>
      Object.assign(
        new Error('Too many concurrent attempts to create a new revision of the specified family.'),
        {
          name: 'ClientException'
        }
      )

    it('returns the new revision ARN', async () => {
      ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: arn } })
      const sleeps: number[] = []
      await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).resolves.toBe(arn)
      expect(ecsMock).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, input)
      expect(sleeps).toEqual([])
    })
    it('retries concurrent registrations with backoff', async () => {
      ecsMock
        .on(RegisterTaskDefinitionCommand)
        .rejectsOnce(concurrent())
        .rejectsOnce(concurrent())
        .resolves({ taskDefinition: { taskDefinitionArn: arn } })
      const sleeps: number[] = []
      await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).resolves.toBe(arn)
      expect(sleeps).toEqual([1000, 2000])
      expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 3)
    })
    it('gives up after five attempts and says what to do', async () => {
      ecsMock.on(RegisterTaskDefinitionCommand).rejects(concurrent())
      const sleeps: number[] = []
      const e = await registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms)).catch(
        (x: unknown) => x
      )
      expect(e).toBeInstanceOf(ActionError)
      expect((e as ActionError).message).toBe(
        'RegisterTaskDefinition failed 5 times: Too many concurrent attempts to create a new revision of the specified family.'
      )
      expect((e as ActionError).hint).toContain('family web')
      expect(sleeps).toEqual([1000, 2000, 4000, 8000])
    })
    it('does not retry other errors', async () => {
      const invalid = Object.assign(new Error('Container.image should not be null or empty.'), {
        name: 'ClientException'
      })
      ecsMock.on(RegisterTaskDefinitionCommand).rejects(invalid)
      const sleeps: number[] = []
      await expect(registerTaskDefinition(ecs, input, async ms => void sleeps.push(ms))).rejects.toThrow(
        'Container.image should not be null or empty.'
      )
      expect(sleeps).toEqual([])
      expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1)
    })
    it('fails when the answer has no ARN', async () => {
      ecsMock.on(RegisterTaskDefinitionCommand).resolves({})
      await expect(registerTaskDefinition(ecs, input, async () => undefined)).rejects.toThrow(
        'RegisterTaskDefinition returned no task definition ARN.'
      )
    })
  })

  it('deregisters a revision', async () => {
    ecsMock.on(DeregisterTaskDefinitionCommand).resolves({})
    await deregisterTaskDefinition(ecs, arn)
    expect(ecsMock).toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, { taskDefinition: arn })
  })
})
