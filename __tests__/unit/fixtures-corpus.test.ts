import { readdirSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { InputError } from '../../src/runtime/errors.js'
import { renderTaskDefinition } from '../../src/plan/render.js'
import { parseTaskDefinitionTemplate } from '../../src/plan/template.js'

// Real task definitions from public repositories (see SOURCES.md there); CI checks shared/ out beside the clone.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const fixtures = path.resolve(repo, '../shared/fixtures/task-definitions')
const model = JSON.parse(readFileSync(path.join(repo, 'src/plan/task-definition-model.json'), 'utf8')) as {
  shape: Shape
}
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1'

/**
 * Every fixture that must NOT render, and why. A file missing here must render into a valid
 * request; a file listed here must fail with this message, so any change of behaviour shows.
 */
const EXPECTED_FAILURES: Record<string, string> = {
  // A sidecar's image keeps a placeholder that the image input does not replace.
  '5sfayas__php-nginx-ecs-docker__task-definition.json':
    'containerDefinitions[1] (nginx-web-container): image "12345678.dkr.ecr.<region>.amazonaws.com/nginx-web:latest" is an unrendered placeholder',
  'aws-samples__aws-xray-fargate__src__service-a-taskdef.json':
    'containerDefinitions[1] (xray-sidecar): image "<repository_uri_xray_daemon>" is an unrendered placeholder',
  // "default" is not a network mode of the API (the console's "<default>" means: leave it out).
  'aws-observability__aws-otel-collector__examples__ecs__aws-prometheus__ecs-ec2-task-def.json':
    'networkMode is "default", which is not one of bridge, host, awsvpc, none',
  // Placeholders in the family: ECS would reject the name.
  'aws-samples__aws-ecs-anywhere-workshop-samples__workload-management__ssm-secrets-manager__ssm-secrets-task-definition.json':
    'family "$SSM_TASK_DEFINITION_NAME" is not a valid family name',
  'otunba-ola01__revolucare-wrlylc__infrastructure__ci-cd__taskdef.json':
    'family "revolucare-backend-${ENVIRONMENT}" is not a valid family name',
  // Top-level array around the task definition.
  'nanditechbytes__ecs-task-definitions__examples__app-task-definition.json':
    'nanditechbytes__ecs-task-definitions__examples__app-task-definition.json holds a JSON array, not a task definition object.',
  // malformed/: not JSON as written (unrendered templates, a missing comma), or JSON of the wrong kind.
  'malformed/2017387-jh__vw-aws-cloud-service__script__taskdef.json.tpl':
    'is not valid JSON: text that is not a JSON value (unquoted?) at line 17, column 28.',
  'malformed/Abdelali12-codes__ecs-blue-green-codepipeline-cdk__taskdef.json':
    'holds a JSON string, not a task definition object.',
  'malformed/aws-observability__aws-otel-collector__examples__ecs__aws-cloudwatch__ecs-ec2-sidecar.json':
    'is not valid JSON: expected a quoted property name at line 42, column 10.',
  'malformed/aws-samples__amazon-ecs-firelens-examples__examples__fluent-bit__dynatrace__task-definition.json': `is not valid JSON: expected ',' between the values at line 34, column 20.`,
  'malformed/aws__aws-app-mesh-examples__walkthroughs__fargate__fargate-colorteller-task-def.json':
    'is not valid JSON: text that is not a JSON value (unquoted?) at line 2, column 13.',
  'malformed/exercism__terraform__terraform__webservers__ecs_task_definition_puma.json.tpl':
    'is not valid JSON: text that is not a JSON value (unquoted?) at line 8, column 26.'
}

function fixtureFiles(): string[] {
  const top = readdirSync(fixtures).filter(f => statSync(path.join(fixtures, f)).isFile())
  const malformed = readdirSync(path.join(fixtures, 'malformed')).map(f => `malformed/${f}`)
  return [...top, ...malformed].sort()
}

function render(file: string, warnings: string[] = []): RegisterTaskDefinitionCommandInput {
  const template = parseTaskDefinitionTemplate(readFileSync(path.join(fixtures, file), 'utf8'), file)
  const first = (template.containerDefinitions as { name?: string }[])[0]!.name!
  return renderTaskDefinition(template, { containerName: first, image: IMAGE, warn: m => warnings.push(m) })
}

type Shape =
  | { type: 'structure'; members: Record<string, Shape>; required?: string[] }
  | { type: 'list'; member: Shape }
  | { type: 'map'; value: Shape }
  | { type: 'string'; enum?: string[] }
  | { type: 'integer' }
  | { type: 'boolean' }

/** An independent check of a rendered request against the model: what the API would accept. */
function violations(value: unknown, shape: Shape, at: string): string[] {
  const where = at || '(root)'
  if (value === null || value === undefined) return [`${where} is ${String(value)}`]
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${where} is not an object`]
      const entries = Object.entries(value)
      if (entries.length === 0) return [`${where} is empty`]
      const missing = (shape.required ?? []).filter(r => !(r in value)).map(r => `${where} lacks ${r}`)
      return entries.reduce(
        (found, [k, v]) =>
          shape.members[k]
            ? [...found, ...violations(v, shape.members[k], at ? `${at}.${k}` : k)]
            : [...found, `${at}.${k} unknown`],
        missing
      )
    }
    case 'list':
      if (!Array.isArray(value)) return [`${where} is not a list`]
      if (value.length === 0) return [`${where} is empty`]
      return value.flatMap((v, i) => violations(v, shape.member, `${at}[${i}]`))
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${where} is not a map`]
      return Object.entries(value).flatMap(([k, v]) =>
        typeof v === 'string' ? [] : [`${at}.${k} is not a string`]
      )
    case 'string':
      if (typeof value !== 'string') return [`${where} is not a string`]
      if (shape.enum && !shape.enum.includes(value)) return [`${where} "${value}" is not in the enum`]
      return []
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where} is not an integer`]
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where} is not a boolean`]
  }
}

/** Empty strings the render keeps on purpose; any other "" in a request is an absence that leaked. */
function emptyStrings(value: unknown, at: string): string[] {
  if (value === '') return [at]
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyStrings(v, `${at}[${i}]`))
  if (typeof value === 'object' && value !== null) {
    const inMap = /(\.options|\.dockerLabels)$/.test(at)
    return Object.entries(value).flatMap(([k, v]) =>
      inMap || (k === 'value' && /(environment|properties|tags)\[\d+\]$/.test(at))
        ? []
        : emptyStrings(v, `${at}.${k}`)
    )
  }
  return []
}

describe('fixture corpus: real task definitions through parse and render', () => {
  const files = fixtureFiles()

  it('finds the corpus and every expected failure in it', () => {
    expect(files.length).toBeGreaterThanOrEqual(59)
    expect(Object.keys(EXPECTED_FAILURES).filter(f => !files.includes(f))).toEqual([])
  })

  it.each(files)('%s', file => {
    const expected = EXPECTED_FAILURES[file]
    if (expected !== undefined) {
      expect(() => render(file)).toThrow(InputError)
      expect(() => render(file)).toThrow(expected)
      return
    }
    const request = render(file)
    expect(violations(request, model.shape, '')).toEqual([])
    expect(emptyStrings(request, '')).toEqual([])
    expect(request.containerDefinitions![0]!.image).toBe(IMAGE)
  })
})

describe('fixture corpus: specific behaviour', () => {
  it('parses the CRLF files', () => {
    const crlf = [
      '0num4__CFn-IaC__task-definition.json',
      'AbdulrahmanSamir__nodejs-BG-ECS__taskdef.json',
      'AleksandarCvjetic__aws-ecs-pipeline-with-blue-green-deployment__taskdef.json'
    ]
    for (const file of crlf) {
      expect(readFileSync(path.join(fixtures, file), 'utf8')).toContain('\r\n')
      expect(render(file).family).toMatch(/^[A-Za-z0-9_-]+$/)
    }
  })

  it('keeps FireLens runtime variables and mustache placeholders untouched', () => {
    const firelens = render(
      'aws-samples__amazon-ecs-firelens-examples__examples__fluent-bit__init-metadata__task-definition.json'
    )
    const options = firelens.containerDefinitions!.map(c => c.logConfiguration?.options ?? {})
    expect(options.map(o => o.log_stream_name)).toContain('${ECS_TASK_ID}')
    const otel = render(
      'aws-observability__aws-otel-collector__examples__ecs__aws-cloudwatch__ecs-fargate-sidecar.json'
    )
    expect(otel.taskRoleArn).toBe('{{ecsTaskRoleArn}}')
    expect(otel.containerDefinitions![0]!.command).toEqual(['{{command}}'])
  })

  it('keeps empty environment values and App Mesh proxy properties', () => {
    const td = render('kayac__ecspresso__tests__td-plain.json')
    expect(td.proxyConfiguration?.properties).toContainEqual({ name: 'IgnoredGID', value: '' })
  })

  it('unwraps describe output: read-only fields and empty tags go, tags in the definition stay', () => {
    const warnings: string[] = []
    const wrapped = render('Abdelali12-codes__ecs-opentelemetry__task-definition.json', warnings)
    expect(Object.keys(wrapped)).not.toContain('taskDefinition')
    expect(Object.keys(wrapped)).not.toContain('tags')
    expect(Object.keys(wrapped)).not.toContain('registeredAt')
    expect(warnings[0]).toBe(
      'Dropped the read-only fields taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy (describe-task-definition output).'
    )
    expect(render('kayac__ecspresso__tests__td-in-tags.json').tags).toEqual([
      { key: 'TagKey', value: 'TagValue' }
    ])
  })

  it('drops the nulls of an old console export', () => {
    const file = '14km__aws-community-day-2021__.aws__task-definition.json'
    expect(readFileSync(path.join(fixtures, file), 'utf8').match(/null/g)?.length).toBeGreaterThan(30)
    const td = render(file)
    expect(JSON.stringify(td)).not.toContain('null')
    expect(td.containerDefinitions![0]!.cpu).toBe(0)
  })

  it('drops empty strings that mean "unset" and converts string numbers', () => {
    const warnings: string[] = []
    const td = render('2-chanhee__ecs-on-fargate-infrastructure__task-definition.json', warnings)
    expect(td.taskRoleArn).toBeUndefined()
    expect(td.containerDefinitions![0]!.repositoryCredentials).toBeUndefined()
    expect(td.containerDefinitions![0]!.portMappings![0]!.containerPort).toBe(3000)
    expect(warnings).toEqual([
      'containerDefinitions[0].portMappings[0].containerPort: the string "3000" is sent as the number 3000.'
    ])
    const django = render('Andrew-Chen-Wang__cookiecutter-django-ecs-github__aws-task-definition.json')
    expect(django.containerDefinitions!.map(c => [c.cpu, c.memory])).toEqual([
      [256, 128],
      [512, 512]
    ])
  })

  it('keeps task cpu and memory in unit notation', () => {
    const td = render('Abdelali12-codes__aws_ecs_codedeploy_appmesh_xray__task-definition.json')
    expect([td.cpu, td.memory]).toEqual(['.25 vcpu', '.5 gb'])
    const newrelic = render(
      'aws-samples__amazon-ecs-firelens-examples__examples__fluent-bit__newrelic__example-task-definition.json'
    )
    expect([newrelic.cpu, newrelic.memory]).toEqual(['1 vcpu', '2 gb'])
  })

  it('replaces the CodePipeline image placeholder only through the image input', () => {
    const file = '00arpit00__codedeploy__taskdef.json'
    expect(readFileSync(path.join(fixtures, file), 'utf8')).toContain('<IMAGE1_NAME>')
    expect(render(file).containerDefinitions![0]!.image).toBe(IMAGE)
    const template = parseTaskDefinitionTemplate(readFileSync(path.join(fixtures, file), 'utf8'), file)
    const name = (template.containerDefinitions as { name: string }[])[0]!.name
    expect(() => renderTaskDefinition(template, { containerName: name })).toThrow(
      'image "<IMAGE1_NAME>" is an unrendered placeholder (set the image input to replace it)'
    )
  })
})
