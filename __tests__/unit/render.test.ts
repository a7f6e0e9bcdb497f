import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { base, thrown } from './template-fixtures.js'
import { validateImage } from '../../src/plan/image.js'
import { parseOverrides } from '../../src/inputs/overrides.js'
import { containerPortMappings, renderTaskDefinition } from '../../src/plan/render.js'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2'

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
      'containerDefinitions[0].portMappings[0].containerPort must be an integer, got a string'
    )
    expect(e.message).toContain('containerDefinitions[0].essential must be true or false, got a string')
    expect(e.message).toContain('containerDefinitions[0].command must be a list, got a string')
    expect(e.message).toContain('containerDefinitions[0].environment must be a list, got an object')
    expect(e.message).toContain('containerDefinitions[0].user must be a string, got an array')
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
      'containerDefinitions[0].dockerLabels["a"] must be a string, got an object; containerDefinitions[0].linuxParameters must be an object'
    )
    expect(thrown(() => render(base({ dockerLabels: ['a'] }))).message).toContain(
      'containerDefinitions[0].dockerLabels must be an object, got an array'
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
      'containerDefinitions[0].dockerLabels["enabled"]: a boolean is sent as a string.',
      'cpu: a number is sent as a string.'
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
    expect(e.message).toContain('networkMode is not one of bridge, host, awsvpc, none;')
    expect(e.message).toContain(
      'requiresCompatibilities[0] is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES (did you mean FARGATE?)'
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
      'The task definition is not a valid RegisterTaskDefinition request: family is not a valid family name (up to 255 letters, digits, - and _); ' +
        'containerDefinitions[0] (app): image "<IMAGE1_NAME>" is an unrendered placeholder (set the image input to replace it); ' +
        'containerDefinitions[1] (xray): image "{{ must_env `XRAY_IMAGE` }}" is an unrendered placeholder (replace it with a container-images line); ' +
        'containerDefinitions[2] (log) has no image (give it a container-images line); containerDefinitions[3] has no name.'
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

describe('renderTaskDefinition with the render inputs', () => {
  it('takes a placeholder in any container that a container-images line replaces', () => {
    const template = {
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: '<IMAGE1_NAME>' },
        { name: 'envoy', image: '<IMAGE2_NAME>' }
      ]
    }
    const overrides = parseOverrides(name => (name === 'container-images' ? 'envoy=repo/envoy:2' : ''))
    const out = renderTaskDefinition(template, { containerName: 'app', image: IMAGE, overrides })
    expect(out.containerDefinitions!.map(c => c.image)).toEqual([IMAGE, 'repo/envoy:2'])
    expect(
      thrown(() => renderTaskDefinition(template, { containerName: 'app', image: IMAGE })).message
    ).toContain(
      'containerDefinitions[1] (envoy): image "<IMAGE2_NAME>" is an unrendered placeholder (replace it with a container-images line)'
    )
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
