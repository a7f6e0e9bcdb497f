import { CodeDeployClient, GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { awsRegion, createAwsClients } from '../../src/runtime/aws.js'
import { AwsAccessError, awsCallOf, isUnreadableAnswer } from '../../src/runtime/errors.js'

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

describe('every call is recorded', () => {
  /** A loopback endpoint that answers each X-Amz-Target operation with a fixed status and body. */
  let server: Server
  let answers: Record<string, [number, string]>
  const start = async (): Promise<string> => {
    server = createServer((req, res) => {
      const op = String(req.headers['x-amz-target']).split('.')[1] ?? ''
      const [status, body] = answers[op] ?? [400, '{"__type":"UnknownOperationException"}']
      req.resume()
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
        res.end(body)
      })
    })
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  // The SDK reads its endpoint and credentials from the process environment, as in the runner.
  const saved = { ...process.env }
  afterEach(async () => {
    process.env = saved
    await new Promise(r => server.close(r))
  })
  const env = (url: string): NodeJS.ProcessEnv => {
    process.env = {
      ...saved,
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_EC2_METADATA_DISABLED: 'true'
    }
    return { AWS_REGION: 'us-east-1' }
  }

  it('an answer the SDK cannot read (an ISO timestamp where AWS sends epoch seconds) names its call', async () => {
    answers = {
      GetDeployment: [
        200,
        JSON.stringify({ deploymentInfo: { deploymentId: 'd-X', createTime: '2026-11-27T14:00:00Z' } })
      ]
    }
    const clients = createAwsClients(env(await start()))
    const e = await clients.codedeploy
      .send(new GetDeploymentCommand({ deploymentId: 'd-X' }))
      .catch((x: unknown) => x)
    expect(isUnreadableAnswer(e)).toBe(true)
    expect(awsCallOf(e)).toEqual({ operation: 'GetDeployment' })
  })

  it('marks the failed call on every client, the fast ones for a cancelled run too', async () => {
    answers = {
      StopDeployment: [
        400,
        JSON.stringify({ __type: 'DeploymentAlreadyCompletedException', message: 'done' })
      ]
    }
    const clients = createAwsClients(env(await start()))
    const e = await clients.cancelCodedeploy
      .send(new StopDeploymentCommand({ deploymentId: 'd-X' }))
      .catch((x: unknown) => x)
    expect(awsCallOf(e)).toEqual({ operation: 'StopDeployment' })
    expect(isUnreadableAnswer(e)).toBe(false)
  })
})
