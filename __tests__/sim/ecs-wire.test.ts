// ECS's own deployments on the wire: model validation, what DescribeServices shows for an
// ECS-controller service, UpdateService, the listing and describing operations and the errors of
// Stop/ContinueServiceDeployment, through the real @aws-sdk/client-ecs.
import { jest } from '@jest/globals'
import {
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  ContinueServiceDeploymentCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  ServiceDeploymentNotFoundException,
  ServiceNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ECSClient,
  type ServiceDeploymentBrief
} from '@aws-sdk/client-ecs'
import { createHash } from 'node:crypto'
import { ecsScenario, ecsScenarios, ecsWeb, lambdaArn } from '../../sim/ecs-scenarios.js'
import { scenarios, type Scenario } from '../../sim/scenarios.js'
import { startSimulator, type Simulator } from '../../sim/server.js'
import {
  DEPLOYMENT_ARN,
  REVISION_ARN,
  TD,
  describe as describeDeployment,
  ecsClient,
  update
} from './ecs-helpers.js'

// Frozen-clock plays poll a few hundred times; a loaded 2-core runner needs more than the 5 s default.
jest.setTimeout(30_000)

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

async function frozen(scenario: Scenario): Promise<ECSClient> {
  sim = await startSimulator({ scenario, timeScale: 0 })
  return ecsClient(sim)
}

async function raw(operation: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(sim.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`
    },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

async function webService(ecs: ECSClient, name = 'web'): Promise<Record<string, any>> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'sim-cluster', services: [name] })))
    .services![0]!
}

async function list(ecs: ECSClient, extra: Record<string, unknown> = {}): Promise<ServiceDeploymentBrief[]> {
  const out: ServiceDeploymentBrief[] = []
  let nextToken = extra.nextToken as string | undefined
  do {
    const page = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'sim-cluster', service: 'web', ...extra, nextToken })
    )
    out.push(...page.serviceDeployments!)
    nextToken = page.nextToken
  } while (nextToken)
  return out
}

describe('requests are validated against the regenerated botocore model', () => {
  beforeEach(async () => {
    await frozen(ecsScenarios['ecs-blue-green'])
  })

  test('the new operations are served and their required members, enums and unknown members checked', async () => {
    const missingService = await raw('ListServiceDeployments', { cluster: 'sim-cluster' })
    expect(missingService.json).toMatchObject({
      __type: 'InvalidParameterException',
      message: expect.stringContaining('service')
    })
    const missingHook = await raw('ContinueServiceDeployment', { serviceDeploymentArn: 'x' })
    expect(missingHook.json.message).toContain('hookId')
    const badStopType = await raw('StopServiceDeployment', { serviceDeploymentArn: 'x', stopType: 'PAUSE' })
    expect(badStopType.json).toMatchObject({ __type: 'InvalidParameterException' })
    expect(badStopType.json.message).toContain('[ABORT, ROLLBACK]')
    const badAction = await raw('ContinueServiceDeployment', {
      serviceDeploymentArn: 'x',
      hookId: 'h',
      action: 'SKIP'
    })
    expect(badAction.json.message).toContain('[ROLLBACK, CONTINUE]')
    const badStatus = await raw('ListServiceDeployments', { service: 'web', status: ['DONE'] })
    expect(badStatus.json.message).toMatch(/DONE.*PENDING, SUCCESSFUL, STOPPED/)
    const unknownMember = await raw('DescribeServiceDeployments', {
      serviceDeploymentArns: [],
      verbose: true
    })
    expect(unknownMember.json.message).toContain("'verbose'")
    const badTime = await raw('ListServiceDeployments', { service: 'web', createdAt: { after: 'yesterday' } })
    expect(badTime.json.__type).toBe('SerializationException')
    const unknownOp = await raw('CreateExpressGatewayService', {})
    expect(unknownOp.json.__type).toBe('UnknownOperationException')
  })

  test('UpdateService: the deployment configuration shapes, ranges and documents of the model', async () => {
    const ecs = ecsClient(sim)
    const hook = (timeoutInMinutes: number): Record<string, unknown> => ({
      cluster: 'sim-cluster',
      service: 'web',
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [
          {
            targetType: 'PAUSE',
            lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
            timeoutConfiguration: { timeoutInMinutes }
          }
        ]
      }
    })
    expect((await raw('UpdateService', hook(0))).json.message).toContain('greater than or equal to 1')
    expect((await raw('UpdateService', hook(20161))).json.message).toContain('less than or equal to 20160')
    expect((await raw('UpdateService', hook(20160))).status).toBe(200)
    const badStrategy = await raw('UpdateService', {
      service: 'web',
      deploymentConfiguration: { strategy: 'RED_BLACK' }
    })
    expect(badStrategy.json.message).toContain('[ROLLING, BLUE_GREEN, LINEAR, CANARY]')
    // hookDetails is a document: any JSON passes.
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'sim-cluster',
        service: 'web',
        deploymentConfiguration: {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 5,
          lifecycleHooks: [
            {
              hookTargetArn: lambdaArn('check'),
              lifecycleStages: ['POST_SCALE_UP'],
              hookDetails: { bucket: 'approvals', retries: 3, nested: { ok: true } }
            }
          ]
        }
      })
    )
    const shown = (await webService(ecs)).deploymentConfiguration
    expect(shown.lifecycleHooks[0].hookDetails).toEqual({
      bucket: 'approvals',
      retries: 3,
      nested: { ok: true }
    })
  })
})

describe('DescribeServices shows an ECS-controller service as ECS does', () => {
  test('blue/green: controller, configuration, advancedConfiguration, the creating deployment, one PRIMARY', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const s = await webService(ecs)
    expect(s.deploymentController).toEqual({ type: 'ECS' })
    expect(s.taskDefinition).toBe(TD('web', 3))
    expect(s.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true },
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 5,
      lifecycleHooks: [
        {
          hookTargetArn: lambdaArn('web-smoke-test'),
          roleArn: 'arn:aws:iam::123456789012:role/ecsLambdaInvokeRole',
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT']
        }
      ]
    })
    const lb = s.loadBalancers[0]
    expect(lb.targetGroupArn).toContain(':targetgroup/web-tg-blue/')
    expect(lb.advancedConfiguration).toEqual({
      alternateTargetGroupArn: expect.stringContaining(':targetgroup/web-tg-green/'),
      productionListenerRule: expect.stringMatching(/:listener-rule\/app\/web-alb\//),
      testListenerRule: expect.stringMatching(/:listener-rule\/app\/web-alb\//),
      roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers'
    })
    expect(s.taskSets).toBeUndefined()
    expect(s.deployments).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^ecs-svc\/\d{19}$/),
        status: 'PRIMARY',
        taskDefinition: TD('web', 3),
        desiredCount: 2,
        runningCount: 2,
        rolloutState: 'COMPLETED'
      })
    ])
    expect(s.currentServiceDeployment).toMatch(DEPLOYMENT_ARN)
    expect(s.currentServiceRevisions).toEqual([
      {
        arn: expect.stringMatching(REVISION_ARN),
        requestedTaskCount: 2,
        runningTaskCount: 2,
        pendingTaskCount: 0
      }
    ])
    // Creating the service was its first service deployment.
    const created = await describeDeployment(ecs, s.currentServiceDeployment)
    expect(created).toMatchObject({
      status: 'SUCCESSFUL',
      sourceServiceRevisions: [],
      targetServiceRevision: { arn: s.currentServiceRevisions[0].arn, runningTaskCount: 2 },
      deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', failureCount: 0, threshold: 3 }
    })
  })

  test('rolling defaults, a service with no deploymentController, and the CodeDeploy neighbour untouched', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rolling'])
    const worker = await webService(ecs, 'worker')
    expect(worker.deploymentController).toBeUndefined()
    expect(worker.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      alarms: { alarmNames: [], rollback: false, enable: false },
      strategy: 'ROLLING'
    })
    expect(worker.loadBalancers).toEqual([])
    const web = await webService(ecs)
    expect(web.loadBalancers[0].advancedConfiguration).toBeUndefined()
    const api = await webService(ecs, 'api')
    expect(api.deploymentController).toEqual({ type: 'CODE_DEPLOY' })
    expect(api.currentServiceDeployment).toBeUndefined()
    expect(api.taskSets).toHaveLength(1)
  })

  test('a PAUSE hook shows as configured: the timeout defaults are not filled in', async () => {
    const ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    const hooks = (await webService(ecs)).deploymentConfiguration.lifecycleHooks
    expect(hooks).toEqual([{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }])
  })
})

describe('UpdateService', () => {
  test('a new revision starts a service deployment: currentServiceDeployment, PENDING, both revisions listed', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const before = (await webService(ecs)).currentServiceDeployment
    const out = await ecs.send(
      new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'web', taskDefinition: 'web:2' })
    )
    const arn = out.service!.currentServiceDeployment!
    expect(arn).toMatch(DEPLOYMENT_ARN)
    expect(arn).not.toBe(before)
    expect(out.service!.taskDefinition).toBe(TD('web', 2))
    expect(out.service!.deployments!.map(d => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ['PRIMARY', TD('web', 2), 'IN_PROGRESS'],
      ['ACTIVE', TD('web', 3), 'COMPLETED']
    ])
    const d = await describeDeployment(ecs, arn)
    expect(d.status).toBe('PENDING')
    expect(d.createdAt).toEqual(sim.now())
    expect(d.startedAt).toBeUndefined()
    expect(d.targetServiceRevision!.arn).toMatch(REVISION_ARN)
    const running = (await describeDeployment(ecs, before)).targetServiceRevision!.arn
    expect(d.sourceServiceRevisions!.map(r => r.arn)).toEqual([running])
    expect(d.targetServiceRevision!.arn).not.toBe(running)
    expect(d.deploymentConfiguration).toEqual((await webService(ecs)).deploymentConfiguration)
    sim.advance(5)
    expect((await describeDeployment(ecs, arn)).status).toBe('IN_PROGRESS')
  })

  test('the revision the service runs starts nothing, unless forceNewDeployment', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rolling'])
    const first = (await webService(ecs)).currentServiceDeployment
    expect(await update(ecs, { taskDefinition: 'web:3' })).toBe(first)
    expect(await update(ecs, { taskDefinition: 'web' })).toBe(first) // the latest ACTIVE revision: web:3
    expect(await update(ecs, { desiredCount: 2 })).toBe(first)
    expect(await list(ecs)).toHaveLength(1)
    const forced = await update(ecs, { forceNewDeployment: true })
    expect(forced).not.toBe(first)
    const d = await describeDeployment(ecs, forced)
    const revisions = await ecs.send(
      new DescribeServiceRevisionsCommand({
        serviceRevisionArns: [d.targetServiceRevision!.arn!, d.sourceServiceRevisions![0]!.arn!]
      })
    )
    expect(revisions.serviceRevisions!.map(r => r.taskDefinition)).toEqual([TD('web', 3), TD('web', 3)])
    expect(d.targetServiceRevision!.arn).not.toBe(d.sourceServiceRevisions![0]!.arn)
  })

  test('what ECS refuses: unknown or inactive revisions, a revision without the load balancer port, CODE_DEPLOY and EXTERNAL changes', async () => {
    const base = ecsScenarios['ecs-rolling']
    const ecs = await frozen({
      ...base,
      services: [
        ...base.services,
        {
          cluster: 'sim-cluster',
          name: 'ext',
          controller: 'EXTERNAL',
          family: 'ext',
          container: { name: 'ext', port: 0, image: 'busybox' },
          loadBalancer: null,
          group: null
        }
      ]
    })
    await expect(update(ecs, { taskDefinition: 'web:99' })).rejects.toBeInstanceOf(ClientException)
    await expect(update(ecs, { taskDefinition: 'nope' })).rejects.toThrow('TaskDefinition not found.')
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }))
    await expect(update(ecs, { taskDefinition: 'web:1' })).rejects.toThrow(/inactive/)
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'web', image: 'web:v2', portMappings: [{ containerPort: 9999 }] }]
      })
    )
    await expect(update(ecs, { taskDefinition: 'web:4' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The container web did not have a container port 8080 defined.'
    })
    expect(await list(ecs)).toHaveLength(1)
    const api = (input: Record<string, unknown>): Promise<unknown> =>
      ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'api', ...input }))
    await expect(api({ taskDefinition: 'api:1' })).rejects.toThrow(/CODE_DEPLOY deployment controller/)
    await expect(api({ forceNewDeployment: true })).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'ext', taskDefinition: 'ext:1' }))
    ).rejects.toThrow(/EXTERNAL deployment controller/)
    await expect(update(ecs, { cluster: 'nope' })).rejects.toBeInstanceOf(ClusterNotFoundException)
    await expect(update(ecs, { service: 'nope' })).rejects.toBeInstanceOf(ServiceNotFoundException)
  })

  test('deploymentConfiguration: checked, shown, and used by the next deployment only', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const change = (deploymentConfiguration: Record<string, unknown>): Promise<unknown> =>
      ecs.send(new UpdateServiceCommand({ cluster: 'sim-cluster', service: 'web', deploymentConfiguration }))
    await expect(
      change({ lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }] })
    ).rejects.toThrow('PAUSE hooks cannot be configured at the PRODUCTION_TRAFFIC_SHIFT stage.')
    await expect(change({ lifecycleHooks: [{ lifecycleStages: ['POST_SCALE_UP'] }] })).rejects.toThrow(
      /hookTargetArn is required/
    )
    await expect(change({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } })).rejects.toThrow(
      /between 3.0 and 100.0/
    )
    const first = await update(ecs)
    await change({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 3 }
    })
    expect((await webService(ecs)).deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      bakeTimeInMinutes: 5,
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 3 }
    })
    expect((await describeDeployment(ecs, first)).deploymentConfiguration!.strategy).toBe('BLUE_GREEN')
    const second = await update(ecs, { taskDefinition: 'web:1' })
    expect((await describeDeployment(ecs, second)).deploymentConfiguration!.strategy).toBe('CANARY')
  })
})

describe('listing and describing', () => {
  test('ListServiceDeployments: newest first, status and createdAt filters, paging, the documented bounds', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const created = (await webService(ecs)).currentServiceDeployment
    sim.advance(60)
    const first = await update(ecs)
    sim.advance(60)
    const between = sim.now()
    sim.advance(60)
    const second = await update(ecs, { taskDefinition: 'web:1' })
    const all = await list(ecs)
    expect(all.map(d => d.serviceDeploymentArn)).toEqual([second, first, created])
    expect(all.map(d => d.status)).toEqual(['PENDING', 'STOPPED', 'SUCCESSFUL'])
    expect(all[1]!.statusReason).toContain(second)
    expect(all[0]).toEqual({
      serviceDeploymentArn: second,
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/sim-cluster/web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/sim-cluster',
      createdAt: sim.now(),
      targetServiceRevisionArn: expect.stringMatching(REVISION_ARN),
      status: 'PENDING'
    })
    expect(
      (await list(ecs, { status: ['PENDING', 'IN_PROGRESS'] })).map(d => d.serviceDeploymentArn)
    ).toEqual([second])
    expect((await list(ecs, { createdAt: { after: between } })).map(d => d.serviceDeploymentArn)).toEqual([
      second
    ])
    expect((await list(ecs, { createdAt: { before: between } })).map(d => d.serviceDeploymentArn)).toEqual([
      first,
      created
    ])
    const page = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'sim-cluster', service: 'web', maxResults: 1 })
    )
    expect(page.serviceDeployments!.map(d => d.serviceDeploymentArn)).toEqual([second])
    expect(page.nextToken).toBeDefined()
    expect((await list(ecs, { maxResults: 2 })).map(d => d.serviceDeploymentArn)).toEqual([
      second,
      first,
      created
    ])
    for (const maxResults of [0, 101])
      await expect(list(ecs, { maxResults })).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(list(ecs, { nextToken: 'garbage' })).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(list(ecs, { service: 'nope' })).rejects.toBeInstanceOf(ServiceNotFoundException)
    await expect(list(ecs, { cluster: 'nope' })).rejects.toBeInstanceOf(ClusterNotFoundException)
    expect(await list(ecs, { service: 'api' })).toEqual([])
  })

  test('ListServiceDeployments returns 20 by default', async () => {
    const ecs = await frozen(ecsScenarios['ecs-rolling'])
    for (let i = 0; i < 21; i++) {
      sim.advance(1)
      await update(ecs, { forceNewDeployment: true })
    }
    const page = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'sim-cluster', service: 'web' }))
    expect(page.serviceDeployments).toHaveLength(20)
    expect(page.nextToken).toBeDefined()
    expect(await list(ecs)).toHaveLength(22)
  })

  test('DescribeServiceDeployments and DescribeServiceRevisions: up to 20 ARNs, unknown ones as failures', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const arn = await update(ecs)
    const unknown = arn.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAA')
    const out = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn, unknown] })
    )
    expect(out.serviceDeployments!.map(d => d.serviceDeploymentArn)).toEqual([arn])
    expect(out.failures).toEqual([{ arn: unknown, reason: 'MISSING' }])
    await expect(
      ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: Array(21).fill(arn) }))
    ).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(
      ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [] }))
    ).rejects.toBeInstanceOf(InvalidParameterException)
    const d = out.serviceDeployments![0]!
    const revArns = [d.targetServiceRevision!.arn!, d.sourceServiceRevisions![0]!.arn!]
    const revs = await ecs.send(
      new DescribeServiceRevisionsCommand({
        serviceRevisionArns: [...revArns, `${revArns[0]!.slice(0, -3)}000`]
      })
    )
    expect(revs.failures).toEqual([{ arn: `${revArns[0]!.slice(0, -3)}000`, reason: 'MISSING' }])
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1'
    expect(revs.serviceRevisions![0]).toEqual({
      serviceRevisionArn: revArns[0],
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/sim-cluster/web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/sim-cluster',
      taskDefinition: TD('web', 2),
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      platformFamily: 'Linux',
      loadBalancers: [
        expect.objectContaining({
          containerName: 'web',
          containerPort: 8080,
          advancedConfiguration: expect.any(Object)
        })
      ],
      serviceRegistries: [],
      networkConfiguration: expect.objectContaining({ awsvpcConfiguration: expect.any(Object) }),
      containerImages: [
        {
          containerName: 'web',
          image,
          imageDigest: `sha256:${createHash('sha256').update(image).digest('hex')}`
        }
      ],
      guardDutyEnabled: false,
      createdAt: sim.now()
    })
    expect(revs.serviceRevisions![1]!.taskDefinition).toBe(TD('web', 3))
    await expect(
      ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: Array(21).fill(revArns[0]) }))
    ).rejects.toBeInstanceOf(InvalidParameterException)
  })
})

describe('StopServiceDeployment and ContinueServiceDeployment: misuse', () => {
  test('unknown, malformed, finished, ABORT; a second stop while rolling back is harmless', async () => {
    const ecs = await frozen(ecsScenarios['ecs-blue-green'])
    const created = (await webService(ecs)).currentServiceDeployment
    const stop = (serviceDeploymentArn: string, stopType?: 'ROLLBACK' | 'ABORT'): Promise<unknown> =>
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn, ...(stopType ? { stopType } : {}) }))
    await expect(stop(created, 'ROLLBACK')).rejects.toBeInstanceOf(ConflictException)
    await expect(stop(created.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAA'))).rejects.toBeInstanceOf(
      ServiceDeploymentNotFoundException
    )
    await expect(stop('d-NOTANARN')).rejects.toBeInstanceOf(InvalidParameterException)
    const arn = await update(ecs)
    await expect(stop(arn, 'ABORT')).rejects.toBeInstanceOf(InvalidParameterException)
    expect((await describeDeployment(ecs, arn)).status).toBe('PENDING')
    await expect(stop(arn)).resolves.toEqual(expect.objectContaining({ serviceDeploymentArn: arn }))
    expect((await describeDeployment(ecs, arn)).status).toBe('ROLLBACK_REQUESTED')
    sim.advance(3)
    expect((await describeDeployment(ecs, arn)).status).toBe('ROLLBACK_IN_PROGRESS')
    await expect(stop(arn, 'ROLLBACK')).resolves.toEqual(
      expect.objectContaining({ serviceDeploymentArn: arn })
    )
    expect((await describeDeployment(ecs, arn)).status).toBe('ROLLBACK_IN_PROGRESS')
    sim.advance(60)
    expect((await describeDeployment(ecs, arn)).status).toBe('ROLLBACK_SUCCESSFUL')
    await expect(stop(arn)).rejects.toBeInstanceOf(ConflictException)
  })

  test('Continue: unknown deployment or hook, a hook not awaiting action, a deployment not IN_PROGRESS', async () => {
    const ecs = await frozen(ecsScenarios['ecs-pause-ready'])
    const go = (
      serviceDeploymentArn: string,
      hookId: string,
      action?: 'CONTINUE' | 'ROLLBACK'
    ): Promise<unknown> =>
      ecs.send(
        new ContinueServiceDeploymentCommand({ serviceDeploymentArn, hookId, ...(action ? { action } : {}) })
      )
    const arn = await update(ecs)
    await expect(go(arn.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAA'), 'h')).rejects.toBeInstanceOf(
      ServiceDeploymentNotFoundException
    )
    await expect(go(arn, 'ecs-pause-nothing')).rejects.toBeInstanceOf(InvalidParameterException)
    sim.advance(120)
    const d = await describeDeployment(ecs, arn)
    const hook = d.lifecycleHookDetails![0]!
    expect(hook.status).toBe('AWAITING_ACTION')
    await expect(go(arn, hook.hookId!)).resolves.toEqual(
      expect.objectContaining({ serviceDeploymentArn: arn })
    )
    // Already continued: no longer awaiting action.
    await expect(go(arn, hook.hookId!)).rejects.toBeInstanceOf(ClientException)
    sim.advance(1000)
    expect((await describeDeployment(ecs, arn)).status).toBe('SUCCESSFUL')
    await expect(go(arn, hook.hookId!, 'ROLLBACK')).rejects.toThrow(/SUCCESSFUL/)
  })

  test('Continue on a Lambda hook is refused', async () => {
    const slow = lambdaArn('slow')
    const ecs = await frozen(
      ecsScenario(
        'slow-lambda',
        'a Lambda hook that answers IN_PROGRESS for 10 minutes',
        ecsWeb(
          {
            strategy: 'BLUE_GREEN',
            bakeTimeInMinutes: 0,
            lifecycleHooks: [{ hookTargetArn: slow, lifecycleStages: ['PRE_SCALE_UP'] }]
          },
          { lambdas: { [slow]: { inProgressSeconds: 600 } } }
        )
      )
    )
    const arn = await update(ecs)
    sim.advance(10)
    const hook = (await describeDeployment(ecs, arn)).lifecycleHookDetails![0]!
    expect(hook).toMatchObject({ targetType: 'AWS_LAMBDA', targetArn: slow, status: 'IN_PROGRESS' })
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! }))
    ).rejects.toThrow(/AWS_LAMBDA.*not AWAITING_ACTION/)
  })
})

test('every ECS scenario is registered with the others and starts', async () => {
  for (const name of Object.keys(ecsScenarios)) {
    expect(scenarios).toHaveProperty(name)
    const s = await startSimulator({ scenario: scenarios[name as keyof typeof scenarios], timeScale: 0 })
    const out = await ecsClient(s).send(
      new DescribeServicesCommand({ cluster: 'sim-cluster', services: ['web'] })
    )
    expect(out.services![0]!.deploymentController).toEqual({ type: 'ECS' })
    await s.close()
  }
  sim = await startSimulator({ scenario: scenarios['ecs-busy'], timeScale: 0 })
})
