import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { AwsAccessError } from './errors.js'

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
  return {
    ecs: new ECSClient(common),
    codedeploy: new CodeDeployClient(common),
    cancelCodedeploy: new CodeDeployClient(fast),
    cancelEcs: new ECSClient(fast),
    logs: logRegion => {
      let client = logs.get(logRegion)
      if (!client) logs.set(logRegion, (client = new CloudWatchLogsClient({ ...common, region: logRegion })))
      return client
    },
    region
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
