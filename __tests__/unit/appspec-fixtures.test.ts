// Every real-world AppSpec in the shared fixtures goes through the parser: the table says which ones
// fail and why, and which warnings the others give. Those that parse are built into the AppSpec sent.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../src/runtime/errors.js'
import { buildAppSpec } from '../../src/backends/codedeploy/appspec.js'
import { parseAppSpecFile, type AppSpecFile } from '../../src/backends/codedeploy/appspec-file.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dir = path.join(path.resolve(repoRoot, '../shared/fixtures'), 'appspecs')
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
    warnings: [/^version 1 in .* is ignored: the AppSpec sent uses version 0\.0/],
    gives: { containerName: 'strapi', containerPort: 1337, hooks: [] }
  },
  '13Dev-07__EmailV__appspec.yml': {
    error: [
      'Hooks.BeforeInstall: is a script ("scripts/before_install.sh")',
      'Hooks.AfterInstall: is a script ("scripts/after_install.sh")',
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
    warnings: [/^version 1 in /],
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
      'Hooks.BeforeInstall: is a script ("scripts/before-install.sh")',
      'Hooks.AfterAllowTraffic: is a script ("scripts/after-allow-traffic.sh")'
    ]
  },
  // Terraform %{ if } directives: not YAML until rendered
  'malformed/toluna-terraform__terraform-aws-ecs-gitflow__templates__appspec.json.tpl': {
    error: [
      'is not valid YAML or JSON (line 18, column 9): Plain value cannot start with directive indicator character %'
    ]
  }
}

function fixtureFiles(): string[] {
  const top = fs.readdirSync(dir).filter(f => fs.statSync(path.join(dir, f)).isFile())
  const malformed = fs.readdirSync(path.join(dir, 'malformed')).map(f => `malformed/${f}`)
  return [...top, ...malformed].sort()
}

function read(name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8')
}

describe('AppSpec fixtures', () => {
  it('has a row for every fixture file, and a file for every row', () => {
    expect(fixtureFiles()).toEqual(Object.keys(TABLE).sort())
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
      expect(reread).toEqual({ ...fields, warnings: warnings.filter(w => !/^version /.test(w)) })
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
