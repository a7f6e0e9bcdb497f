// The moto tier's own helpers: where moto is, an account seeded through the SDK clients of this
// repository (nothing outside the clone but the moto binary), and a loopback proxy for the few calls
// moto gets wrong. Why each workaround exists is recorded in moto.test.ts.
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentGroupCommand
} from '@aws-sdk/client-codedeploy'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand
} from '@aws-sdk/client-ecs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Set by .ci/run, which starts moto_server on a free loopback port when it is installed. */
export const MOTO_URL = process.env.MOTO_URL
/** Why moto is missing, when .ci/run knows (it found moto_server but it did not answer). */
export const MOTO_UNAVAILABLE = process.env.MOTO_UNAVAILABLE

export const REGION = 'us-east-1'
export const ACCOUNT = '123456789012'
export const TD = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition`

/** The environment the action runs with: moto as every AWS endpoint, dummy credentials, no GitHub. */
export function motoEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Nothing here reaches GitHub; should anything try, it meets a closed loopback port.
    GITHUB_API_URL: 'http://127.0.0.1:9'
  }
}

export function motoClients(url: string): { ecs: ECSClient; cd: CodeDeployClient } {
  const config = {
    region: REGION,
    endpoint: url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1
  }
  return { ecs: new ECSClient(config), cd: new CodeDeployClient(config) }
}

/** moto's own API: forget every resource, so each test starts from an empty account. */
export async function resetMoto(url: string): Promise<void> {
  const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' })
  if (!res.ok) throw new Error(`moto did not reset: ${res.status}`)
}

/** Ids from moto's default VPC, by the EC2 query API (the repository has no EC2 client). */
async function ec2Ids(url: string, action: 'DescribeSubnets' | 'DescribeSecurityGroups'): Promise<string[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the signing scope; the signature itself is not checked.
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`
    },
    body: `Action=${action}&Version=2016-11-15`
  })
  const xml = await res.text()
  const tag = action === 'DescribeSubnets' ? 'subnetId' : 'groupId'
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))].map(m => m[1]!)
}

export interface Seeded {
  subnet: string
  /** The revision the service runs. */
  running: string
}

/**
 * The account the action deploys into: cluster `prod`, a Fargate service `web` with the CODE_DEPLOY
 * controller behind a load balancer, the revision it runs, and the CodeDeploy application and group
 * that deploy it (the console's names unless others are given). `others` adds applications whose
 * groups deploy other services, for the search to skip.
 */
export async function seedAccount(
  url: string,
  names: { application: string; group: string } = {
    application: 'AppECS-prod-web',
    group: 'DgpECS-prod-web'
  },
  others: { application: string; group: string; service: string }[] = []
): Promise<Seeded> {
  const { ecs, cd } = motoClients(url)
  const [subnet] = await ec2Ids(url, 'DescribeSubnets')
  const [securityGroup] = await ec2Ids(url, 'DescribeSecurityGroups')
  if (!subnet || !securityGroup) throw new Error('moto has no default VPC to seed the service in')
  await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }))
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      containerDefinitions: [
        {
          name: 'web',
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:v1`,
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }]
        }
      ]
    })
  )
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: td.taskDefinition!.taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancers: [
        {
          targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-blue/0123456789abcdef`,
          containerName: 'web',
          containerPort: 8080
        }
      ],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [subnet],
          securityGroups: [securityGroup],
          assignPublicIp: 'DISABLED'
        }
      }
    })
  )
  const group = async (application: string, name: string, service: string): Promise<void> => {
    await cd.send(new CreateApplicationCommand({ applicationName: application, computePlatform: 'ECS' }))
    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: application,
        deploymentGroupName: name,
        serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsCodeDeployRole`,
        deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 }
        },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
        ecsServices: [{ clusterName: 'prod', serviceName: service }]
      })
    )
  }
  for (const o of others) await group(o.application, o.group, o.service)
  await group(names.application, names.group, 'web')
  return { subnet, running: td.taskDefinition!.taskDefinitionArn! }
}

/**
 * A loopback proxy in front of moto for the action's calls. It passes every call through, except
 * where moto is wrong in a way the test works around: BatchGetApplications' createTime (an ISO string
 * where AWS sends epoch seconds) is made a number, and BatchGetDeploymentGroups (not in moto 5.2) is
 * answered from moto's GetDeploymentGroup, one call per name.
 */
export async function startProxy(url: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { cd } = motoClients(url)
  const forward = async (
    target: string,
    headers: IncomingHttpHeaders,
    body: string
  ): Promise<{ status: number; type: string; text: string }> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': headers['content-type'] ?? 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization: headers.authorization ?? ''
      },
      body
    })
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
  }
  const answer = async (
    target: string,
    headers: IncomingHttpHeaders,
    body: string
  ): Promise<{ status: number; type: string; text: string }> => {
    const operation = target.split('.')[1]
    if (operation === 'BatchGetDeploymentGroups') {
      const input = JSON.parse(body) as { applicationName: string; deploymentGroupNames: string[] }
      const found = await Promise.all(
        input.deploymentGroupNames.map(name =>
          cd.send(
            new GetDeploymentGroupCommand({
              applicationName: input.applicationName,
              deploymentGroupName: name
            })
          )
        )
      )
      const info = found.map(f => f.deploymentGroupInfo)
      return {
        status: 200,
        type: 'application/x-amz-json-1.1',
        text: JSON.stringify({ deploymentGroupsInfo: info })
      }
    }
    const res = await forward(target, headers, body)
    if (operation === 'BatchGetApplications' && res.status === 200) {
      const out = JSON.parse(res.text) as { applicationsInfo: { createTime?: unknown }[] }
      for (const a of out.applicationsInfo) {
        if (typeof a.createTime === 'string') a.createTime = Date.parse(a.createTime) / 1000
      }
      return { ...res, text: JSON.stringify(out) }
    }
    return res
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '')
      answer(target, req.headers, Buffer.concat(chunks).toString('utf8'))
        .then(r => {
          res.writeHead(r.status, { 'content-type': r.type })
          res.end(r.text)
        })
        .catch((e: unknown) => {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
          res.end(JSON.stringify({ __type: 'ProxyError', message: String(e) }))
        })
    })
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>(r => {
        server.close(() => {
          r()
        })
      })
  }
}
