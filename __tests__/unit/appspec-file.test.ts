import { InputError } from '../../src/runtime/errors.js'
import { appSpecYaml } from './appspec-yaml.js'
import { thrown } from './thrown.js'
import { defaultAppSpecName, parseAppSpecFile } from '../../src/backends/codedeploy/appspec-file.js'

const LB = 'LoadBalancerInfo:\n  ContainerName: web\n  ContainerPort: 8080'

const parseError = (text: string, file = 'appspec.yaml'): InputError =>
  thrown(() => parseAppSpecFile(text, file))

describe('defaultAppSpecName', () => {
  it('takes appspec.yaml, then appspec.yml, then appspec.json, as the official action', () => {
    const present = (names: string[]) => (p: string) => names.some(n => p === `/ws/${n}`)
    expect(defaultAppSpecName('/ws', present(['appspec.json', 'appspec.yml', 'appspec.yaml']))).toBe(
      'appspec.yaml'
    )
    expect(defaultAppSpecName('/ws', present(['appspec.json', 'appspec.yml']))).toBe('appspec.yml')
    expect(defaultAppSpecName('/ws', present(['appspec.json']))).toBe('appspec.json')
    expect(defaultAppSpecName('/ws', present(['AppSpec.yaml', 'taskdef.json']))).toBeUndefined()
  })
})

describe('parseAppSpecFile', () => {
  it('reads the documented example, hooks in lifecycle order', () => {
    const text = appSpecYaml(
      `${LB}
PlatformVersion: "1.4.0"
NetworkConfiguration:
  AwsvpcConfiguration:
    Subnets: [subnet-1, subnet-2]
    SecurityGroups: [sg-1]
    AssignPublicIp: DISABLED
CapacityProviderStrategy:
  - Base: 1
    CapacityProvider: FARGATE
    Weight: 1
  - CapacityProvider: FARGATE_SPOT
    Weight: 3`,
      'Hooks:\n  - AfterAllowTraffic: after\n  - BeforeInstall: arn:aws:lambda:us-east-1:111122223333:function:CodeDeployHook_pre:live'
    )
    expect(parseAppSpecFile(text, 'appspec.yaml')).toEqual({
      containerName: 'web',
      containerPort: 8080,
      platformVersion: '1.4.0',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1', 'subnet-2'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'DISABLED'
        }
      },
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 }
      ],
      hooks: [
        {
          event: 'BeforeInstall',
          functionName: 'arn:aws:lambda:us-east-1:111122223333:function:CodeDeployHook_pre:live'
        },
        { event: 'AfterAllowTraffic', functionName: 'after' }
      ],
      warnings: []
    })
  })

  it('reads keys case-insensitively, as the AWS CLI and cdklabs write them, and Hooks as a map', () => {
    const json = JSON.stringify({
      version: '0.0',
      resources: [
        {
          myService: {
            type: 'AWS::ECS::Service',
            properties: {
              taskDefinition: 'x',
              loadBalancerInfo: { containerName: 'web', containerPort: 80 },
              NetworkConfiguration: {
                awsvpcConfiguration: { assignPublicIp: 'enabled', subnets: ['subnet-1'] }
              }
            }
          }
        }
      ],
      Hooks: { AFTERINSTALL: 'CodeDeployHook_b', beforeInstall: 'CodeDeployHook_a' }
    })
    const spec = parseAppSpecFile(json, 'appspec.json')
    expect(spec.containerName).toBe('web')
    expect(spec.containerPort).toBe(80)
    expect(spec.networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-1'], assignPublicIp: 'ENABLED' }
    })
    expect(spec.hooks).toEqual([
      { event: 'BeforeInstall', functionName: 'CodeDeployHook_a' },
      { event: 'AfterInstall', functionName: 'CodeDeployHook_b' }
    ])
  })

  it('leaves out what the file leaves out; Hooks with every entry commented out are none', () => {
    expect(parseAppSpecFile(appSpecYaml(''), 'a.yml')).toEqual({ hooks: [], warnings: [] })
    expect(
      parseAppSpecFile(appSpecYaml('LoadBalancerInfo:', 'Hooks:\n#  - BeforeInstall: x'), 'a.yml')
    ).toEqual({
      hooks: [],
      warnings: []
    })
    const noProps = 'version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n'
    expect(parseAppSpecFile(noProps, 'a.yml')).toEqual({ hooks: [], warnings: [] })
  })

  it('takes a quoted port and a numeric platform version as their values', () => {
    const spec = parseAppSpecFile(
      appSpecYaml('LoadBalancerInfo: {ContainerName: web, ContainerPort: "8080"}\nPlatformVersion: 1.4'),
      'a.yml'
    )
    expect(spec.containerPort).toBe(8080)
    expect(spec.platformVersion).toBe('1.4')
  })

  it('turns placeholders and blanks in ContainerName/ContainerPort into warnings, the value left to the caller', () => {
    const spec = parseAppSpecFile(
      appSpecYaml('LoadBalancerInfo:\n  ContainerName: ${CONTAINER}\n  ContainerPort: " "'),
      'deploy/appspec.yml'
    )
    expect(spec.containerName).toBeUndefined()
    expect(spec.containerPort).toBeUndefined()
    expect(spec.warnings).toEqual([
      expect.stringMatching(
        /ContainerName in deploy\/appspec\.yml is the placeholder \$\{CONTAINER\}: ignored/
      ),
      expect.stringMatching(/ContainerPort in deploy\/appspec\.yml is blank: ignored/)
    ])
  })

  it('warns about a version other than 0.0 and accepts the string "0.0"', () => {
    expect(parseAppSpecFile(appSpecYaml(LB).replace('version: 0.0', 'version: 1'), 'a.yml').warnings).toEqual(
      ['The version in a.yml is not 0.0: ignored; the AppSpec sent uses version 0.0, the only one.']
    )
    expect(
      parseAppSpecFile(appSpecYaml(LB).replace('version: 0.0', 'version: "0.0"'), 'a.yml').warnings
    ).toEqual([])
  })

  it('reports a file that is not YAML with its line and column', () => {
    const e = parseError('version: 0.0\nResources:\n  - [unclosed\n', 'ci/appspec.yaml')
    expect(e.message).toMatch(/^ci\/appspec\.yaml is not valid YAML or JSON \(line \d+, column \d+\): \S/)
    expect(e.hint).toMatch(/render it/)
  })

  // The file may be anything: a committed appspec.yaml that links to a token, a secret pasted in.
  it.each([
    ['a file that is only a token', 'ghp_c2VjcmV0dG9rZW4xMjM0NTY3ODkw', 'a string'],
    ['a list of secrets', '- hunter2-password\n- second-secret', 'a list'],
    ['an invalid escape', 'x: "a\\qhunter2-password"', 'an invalid escape in a double-quoted string'],
    ['a block scalar header with extra text', 'x: |hunter2-password\n  y\n', 'extra characters.'],
    ['an alias before its anchor', 'x: *hunter2-password\n', 'uses an alias (*name) before its anchor']
  ])('never quotes the file: %s', (_what, text, says) => {
    const e = parseError(text, 'appspec.yaml')
    expect(e.message).toContain(says)
    expect(e.full).not.toMatch(/ghp_|hunter2|second-secret/)
  })

  it('stops a YAML alias bomb and names the file', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]']
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const prev = String.fromCharCode(97 + i)
      bomb.push(
        `${name}: &${name} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`
      )
    }
    const e = parseError(bomb.join('\n'), 'deploy/appspec.yaml')
    expect(e.message).toBe(
      'deploy/appspec.yaml expands into more than 100 aliased values (a YAML alias bomb?); no AppSpec needs that many.'
    )
  })

  it.each([
    ['an empty file', '', /its top level is empty, not a mapping/],
    ['a list', '- a\n- b', /its top level is a list, not a mapping/],
    ['a string', '"appspec"', /its top level is a string, not a mapping/]
  ])('rejects %s as not an AppSpec', (_what, text, message) => {
    expect(parseError(text).message).toMatch(message)
  })

  it('names an EC2/on-premises AppSpec as such', () => {
    const e = parseError('version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv\n')
    expect(e.message).toBe(
      'appspec.yaml has no Resources section: it is an EC2/on-premises AppSpec (it has os/files).'
    )
    expect(e.hint).toMatch(/TargetService/)
    expect(parseError('version: 0.0\n').message).toBe('appspec.yaml has no Resources section.')
  })

  it.each([
    [
      'a Lambda AppSpec',
      'Resources:\n  - fn:\n      Type: AWS::Lambda::Function\n',
      'Resources[0].fn.Type is AWS::Lambda::Function (a Lambda AppSpec), not AWS::ECS::Service.'
    ],
    [
      'no Type',
      'Resources:\n  - TargetService:\n      Properties: {}\n',
      'Resources[0].TargetService.Type is not AWS::ECS::Service.'
    ],
    [
      'two resources',
      'Resources:\n  - a: {Type: AWS::ECS::Service}\n  - b: {Type: AWS::ECS::Service}\n',
      'Resources has 2 entries; an ECS AppSpec has exactly one target service.'
    ],
    [
      'Resources as a map',
      'Resources:\n  TargetService: {}\n',
      'Resources must be a list with one target service.'
    ],
    [
      'an unnamed resource',
      'Resources:\n  - Type: AWS::ECS::Service\n    Properties: {}\n',
      'the Resources entry must be a single-key mapping'
    ]
  ])('rejects %s', (_what, text, fragment) => {
    const e = parseError(text)
    expect(e.message).toContain('appspec.yaml is not an ECS AppSpec: ')
    expect(e.message).toContain(fragment)
  })

  it('rejects unknown keys, suggesting the nearest, and keys given twice in different case', () => {
    const e = parseError(
      appSpecYaml(`${LB}\nPlatformVerison: 1.4.0\ncontainerport: 1`, 'hooks: []\nHOOKS: []')
    )
    expect(e.message).toContain(
      'Resources[0].TargetService.Properties.PlatformVerison: unknown key; did you mean PlatformVersion?'
    )
    expect(e.message).toContain('Properties.containerport: unknown key. Known keys here: TaskDefinition,')
    expect(e.message).toContain(
      'cannot be used: HOOKS: given twice (as hooks and HOOKS; keys are case-insensitive).'
    )
    expect(parseError(appSpecYaml(`${LB}\nZzz: 1`)).message).toContain(
      'Properties.Zzz: unknown key. Known keys here:'
    )
  })

  it.each([
    [
      'a port that is not a number',
      'LoadBalancerInfo: {ContainerName: web, ContainerPort: http}',
      'ContainerPort: must be a whole number from 1 to 65535.'
    ],
    [
      'a port out of range',
      'LoadBalancerInfo: {ContainerName: web, ContainerPort: 70000}',
      'ContainerPort: must be a whole number from 1 to 65535.'
    ],
    [
      'a container name that is a list',
      'LoadBalancerInfo: {ContainerName: [a], ContainerPort: 80}',
      'ContainerName: must be a string, not a list.'
    ],
    ['LoadBalancerInfo as a string', 'LoadBalancerInfo: web:80', 'LoadBalancerInfo: must be a mapping'],
    [
      'a placeholder in PlatformVersion',
      'PlatformVersion: "{{ version }}"',
      'PlatformVersion: contains the placeholder {{ version }}, which would be sent to AWS'
    ],
    ['a blank PlatformVersion', 'PlatformVersion: ""', 'PlatformVersion: is blank'],
    [
      'NetworkConfiguration without AwsvpcConfiguration',
      'NetworkConfiguration: {}',
      'AwsvpcConfiguration: is required'
    ],
    [
      'NetworkConfiguration as a list',
      'NetworkConfiguration: [a]',
      'NetworkConfiguration: must be a mapping with AwsvpcConfiguration.'
    ],
    [
      'no subnets',
      'NetworkConfiguration: {AwsvpcConfiguration: {SecurityGroups: [sg-1]}}',
      'Subnets: is required'
    ],
    [
      'an empty subnet list',
      'NetworkConfiguration: {AwsvpcConfiguration: {Subnets: []}}',
      'Subnets: is empty'
    ],
    [
      'subnets as one string',
      'NetworkConfiguration: {AwsvpcConfiguration: {Subnets: "subnet-1,subnet-2"}}',
      'Subnets: must be a list'
    ],
    [
      'a subnet placeholder',
      'NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [<SUBNET_1>]}}',
      'Subnets[0]: contains the placeholder <SUBNET_1>'
    ],
    [
      'a wrong AssignPublicIp',
      'NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [s], AssignPublicIp: yes}}',
      'AssignPublicIp: must be ENABLED or DISABLED.'
    ],
    [
      'an empty capacity provider strategy',
      'CapacityProviderStrategy: []',
      'CapacityProviderStrategy: must be a non-empty list'
    ],
    [
      'a capacity provider item that is a string',
      'CapacityProviderStrategy: [FARGATE]',
      'CapacityProviderStrategy[0]: must be a mapping'
    ],
    [
      'a capacity provider item without a provider',
      'CapacityProviderStrategy: [{Weight: 1}]',
      'CapacityProviderStrategy[0].CapacityProvider: is required.'
    ],
    [
      'a weight out of range',
      'CapacityProviderStrategy: [{CapacityProvider: FARGATE, Weight: 1001}]',
      'Weight: must be a whole number from 0 to 1000.'
    ],
    [
      'a negative base',
      'CapacityProviderStrategy: [{CapacityProvider: FARGATE, Base: -1}]',
      'Base: must be a whole number from 0 to 100000.'
    ],
    ['Properties as a list', 'Properties: []', 'Properties: must be a mapping.']
  ])('rejects %s', (_what, props, fragment) => {
    const text =
      props === 'Properties: []'
        ? 'Resources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties: []\n'
        : appSpecYaml(props)
    const e = parseError(text)
    expect(e.message).toContain(fragment)
    expect(e.hint).toMatch(/^Fix the file/)
  })

  it.each([
    [
      'an EC2 event',
      'ApplicationStart: CodeDeployHook_x',
      'Hooks.ApplicationStart: is an EC2/on-premises lifecycle event (as ApplicationStart and ValidateService are), not an ECS one.'
    ],
    [
      'a CodeDeploy step',
      'AllowTraffic: CodeDeployHook_x',
      'Hooks.AllowTraffic: is a step CodeDeploy runs itself and cannot be hooked.'
    ],
    [
      'a misspelt event',
      'BeforeInstal: CodeDeployHook_x',
      'Hooks.BeforeInstal: is not an ECS lifecycle event; did you mean BeforeInstall?'
    ],
    ['an unknown event', 'Deploy: CodeDeployHook_x', 'Hooks.Deploy: is not an ECS lifecycle event.'],
    [
      'a script path',
      'BeforeInstall: scripts/check.sh',
      'Hooks.BeforeInstall: is a script; scripts run on EC2/on-premises instances'
    ],
    [
      'a blank function',
      'AfterInstall: " "',
      'Hooks.AfterInstall: is blank; give a Lambda function name or ARN, or remove the hook.'
    ],
    [
      'a null function',
      'AfterInstall:',
      'Hooks.AfterInstall: must be the name or ARN of one Lambda function, not empty.'
    ],
    [
      'two functions for one event',
      'AfterInstall: [a, b]',
      'Hooks.AfterInstall: must be the name or ARN of one Lambda function, not a list.'
    ],
    [
      'a placeholder function',
      'AfterInstall: ${APP}-hook',
      'Hooks.AfterInstall: contains the placeholder ${APP}; CodeDeploy would invoke a function of that name.'
    ],
    [
      'a function name Lambda cannot have',
      'AfterInstall: my hook',
      'Hooks.AfterInstall: is not a Lambda function name or ARN.'
    ],
    [
      'a hook given twice',
      'AfterInstall: a\n  - afterinstall: b',
      'Hooks.afterinstall: is given twice; CodeDeploy runs one function per event.'
    ]
  ])('rejects a hook with %s, and says what an ECS hook is', (_what, hook, fragment) => {
    const e = parseError(appSpecYaml(LB, `Hooks:\n  - ${hook}`))
    expect(e.message).toContain(fragment)
    expect(e.hint).toMatch(
      /^An ECS hook is the name or ARN of one Lambda function, for one of BeforeInstall, /
    )
  })

  it('rejects Hooks that are neither a list nor a map, and list items that are not maps', () => {
    expect(parseError(appSpecYaml(LB, 'Hooks: BeforeInstall')).message).toContain(
      'Hooks: must be a list of single-key mappings'
    )
    expect(parseError(appSpecYaml(LB, 'Hooks:\n  - BeforeInstall')).message).toContain(
      'Hooks[0]: must be a single-key mapping such as - BeforeInstall: MyFunction, not a string.'
    )
  })

  it('recognises EC2 script entries (location/timeout/runas) and lists every problem in one error', () => {
    const e = parseError(
      appSpecYaml(
        `${LB}\nPlatformVersion: <PV>`,
        'Hooks:\n  BeforeInstall:\n    - location: scripts/a.sh\n      timeout: 300'
      )
    )
    expect(e.message).toBe(
      'appspec.yaml cannot be used: Resources[0].TargetService.Properties.PlatformVersion: contains the placeholder <PV>, ' +
        'which would be sent to AWS as it is; render it first. Hooks.BeforeInstall: is a script; ' +
        'scripts run on EC2/on-premises instances, an ECS deployment invokes a Lambda function.'
    )
  })
})
