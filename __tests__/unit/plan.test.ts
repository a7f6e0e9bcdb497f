import {
  CodeDeployClient,
  type DeploymentGroupInfo,
  GetDeploymentGroupCommand
} from '@aws-sdk/client-codedeploy'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type TaskDefinition
} from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { ActionError, AwsAccessError, InputError, markAwsCall } from '../../src/runtime/errors.js'
import { parseInputs } from '../../src/inputs/inputs.js'
import { preparePlan } from '../../src/plan/plan.js'
import { GROUP as SHARED_GROUP, RUNNING_ARN, SERVICE } from './aws-fixtures.js'
import { appSpecYaml } from './appspec-yaml.js'
import { type FakeIo, fakeIo } from './fake-io.js'

const ecsMock = mockClient(ECSClient)
const cdMock = mockClient(CodeDeployClient)

const GROUP: DeploymentGroupInfo = {
  ...SHARED_GROUP,
  blueGreenDeploymentConfiguration: {
    deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 }
  },
  loadBalancerInfo: {
    targetGroupPairInfoList: [{ testTrafficRoute: { listenerArns: ['arn:listener-test'] } }]
  }
}

const RUNNING_TD: TaskDefinition = {
  taskDefinitionArn: RUNNING_ARN,
  family: 'web',
  revision: 7,
  status: 'ACTIVE',
  containerDefinitions: [
    {
      name: 'web',
      image: 'repo/web:1',
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'LOG_LEVEL', value: 'info' }]
    },
    { name: 'sidecar', image: 'repo/envoy:1', portMappings: [{ containerPort: 9901 }] }
  ]
}

const TEMPLATE = JSON.stringify({
  family: 'web',
  containerDefinitions: [
    { name: 'web', image: 'repo/web:1', portMappings: [{ containerPort: 8080 }] },
    { name: 'admin', image: 'repo/admin:1', portMappings: [{ containerPort: 9000 }] }
  ]
})

const APPSPEC = (container: string, port: number): string =>
  appSpecYaml(
    `LoadBalancerInfo:\n  ContainerName: ${container}\n  ContainerPort: ${port}`,
    'Hooks:\n  - AfterAllowTestTraffic: CodeDeployHook_smoke'
  )

function io(inputs: Record<string, string>, more: Parameters<typeof fakeIo>[0] = {}): FakeIo {
  return fakeIo({ ...more, inputs: { service: 'web', cluster: 'prod', ...inputs } })
}

const plan = (x: FakeIo) => preparePlan(parseInputs(x.input), x)

beforeEach(() => {
  ecsMock.reset()
  cdMock.reset()
  ecsMock.on(DescribeServicesCommand).resolves({ services: [SERVICE] })
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: RUNNING_TD })
  cdMock.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: GROUP })
})

async function planError(x: FakeIo): Promise<ActionError> {
  const e = await plan(x).catch((err: unknown) => err)
  if (!(e instanceof ActionError)) throw new Error(`expected an ActionError, got ${String(e)}`)
  return e
}

describe('preparePlan', () => {
  it('starts from the service: its revision, container and port, group and timeout', async () => {
    const x = io({ image: 'repo/web:2' })
    const p = await plan(x)
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: RUNNING_ARN,
      include: ['TAGS']
    })
    expect(p).toMatchObject({
      family: 'web',
      containerName: 'web',
      containerPort: 8080,
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      trafficRouting: { type: 'AllAtOnce' },
      group: { applicationName: 'AppECS-prod-web', deploymentGroupName: 'DgpECS-prod-web' },
      // 60 for Install + no hooks + 60 ready wait + 0 routing + 5 termination wait
      timeoutMinutes: 125
    })
    expect(p.existingArn).toBeUndefined()
    expect(p.register?.containerDefinitions?.[0]).toMatchObject({ name: 'web', image: 'repo/web:2' })
    expect(p.register).not.toHaveProperty('taskDefinitionArn')
    expect(x.warnings).toEqual([])
  })

  it('takes timeout-minutes as given', async () => {
    expect((await plan(io({ image: 'repo/web:2', 'timeout-minutes': '0.5' }))).timeoutMinutes).toBe(0.5)
  })

  it('reads a template file relative to the workspace', async () => {
    const x = io(
      { 'task-definition': 'deploy/td.json', image: 'repo/web:2' },
      { files: { 'deploy/td.json': TEMPLATE } }
    )
    const p = await plan(x)
    expect(ecsMock).not.toHaveReceivedCommand(DescribeTaskDefinitionCommand)
    expect(p.register?.containerDefinitions?.map(c => c.image)).toEqual(['repo/web:2', 'repo/admin:1'])
  })

  it('registers a template file even without image or environment-variables', async () => {
    const p = await plan(io({ 'task-definition': 'td.json' }, { files: { 'td.json': TEMPLATE } }))
    expect(p.register?.family).toBe('web')
    expect(p.existingArn).toBeUndefined()
  })

  it('deploys a named revision as it is when neither image nor environment-variables is given', async () => {
    const p = await plan(io({ 'task-definition': 'web:7' }))
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: 'web:7' })
    expect(p.register).toBeUndefined()
    expect(p.existingArn).toBe(RUNNING_ARN)
    expect(p.family).toBe('web')
  })

  it('renders a named revision when environment-variables are given', async () => {
    const p = await plan(io({ 'task-definition': RUNNING_ARN, 'environment-variables': 'LOG_LEVEL=debug' }))
    expect(p.existingArn).toBeUndefined()
    expect(p.register?.containerDefinitions?.[0]?.environment).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' }
    ])
  })

  it('renders a named revision when only a render input such as tags is given', async () => {
    const p = await plan(io({ 'task-definition': 'web:7', tags: 'release=42' }))
    expect(p.existingArn).toBeUndefined()
    expect(p.register?.tags).toEqual([{ key: 'release', value: '42' }])
  })

  it('applies the render inputs to container-name and the containers lines name', async () => {
    const p = await plan(
      io({
        'container-images': 'sidecar=repo/envoy:2',
        command: '["node", "server.js"]\nsidecar: ["envoy", "-c", "/etc/envoy.yaml"]'
      })
    )
    expect(p.register?.containerDefinitions).toMatchObject([
      { name: 'web', image: 'repo/web:1', command: ['node', 'server.js'] },
      { name: 'sidecar', image: 'repo/envoy:2', command: ['envoy', '-c', '/etc/envoy.yaml'] }
    ])
  })

  describe('container and port', () => {
    it('the AppSpec file wins over the service, and the inputs over the file', async () => {
      const lb = { containerName: 'admin', containerPort: 9000, targetGroupArn: 'arn:tg' }
      ecsMock.on(DescribeServicesCommand).resolves({ services: [{ ...SERVICE, loadBalancers: [lb] }] })
      const files = { 'td.json': TEMPLATE, 'appspec.yaml': APPSPEC('admin', 9000) }
      const fromFile = await plan(io({ 'task-definition': 'td.json' }, { files }))
      expect([fromFile.containerName, fromFile.containerPort]).toEqual(['admin', 9000])
      expect(fromFile.appSpecFile?.hooks).toEqual([
        { event: 'AfterAllowTestTraffic', functionName: 'CodeDeployHook_smoke' }
      ])
      // A hook may take CodeDeploy's hour: 60 for Install + 60 for the hook + 60 ready wait + 5.
      expect(fromFile.timeoutMinutes).toBe(60 + 60 + 60 + 5)

      const wrong = { 'td.json': TEMPLATE, 'appspec.yaml': APPSPEC('web', 8080) }
      const fromInputs = await plan(
        io(
          { 'task-definition': 'td.json', 'container-name': 'admin', 'container-port': '9000' },
          { files: wrong }
        )
      )
      expect([fromInputs.containerName, fromInputs.containerPort]).toEqual(['admin', 9000])
    })

    it('reads the AppSpec file codedeploy-appspec names', async () => {
      const files = { 'td.json': TEMPLATE, 'cd/spec.yml': APPSPEC('web', 8080) }
      const p = await plan(
        io({ 'task-definition': 'td.json', 'codedeploy-appspec': 'cd/spec.yml' }, { files })
      )
      expect(p.appSpecFile?.containerName).toBe('web')
    })

    it('a codedeploy-appspec that does not exist is an input error', async () => {
      const e = await planError(io({ 'codedeploy-appspec': 'nope.yaml' }))
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toBe("codedeploy-appspec 'nope.yaml' is not a file in the workspace.")
    })

    it('a container or port other than the service load balancer is an input error', async () => {
      const e = await planError(io({ 'container-name': 'admin', 'container-port': '9000' }))
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toBe(
        'Service web routes its load balancer to container web port 8080, not admin port 9000.'
      )
    })

    it('a port the container does not map is an input error, listing the ones it maps', async () => {
      const lb = { containerName: 'web', containerPort: 80, targetGroupArn: 'arn:tg' }
      ecsMock.on(DescribeServicesCommand).resolves({ services: [{ ...SERVICE, loadBalancers: [lb] }] })
      const e = await planError(io({ image: 'repo/web:2' }))
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toBe('Container web does not map port 80 (its port mappings: 8080).')
    })

    it('a revision deployed as it is is still checked against its port mappings', async () => {
      const td = { ...RUNNING_TD, containerDefinitions: [{ name: 'web', image: 'repo/web:1' }] }
      ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: td })
      const e = await planError(io({ 'task-definition': 'web:7' }))
      expect(e.message).toBe('Container web does not map port 8080 (its port mappings: none).')
    })
  })

  describe('dry-run', () => {
    const offline = { env: { AWS_REGION: '' } }
    /** A dry run whose inputs and template name everything a plan needs without AWS. */
    const complete = {
      'dry-run': 'true',
      'task-definition': 'td.json',
      'container-name': 'web',
      'container-port': '8080'
    }

    it('works without AWS when the inputs and files suffice', async () => {
      const x = io(complete, { ...offline, files: { 'td.json': TEMPLATE } })
      const p = await plan(x)
      expect(p.offline).toMatch(/^No AWS region is set/)
      expect(p.service).toBeUndefined()
      expect(p.group).toBeUndefined()
      expect(p.register?.family).toBe('web')
      expect(p.timeoutMinutes).toBe(60)
      expect(ecsMock.calls()).toHaveLength(0)
    })

    it('without AWS, a revision cannot be read: an input error asking for a file', async () => {
      const e = await planError(io({ 'dry-run': 'true', 'task-definition': 'web:7' }, offline))
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toMatch(
        /^dry-run without AWS access needs a task-definition file \(AWS could not be read: No AWS region/
      )
    })

    it('without AWS or a container-name, says which input is missing', async () => {
      const x = io(
        { 'dry-run': 'true', 'task-definition': 'td.json' },
        { ...offline, files: { 'td.json': TEMPLATE } }
      )
      const e = await planError(x)
      expect(e.message).toBe(
        'No container-name to deploy: the inputs, the AppSpec file and the service do not name one.'
      )
    })

    it('missing credentials are offline too', async () => {
      const noCreds = Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError'
      })
      ecsMock.on(DescribeServicesCommand).rejects(noCreds)
      const x = io(complete, { files: { 'td.json': TEMPLATE } })
      expect((await plan(x)).offline).toContain('CredentialsProviderError')
    })

    it('an AWS call that fails otherwise is offline too, naming the call', async () => {
      const unreadable = Object.assign(
        new TypeError('Expected real number, got implicit NaN\n  Deserialization error'),
        {
          $response: {}
        }
      )
      markAwsCall(unreadable, { operation: 'DescribeServices' })
      ecsMock.on(DescribeServicesCommand).rejects(unreadable)
      const x = io(complete, { files: { 'td.json': TEMPLATE } })
      expect((await plan(x)).offline).toBe('DescribeServices: Expected real number, got implicit NaN')
    })

    it('an answer from AWS that is not about access still fails a dry run', async () => {
      ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] })
      const x = io({ 'dry-run': 'true', 'task-definition': 'td.json' }, { files: { 'td.json': TEMPLATE } })
      expect((await planError(x)).message).toMatch(/does not exist/)
    })
  })

  it('a real run without a region fails with how to provide one', async () => {
    const e = await planError(io({ image: 'repo/web:2' }, { env: { AWS_REGION: '' } }))
    expect(e).toBeInstanceOf(AwsAccessError)
    expect(e.full).toContain('aws-actions/configure-aws-credentials')
  })

  it('checks the image before reading anything', async () => {
    const e = await planError(io({ image: 'Repo/Web:2' }))
    expect(e).toBeInstanceOf(InputError)
    expect(ecsMock.calls()).toHaveLength(0)
  })

  describe('deployment group', () => {
    const withGroup = (over: Partial<DeploymentGroupInfo>): void => {
      cdMock.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { ...GROUP, ...over } })
    }

    it('wait-until ready needs a group with STOP_DEPLOYMENT', async () => {
      withGroup({
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' }
        }
      })
      const e = await planError(io({ image: 'repo/web:2', 'wait-until': 'ready' }))
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toContain('DgpECS-prod-web reroutes at once')
    })

    it('wait-until ready: Install’s 60 minutes plus routing, not the ready wait itself', async () => {
      const p = await plan(io({ image: 'repo/web:2', 'wait-until': 'ready' }))
      expect(p.timeoutMinutes).toBe(60)
    })

    it('warns when wait-until ready meets a group without a test listener', async () => {
      withGroup({ loadBalancerInfo: { targetGroupPairInfoList: [{}] } })
      const x = io({ image: 'repo/web:2', 'wait-until': 'ready' })
      await plan(x)
      expect(x.warnings.map(w => w.title)).toEqual(['Nothing to test'])
    })

    it.each([
      ['disabled', { enabled: false, events: ['DEPLOYMENT_FAILURE'] }],
      ['only on alarms', { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] }]
    ] as const)('warns when auto-rollback is %s', async (_, autoRollbackConfiguration) => {
      withGroup({
        autoRollbackConfiguration: {
          ...autoRollbackConfiguration,
          events: [...autoRollbackConfiguration.events]
        }
      })
      const x = io({ image: 'repo/web:2' })
      await plan(x)
      expect(x.warnings).toEqual([
        {
          message:
            'Deployment group DgpECS-prod-web does not roll back on failure: a failed deployment would leave traffic split between the task sets.',
          title: 'No automatic rollback'
        }
      ])
    })

    it('takes codedeploy-deployment-config over the group, with its routing', async () => {
      const p = await plan(
        io({
          image: 'repo/web:2',
          'codedeploy-deployment-config': 'CodeDeployDefault.ECSCanary10Percent15Minutes'
        })
      )
      expect(p.deploymentConfigName).toBe('CodeDeployDefault.ECSCanary10Percent15Minutes')
      expect(p.timeoutMinutes).toBe(60 + 60 + 15 + 5)
    })
  })

  describe('session warning', () => {
    it('warns when the wait may outlast assumed-role credentials', async () => {
      const x = io({ image: 'repo/web:2' }, { env: { AWS_SESSION_TOKEN: 'token' } })
      await plan(x)
      expect(x.warnings).toEqual([
        {
          message:
            'This step may wait 125 minutes, longer than the default one-hour session of assumed-role credentials; expired credentials end the watch.',
          title: 'Session may expire'
        }
      ])
    })

    it.each([
      ['without a session token', { image: 'repo/web:2' }, {}],
      ['within the hour', { image: 'repo/web:2', 'timeout-minutes': '60' }, { AWS_SESSION_TOKEN: 't' }],
      ['without waiting', { image: 'repo/web:2', 'wait-for-deployment': 'false' }, { AWS_SESSION_TOKEN: 't' }]
    ])('stays quiet %s', async (_, inputs, env) => {
      const x = io(inputs, { env })
      await plan(x)
      expect(x.warnings).toEqual([])
    })
  })
})
