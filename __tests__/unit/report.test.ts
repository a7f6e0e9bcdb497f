import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import 'aws-sdk-client-mock-jest'
import { ActionError, InputError, markAwsCall } from '../../src/runtime/errors.js'
import { parseInputs } from '../../src/inputs/inputs.js'
import type { Plan } from '../../src/plan/plan.js'
import { Outputs } from '../../src/report/outputs.js'
import { Reporter } from '../../src/report/report.js'
import { StepState } from '../../src/runtime/state.js'
import type { DeploymentSnapshot } from '../../src/watch/snapshot.js'
import { type FakeIo, T0, fakeIo } from './fake-io.js'

const ecsMock = mockClient(ECSClient)
const PREVIOUS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
const NEXT = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8'

const plan: Plan = {
  backend: 'codedeploy',
  register: {
    family: 'web',
    containerDefinitions: [
      { name: 'web', image: 'repo/web:2', environment: [{ name: 'A', value: 's3cret' }] }
    ]
  },
  family: 'web',
  containerName: 'web',
  containerPort: 8080,
  timeoutMinutes: 30,
  trafficRouting: { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 }
}

const snapshot = (over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot => ({
  id: 'd-AAAAAAAA1',
  status: 'Succeeded',
  phase: 'succeeded',
  events: [],
  taskSets: [],
  statusMessages: [],
  stoppedTasks: [],
  ...over
})

const reporterOf = (x: FakeIo): Reporter => new Reporter(x, new Outputs(x), new StepState(x), T0)

let io: FakeIo
let reporter: Reporter

beforeEach(() => {
  ecsMock.reset()
  io = fakeIo()
  reporter = reporterOf(io)
})

afterEach(() => {})

describe('taskDefinition', () => {
  it('compares the new revision with the running one and names what changed, never values', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'web', image: 'repo/web:1' }] }
    })
    await reporter.taskDefinition(NEXT, PREVIOUS, plan)
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: PREVIOUS })
    expect(io.lines).toEqual(['  web: image repo/web:1 → repo/web:2', '  web: environment added A'])
    expect(reporter.previousTaskDefinition).toBe(PREVIOUS)
    await reporter.end({ outcome: 'succeeded' })
    expect(io.summaries[0]).toContain('web: image repo/web:1 → repo/web:2')
    expect(io.summaries[0]).not.toContain('s3cret')
  })

  it("compares tags with the running revision's, which DescribeTaskDefinition returns only when asked", async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'web', image: 'repo/web:2' }] },
      tags: [{ key: 'team', value: 'web' }]
    })
    const tagged: Plan = {
      ...plan,
      register: { ...plan.register!, containerDefinitions: [{ name: 'web', image: 'repo/web:2' }], tags: [] }
    }
    await reporter.taskDefinition(NEXT, PREVIOUS, tagged)
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: PREVIOUS,
      include: ['TAGS']
    })
    expect(io.lines).toEqual(['  tags removed team'])
  })

  it('reads nothing when a revision is deployed as it is, or nothing ran before', async () => {
    await reporter.taskDefinition(NEXT, PREVIOUS)
    await reporter.taskDefinition(NEXT, undefined, plan)
    await reporter.taskDefinition(PREVIOUS, PREVIOUS, plan)
    expect(ecsMock.calls()).toHaveLength(0)
  })

  it('a failed comparison is a plain line, not a failure', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(new Error('AccessDenied'))
    await reporter.taskDefinition(NEXT, PREVIOUS, plan)
    expect(io.lines).toEqual([`(Could not read ${PREVIOUS} to compare: AccessDenied)`])
    expect(io.warnings).toEqual([])
  })
})

describe('end', () => {
  it('success: deployment-status, the summary, the exit code untouched', async () => {
    reporter.deployment('d-AAAAAAAA1', {
      applicationName: 'AppECS-prod-web',
      deploymentGroupName: 'DgpECS-prod-web',
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      plan
    })
    await reporter.end({ outcome: 'succeeded', snapshot: snapshot() })
    expect(io.outputs).toEqual({ 'deployment-status': 'Succeeded' })
    expect(io.errors).toEqual([])
    expect(io.exitCode).toBeUndefined()
    expect(io.summaries).toHaveLength(1)
    expect(io.summaries[0]).toContain('Deployment succeeded')
    expect(io.summaries[0]).toContain('d-AAAAAAAA1')
    expect(io.summaries[0]).toContain('canary: 10% then the rest after 5 min')
  })

  it('links the console of AWS_DEFAULT_REGION when AWS_REGION is empty, as the clients do', async () => {
    const withDefault = fakeIo({ env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' } })
    const r = reporterOf(withDefault)
    r.deployment('d-AAAAAAAA1', {})
    await r.end({ outcome: 'succeeded', snapshot: snapshot() })
    expect(withDefault.summaries[0]).toContain(
      'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-AAAAAAAA1?region=eu-west-1'
    )
  })

  it('without a snapshot, the status given (Created when not waited for)', async () => {
    reporter.deployment('d-AAAAAAAA1', {})
    await reporter.end({ outcome: 'handed-off', status: 'Created' })
    expect(io.outputs['deployment-status']).toBe('Created')
  })

  it('no deployment, no status: no deployment-status output', async () => {
    await reporter.end({ outcome: 'failed', failure: { message: 'x', details: [] } })
    expect(io.outputs).toEqual({})
  })

  it('failure: one error line with its title, the details as plain lines, exit code 1', async () => {
    await reporter.end({
      outcome: 'timeout',
      snapshot: snapshot({
        status: 'Stopped',
        phase: 'stopped',
        rollback: { deploymentId: 'd-ROLLBACK1' }
      }),
      rollback: snapshot({ id: 'd-ROLLBACK1' }),
      failure: { message: 'Timed out after 30 minutes.', details: ['Status: a', 'Status: b'] }
    })
    expect(io.errors).toEqual([{ message: 'Timed out after 30 minutes.', title: 'Deployment timed out' }])
    expect(io.lines).toEqual(['Status: a', 'Status: b'])
    expect(io.exitCode).toBe(1)
    expect(io.outputs).toEqual({ 'deployment-status': 'Stopped', 'rollback-deployment-id': 'd-ROLLBACK1' })
    expect(io.summaries[0]).toContain('d-ROLLBACK1')
  })

  it('a summary that cannot be written is a warning', async () => {
    io.summary = () => Promise.reject(new Error('EACCES'))
    await reporter.end({ outcome: 'succeeded' })
    expect(io.warnings).toEqual([{ message: 'Could not write the job summary: EACCES', title: undefined }])
  })
})

describe('fail', () => {
  const called = (e: Error, operation: string): Error => {
    markAwsCall(e, { operation })
    return e
  }
  const unreadable = (): Error =>
    Object.assign(
      new TypeError(
        'Expected real number, got implicit NaN\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'
      ),
      { $response: {} }
    )

  it.each([
    [
      'an ActionError: its message, hint and title',
      new InputError('Bad.', 'Fix it.'),
      'Bad. Fix it.',
      'Invalid input'
    ],
    ['anything else: its message', new Error('socket hang up'), 'socket hang up', 'Nothing deployed'],
    ['a thrown string', 'boom', 'boom', 'Nothing deployed'],
    [
      'an AWS error no step expected: the call and what to do',
      called(Object.assign(new Error('Internal'), { name: 'InternalFailure' }), 'ListDeployments'),
      "ListDeployments failed (InternalFailure: Internal). Run the step again; if it keeps failing, check the AWS Health Dashboard and the role's permissions.",
      'ListDeployments failed'
    ],
    [
      'an answer the SDK could not read: the call, and where to look',
      called(unreadable(), 'GetDeployment'),
      'GetDeployment failed: the AWS SDK could not read its answer (TypeError: Expected real number, got implicit NaN). Check that AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) is unset or points at an endpoint that speaks the AWS API.',
      'GetDeployment failed'
    ],
    [
      'an ActionError that explains an AWS error: the call, then the hint',
      new ActionError(
        'Cluster prod was not found in us-east-1.',
        'Check the cluster input.',
        undefined,
        called(
          Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }),
          'DescribeServices'
        )
      ),
      'Cluster prod was not found in us-east-1. (DescribeServices: ClusterNotFoundException.) Check the cluster input.',
      'Nothing deployed'
    ]
  ])('reports %s', async (_, e, message, title) => {
    await reporter.fail(e)
    expect(io.errors).toEqual([{ message, title }])
    expect(io.exitCode).toBe(1)
    expect(io.summaries[0]).toMatch(/^### ❌ Nothing deployed\n/)
  })

  it('titles a failure after the deployment exists "Deployment failed"', async () => {
    reporter.deployment('d-AAAAAAAA1', {})
    await reporter.fail(new ActionError('It broke.'))
    expect(io.errors).toEqual([{ message: 'It broke.', title: 'Deployment failed' }])
    expect(io.summaries[0]).toMatch(/^### ❌ Deployment failed\n/)
  })

  it('puts what the step changed in AWS between what went wrong and what to do', async () => {
    await reporter.fail(
      new ActionError('CreateDeployment failed.', 'Run again.'),
      'This step changed nothing in AWS.'
    )
    expect(io.errors[0]!.message).toBe(
      'CreateDeployment failed. This step changed nothing in AWS. Run again.'
    )
  })

  it('an input error comes before any change: it gets no such sentence', async () => {
    await reporter.fail(new InputError('Bad.', 'Fix it.'), 'This step changed nothing in AWS.')
    expect(io.errors[0]!.message).toBe('Bad. Fix it.')
  })

  it('cancelled gets its own title', async () => {
    await reporter.end({ outcome: 'cancelled', failure: { message: 'x', details: [] } })
    expect(io.errors[0]!.title).toBe('Deployment cancelled')
  })
})

it('dryRun writes the AppSpec into the summary and sets no status', async () => {
  await reporter.dryRun('{"version":"0.0"}')
  expect(io.summaries[0]).toContain('Dry run')
  expect(io.summaries[0]).toContain('{"version":"0.0"}')
  expect(io.outputs).toEqual({})
})

describe('githubDeployment', () => {
  const inputs = (more: Record<string, string>) =>
    parseInputs(name => ({ service: 'web', 'github-token': 'ghs_x', ...more })[name] ?? '')

  it('does nothing without environment for a new deployment', async () => {
    await reporter.githubDeployment(inputs({}), 'd-AAAAAAAA1', false)
    expect(io.githubCalls).toEqual([])
    expect(io.outputs).toEqual({})
  })

  it('creates one for environment, and its status follows the end', async () => {
    await reporter.githubDeployment(
      inputs({ environment: 'production', 'environment-url': 'https://shop.example.com' }),
      'd-AAAAAAAA1',
      false
    )
    expect(io.outputs['github-deployment-id']).toBe('7')
    expect(io.state['github-deployment-id']).toBe('7')
    expect(io.githubCalls[0]).toMatchObject({
      method: 'createDeployment',
      params: {
        owner: 'acme',
        repo: 'shop',
        ref: '0123456789abcdef',
        environment: 'production',
        payload: { codedeployDeploymentId: 'd-AAAAAAAA1' }
      }
    })
    await reporter.end({ outcome: 'succeeded', snapshot: snapshot() })
    const states = io.githubCalls
      .filter(c => c.method === 'createDeploymentStatus')
      .map(c => [c.params.state, c.params.description, c.params.environment_url])
    expect(states).toEqual([
      ['in_progress', 'CodeDeploy d-AAAAAAAA1', 'https://shop.example.com'],
      ['success', 'CodeDeploy d-AAAAAAAA1 succeeded', 'https://shop.example.com']
    ])
  })

  it.each([
    ['goal-reached', 'in_progress', 'CodeDeploy d-AAAAAAAA1: ready reached'],
    ['handed-off', 'in_progress', 'CodeDeploy d-AAAAAAAA1 created'],
    ['failed', 'failure', 'It failed.'],
    ['stopped', 'failure', 'CodeDeploy d-AAAAAAAA1 stopped']
  ] as const)('%s sets the GitHub state %s', async (outcome, state, description) => {
    await reporter.githubDeployment(inputs({ environment: 'production' }), 'd-AAAAAAAA1', false)
    await reporter.end({
      outcome,
      snapshot: snapshot(),
      goal: 'ready',
      ...(outcome === 'failed' ? { failure: { message: 'It failed.', details: [] } } : {})
    })
    expect(io.githubCalls.at(-1)?.params).toMatchObject({ state, description })
  })

  it('a follow-up step looks for the deployment an earlier step made; none found, nothing set', async () => {
    await reporter.githubDeployment(inputs({}), 'd-AAAAAAAA1', true)
    expect(io.githubCalls).toEqual([
      { method: 'listDeployments', params: { owner: 'acme', repo: 'shop', per_page: 100 } }
    ])
    expect(io.outputs).toEqual({})
  })

  it('without a token, warns once and goes on', async () => {
    const noToken = parseInputs(name => ({ service: 'web', environment: 'production' })[name] ?? '')
    await reporter.githubDeployment(noToken, 'd-AAAAAAAA1', false)
    await reporter.end({ outcome: 'succeeded' })
    expect(io.warnings).toHaveLength(1)
    expect(io.warnings[0]!.title).toBe('GitHub deployment')
  })
})
