// The awsJson1_1 surface: errors, validation, timestamps, retries, endpoints, AppSpec leniency,
// discovery and the ECS operations, all through the real SDK clients unless the raw bytes matter.
import {
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentDoesNotExistException,
  DeploymentIdRequiredException,
  DeploymentNotStartedException,
  DescriptionTooLongException,
  GetApplicationCommand,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  InvalidRevisionException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  paginateListApplications,
  paginateListDeploymentGroups,
  ApplicationDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentConfigDoesNotExistException
} from '@aws-sdk/client-codedeploy'
import {
  ClientException,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { startSimulator, type Simulator } from '../../sim/server.js'
import { scenarios } from '../../sim/scenarios.js'
import { appSpec, clients, deploy, play, read, WEB, WEB_TD } from './helpers.js'

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

async function raw(
  target: string,
  body: string,
  path = '/'
): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body
  })
  return { status: res.status, headers: res.headers, json: await res.json() }
}

describe('errors on the wire', () => {
  beforeEach(async () => {
    sim = await startSimulator({ scenario: scenarios['all-at-once'], timeScale: 0 })
  })

  test('the envelope: 400, x-amz-json-1.1, a request id, {__type, message}', async () => {
    const r = await raw('CodeDeploy_20141006.GetDeployment', '{"deploymentId":"d-NOTTHERE1"}')
    expect(r.status).toBe(400)
    expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.1')
    expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.json).toEqual({
      __type: 'DeploymentDoesNotExistException',
      message: expect.stringContaining('d-NOTTHERE1')
    })
    const { cd } = clients(sim)
    await expect(cd.send(new GetDeploymentCommand({ deploymentId: 'd-NOTTHERE1' }))).rejects.toBeInstanceOf(
      DeploymentDoesNotExistException
    )
  })

  test('a missing required member: the modeled …RequiredException (CodeDeploy), InvalidParameterException (ECS)', async () => {
    const { cd, ecs } = clients(sim)
    await expect(cd.send(new GetDeploymentCommand({} as never))).rejects.toBeInstanceOf(
      DeploymentIdRequiredException
    )
    await expect(cd.send(new BatchGetDeploymentsCommand({} as never))).rejects.toBeInstanceOf(
      DeploymentIdRequiredException
    )
    await expect(cd.send(new GetApplicationCommand({} as never))).rejects.toMatchObject({
      name: 'ApplicationNameRequiredException'
    })
    await expect(
      cd.send(new GetDeploymentTargetCommand({ deploymentId: 'd-AAAAAAAAA' } as never))
    ).rejects.toMatchObject({
      name: 'DeploymentTargetIdRequiredException'
    })
    const err = await ecs
      .send(new DescribeServicesCommand({ cluster: 'sim-cluster' } as never))
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidParameterException)
    expect((err as Error).message).toContain('services')
  })

  test('unknown members, bad enum values and wrong types are rejected with the member named', async () => {
    const cd = await raw('CodeDeploy_20141006.GetDeployment', '{"deploymentId":"d-AAAAAAAAA","verbose":true}')
    expect(cd.json).toMatchObject({
      __type: 'ValidationException',
      message: expect.stringContaining("'verbose'")
    })
    const ecs = await raw(
      'AmazonEC2ContainerServiceV20141113.DescribeServices',
      '{"services":["web"],"clustr":"x"}'
    )
    expect(ecs.json).toMatchObject({
      __type: 'InvalidParameterException',
      message: expect.stringContaining("'clustr'")
    })
    const nested = await raw(
      'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      '{"family":"web","containerDefinitions":[{"name":"web","image":"x","portMapping":[]}]}'
    )
    expect(nested.json.message).toContain("'portMapping' at 'containerDefinitions.1.member'")
    const enumBad = await raw(
      'CodeDeploy_20141006.ContinueDeployment',
      '{"deploymentId":"d-AAAAAAAAA","deploymentWaitType":"SOON"}'
    )
    expect(enumBad.json.message).toMatch(/SOON.*enum value set: \[READY_WAIT, TERMINATION_WAIT\]/)
    const typeBad = await raw('AmazonEC2ContainerServiceV20141113.DescribeServices', '{"services":"web"}')
    expect(typeBad.json.__type).toBe('SerializationException')
    const unknownOp = await raw('CodeDeploy_20141006.DeleteApplication', '{}')
    expect(unknownOp.json.__type).toBe('UnknownOperationException')
  })

  test('timestamps are epoch-second numbers and parse as Dates', async () => {
    const r = await raw(
      'AmazonEC2ContainerServiceV20141113.DescribeServices',
      '{"cluster":"sim-cluster","services":["web"]}'
    )
    expect(typeof r.json.services[0].createdAt).toBe('number')
    expect(typeof r.json.services[0].taskSets[0].stabilityStatusAt).toBe('number')
    const { cd } = clients(sim)
    const id = await deploy(cd)
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!
    expect(info.createTime).toBeInstanceOf(Date)
    expect(Math.abs(info.createTime!.getTime() - sim.now().getTime())).toBeLessThan(1000)
  })

  test('the path prefix of a custom endpoint is accepted', async () => {
    const cd = new CodeDeployClient({
      region: 'us-east-1',
      endpoint: `${sim.url}/codedeploy`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' }
    })
    expect(
      (await cd.send(new GetApplicationCommand({ applicationName: WEB.applicationName }))).application
        ?.computePlatform
    ).toBe('ECS')
  })

  test('CreateDeployment checks application, group, config, revision, sha256, and description', async () => {
    const { cd } = clients(sim)
    const content = appSpec(WEB_TD(2))
    const create = (extra: object): Promise<unknown> =>
      cd.send(
        new CreateDeploymentCommand({
          ...WEB,
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
          ...extra
        })
      )
    await expect(create({ applicationName: 'nope' })).rejects.toBeInstanceOf(ApplicationDoesNotExistException)
    await expect(create({ deploymentGroupName: 'nope' })).rejects.toBeInstanceOf(
      DeploymentGroupDoesNotExistException
    )
    await expect(create({ deploymentGroupName: undefined })).rejects.toMatchObject({
      name: 'DeploymentGroupNameRequiredException'
    })
    await expect(create({ deploymentConfigName: 'nope' })).rejects.toBeInstanceOf(
      DeploymentConfigDoesNotExistException
    )
    await expect(create({ deploymentConfigName: 'CodeDeployDefault.OneAtATime' })).rejects.toMatchObject({
      name: 'InvalidDeploymentConfigNameException'
    })
    await expect(create({ description: 'x'.repeat(513) })).rejects.toBeInstanceOf(DescriptionTooLongException)
    await expect(
      create({
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: '0'.repeat(64) } }
      })
    ).rejects.toBeInstanceOf(InvalidRevisionException)
    await expect(
      create({ revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k' } } })
    ).rejects.toBeInstanceOf(InvalidRevisionException)
    // Without sha256 the service computes it; GetApplicationRevision gives the content back.
    const { deploymentId } = (await create({ description: 'x'.repeat(512) })) as { deploymentId: string }
    const rev = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!.revision!
    expect(rev.appSpecContent).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const back = await cd.send(
      new GetApplicationRevisionCommand({ applicationName: WEB.applicationName, revision: rev })
    )
    expect(back.revision?.appSpecContent?.content).toBe(content)
    expect(back.revisionInfo?.deploymentGroups).toEqual([WEB.deploymentGroupName])
  })

  test('targets: DeploymentNotStartedException while Created, then the one <cluster>:<service> target', async () => {
    const { cd } = clients(sim)
    const id = await deploy(cd)
    await expect(cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).rejects.toBeInstanceOf(
      DeploymentNotStartedException
    )
    sim.advance(3.5)
    expect((await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).targetIds).toEqual([
      'sim-cluster:web'
    ])
    const batch = await cd.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: ['sim-cluster:web'] })
    )
    expect(batch.deploymentTargets![0]).toMatchObject({
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        targetId: 'sim-cluster:web',
        status: 'InProgress',
        taskSetsInfo: [
          expect.objectContaining({
            identifer: expect.stringMatching(/^ecs-svc\/\d+$/),
            taskSetLabel: 'Blue',
            trafficWeight: 100
          })
        ]
      }
    })
    await expect(
      cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'web' }))
    ).rejects.toMatchObject({
      name: 'DeploymentTargetDoesNotExistException'
    })
  })
})

describe('faults and retries', () => {
  test('the SDK retries throttling and survives it; attempts are counted', async () => {
    sim = await startSimulator({
      scenario: scenarios['all-at-once'],
      timeScale: 0
    })
    sim.setFaults({ rules: [{ error: 'throttle', operations: ['GetApplication'], count: 2 }] })
    const { cd } = clients(sim)
    const out = await cd.send(new GetApplicationCommand({ applicationName: WEB.applicationName }))
    expect(out.$metadata.attempts).toBe(3)
    expect(sim.calls.filter(c => c.operation === 'GetApplication').map(c => c.error ?? c.status)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      200
    ])
  }, 20000)

  test('server faults are 500s and retried; exhausted retries surface the error', async () => {
    sim = await startSimulator({ scenario: scenarios['all-at-once'], timeScale: 0 })
    sim.setFaults({ rules: [{ error: 'server', services: ['ecs'] }] })
    const { ecs } = clients(sim, { maxAttempts: 2 })
    const err = await ecs
      .send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] }))
      .catch((e: unknown) => e)
    expect(err).toMatchObject({
      name: 'ServerException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 2 }
    })
  })

  test('denied faults answer as IAM does, once, not retried', async () => {
    sim = await startSimulator({ scenario: scenarios['all-at-once'], timeScale: 0 })
    sim.setFaults({ rules: [{ error: 'denied', operations: ['GetApplication'] }] })
    const { cd } = clients(sim)
    const err = await cd
      .send(new GetApplicationCommand({ applicationName: WEB.applicationName }))
      .catch((e: unknown) => e)
    expect(err).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: codedeploy:GetApplication'),
      $metadata: { httpStatusCode: 400, attempts: 1 }
    })
  })

  test('the throttled scenario samples its faults from a seed: the same calls fail on every run', async () => {
    const pattern = async (): Promise<string> => {
      sim = await startSimulator({ scenario: scenarios.throttled, timeScale: 0 })
      const { cd } = clients(sim, { maxAttempts: 10 })
      for (let i = 0; i < 5; i++)
        await cd.send(new GetApplicationCommand({ applicationName: WEB.applicationName }))
      const seen = sim.calls.map(c => (c.error ? 'T' : '.')).join('')
      await sim.close()
      return seen
    }
    const first = await pattern()
    expect(first).toContain('T')
    expect(await pattern()).toBe(first)
    sim = await startSimulator({ timeScale: 0 })
  }, 60000)

  test('RegisterTaskDefinition conflicts are ClientException and not retried by the SDK', async () => {
    sim = await startSimulator({ scenario: scenarios['register-conflict'], timeScale: 0 })
    const { ecs } = clients(sim)
    const input = {
      family: 'web',
      networkMode: 'awsvpc' as const,
      requiresCompatibilities: ['FARGATE' as const],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image: 'web:v2', portMappings: [{ containerPort: 8080 }] }],
      tags: [{ key: 'commit', value: 'abc123' }]
    }
    for (let i = 0; i < 2; i++) {
      const err = await ecs.send(new RegisterTaskDefinitionCommand(input)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ClientException)
      expect(err).toMatchObject({
        message: 'Too many concurrent attempts to create a new revision of the specified family.',
        $metadata: { attempts: 1 }
      })
    }
    const out = await ecs.send(new RegisterTaskDefinitionCommand(input))
    expect(out.taskDefinition?.taskDefinitionArn).toBe(WEB_TD(4))
    expect(out.taskDefinition?.registeredAt).toBeInstanceOf(Date)
    expect(out.tags).toEqual([{ key: 'commit', value: 'abc123' }])
    const bad = await ecs
      .send(new RegisterTaskDefinitionCommand({ ...input, networkMode: 'bridge' }))
      .catch((e: unknown) => e)
    expect(bad).toMatchObject({ name: 'ClientException', message: expect.stringContaining('awsvpc') })
  })
})

describe('the environment and the ECS operations', () => {
  test('clients built from sim.env alone reach the simulator (AWS_ENDPOINT_URL)', async () => {
    sim = await startSimulator({ timeScale: 0 })
    const saved = { ...process.env }
    Object.assign(process.env, sim.env)
    try {
      const ecs = new ECSClient({})
      const out = await ecs.send(
        new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web', 'gone'] })
      )
      expect(out.services![0]!.deploymentController?.type).toBe('CODE_DEPLOY')
      expect(out.failures).toEqual([
        { arn: 'arn:aws:ecs:us-east-1:123456789012:service/sim-cluster/gone', reason: 'MISSING' }
      ])
    } finally {
      process.env = saved
    }
  })

  test('task definitions: describe by family, family:revision and ARN with tags; deregister; tag', async () => {
    sim = await startSimulator({ timeScale: 0 })
    const { ecs } = clients(sim)
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] })
    )
    expect(latest.taskDefinition).toMatchObject({
      taskDefinitionArn: WEB_TD(3),
      revision: 3,
      status: 'ACTIVE',
      family: 'web'
    })
    expect(latest.tags).toEqual([])
    await ecs.send(new TagResourceCommand({ resourceArn: WEB_TD(3), tags: [{ key: 'team', value: 'web' }] }))
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: WEB_TD(3), include: ['TAGS'] })))
        .tags
    ).toEqual([{ key: 'team', value: 'web' }])
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }))).tags
    ).toBeUndefined()
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:3' }))
    expect(
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))).taskDefinition?.revision
    ).toBe(2)
    await expect(
      ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web' }))
    ).rejects.toBeInstanceOf(ClientException)
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' }))
    ).rejects.toBeInstanceOf(ClientException)
  })

  test('services: the ECS-controller and load-balancer-less ones; UpdateService refuses a task definition on CODE_DEPLOY', async () => {
    sim = await startSimulator({ timeScale: 0 })
    const { ecs } = clients(sim)
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['rolling', 'worker'] })
    )
    expect(out.services![0]).toMatchObject({
      deploymentController: { type: 'ECS' },
      deployments: [expect.objectContaining({ status: 'PRIMARY' })]
    })
    expect(out.services![0]!.taskSets).toBeUndefined()
    expect(out.services![1]!.loadBalancers).toEqual([])
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'web', taskDefinition: 'web:1' }))
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('CODE_DEPLOY')
    })
    expect(
      (await ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'web', desiredCount: 3 })))
        .service?.desiredCount
    ).toBe(3)
    expect(
      (await ecs.send(new DescribeTaskSetsCommand({ cluster: 'sim-cluster', service: 'web' }))).taskSets
    ).toHaveLength(1)
    expect(
      (await ecs.send(new ListTasksCommand({ cluster: 'sim-cluster', serviceName: 'web' }))).taskArns
    ).toHaveLength(2)
    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['web'] }))
    ).rejects.toMatchObject({
      name: 'ClusterNotFoundException'
    })
  })

  test("ListServices: the cluster's services, paged; a service may run another service's revision", async () => {
    sim = await startSimulator({ scenario: scenarios['shared-revision'], timeScale: 0 })
    const { ecs } = clients(sim)
    const arns: string[] = []
    let nextToken: string | undefined
    do {
      const page = await ecs.send(
        new ListServicesCommand({ cluster: 'sim-cluster', maxResults: 2, nextToken })
      )
      expect(page.serviceArns!.length).toBeLessThanOrEqual(2)
      arns.push(...page.serviceArns!)
      nextToken = page.nextToken
    } while (nextToken)
    expect(arns.map(a => a.split('/').pop())).toEqual(['web', 'web-eu', 'api', 'rolling', 'worker'])
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web', 'web-eu'] })
    )
    expect(out.services!.map(s => s.taskDefinition)).toEqual([WEB_TD(3), WEB_TD(3)])
    await expect(
      ecs.send(new ListServicesCommand({ cluster: 'sim-cluster', maxResults: 101 }))
    ).rejects.toMatchObject({
      name: 'InvalidParameterException'
    })
    await expect(ecs.send(new ListServicesCommand({ cluster: 'nope' }))).rejects.toMatchObject({
      name: 'ClusterNotFoundException'
    })
  })
})

describe('discovery and configurations', () => {
  test('finding the group for a service by search needs paging in the discovery scenario', async () => {
    sim = await startSimulator({ scenario: scenarios.discovery, timeScale: 0 })
    const { cd } = clients(sim)
    const apps: string[] = []
    for await (const page of paginateListApplications({ client: cd }, {}))
      apps.push(...(page.applications ?? []))
    expect(sim.calls.filter(c => c.operation === 'ListApplications').length).toBeGreaterThan(3)
    const infos = (await cd.send(new BatchGetApplicationsCommand({ applicationNames: apps })))
      .applicationsInfo!
    const ecsApps = infos.filter(a => a.computePlatform === 'ECS').map(a => a.applicationName!)
    const found: { app: string; group: string }[] = []
    for (const app of ecsApps) {
      const names: string[] = []
      for await (const page of paginateListDeploymentGroups({ client: cd }, { applicationName: app }))
        names.push(...(page.deploymentGroups ?? []))
      if (!names.length) continue
      const groups = (
        await cd.send(
          new BatchGetDeploymentGroupsCommand({ applicationName: app, deploymentGroupNames: names })
        )
      ).deploymentGroupsInfo!
      for (const g of groups) {
        if (g.ecsServices?.some(s => s.clusterName === 'sim-cluster' && s.serviceName === 'web'))
          found.push({ app, group: g.deploymentGroupName! })
      }
    }
    expect(found).toEqual([{ app: 'storefront', group: 'storefront-web-prod' }])
    const missing = await cd.send(
      new BatchGetDeploymentGroupsCommand({
        applicationName: 'api-app',
        deploymentGroupNames: ['api-prod', 'ghost']
      })
    )
    expect(missing.errorMessage).toContain('ghost')
  })

  test('GetDeploymentConfig: predefined ECS configurations and the scenario’s custom one', async () => {
    sim = await startSimulator({ timeScale: 0 })
    const { cd } = clients(sim)
    const canary = (
      await cd.send(
        new GetDeploymentConfigCommand({
          deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes'
        })
      )
    ).deploymentConfigInfo!
    expect(canary).toMatchObject({
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 }
      }
    })
    const custom = (
      await cd.send(
        new GetDeploymentConfigCommand({ deploymentConfigName: 'Custom.ECSCanary25Percent2Minutes' })
      )
    ).deploymentConfigInfo!
    expect(custom.trafficRoutingConfig?.timeBasedCanary).toEqual({ canaryPercentage: 25, canaryInterval: 2 })
  })

  test('a custom configuration drives the weights', async () => {
    sim = await startSimulator({ timeScale: 0 })
    const { cd } = clients(sim)
    const id = await deploy(cd, appSpec(WEB_TD(2)), {
      deploymentConfigName: 'Custom.ECSCanary25Percent2Minutes'
    })
    const frames = await play(sim, cd, id, { step: 5 })
    expect(frames.map(f => f.weights)).toEqual(expect.arrayContaining(['Blue:75 Green:25']))
  })
})

describe('AppSpec leniency and AppSpec problems', () => {
  beforeEach(async () => {
    sim = await startSimulator({ timeScale: 0 })
  })

  test('YAML, lower-case keys, version "0.0", hooks as a map, network configuration: all accepted', async () => {
    const { cd, ecs } = clients(sim)
    const yaml = [
      'version: "0.0"',
      'resources:',
      '  - myService:',
      '      type: AWS::ECS::Service',
      '      properties:',
      `        taskDefinition: ${WEB_TD(2)}`,
      '        loadBalancerInfo: { containerName: web, containerPort: 8080 }',
      '        networkConfiguration:',
      '          awsvpcConfiguration: { subnets: [subnet-new], securityGroups: [sg-new], assignPublicIp: DISABLED }',
      'hooks:',
      '  AfterInstall: CodeDeployHook_check'
    ].join('\n')
    const id = await deploy(cd, yaml)
    const last = (await play(sim, cd, id, { step: 5 })).at(-1)!
    expect(last.status).toBe('Succeeded')
    expect(last.target!.lifecycleEvents![2]!.diagnostics?.scriptName).toBe('CodeDeployHook_check')
    const service = (
      await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] }))
    ).services![0]!
    expect(service.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(['subnet-new'])
  })

  test('an AppSpec that does not parse fails the deployment with INVALID_REVISION', async () => {
    const { cd } = clients(sim)
    const id = await deploy(cd, 'version: 0.0\nResources: [ {')
    sim.advance(10)
    const f = await read(cd, id)
    expect(f.status).toBe('Failed')
    expect(f.info.errorInformation).toMatchObject({
      code: 'INVALID_REVISION',
      message: expect.stringContaining('not well-formed yaml')
    })
  })

  test.each([
    ['an unknown task definition', appSpec(WEB_TD(99)), /TaskDefinition not found/],
    ['a container the task definition lacks', appSpec(WEB_TD(2), 'api'), /container api does not exist/],
    ['a port the container does not map', appSpec(WEB_TD(2), 'web', 80), /container port 80/]
  ])('%s fails Install with ECS_UPDATE_ERROR', async (_what, content, message) => {
    const { cd } = clients(sim)
    const id = await deploy(cd, content)
    const last = (await play(sim, cd, id, { step: 2 })).at(-1)!
    expect(last.status).toBe('Failed')
    expect(last.events.slice(0, 2)).toBe('SF')
    expect(last.info.errorInformation?.code).toBe('ECS_UPDATE_ERROR')
    expect(last.info.errorInformation?.message).toMatch(message)
  })

  test('hooks that wait for PutLifecycleEventHookExecutionStatus', async () => {
    sim.setFaults({ deployment: { externalHooks: true } })
    const { cd } = clients(sim)
    const content = JSON.stringify({
      ...JSON.parse(appSpec(WEB_TD(2))),
      Hooks: [{ BeforeInstall: 'CodeDeployHook_pre' }]
    })
    const id = await deploy(cd, content)
    sim.advance(600)
    expect((await read(cd, id)).events).toBe('IPPPPPPP')
    const execution = sim.engine.find(id)!.pendingHook!.executionId
    await expect(
      cd.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: id,
          lifecycleEventHookExecutionId: 'other',
          status: 'Succeeded'
        })
      )
    ).rejects.toMatchObject({ name: 'InvalidLifecycleEventHookExecutionIdException' })
    const out = await cd.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: id,
        lifecycleEventHookExecutionId: execution,
        status: 'Succeeded'
      })
    )
    expect(out.lifecycleEventHookExecutionId).toBe(execution)
    expect((await read(cd, id)).events).toBe('SIPPPPPP')
  })
})

describe('listing deployments', () => {
  test('newest first, filtered by status and create time, paged; BatchGetDeployments skips unknown ids', async () => {
    sim = await startSimulator({ scenario: { ...scenarios['all-at-once'], pageSize: 2 }, timeScale: 0 })
    const { cd } = clients(sim)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      ids.push(await deploy(cd))
      sim.advance(3600)
    }
    const first = await cd.send(new ListDeploymentsCommand(WEB))
    expect(first.deployments).toEqual([ids[2], ids[1]])
    const second = await cd.send(new ListDeploymentsCommand({ ...WEB, nextToken: first.nextToken! }))
    expect(second.deployments).toEqual([ids[0], 'd-HISTORY01'])
    expect(second.nextToken).toBeUndefined()
    await expect(cd.send(new ListDeploymentsCommand({ ...WEB, nextToken: 'forged' }))).rejects.toMatchObject({
      name: 'InvalidNextTokenException'
    })
    const created = (await cd.send(new GetDeploymentCommand({ deploymentId: ids[1]! }))).deploymentInfo!
      .createTime!
    const ranged = await cd.send(
      new ListDeploymentsCommand({ ...WEB, createTimeRange: { start: created, end: created } })
    )
    expect(ranged.deployments).toEqual([ids[1]])
    expect(
      (await cd.send(new ListDeploymentsCommand({ ...WEB, includeOnlyStatuses: ['InProgress'] }))).deployments
    ).toEqual([])
    await expect(
      cd.send(new ListDeploymentsCommand({ applicationName: WEB.applicationName }))
    ).rejects.toMatchObject({
      name: 'DeploymentGroupNameRequiredException'
    })
    const batch = await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: [ids[0]!, 'd-ZZZZZZZZZ'] }))
    expect(batch.deploymentsInfo!.map(d => d.deploymentId)).toEqual([ids[0]])
    await expect(cd.send(new BatchGetDeploymentsCommand({ deploymentIds: ['nope'] }))).rejects.toMatchObject({
      name: 'InvalidDeploymentIdException'
    })
  })
})
