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
          (next, context) => args => marked(context.commandName, () => next(args)),
          MARK_CALLS
        )
        logs.set(logRegion, client)
      }
      return client
    },
    region
  }
  for (const client of [clients.ecs, clients.cancelEcs]) {
    client.middlewareStack.add(
      (next, context) => args => marked(context.commandName, () => next(args)),
      MARK_CALLS
    )
  }
  for (const client of [clients.codedeploy, clients.cancelCodedeploy]) {
    client.middlewareStack.add(
      (next, context) => args => marked(context.commandName, () => next(args)),
      MARK_CALLS
    )
  }
  return clients
}

/**
 * The outermost step of every call, around the SDK's retries and its parsing of answers: an error the
 * call ends with is marked with the call (errors.ts awsCallOf), so that whatever reports it can name
 * the call, even one the step did not expect to fail.
 */
const MARK_CALLS = { step: 'initialize', name: 'markCalls' } as const

async function marked<T>(commandName: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (e) {
    markAwsCall(e, { operation: (commandName ?? 'AWS call').replace(/Command$/, '') })
    throw e
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
