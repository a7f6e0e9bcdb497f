// The external tier: real task definitions and AppSpecs from public repositories (see SOURCES.md
// there). They are not ours to redistribute, so they live outside the repository: in FIXTURES_CORPUS,
// or ../shared/fixtures beside the clone. Without them this file reports one skipped test; the
// project's own fixtures (task-definition-fixtures, appspec-fixtures) cover the same traits.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { InputError } from '../../src/runtime/errors.js'
import { buildAppSpec } from '../../src/backends/codedeploy/appspec.js'
import { parseAppSpecFile, type AppSpecFile } from '../../src/backends/codedeploy/appspec-file.js'
import { renderTaskDefinition } from '../../src/plan/render.js'
import { parseTaskDefinitionTemplate } from '../../src/plan/template.js'
import { describeCorpus, emptyStrings, violations } from '../fixture-helpers.js'

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
    'networkMode is not one of bridge, host, awsvpc, none',
  // Placeholders in the family: ECS would reject the name.
  'aws-samples__aws-ecs-anywhere-workshop-samples__workload-management__ssm-secrets-manager__ssm-secrets-task-definition.json':
    'family is not a valid family name',
  'otunba-ola01__revolucare-wrlylc__infrastructure__ci-cd__taskdef.json': 'family is not a valid family name',
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

const TD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7'

interface Case {
  /** Fragments the InputError's message must contain; absent when the file parses. */
  error?: string[]
  /** Warnings, matched in order. */
  warnings?: RegExp[]
  /** Fields the parse must give. */
  gives?: Partial<AppSpecFile>
}

const PORT_OR_NAME_IGNORED = /: ignored; the value comes from the inputs or the service's load balancer\.$/

const TABLE: Record<string, Case> = {
  // version 1, 2-space outer indent, literal TASK_DEFINITION_ARN (ignored)
  '1308harshit__pearlThought-all-tasks-strapi__appspec.json': {
    warnings: [/^The version in .* is not 0\.0: ignored; the AppSpec sent uses version 0\.0/],
    gives: { containerName: 'strapi', containerPort: 1337, hooks: [] }
  },
  '13Dev-07__EmailV__appspec.yml': {
    error: [
      'Hooks.BeforeInstall: is a script',
      'Hooks.AfterInstall: is a script',
      'Hooks.ApplicationStart: is an EC2/on-premises lifecycle event',
      'Hooks.ValidateService: is an EC2/on-premises lifecycle event'
    ]
  },
  '15921645918__workshop-repo__appspec.yaml': { gives: { containerName: 'webapp', containerPort: 80 } },
  'Abdelali12-codes__aws_ecs_blue_green_lambda_hooks__appspec.yaml': {
    gives: { containerName: 'nginx', containerPort: 80 }
  },
  // CRLF
  'AbdulrahmanSamir__nodejs-BG-ECS__appspec.yaml': { gives: { containerName: 'nodejs', containerPort: 80 } },
  // CRLF, 1-space indentation, TaskDefinition as a bare family
  'AleksandarCvjetic__aws-ecs-pipeline-with-blue-green-deployment__appspec.yaml': {
    gives: { containerName: 'simple-node-app', containerPort: 8080 }
  },
  // comment lines at column 0 inside Properties; placeholders in TaskDefinition only (ignored)
  'Andrew-Chen-Wang__cookiecutter-django-ecs-github__appspec.yaml': {
    gives: { containerName: 'nginx', containerPort: 80 }
  },
  'DevopsArtFactory__springboot-sample__appspec.json': {
    gives: { containerName: 'demo', containerPort: 8080 }
  },
  'EverUniAndes__listanegra__appspec.json': {
    warnings: [/^The version in .* is not 0\.0/],
    gives: { containerName: 'app-entrega4', containerPort: 3000 }
  },
  // blank " " ContainerName/ContainerPort would be warnings; the blank hook is what fails
  'aws-samples__ecs-blue-green-deployment-with-codedeploy__iac__code-deploy__appspec.yml': {
    error: ['Hooks.AfterAllowTestTraffic: is blank']
  },
  'aws-samples__ecs-windows-ci-cd-blue-green__asset__appspec_template.yaml': {
    error: ['CapacityProviderStrategy[0].CapacityProvider: contains the placeholder <CAPACITY_PROVIDER>']
  },
  // commented-out hooks, no newline at EOF; the one live hook's ARN has <region>/<account>
  'benbpyle__ecs-blue-green-cdk-rust-hook__lib__code-deploy__app-spec.yml': {
    error: ['Hooks.BeforeAllowTraffic: contains the placeholder <region>']
  },
  'kayac__ecspresso__appspec__test.yml': {
    gives: {
      containerName: 'SampleApplicationName',
      containerPort: 80,
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1234abcd', 'subnet-5678abcd'],
          securityGroups: ['sg-12345678'],
          assignPublicIp: 'ENABLED'
        }
      },
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 2 },
        { capacityProvider: 'FARGATE', base: 0, weight: 1 }
      ],
      hooks: [
        { event: 'BeforeInstall', functionName: 'LambdaFunctionToValidateBeforeInstall' },
        { event: 'AfterInstall', functionName: 'LambdaFunctionToValidateAfterTraffic' },
        { event: 'AfterAllowTestTraffic', functionName: 'LambdaFunctionToValidateAfterTestTrafficStarts' },
        {
          event: 'BeforeAllowTraffic',
          functionName: 'LambdaFunctionToValidateBeforeAllowingProductionTraffic'
        },
        { event: 'AfterAllowTraffic', functionName: 'LambdaFunctionToValidateAfterAllowingProductionTraffic' }
      ]
    }
  },
  // hooks as a map of EC2 script entries; <SUBNET_1> placeholders in NetworkConfiguration
  'otunba-ola01__revolucare-wrlylc__infrastructure__ci-cd__appspec.yaml': {
    error: [
      'AwsvpcConfiguration.Subnets[0]: contains the placeholder <SUBNET_1>',
      'AwsvpcConfiguration.SecurityGroups[0]: contains the placeholder <SECURITY_GROUP>',
      'Hooks.BeforeInstall: is a script',
      'Hooks.AfterAllowTraffic: is a script'
    ]
  },
  // Terraform %{ if } directives: not YAML until rendered
  'malformed/toluna-terraform__terraform-aws-ecs-gitflow__templates__appspec.json.tpl': {
    error: [
      'is not valid YAML or JSON (line 18, column 9): Plain value cannot start with directive indicator character %'
    ]
  }
}

/** The files of `dir` and of `dir`/malformed, as the corpus lays them out. */
function corpusFiles(dir: string): string[] {
  const top = readdirSync(dir).filter(f => statSync(path.join(dir, f)).isFile())
  const malformed = readdirSync(path.join(dir, 'malformed')).map(f => `malformed/${f}`)
  return [...top, ...malformed].sort()
}

describeCorpus('external fixtures corpus', corpus => {
  const fixtures = path.join(corpus, 'task-definitions')
  const dir = path.join(corpus, 'appspecs')

  function render(file: string, warnings: string[] = []): RegisterTaskDefinitionCommandInput {
    const template = parseTaskDefinitionTemplate(readFileSync(path.join(fixtures, file), 'utf8'), file)
    const first = (template.containerDefinitions as { name?: string }[])[0]!.name!
    return renderTaskDefinition(template, { containerName: first, image: IMAGE, warn: m => warnings.push(m) })
  }

  function read(name: string): string {
    return readFileSync(path.join(dir, name), 'utf8')
  }

  describe('fixture corpus: real task definitions through parse and render', () => {
    const files = corpusFiles(fixtures)

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
      expect(violations(request)).toEqual([])
      expect(emptyStrings(request)).toEqual([])
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

  describe('AppSpec fixtures', () => {
    it('has a row for every fixture file, and a file for every row', () => {
      expect(corpusFiles(dir)).toEqual(Object.keys(TABLE).sort())
    })

    describe.each(Object.entries(TABLE))('%s', (name, c) => {
      const fragments = c.error
      if (fragments) {
        it('fails with an input error that names the file and each problem', () => {
          let error: unknown
          try {
            parseAppSpecFile(read(name), name)
          } catch (e) {
            error = e
          }
          expect(error).toBeInstanceOf(InputError)
          const message = (error as InputError).message
          expect(message.startsWith(name)).toBe(true)
          for (const fragment of fragments) expect(message).toContain(fragment)
        })
        return
      }
      it('parses, with the expected warnings, and builds a valid AppSpec', () => {
        const spec = parseAppSpecFile(read(name), name)
        expect(spec).toMatchObject({ hooks: [], ...c.gives })
        expect(spec.warnings).toHaveLength(c.warnings?.length ?? 0)
        for (const [i, w] of (c.warnings ?? []).entries()) expect(spec.warnings[i]).toMatch(w)

        const built = buildAppSpec({
          taskDefinitionArn: TD,
          containerName: spec.containerName ?? 'app',
          containerPort: spec.containerPort ?? 80,
          ...spec
        })
        const target = built.appSpec.Resources[0].TargetService
        expect(built.appSpec.version).toBe('0.0')
        expect(target.Type).toBe('AWS::ECS::Service')
        // The file's TaskDefinition (a placeholder or an old revision) never survives.
        expect(target.Properties.TaskDefinition).toBe(TD)
        expect(typeof target.Properties.LoadBalancerInfo.ContainerPort).toBe('number')
        expect(built.sha256).toMatch(/^[0-9a-f]{64}$/)
        // Sent content reads back as the same AppSpec, without warnings.
        const reread = parseAppSpecFile(built.content, 'sent.json')
        const { warnings, ...fields } = spec
        expect(reread).toEqual({ ...fields, warnings: warnings.filter(w => !/^The version /.test(w)) })
      })
    })

    it('really covers CRLF line endings and 1-space indentation', () => {
      expect(read('AbdulrahmanSamir__nodejs-BG-ECS__appspec.yaml')).toContain('\r\n')
      const oneSpace = read('AleksandarCvjetic__aws-ecs-pipeline-with-blue-green-deployment__appspec.yaml')
      expect(oneSpace).toContain('\r\n')
      expect(oneSpace).toContain('\r\n - TargetService:')
    })

    it('turns the blank " " container fields into warnings once the blank hook is gone', () => {
      const name = 'aws-samples__ecs-blue-green-deployment-with-codedeploy__iac__code-deploy__appspec.yml'
      const text = read(name).replace(/Hooks:[\s\S]*$/, '')
      const spec = parseAppSpecFile(text, name)
      expect(spec.containerName).toBeUndefined()
      expect(spec.containerPort).toBeUndefined()
      expect(spec.warnings).toEqual([
        expect.stringMatching(
          /^Resources\[0\]\.TargetService\.Properties\.LoadBalancerInfo\.ContainerName in .* is blank/
        ),
        expect.stringMatching(/ContainerPort in .* is blank: ignored/)
      ])
      expect(spec.warnings[0]).toMatch(PORT_OR_NAME_IGNORED)
    })

    it('turns <CONTAINER_NAME>/<CONTAINER_PORT> into warnings once the capacity provider is rendered', () => {
      const name = 'aws-samples__ecs-windows-ci-cd-blue-green__asset__appspec_template.yaml'
      const spec = parseAppSpecFile(read(name).replace('<CAPACITY_PROVIDER>', 'win-ec2'), name)
      expect(spec.capacityProviderStrategy).toEqual([{ capacityProvider: 'win-ec2', weight: 1 }])
      expect(spec.warnings).toEqual([
        expect.stringMatching(/ContainerName in .* is the placeholder <CONTAINER_NAME>: ignored/),
        expect.stringMatching(/ContainerPort in .* is the placeholder <CONTAINER_PORT>: ignored/)
      ])
    })
  })
})
