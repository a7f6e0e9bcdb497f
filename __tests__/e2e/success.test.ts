// Successful deployments, run on every Node binary the machine has (its own and Node 24, the
// runtime action.yml declares): the stream, the outputs, the summary and the calls made.
import { createHash } from 'node:crypto'
import { scenarios } from '../../sim/scenarios.js'
import {
  type ActionRun,
  IMAGE,
  LIFECYCLE_EVENTS,
  WEB,
  WEB_NEXT,
  WEB_PREVIOUS,
  body,
  callsTo,
  lineIndex,
  logText,
  nodeBinaries,
  ownStream,
  trafficSplits,
  useSimulatorRuns,
  workspace,
  writes
} from './helpers.js'

const { start, runOnSimClock } = useSimulatorRuns()

describe.each(nodeBinaries())('on $name', ({ path: node }) => {
  test('all at once: every lifecycle event in order, one traffic jump, outputs, summary', async () => {
    const sim = await start('all-at-once', 300)
    const r = await runOnSimClock(WEB, { node })
    const lines = ownStream(r)

    expect(r.exitCode).toBe(0)
    expect(r.errors).toEqual([])
    // Each event starts and ends on a line of its own, in the order CodeDeploy runs them.
    const starts = LIFECYCLE_EVENTS.map(e => lineIndex(lines, new RegExp(`^${e} started$`)))
    const ends = LIFECYCLE_EVENTS.map(e => lineIndex(lines, new RegExp(`^${e} succeeded in \\d+m?\\d*s$`)))
    for (let i = 0; i < LIFECYCLE_EVENTS.length; i++) {
      expect([LIFECYCLE_EVENTS[i], starts[i]! >= 0, ends[i]! > starts[i]!]).toEqual([
        LIFECYCLE_EVENTS[i],
        true,
        true
      ])
      if (i > 0) expect(starts[i]!).toBeGreaterThan(ends[i - 1]!)
    }
    // The first read may come before Install shows the task sets (then there is no 100/0 line).
    expect(trafficSplits(lines).filter(([, replacement]) => replacement > 0)).toEqual([[0, 100]])
    const id = r.outputs['deployment-id']!
    expect(lines).toContain(`Deployment ${id} is Succeeded`)
    expect(lines.some(l => l.startsWith('Termination wait:'))).toBe(true)

    expect(id).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(r.outputs['codedeploy-deployment-id']).toBe(id)
    expect(r.outputs['deployment-status']).toBe('Succeeded')
    expect(r.outputs['deployment-url']).toBe(
      `https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=us-east-1`
    )
    expect(r.outputs['task-definition-arn']).toBe(WEB_NEXT)
    expect(r.outputs['previous-task-definition-arn']).toBe(WEB_PREVIOUS)
    expect(r.outputs['rollback-deployment-id'] ?? '').toBe('')

    // The AppSpec output is what CreateDeployment carried, with its SHA-256.
    const create = body<{
      applicationName: string
      deploymentGroupName: string
      revision: { revisionType: string; appSpecContent: { content: string; sha256: string } }
    }>(callsTo(sim, 'CreateDeployment')[0])
    expect(create.applicationName).toBe('AppECS-sim-cluster-web')
    expect(create.deploymentGroupName).toBe('DgpECS-sim-cluster-web')
    expect(create.revision.revisionType).toBe('AppSpecContent')
    const sent = create.revision.appSpecContent
    expect(sent.sha256).toBe(createHash('sha256').update(sent.content).digest('hex'))
    expect(JSON.parse(r.outputs.appspec!)).toEqual(JSON.parse(sent.content))
    const target = (JSON.parse(r.outputs.appspec!) as AppSpec).Resources[0]!.TargetService
    expect(target.Type).toBe('AWS::ECS::Service')
    expect(target.Properties.TaskDefinition).toBe(WEB_NEXT)
    expect(target.Properties.LoadBalancerInfo).toEqual({ ContainerName: 'web', ContainerPort: 8080 })
    expect(target.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual([
      'subnet-0a1b2c3d',
      'subnet-4e5f6a7b'
    ])

    // The revision registered carries the new image.
    const registered = body<{ family: string; containerDefinitions: { name: string; image: string }[] }>(
      callsTo(sim, 'RegisterTaskDefinition')[0]
    )
    expect(registered.family).toBe('web')
    expect(registered.containerDefinitions.find(c => c.name === 'web')?.image).toBe(IMAGE)
    expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'CreateDeployment'])

    // The summary: revision, deployment with console link, Mermaid timeline, result.
    expect(r.summary).toContain(
      '[web:4](https://us-east-1.console.aws.amazon.com/ecs/v2/task-definitions/web/4'
    )
    expect(r.summary).toContain(r.outputs['deployment-url'])
    expect(r.summary).toMatch(/```mermaid\s*\n\s*gantt/)
    expect(r.summary).toContain('Succeeded')
    expect(r.summary).toContain(IMAGE)

    // The post step has nothing to do: the deployment ended.
    expect(r.state.settled).toBe('ended')
    const post = await r.post()
    expect(post.exitCode).toBe(0)
    expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
  })

  test('canary: 10% to the replacement, then all of it', async () => {
    await start('canary', 300)
    const r = await runOnSimClock(WEB, { node })

    expect(r.exitCode).toBe(0)
    expect(r.outputs['deployment-status']).toBe('Succeeded')
    expect(trafficSplits(ownStream(r)).filter(([, replacement]) => replacement > 0)).toEqual([
      [90, 10],
      [0, 100]
    ])
    const text = logText(r)
    expect(text).toMatch(/\[\+\d+:\d\d\] Traffic: original 90% \| replacement 10%/)
    expect(r.summary).toContain('CodeDeployDefault.ECSCanary10Percent5Minutes')

    // One clock: the log's [+m:ss] span the 5-minute canary step AWS plays, the termination wait
    // is foreseen 5 minutes ahead, and the summary's events, timed by AWS, agree with the log and
    // fall within the step's duration.
    const bake = elapsedAt(r, 'replacement 100%') - elapsedAt(r, 'replacement 10%')
    expect(bake).toBeGreaterThanOrEqual(290)
    expect(bake).toBeLessThanOrEqual(360)
    expect(text).toMatch(/Termination wait: .*\(in [45]m\)/)
    const lastEvent = seconds(r.summary, /\| AfterAllowTraffic \| \+(\d+):(\d\d) \|/)
    expect(elapsedAt(r, 'AfterAllowTraffic started') - lastEvent).toBeGreaterThanOrEqual(-1)
    expect(elapsedAt(r, 'AfterAllowTraffic started') - lastEvent).toBeLessThanOrEqual(30)
    expect(seconds(r.summary, /\| Duration \| (\d+)m(\d\d)s /)).toBeGreaterThanOrEqual(lastEvent + 300)
  })

  test('linear: every 10% step of the shift, then traffic-shifted ends the step before the termination wait', async () => {
    // On the simulator's clock each one-minute step lasts as many polls as it would on AWS.
    await start('linear', 300)
    const r = await runOnSimClock({ ...WEB, 'wait-until': 'traffic-shifted' }, { node })

    expect(r.exitCode).toBe(0)
    expect(r.outputs['deployment-status']).toBe('InProgress')
    const splits = trafficSplits(ownStream(r))
    expect(splits.map(([, replacement]) => replacement).filter(p => p > 0)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100
    ])
    for (const [original, replacement] of splits) expect(original + replacement).toBe(100)
    expect(ownStream(r)).toContainEqual(expect.stringMatching(/^AfterAllowTraffic succeeded/))
    expect(r.state.settled).toBe('goal')
  })
})

/** Minutes and seconds, the two groups of `pattern` in `text`, as seconds. */
function seconds(text: string, pattern: RegExp): number {
  const [, m, s] = pattern.exec(text) ?? []
  return Number(m) * 60 + Number(s)
}

/** Seconds since the step began, from the [+m:ss] prefix of the first log line that contains `text`. */
function elapsedAt(r: ActionRun, text: string): number {
  return seconds(
    logText(r)
      .split('\n')
      .find(l => l.includes(text)) ?? '',
    /^\[\+(\d+):(\d\d)\] /
  )
}

test('a 45-minute Install with no timeout-minutes is left to CodeDeploy: not stopped by the step', async () => {
  // The action runs on the simulator's clock (300x): its default timeout is counted in the same
  // simulated minutes as Install. CodeDeploy itself gives Install an hour.
  const sim = await start({ ...scenarios['all-at-once'], durations: { install: 45 * 60 } }, 300)
  const r = await runOnSimClock({ ...WEB, 'poll-interval-seconds': '30' })
  expect(r.exitCode).toBe(0)
  expect(ownStream(r)).toContain('Install succeeded in 45m00s')
  expect(r.outputs['deployment-status']).toBe('Succeeded')
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(0)
})

test('timeout-minutes still stops a slow Install, counted on the same clock', async () => {
  const sim = await start({ ...scenarios['all-at-once'], durations: { install: 45 * 60 } }, 300)
  const r = await runOnSimClock({ ...WEB, 'poll-interval-seconds': '30', 'timeout-minutes': '20' })
  expect(r.exitCode).not.toBe(0)
  expect(r.errors[0]).toMatch(
    /^::error title=Deployment timed out::Timed out after 20 minutes .* in Install\./
  )
  expect(callsTo(sim, 'StopDeployment')).toHaveLength(1)
})

interface AppSpec {
  Resources: {
    TargetService: {
      Type: string
      Properties: {
        TaskDefinition: string
        LoadBalancerInfo: unknown
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: string[] } }
      }
    }
  }[]
}

test('a template file: environment-variables replace, append, last duplicate wins, NAME= is empty; the image is set', async () => {
  const sim = await start('all-at-once', 300)
  const template = {
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'web',
        image: 'placeholder',
        portMappings: [{ containerPort: 8080 }],
        environment: [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'KEEP', value: '' }
        ]
      }
    ]
  }
  const r = await runOnSimClock(
    {
      ...WEB,
      'task-definition': 'td.json',
      'environment-variables': 'LOG_LEVEL=debug\nDSN=a=b\nNEW=1\nNEW=2\n\nCLEARED='
    },
    { workspace: workspace({ 'td.json': JSON.stringify(template) }) }
  )
  expect(r.exitCode).toBe(0)
  const registered = body<{ containerDefinitions: { image: string; environment: unknown[] }[] }>(
    callsTo(sim, 'RegisterTaskDefinition')[0]
  ).containerDefinitions[0]!
  expect(registered.image).toBe(IMAGE)
  expect(registered.environment).toEqual([
    { name: 'LOG_LEVEL', value: 'debug' },
    { name: 'KEEP', value: '' },
    { name: 'DSN', value: 'a=b' },
    { name: 'NEW', value: '2' },
    { name: 'CLEARED', value: '' }
  ])
})
