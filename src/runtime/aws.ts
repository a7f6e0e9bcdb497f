import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
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
  /**
   * CloudWatch Logs in `region`: a container's awslogs-region may differ from the step's. Its SDK is
   * loaded on first use: only a step with run-task reads logs.
   */
  logs: (region: string) => Promise<CloudWatchLogsClient>
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
  const marking = <C extends ECSClient | CodeDeployClient | CloudWatchLogsClient>(client: C): C => {
    // The three stacks differ only in their input and output types, which this middleware passes through.
    ;(client.middlewareStack as ECSClient['middlewareStack']).add(
      (next, context) => args => marked(context.commandName, () => next(args)),
      MARK_CALLS
    )
    return client
  }
  // Each client is made on first use: a run on ECS's own deployments never loads a CodeDeploy client.
  const made: Partial<Record<'ecs' | 'codedeploy' | 'cancelCodedeploy' | 'cancelEcs', unknown>> = {}
  const once = <C>(key: keyof typeof made, make: () => C): C => (made[key] ??= make()) as C
  const logs = new Map<string, Promise<CloudWatchLogsClient>>()
  return {
    get ecs() {
      return once('ecs', () => marking(new ECSClient(common)))
    },
    get codedeploy() {
      return once('codedeploy', () => marking(new CodeDeployClient(common)))
    },
    get cancelCodedeploy() {
      return once('cancelCodedeploy', () => marking(new CodeDeployClient(fast)))
    },
    get cancelEcs() {
      return once('cancelEcs', () => marking(new ECSClient(fast)))
    },
    logs: (logRegion: string): Promise<CloudWatchLogsClient> => {
      let client = logs.get(logRegion)
      if (!client) {
        client = import('@aws-sdk/client-cloudwatch-logs').then(sdk =>
          marking(new sdk.CloudWatchLogsClient({ ...common, region: logRegion }))
        )
        logs.set(logRegion, client)
      }
      return client
    },
    region
  }
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
