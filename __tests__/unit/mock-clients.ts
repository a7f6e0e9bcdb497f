// The AWS clients the unit tests call, with aws-sdk-client-mock answering their sends: one mock a
// client class, reset before each test of the file that asks for it. Importing this module also
// brings the mock's jest matchers (toHaveReceivedCommand, toHaveReceivedCommandWith, …).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'

/** Mocks every `Client` (any instance) for the file's tests; a fresh mock before each test. */
function mocked<C>(Client: new (config: { region: string }) => C): AwsClientStub<C> {
  const mock = mockClient(Client as never) as AwsClientStub<C>
  beforeEach(() => {
    mock.reset()
  })
  return mock
}

/** The mocked CodeDeploy, and a client in us-east-1 whose sends it answers. */
export function mockCodeDeploy(): { cdMock: AwsClientStub<CodeDeployClient>; cd: CodeDeployClient } {
  return { cdMock: mocked(CodeDeployClient), cd: new CodeDeployClient({ region: 'us-east-1' }) }
}

/** The mocked ECS, and a client in us-east-1 whose sends it answers. */
export function mockEcs(): { ecsMock: AwsClientStub<ECSClient>; ecs: ECSClient } {
  return { ecsMock: mocked(ECSClient), ecs: new ECSClient({ region: 'us-east-1' }) }
}

/** The mocked CloudWatch Logs. */
export function mockLogs(): AwsClientStub<CloudWatchLogsClient> {
  return mocked(CloudWatchLogsClient)
}
