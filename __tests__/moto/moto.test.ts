// A second opinion: the built action against moto (moto_server), an AWS emulator this project did not
// write, so that it cannot agree with our own reading of AWS by construction. .ci/run starts moto on a
// loopback port and sets MOTO_URL; without it this file reports one skipped test and one line.
//
// moto is used where it is faithful: ECS RegisterTaskDefinition, DescribeServices and
// DescribeTaskDefinition, CodeDeploy ListApplications, ListDeploymentGroups and GetDeploymentGroup,
// and CreateDeployment. Where moto (5.2) is wrong, and how these tests work around it:
// - Timestamps are ISO 8601 strings (createTime of applications and deployments) where AWS sends
//   epoch seconds; the AWS SDK cannot read them ("Expected real number, got implicit NaN"). The
//   search for a deployment group reads BatchGetApplications through a loopback proxy that makes them
//   numbers (moto.ts startProxy); GetDeployment is not worked around: the test of a busy group shows
//   that the step names the call it could not read.
// - BatchGetDeploymentGroups is not implemented (moto answers an HTML 404 page): the proxy answers it
//   from moto's GetDeploymentGroup, one call per name, so the search still reads moto's groups.
// - Deployments never leave Created and have no targets, StopDeployment, ContinueDeployment,
//   GetApplicationRevision or GetDeploymentConfig: nothing here watches a deployment (the simulator's
//   tests do); the step is run with dry-run or wait-for-deployment: false.
// - CreateDeployment never refuses a second deployment in a busy group (AWS answers
//   DeploymentLimitExceededException) and returns UUIDs, not d-XXXXXXXXX ids: tests assert neither.
// - A CODE_DEPLOY service lists no task sets and no platformVersion (AWS lists the PRIMARY task set
//   and LATEST): the action reads neither for the AppSpec beyond what moto gives.
// - CreateService checks that its subnets exist (so the seeded service uses moto's default VPC), and
//   fails with a 500 without securityGroups, which AWS takes as optional: the seeded service names
//   the default VPC's security group.
import { jest } from '@jest/globals'
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy'
import { runAction, visibleLog, type ActionRun } from '../../sim/run-action.js'
import {
  MOTO_UNAVAILABLE,
  MOTO_URL,
  TD,
  motoClients,
  motoEnv,
  resetMoto,
  seedAccount,
  startProxy
} from './moto.js'

jest.setTimeout(60_000)

const IMAGE = 'public.ecr.aws/nginx/nginx:1.27'
const WEB = { service: 'web', cluster: 'prod', image: IMAGE }

interface AppSpec {
  Resources: {
    TargetService: {
      Properties: {
        TaskDefinition: string
        LoadBalancerInfo: unknown
        NetworkConfiguration?: { AwsvpcConfiguration: { Subnets: string[] } }
      }
    }
  }[]
}

function run(url: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({ env: motoEnv(url), inputs, killAfterMs: 50_000 })
}

if (MOTO_URL === undefined) {
  const line = `the moto tier (an AWS emulator we did not write): ${MOTO_UNAVAILABLE ?? 'no moto server (MOTO_URL is unset; .ci/run starts moto_server when it is installed)'}`
  describe('moto', () => {
    it.skip(line, () => undefined)
  })
  process.stderr.write(`Skipped: ${line}\n`)
} else {
  const moto = MOTO_URL
  const { ecs, cd } = motoClients(moto)
  const revisions = async (): Promise<number> =>
    (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))).taskDefinition!.revision!
  const deployments = async (application = 'AppECS-prod-web', group = 'DgpECS-prod-web'): Promise<string[]> =>
    (await cd.send(new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: group })))
      .deployments ?? []

  beforeEach(async () => {
    await resetMoto(moto)
  })

  describe('moto', () => {
    test('dry-run reads the service, its revision and the console-named group, and writes nothing', async () => {
      const { subnet } = await seedAccount(moto)
      const r = await run(moto, { ...WEB, 'dry-run': 'true' })

      expect(r.errors).toEqual([])
      expect(r.exitCode).toBe(0)
      const spec = (JSON.parse(r.outputs.appspec!) as AppSpec).Resources[0]!.TargetService.Properties
      expect(spec.TaskDefinition).toBe('web:NEXT')
      expect(spec.LoadBalancerInfo).toEqual({ ContainerName: 'web', ContainerPort: 8080 })
      expect(spec.NetworkConfiguration?.AwsvpcConfiguration.Subnets).toEqual([subnet])
      expect(visibleLog(r)).toContain(
        'Dry run: nothing was registered or deployed through AppECS-prod-web/DgpECS-prod-web.'
      )
      expect(await revisions()).toBe(1)
      expect(await deployments()).toEqual([])
    })

    test('wait-for-deployment: false registers the revision and creates the deployment', async () => {
      const { running } = await seedAccount(moto)
      const r = await run(moto, { ...WEB, 'wait-for-deployment': 'false' })

      expect(r.errors).toEqual([])
      expect(r.exitCode).toBe(0)
      expect(r.outputs['task-definition-arn']).toBe(`${TD}/web:2`)
      expect(r.outputs['previous-task-definition-arn']).toBe(running)
      expect(r.outputs['deployment-status']).toBe('Created')
      // What moto holds now is what the step said it did.
      const registered = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2' }))
      expect(registered.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
        name: 'web',
        image: IMAGE
      })
      expect(await deployments()).toEqual([r.outputs['deployment-id']])
      const spec = (JSON.parse(r.outputs.appspec!) as AppSpec).Resources[0]!.TargetService.Properties
      expect(spec.TaskDefinition).toBe(`${TD}/web:2`)
    })

    test('a group busy with a deployment moto cannot describe: the step names GetDeployment, writes nothing', async () => {
      await seedAccount(moto)
      const first = await run(moto, { ...WEB, 'wait-for-deployment': 'false' })
      expect(first.exitCode).toBe(0)

      // if-deployment-running reads the running deployment; moto's createTime is an ISO string.
      const r = await run(moto, { ...WEB, 'wait-for-deployment': 'false' })
      expect(r.exitCode).not.toBe(0)
      expect(r.errors).toHaveLength(1)
      expect(r.errors[0]).toMatch(
        /^::error title=GetDeployment failed::GetDeployment failed: the AWS SDK could not read its answer \(TypeError: Expected real number, got implicit NaN\)\./
      )
      expect(r.errors[0]).toContain('This step changed nothing in AWS.')
      expect(await revisions()).toBe(2)
      expect(await deployments()).toHaveLength(1)
    })

    test('the search finds a group that is not named as the console names it, among others', async () => {
      await seedAccount(moto, { application: 'storefront', group: 'web-prod' }, [
        { application: 'billing', group: 'billing-prod', service: 'billing' },
        { application: 'storefront-old', group: 'web-old', service: 'web-legacy' }
      ])
      const proxy = await startProxy(moto)
      try {
        const r = await run(proxy.url, { ...WEB, 'dry-run': 'true' })
        expect(r.errors).toEqual([])
        expect(visibleLog(r)).toContain(
          'Dry run: nothing was registered or deployed through storefront/web-prod.'
        )
      } finally {
        await proxy.close()
      }
      // Without the proxy the search stops at moto's BatchGetApplications, and the step says so.
      const direct = await run(moto, { ...WEB, 'wait-for-deployment': 'false' })
      expect(direct.errors).toHaveLength(1)
      expect(direct.errors[0]).toMatch(
        /^::error title=BatchGetApplications failed::BatchGetApplications failed: the AWS SDK could not read its answer/
      )
      expect(direct.errors[0]).toContain('This step changed nothing in AWS.')
      expect(await revisions()).toBe(1)
    })
  })
}
