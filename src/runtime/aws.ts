import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { AwsAccessError, markAwsCall } from './errors.js'

export interface AwsClients {
  ecs: ECSClient
  codedeploy: CodeDeployClient
  /**
   * For the StopDeployment of a cancelled run: the runner kills the process 10 s after SIGINT, so
   * this client fails fast instead of sleeping in the adaptive retry limiter.
   */
  cancelCodedeploy: CodeDeployClient
  /** The same for the StopTask of a cancelled run's one-off task. */
  cancelEcs: ECSClient
  /** CloudWatch Logs in `region`: a container's awslogs-region may differ from the step's. */
  logs: (region: string) => CloudWatchLogsClient
  region: string
  /** What this step has written to AWS so far, in words, as its calls succeeded. */
  written: readonly string[]
}

const USER_AGENT: [string, string] = ['ecs-codedeploy-deploy', '1']

/**
 * Adaptive retries with room for throttling storms: a deploy step that dies on a
 * "Rate exceeded" leaves a deployment nobody watches. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables.
 */
export function createAwsClients(env: NodeJS.ProcessEnv): AwsClients {
  const region = awsRegion(env)
  const common = { region, retryMode: 'adaptive', maxAttempts: 10, customUserAgent: [USER_AGENT] }
  const fast = {
    region,
    retryMode: 'standard',
    maxAttempts: 2,
    customUserAgent: [USER_AGENT],
    requestHandler: { connectionTimeout: 2000, requestTimeout: 3000 }
  }
  const written: string[] = []
  const logs = new Map<string, CloudWatchLogsClient>()
  const clients = {
    ecs: new ECSClient(common),
    codedeploy: new CodeDeployClient(common),
    cancelCodedeploy: new CodeDeployClient(fast),
    cancelEcs: new ECSClient(fast),
    logs: (logRegion: string): CloudWatchLogsClient => {
      let client = logs.get(logRegion)
      if (!client) {
        client = new CloudWatchLogsClient({ ...common, region: logRegion })
        client.middlewareStack.add(
          (next, context) => args => recorded(context.commandName, args.input, () => next(args), written),
          RECORD_CALLS
        )
        logs.set(logRegion, client)
      }
      return client
    },
    region,
    written
  }
  for (const client of [clients.ecs, clients.cancelEcs]) {
    client.middlewareStack.add(
      (next, context) => args => recorded(context.commandName, args.input, () => next(args), written),
      RECORD_CALLS
    )
  }
  for (const client of [clients.codedeploy, clients.cancelCodedeploy]) {
    client.middlewareStack.add(
      (next, context) => args => recorded(context.commandName, args.input, () => next(args), written),
      RECORD_CALLS
    )
  }
  return clients
}

/**
 * The outermost step of every call, around the SDK's retries and its parsing of answers: an error the
 * call ends with is marked with the call and the step's writes (errors.ts awsCallOf), so that whatever
 * reports it can name the call, even one the step did not expect to fail; a write that succeeds is
 * recorded.
 */
const RECORD_CALLS = { step: 'initialize', name: 'recordCalls' } as const

async function recorded<T extends { output: unknown }>(
  commandName: string | undefined,
  input: unknown,
  call: () => Promise<T>,
  written: string[]
): Promise<T> {
  const operation = (commandName ?? 'AWS call').replace(/Command$/, '')
  try {
    const result = await call()
    const write = describeWrite(operation, input, result.output)
    if (write) written.push(write)
    return result
  } catch (e) {
    markAwsCall(e, { operation, written })
    throw e
  }
}

/** A string member of an SDK input or output, read without trusting its shape. */
function member(o: unknown, ...path: string[]): string | undefined {
  let at = o
  for (const key of path)
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined
  return typeof at === 'string' ? at : undefined
}

const READS = /^(Get|List|Describe|BatchGet)/

/** A write in the words of the step's log; undefined for reads. */
export function describeWrite(operation: string, input: unknown, output: unknown): string | undefined {
  switch (operation) {
    case 'RegisterTaskDefinition':
      return `registered ${member(output, 'taskDefinition', 'taskDefinitionArn') ?? 'a task definition'}`
    case 'DeregisterTaskDefinition':
      return `deregistered ${member(input, 'taskDefinition') ?? 'a task definition'}`
    case 'CreateDeployment':
      return `created deployment ${member(output, 'deploymentId') ?? '(no id returned)'}`
    case 'StopDeployment':
      return `stopped deployment ${member(input, 'deploymentId') ?? '?'} with rollback`
    case 'RunTask':
      return `started task ${member((output as { tasks?: unknown[] } | undefined)?.tasks?.[0], 'taskArn') ?? '(none started)'}`
    case 'StopTask':
      return `stopped task ${member(input, 'task') ?? '?'}`
    case 'ContinueDeployment':
      return `continued deployment ${member(input, 'deploymentId') ?? '?'} (${member(input, 'deploymentWaitType') ?? 'READY_WAIT'})`
    default:
      return READS.test(operation) ? undefined : operation
  }
}

export function awsRegion(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (!region) {
    throw new AwsAccessError(
      'No AWS region is set (AWS_REGION or AWS_DEFAULT_REGION).',
      'Add aws-actions/configure-aws-credentials before this step, with aws-region and role-to-assume; it exports the region and credentials.'
    )
  }
  return region
}
