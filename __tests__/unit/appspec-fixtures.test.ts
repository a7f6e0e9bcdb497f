// The project's own AppSpec fixtures (__tests__/fixtures/appspecs, notes in index.json) through the
// parser. Files under rejected/ must fail with the message given here; every other one must parse
// into exactly the fields given here and build into the AppSpec this action sends.
import { createHash } from 'node:crypto'
import * as path from 'node:path'
import { thrown } from './thrown.js'
import { buildAppSpec } from '../../src/backends/codedeploy/appspec.js'
import { parseAppSpecFile, type AppSpecFile } from '../../src/backends/codedeploy/appspec-file.js'
import { FIXTURES, filesUnder, readFixture } from '../fixture-helpers.js'

const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/fixtures:42'
/** What the inputs or the service would give where the file leaves the container out. */
const FALLBACK = { containerName: 'from-inputs', containerPort: 8443 }

interface Parses {
  /** The parse's fields, exactly (hooks default to none). */
  gives: Partial<Omit<AppSpecFile, 'warnings'>>
  /** Every warning, in order; `{file}` stands for the file's path. */
  warnings?: string[]
}

interface Fails {
  /** The InputError's whole message after the file name. */
  error: string
}

interface FailsOnProblems {
  /** Every problem of "cannot be used: ...", in order. */
  problems: string[]
}

type Case = Parses | Fails | FailsOnProblems

const IGNORED = ": ignored; the value comes from the inputs or the service's load balancer."
const LB = 'Resources[0].TargetService.Properties.LoadBalancerInfo'
const PROPS = 'Resources[0].TargetService.Properties'
const AWSVPC = `${PROPS}.NetworkConfiguration.AwsvpcConfiguration`
const SCRIPT = 'scripts run on EC2/on-premises instances, an ECS deployment invokes a Lambda function.'
const EC2_EVENT =
  'is an EC2/on-premises lifecycle event (as ApplicationStart and ValidateService are), not an ECS one.'
const SENT_AS_IS = 'which would be sent to AWS as it is; render it first.'

const CASES: Record<string, Case> = {
  'appspecs/blank-container-fields.yaml': {
    gives: {},
    warnings: [
      `${LB}.ContainerName in {file} is blank${IGNORED}`,
      `${LB}.ContainerPort in {file} is blank${IGNORED}`
    ]
  },
  'appspecs/bom-crlf.yml': { gives: { containerName: 'greeter', containerPort: 8080 } },
  'appspecs/camel-case-keys-hooks-map.json': {
    gives: {
      containerName: 'router',
      containerPort: 8080,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0aa11bb22cc33dd44'],
          securityGroups: ['sg-0ee55ff66aa77bb88'],
          assignPublicIp: 'ENABLED'
        }
      },
      hooks: [
        { event: 'BeforeInstall', functionName: 'wren-router-preflight' },
        { event: 'AfterAllowTestTraffic', functionName: 'wren-router-canary' }
      ]
    }
  },
  'appspecs/comments-commented-out-hooks.yaml': { gives: { containerName: 'catalog', containerPort: 8080 } },
  'appspecs/container-placeholders.yaml': {
    gives: { capacityProviderStrategy: [{ capacityProvider: 'juniper-windows-asg', weight: 1 }] },
    warnings: [
      `${LB}.ContainerName in {file} is the placeholder <CONTAINER_NAME>${IGNORED}`,
      `${LB}.ContainerPort in {file} is the placeholder <CONTAINER_PORT>${IGNORED}`
    ]
  },
  'appspecs/crlf.yaml': {
    gives: {
      containerName: 'notify',
      containerPort: 5000,
      hooks: [{ event: 'BeforeAllowTraffic', functionName: 'kestrel-notify-gate' }]
    }
  },
  'appspecs/full-fargate.yaml': {
    gives: {
      containerName: 'checkout',
      containerPort: 9090,
      platformVersion: '1.4.0',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0a11b22c33d44e55f', 'subnet-0f55e44d33c22b11a'],
          securityGroups: ['sg-0123abcd4567ef890'],
          assignPublicIp: 'DISABLED'
        }
      },
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        { capacityProvider: 'FARGATE', base: 1, weight: 1 }
      ],
      // In lifecycle order, whatever the file's order.
      hooks: [
        { event: 'BeforeInstall', functionName: 'orchard-preflight' },
        { event: 'AfterInstall', functionName: 'orchard-warmup' },
        {
          event: 'AfterAllowTestTraffic',
          functionName: 'arn:aws:lambda:us-east-2:123456789012:function:orchard-contract-tests:live'
        },
        { event: 'BeforeAllowTraffic', functionName: 'orchard-gate' },
        { event: 'AfterAllowTraffic', functionName: 'orchard-smoke-after-traffic' }
      ]
    }
  },
  'appspecs/json-number-version.json': { gives: { containerName: 'api', containerPort: 8080 } },
  'appspecs/json-trailing-commas.json': { gives: { containerName: 'quotes', containerPort: 8080 } },
  'appspecs/json-version-1.json': {
    gives: { containerName: 'reports', containerPort: 8000 },
    warnings: ['The version in {file} is not 0.0: ignored; the AppSpec sent uses version 0.0, the only one.']
  },
  'appspecs/minimal.yaml': { gives: { containerName: 'web', containerPort: 3000 } },
  'appspecs/one-space-indent-bare-family.yaml': { gives: { containerName: 'media', containerPort: 8088 } },
  'appspecs/quoted-port-numeric-platform.yaml': {
    gives: { containerName: 'api', containerPort: 8080, platformVersion: '1.4' }
  },

  'appspecs/rejected/blank-hook.yaml': {
    problems: [
      'Hooks.AfterAllowTestTraffic: is blank; give a Lambda function name or ARN, or remove the hook.',
      'Hooks.AfterAllowTraffic: must be the name or ARN of one Lambda function, not empty.'
    ]
  },
  'appspecs/rejected/capacity-provider-placeholder.yaml': {
    problems: [
      `${PROPS}.CapacityProviderStrategy[0].CapacityProvider: contains the placeholder <CAPACITY_PROVIDER>, ${SENT_AS_IS}`
    ]
  },
  'appspecs/rejected/duplicate-key-other-case.yaml': {
    problems: [
      `${LB}.containerPort: given twice (as ContainerPort and containerPort; keys are case-insensitive).`
    ]
  },
  'appspecs/rejected/duplicate-key.yaml': {
    error: 'is not valid YAML or JSON (line 10, column 11): Map keys must be unique.'
  },
  'appspecs/rejected/ec2-appspec.yml': {
    error: 'has no Resources section: it is an EC2/on-premises AppSpec (it has os/files).'
  },
  'appspecs/rejected/ec2-events-and-scripts.yaml': {
    problems: [
      `Hooks.BeforeInstall: is a script; ${SCRIPT}`,
      `Hooks.AfterInstall: is a script; ${SCRIPT}`,
      `Hooks.ApplicationStart: ${EC2_EVENT}`,
      `Hooks.ValidateService: ${EC2_EVENT}`
    ]
  },
  'appspecs/rejected/ec2-script-entries-map.yaml': {
    problems: [
      `${AWSVPC}.Subnets[0]: contains the placeholder <PRIVATE_SUBNET_A>, ${SENT_AS_IS}`,
      `${AWSVPC}.Subnets[1]: contains the placeholder <PRIVATE_SUBNET_B>, ${SENT_AS_IS}`,
      `${AWSVPC}.SecurityGroups[0]: contains the placeholder \${ORDERS_SG}, ${SENT_AS_IS}`,
      `Hooks.BeforeInstall: is a script; ${SCRIPT}`,
      `Hooks.AfterAllowTraffic: is a script; ${SCRIPT}`
    ]
  },
  'appspecs/rejected/empty.yaml': { error: 'is not an AppSpec: its top level is empty, not a mapping.' },
  'appspecs/rejected/json-missing-comma.json': {
    error: 'is not valid YAML or JSON (line 2, column 14): Implicit keys need to be on a single line.'
  },
  'appspecs/rejected/lambda-appspec.yaml': {
    error:
      'is not an ECS AppSpec: Resources[0].quotesHandler.Type is AWS::Lambda::Function (a Lambda AppSpec), not AWS::ECS::Service.'
  },
  'appspecs/rejected/misaligned-indentation.yaml': {
    error: 'is not valid YAML or JSON (line 7, column 1): All mapping items must start at the same column.'
  },
  'appspecs/rejected/misspelt-resources.yaml': { error: 'has no Resources section.' },
  'appspecs/rejected/nested-in-compact-mapping.yaml': {
    error:
      'is not valid YAML or JSON (line 8, column 26): Nested mappings are not allowed in compact mappings.'
  },
  'appspecs/rejected/no-target-service-name.yaml': {
    error:
      'is not an ECS AppSpec: the Resources entry must be a single-key mapping such as TargetService: { Type, Properties }.'
  },
  'appspecs/rejected/placeholder-hook-arn.yml': {
    problems: [
      'Hooks.AfterAllowTestTraffic: contains the placeholder <region>; CodeDeploy would invoke a function of that name. Render it first.',
      'Hooks.BeforeAllowTraffic: contains the placeholder {{ gate_function }}; CodeDeploy would invoke a function of that name. Render it first.'
    ]
  },
  'appspecs/rejected/tab-indentation.yaml': {
    error: 'is not valid YAML or JSON (line 8, column 1): Tabs are not allowed as indentation.'
  },
  'appspecs/rejected/terraform-directives.json.tpl': {
    error: 'is not valid YAML or JSON (line 11, column 31): Unexpected flow-map-start at node end.'
  },
  'appspecs/rejected/top-level-list.yaml': {
    error: 'is not an AppSpec: its top level is a list, not a mapping.'
  },
  'appspecs/rejected/two-target-services.yaml': {
    error: 'is not an ECS AppSpec: Resources has 2 entries; an ECS AppSpec has exactly one target service.'
  },
  'appspecs/rejected/unhookable-and-misspelt-events.yaml': {
    problems: [
      'Hooks.BeforeInstal: is not an ECS lifecycle event; did you mean BeforeInstall?',
      'Hooks.AllowTraffic: is a step CodeDeploy runs itself and cannot be hooked.',
      'Hooks.AfterDeploy: is not an ECS lifecycle event.'
    ]
  },
  'appspecs/rejected/unknown-keys.yaml': {
    problems: [
      'Hook: unknown key; did you mean Hooks? Known keys here: version, Resources, Hooks.',
      `${PROPS}.PlatfromVersion: unknown key; did you mean PlatformVersion? Known keys here: TaskDefinition, LoadBalancerInfo, PlatformVersion, NetworkConfiguration, CapacityProviderStrategy.`,
      `${AWSVPC}.Subnet: unknown key; did you mean Subnets? Known keys here: Subnets, SecurityGroups, AssignPublicIp.`,
      `${AWSVPC}.Subnets: is required (at least one subnet ID).`,
      `${PROPS}.CapacityProviderStrategy[0].Wieght: unknown key; did you mean Weight? Known keys here: CapacityProvider, Base, Weight.`
    ]
  },
  'appspecs/rejected/wrong-value-types.yaml': {
    problems: [
      `${LB}.ContainerName: must be a string, not a list.`,
      `${LB}.ContainerPort: must be a whole number from 1 to 65535.`,
      `${AWSVPC}.Subnets: must be a list, e.g. [subnet-1234abcd, subnet-5678abcd], not a string.`,
      `${AWSVPC}.AssignPublicIp: must be ENABLED or DISABLED.`,
      `${PROPS}.CapacityProviderStrategy[0].Weight: must be a whole number from 0 to 1000.`,
      'Hooks: must be a list of single-key mappings such as - BeforeInstall: MyFunction.'
    ]
  }
}

function parse(file: string): AppSpecFile {
  return parseAppSpecFile(readFixture(file), file)
}

describe('AppSpec fixtures', () => {
  it('has a case for every fixture file, and a file for every case', () => {
    const files = filesUnder(path.join(FIXTURES, 'appspecs')).map(f => `appspecs/${f}`)
    expect(Object.keys(CASES).sort()).toEqual(files)
  })

  it('expects exactly the files under rejected/ to fail', () => {
    const misplaced = Object.entries(CASES)
      .filter(([file, c]) => file.includes('/rejected/') === 'gives' in c)
      .map(([file]) => file)
    expect(misplaced).toEqual([])
  })

  describe.each(Object.entries(CASES))('%s', (file, c) => {
    if ('error' in c) {
      it('fails with an input error that names the file', () => {
        expect(thrown(() => parse(file)).message).toBe(`${file} ${c.error}`)
      })
      return
    }
    if ('problems' in c) {
      it('fails with an input error that lists every problem of the file', () => {
        const e = thrown(() => parse(file))
        expect(e.message).toBe(`${file} cannot be used: ${c.problems.join(' ')}`)
        expect(e.hint).toMatch(/Fix the file \(ECS AppSpec reference: https:\/\//)
        if (c.problems.some(p => p.startsWith('Hooks')))
          expect(e.hint).toMatch(/^An ECS hook is the name or ARN of one Lambda function/)
      })
      return
    }
    it('parses into exactly the expected fields and builds the AppSpec sent', () => {
      const spec = parse(file)
      expect(spec).toEqual({
        hooks: [],
        ...c.gives,
        warnings: (c.warnings ?? []).map(w => w.replace('{file}', file))
      })

      const containerName = spec.containerName ?? FALLBACK.containerName
      const containerPort = spec.containerPort ?? FALLBACK.containerPort
      const built = buildAppSpec({ ...spec, taskDefinitionArn: TD, containerName, containerPort })
      expect(JSON.parse(built.content)).toEqual(built.appSpec)
      expect(built.sha256).toBe(createHash('sha256').update(built.content).digest('hex'))
      expect(built.appSpec.version).toBe('0.0')
      const target = built.appSpec.Resources[0].TargetService
      expect(target.Type).toBe('AWS::ECS::Service')
      // The file's TaskDefinition (a placeholder, a family, an old revision) never survives.
      expect(target.Properties.TaskDefinition).toBe(TD)
      expect(target.Properties.LoadBalancerInfo).toEqual({
        ContainerName: containerName,
        ContainerPort: containerPort
      })
      expect(built.appSpec.Hooks ?? []).toEqual(spec.hooks.map(h => ({ [h.event]: h.functionName })))

      // What is sent reads back as the same AppSpec, with no warnings left.
      expect(parseAppSpecFile(built.content, 'sent.json')).toEqual({
        ...spec,
        containerName,
        containerPort,
        warnings: []
      })
    })
  })
})

describe('AppSpec fixtures: the traits are really in the files', () => {
  it('keeps CRLF line endings and the byte order mark as written', () => {
    for (const file of ['appspecs/crlf.yaml', 'appspecs/bom-crlf.yml']) {
      expect(readFixture(file)).toContain('\r\n')
      expect(readFixture(file)).not.toMatch(/[^\r]\n/)
    }
    expect(readFixture('appspecs/bom-crlf.yml').startsWith('\uFEFFversion:')).toBe(true)
  })

  it('has the layouts the notes promise', () => {
    expect(readFixture('appspecs/one-space-indent-bare-family.yaml')).toContain(
      '\n - TargetService:\n    Type:'
    )
    const comments = readFixture('appspecs/comments-commented-out-hooks.yaml')
    expect(comments).toMatch(/\n# [^\n]*\n {8}TaskDefinition:/)
    expect(comments.endsWith('\n')).toBe(false)
    expect(readFixture('appspecs/rejected/tab-indentation.yaml')).toContain('\n\t  ContainerName:')
    expect(readFixture('appspecs/json-version-1.json').startsWith('  {\n')).toBe(true)
    expect(readFixture('appspecs/json-trailing-commas.json')).toMatch(/,\n\s*\}/)
  })
})

describe('AppSpec fixtures: the AppSpec sent', () => {
  it('writes every property of the full file with the documented keys, hooks in lifecycle order', () => {
    const spec = parse('appspecs/full-fargate.yaml')
    const { appSpec } = buildAppSpec({
      ...spec,
      taskDefinitionArn: TD,
      containerName: spec.containerName!,
      containerPort: spec.containerPort!
    })
    expect(appSpec).toEqual({
      version: '0.0',
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: TD,
              LoadBalancerInfo: { ContainerName: 'checkout', ContainerPort: 9090 },
              PlatformVersion: '1.4.0',
              NetworkConfiguration: {
                AwsvpcConfiguration: {
                  Subnets: ['subnet-0a11b22c33d44e55f', 'subnet-0f55e44d33c22b11a'],
                  SecurityGroups: ['sg-0123abcd4567ef890'],
                  AssignPublicIp: 'DISABLED'
                }
              },
              CapacityProviderStrategy: [
                { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
                { Base: 1, CapacityProvider: 'FARGATE', Weight: 1 }
              ]
            }
          }
        }
      ],
      Hooks: [
        { BeforeInstall: 'orchard-preflight' },
        { AfterInstall: 'orchard-warmup' },
        {
          AfterAllowTestTraffic: 'arn:aws:lambda:us-east-2:123456789012:function:orchard-contract-tests:live'
        },
        { BeforeAllowTraffic: 'orchard-gate' },
        { AfterAllowTraffic: 'orchard-smoke-after-traffic' }
      ]
    })
  })
})
