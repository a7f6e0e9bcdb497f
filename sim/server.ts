// One loopback HTTP server that answers as ECS, CodeDeploy and CloudWatch Logs (awsJson1_1, routed by X-Amz-Target
// on any path, since the SDK keeps a custom endpoint's path prefix) and as GitHub's REST
// deployments API (any path under /repos/). Any SigV4 signature is accepted.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { appSpecJson } from './appspec.js'
import { codeDeployHandlers, type Ctx } from './codedeploy.js'
import { ecsHandlers } from './ecs.js'
import { withEcsDeployments } from './ecs-deployment-handlers.js'
import { EcsDeployments } from './ecs-deployments.js'
import { Engine } from './engine.js'
import { createGitHubState, handleGitHub, type GitHubState } from './github.js'
import { scenarios, type FaultRule, type Faults, type Scenario } from './scenarios.js'
import { logsHandlers, withRunTasks } from './run-tasks.js'
import { Rng, SimState } from './state.js'
import { AwsError, TARGET_PREFIX, validateInput, type AwsService } from './wire.js'

export interface CallRecord {
  service: AwsService | 'github'
  operation: string
  /** Real time of the call. */
  at: Date
  /** Simulated time of the call, epoch seconds. */
  simAt: number
  status: number
  /** The request body. */
  body: unknown
  /** The error `__type` (AWS) or message (GitHub) when the call failed. */
  error?: string
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  url: string
  /** Point the AWS SDK and @actions/github at the simulator, with dummy credentials. */
  env: Record<string, string>
  scenario: Scenario
  state: SimState
  engine: Engine
  /** ECS's own deployments (deployment controller ECS). */
  ecsDeployments: EcsDeployments
  calls: CallRecord[]
  github: GitHubState
  /** The simulated clock. */
  now(): Date
  /**
   * Where the simulated clock stands, for a process run on it (runAction's `clock`); such a
   * process does not see advance() calls made after it started.
   */
  clock(): ClockAnchor
  /** Moves the simulated clock forward and applies what became due. */
  advance(seconds: number): void
  /** Replaces the faults (the scenario's are the initial ones). */
  setFaults(f: Faults): void
  /** Called as each AWS request arrives, before any latency: a test can act while a call is in flight. */
  onRequest?: (operation: string) => void
  close(): Promise<void>
}

/**
 * The simulated instant `simMs` that the real instant `realMs` maps to, and simulated seconds per
 * real one. Real instants are `performance.timeOrigin + performance.now()`, which every process on
 * the machine reads alike, so another process can run on this clock (sim/clock.js).
 */
export interface ClockAnchor {
  simMs: number
  realMs: number
  scale: number
}

const realNowMs = (): number => performance.timeOrigin + performance.now()

export interface SimulatorOptions {
  scenario?: Scenario
  port?: number
  /** Simulated seconds per real second; 0 freezes the clock (move it with advance()). Default 300. */
  timeScale?: number
  log?: (line: string) => void
}

/** What emulators answer a call they do not implement (moto 5 does): a page, not AWS JSON. */
const UNREADABLE = '<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n'

const handlers: Record<AwsService, Record<string, (body: any, ctx: Ctx) => unknown>> = {
  ecs: withRunTasks(withEcsDeployments(ecsHandlers)),
  codedeploy: codeDeployHandlers,
  logs: logsHandlers
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const scenario = opts.scenario ?? scenarios['all-at-once']
  const scale = opts.timeScale ?? 300
  const real0 = realNowMs()
  // Whole milliseconds, as AWS timestamps are: a frozen clock then round-trips through the SDK's Dates.
  const epoch = Math.floor(real0) / 1000
  let offset = 0
  const simAt = (realMs: number): number => epoch + offset + ((realMs - real0) / 1000) * scale
  const clock = (): number => simAt(realNowMs())
  const state = new SimState(scenario, clock())
  const engine = new Engine(state)
  const ecsDeployments = EcsDeployments.attach(state, clock())
  const github = createGitHubState(scenario.github?.commitStatuses)
  const calls: CallRecord[] = []
  const faultRng = new Rng((scenario.seed ?? 1) * 7919)
  let rules: (FaultRule & { injected: number })[] = []
  let latencyMs = 0
  let operationLatencyMs: Record<string, number> = {}
  const log = opts.log ?? ((): void => undefined)

  const setFaults = (f: Faults): void => {
    rules = (f.rules ?? []).map(r => ({ ...r, injected: 0 }))
    latencyMs = f.latencyMs ?? 0
    operationLatencyMs = f.operationLatencyMs ?? {}
    state.registerConflicts = f.registerConflicts ?? 0
    state.deploymentFaults = f.deployment ?? {}
    github.forbidden = f.github?.forbidden ?? false
  }
  setFaults(scenario.faults ?? {})
  seedExisting(scenario, state, engine, clock())

  const injected = (service: AwsService, operation: string): AwsError | 'unreadable' | undefined => {
    for (const r of rules) {
      if (r.services && !r.services.includes(service)) continue
      if (r.operations && !r.operations.includes(operation)) continue
      if (r.count !== undefined && r.injected >= r.count) continue
      if (faultRng.next() >= (r.rate ?? 1)) continue
      r.injected++
      if (r.error === 'throttle') return new AwsError('ThrottlingException', 'Rate exceeded')
      if (r.error === 'unreadable') return 'unreadable'
      if (r.error === 'denied') {
        const action = `${service}:${operation}`
        return new AwsError(
          'AccessDeniedException',
          `User: arn:aws:sts::${state.account}:assumed-role/github-deploy/GitHubActions is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`
        )
      }
      return service === 'ecs'
        ? new AwsError('ServerException', 'Service Unavailable. Please try again later.', 500)
        : new AwsError('InternalFailure', 'An internal error occurred; please retry.', 500)
    }
    return undefined
  }

  const handleAws = (
    target: string,
    raw: string
  ): {
    service: AwsService | undefined
    operation: string
    status: number
    body: unknown
    parsed: unknown
  } => {
    const [prefix = '', operation = ''] = target.split('.')
    const service = TARGET_PREFIX[prefix]
    let parsed: unknown = {}
    try {
      if (!service || !(operation in handlers[service])) {
        throw new AwsError('UnknownOperationException', `The simulator does not implement ${target}.`)
      }
      try {
        parsed = raw.trim() ? JSON.parse(raw) : {}
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid JSON.')
      }
      const fault = injected(service, operation)
      if (fault === 'unreadable') return { service, operation, status: 404, body: UNREADABLE, parsed }
      if (fault) throw fault
      const now = clock()
      engine.advance(now)
      validateInput(service, operation, parsed)
      const out = handlers[service][operation]!(parsed, { state, engine, now })
      return { service, operation, status: 200, body: out ?? {}, parsed }
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      return { service, operation, status: e.status, body: { __type: e.type, message: e.message }, parsed }
    }
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // No Date header: the client may run on real time or on this clock (runAction's `clock`), and
    // the SDK takes a Date five minutes off its own for clock skew and retries errors as if
    // transient.
    res.sendDate = false
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c)
    const raw = Buffer.concat(chunks).toString('utf8')
    const target = req.headers['x-amz-target']
    const operation = typeof target === 'string' ? (target.split('.')[1] ?? '') : ''
    if (operation) simulator.onRequest?.(operation)
    const delay = latencyMs + (operationLatencyMs[operation] ?? 0)
    if (delay) await sleep(delay)
    if (typeof target === 'string') {
      const r = handleAws(target, raw)
      const body = r.body as { __type?: string }
      const html = typeof r.body === 'string'
      calls.push({
        service: r.service ?? 'ecs',
        operation: r.operation,
        at: new Date(),
        simAt: clock(),
        status: r.status,
        body: r.parsed,
        ...(html ? { error: 'unreadable' } : r.status !== 200 && body.__type ? { error: body.__type } : {})
      })
      log(`${r.status} ${target}${r.status !== 200 ? ` ${body.__type ?? ''}` : ''}`)
      res.writeHead(r.status, {
        'content-type': html ? 'text/html; charset=utf-8' : 'application/x-amz-json-1.1',
        'x-amzn-RequestId': randomUUID()
      })
      res.end(html ? r.body : JSON.stringify(r.body))
      return
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const at = url.pathname.indexOf('/repos/')
    if (at >= 0) {
      url.pathname = url.pathname.slice(at)
      let body: Record<string, unknown>
      try {
        body = raw.trim() ? JSON.parse(raw) : {}
      } catch {
        body = {}
      }
      const r = handleGitHub(
        github,
        req.method ?? 'GET',
        url,
        body,
        simulatorUrl,
        Boolean(req.headers.authorization),
        new Date(clock() * 1000)
      )
      const operation = `${req.method ?? 'GET'} ${url.pathname.replace(/\/\d+/g, '/:id')}`
      calls.push({
        service: 'github',
        operation,
        at: new Date(),
        simAt: clock(),
        status: r.status,
        body,
        ...(r.status >= 300 ? { error: String((r.body as { message?: string }).message) } : {})
      })
      log(`${r.status} GitHub ${operation}`)
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': randomUUID()
      })
      res.end(JSON.stringify(r.body))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        message: `Nothing simulated at ${req.method ?? 'GET'} ${url.pathname}; send X-Amz-Target or use /repos/.`
      })
    )
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      log(`500 simulator bug: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(
        JSON.stringify({
          __type: 'InternalFailure',
          message: `Simulator error: ${e instanceof Error ? e.message : String(e)}`
        })
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', resolve)
  })
  const simulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const simulator: Simulator = {
    url: simulatorUrl,
    env: {
      AWS_ENDPOINT_URL: simulatorUrl,
      AWS_REGION: state.region,
      AWS_DEFAULT_REGION: state.region,
      AWS_ACCESS_KEY_ID: 'AKIDSIMULATOR00000000',
      AWS_SECRET_ACCESS_KEY: 'simulator-secret-access-key',
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_API_URL: simulatorUrl
    },
    scenario,
    state,
    engine,
    ecsDeployments,
    calls,
    github,
    now: () => new Date(clock() * 1000),
    clock: () => {
      const realMs = realNowMs()
      return { simMs: simAt(realMs) * 1000, realMs, scale }
    },
    advance: (seconds: number) => {
      offset += seconds
      engine.advance(clock())
      ecsDeployments.advance(clock())
    },
    setFaults,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      })
  }
  return simulator
}

/** Deployments the scenario says are already under way: each deploys a fresh revision of its service. */
function seedExisting(scenario: Scenario, state: SimState, engine: Engine, now: number): void {
  for (const group of state.groups) {
    if (group.service) {
      engine.recordHistory(
        group,
        appSpecJson(group.service.taskDefinition, group.service.loadBalancers[0]),
        now - 86_400
      )
    }
  }
  for (const ex of scenario.existingDeployments ?? []) {
    const spec = scenario.services[ex.service ?? 0]!
    const group = state.groups.find(g => g.service?.spec === spec)
    if (!group?.service)
      throw new Error(
        `Scenario ${scenario.name}: service ${spec.name} has no deployment group to seed a deployment in.`
      )
    const current = state.findTaskDefinition(group.service.taskDefinition)!
    const body = structuredClone(current.body)
    const td = state.registerTaskDefinition(body, [], now - 3600)
    const content = appSpecJson(td.arn, group.service.loadBalancers[0])
    const routing = state.findConfig(group.deploymentConfigName)!.routing!
    engine.seedExisting(
      {
        group,
        configName: group.deploymentConfigName,
        routing,
        content,
        description: ex.description ?? 'deployed by another user',
        ...(ex.creator ? { creator: ex.creator } : {})
      },
      ex.at,
      now
    )
  }
}
