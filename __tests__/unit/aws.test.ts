import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { awsRegion, createAwsClients } from '../../src/runtime/aws.js'
import { AwsAccessError } from '../../src/runtime/errors.js'

describe('awsRegion', () => {
  it('takes AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(awsRegion({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('eu-west-1')
    expect(awsRegion({ AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1')
    expect(awsRegion({ AWS_REGION: '', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1')
  })

  it('without one, says how configure-aws-credentials provides it', () => {
    let error: unknown
    try {
      awsRegion({})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AwsAccessError)
    expect((error as AwsAccessError).title).toBe('AWS credentials')
    expect((error as AwsAccessError).full).toBe(
      'No AWS region is set (AWS_REGION or AWS_DEFAULT_REGION). Add aws-actions/configure-aws-credentials before this step, with aws-region and role-to-assume; it exports the region and credentials.'
    )
  })
})

/** The retry mode a client settled on (the strategy object carries it). */
async function retryMode(client: ECSClient | CodeDeployClient): Promise<string | undefined> {
  return ((await client.config.retryStrategy()) as { mode?: string }).mode
}

describe('createAwsClients', () => {
  const clients = createAwsClients({ AWS_REGION: 'eu-central-1' })

  it('makes ECS and CodeDeploy clients in the region', async () => {
    expect(clients.region).toBe('eu-central-1')
    expect(clients.ecs).toBeInstanceOf(ECSClient)
    expect(clients.codedeploy).toBeInstanceOf(CodeDeployClient)
    expect(await clients.ecs.config.region()).toBe('eu-central-1')
    expect(await clients.codedeploy.config.region()).toBe('eu-central-1')
    expect(await clients.cancelCodedeploy.config.region()).toBe('eu-central-1')
  })

  it('retries adaptively with room for throttling', async () => {
    for (const client of [clients.ecs, clients.codedeploy]) {
      expect(await retryMode(client)).toBe('adaptive')
      expect(await client.config.maxAttempts()).toBe(10)
    }
  })

  it('gives the cancel path a client that fails fast instead of waiting in the retry limiter', async () => {
    expect(clients.cancelCodedeploy).not.toBe(clients.codedeploy)
    expect(await retryMode(clients.cancelCodedeploy)).toBe('standard')
    expect(await clients.cancelCodedeploy.config.maxAttempts()).toBe(2)
  })

  it('names the action in the user agent', () => {
    for (const client of [clients.ecs, clients.codedeploy, clients.cancelCodedeploy]) {
      expect(client.config.customUserAgent).toEqual([['ecs-codedeploy-deploy', '1']])
    }
  })

  it('fails before making any client without a region', () => {
    expect(() => createAwsClients({})).toThrow(AwsAccessError)
  })
})
