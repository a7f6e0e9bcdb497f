// The CodeDeploy backend of a new deployment: the AppSpec that points at the revision, container and
// port, CreateDeployment (adopting its own deployment after a retry), and if-deployment-running on
// the deployment group.
import type { Plan } from '../../plan/plan.js'
import type { Step } from '../../main.js'
import { deploymentConsoleUrl } from '../../report/console-url.js'
import { ActionError } from '../../runtime/errors.js'
import { type Backend, waitBehind } from '../backend.js'
import { type BuiltAppSpec, buildAppSpec } from './appspec.js'
import {
  type DeploymentTarget,
  GroupBusyError,
  createDeployment,
  createRefused,
  defaultDescription,
  describeDeployment
} from './deployment.js'
import { freeDeploymentGroup } from './if-running.js'

export function codeDeployBackend(step: Step, plan: Plan): Backend {
  const { io, inputs } = step
  const makeRoom = (): Promise<void> =>
    freeDeploymentGroup(
      io.aws().codedeploy,
      deploymentTarget(plan),
      inputs.ifDeploymentRunning,
      waitBehind(step, plan.timeoutMinutes)
    )
  return {
    makeRoom,
    start: async revision => {
      const appSpec = buildAppSpec({ ...appSpecParts(plan), taskDefinitionArn: revision })
      step.outputs.appSpec(appSpec.content)
      return createOwnDeployment(step, { ...deploymentTarget(plan), appSpec }, makeRoom)
    },
    reported: {
      status: 'Created',
      applicationName: plan.group?.applicationName,
      deploymentGroupName: plan.group?.deploymentGroupName,
      deploymentConfigName: plan.deploymentConfigName
    },
    printDryRun: () => {
      const appSpec = buildAppSpec({
        ...appSpecParts(plan),
        taskDefinitionArn: plan.existingArn ?? `${plan.family}:NEXT`
      })
      io.startGroup('AppSpec')
      io.info(JSON.stringify(appSpec.appSpec, null, 2))
      io.endGroup()
      step.outputs.appSpec(appSpec.content)
      const group = plan.group
        ? ` through ${plan.group.applicationName}/${plan.group.deploymentGroupName}`
        : ''
      io.info(`Dry run: nothing was registered or deployed${group}.`)
      return appSpec.content
    }
  }
}

function deploymentTarget(plan: Plan): DeploymentTarget {
  // preparePlan leaves the group out only in a dry run without AWS access.
  if (!plan.group) throw new ActionError('No CodeDeploy deployment group was found for the service.')
  return { applicationName: plan.group.applicationName, deploymentGroupName: plan.group.deploymentGroupName }
}

function appSpecParts(plan: Plan): Omit<Parameters<typeof buildAppSpec>[0], 'taskDefinitionArn'> {
  // The AppSpec file wins over the service: it is how users change network settings on deploy.
  const file = plan.appSpecFile
  const svc = plan.service
  // preparePlan refuses a CodeDeploy plan without a port.
  const containerPort = plan.containerPort ?? 0
  return {
    containerName: plan.containerName,
    containerPort,
    platformVersion: file?.platformVersion ?? svc?.platformVersion,
    networkConfiguration: file?.networkConfiguration ?? svc?.networkConfiguration,
    capacityProviderStrategy: file?.capacityProviderStrategy ?? svc?.capacityProviderStrategy,
    hooks: file?.hooks ?? []
  }
}

async function createOwnDeployment(
  step: Step,
  d: DeploymentTarget & { appSpec: BuiltAppSpec },
  makeRoom: () => Promise<void>
): Promise<string> {
  const { io, inputs, guard, outputs } = step
  const { codedeploy, region } = io.aws()
  const request = {
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    deploymentConfigName: inputs.deploymentConfig,
    description: inputs.description ?? defaultDescription(io.env),
    appSpec: { content: d.appSpec.content, sha256: d.appSpec.sha256 }
  }
  for (;;) {
    try {
      const { id, adopted } = await guard.create(
        {
          applicationName: d.applicationName,
          deploymentGroupName: d.deploymentGroupName,
          appSpecSha256: d.appSpec.sha256
        },
        () => createDeployment(codedeploy, request),
        createRefused
      )
      const url = deploymentConsoleUrl(region, id)
      outputs.deployment(id, url)
      io.info(
        `${adopted ? 'Adopted' : 'Created'} deployment ${id} of ${d.applicationName}/${d.deploymentGroupName}: ${url}`
      )
      if (adopted)
        io.info(
          'A retried CreateDeployment had already gone through: the deployment running this AppSpec is ours.'
        )
      return id
    } catch (e) {
      // Any other refusal is reported with the call and what this step has changed (runtime/aws.ts).
      if (!(e instanceof GroupBusyError)) throw e
      // A race: another deployment started between the check and CreateDeployment.
      if (!e.running) {
        throw new ActionError(
          `CreateDeployment was refused: ${e.refusal}`,
          'Allow codedeploy:ListDeployments and codedeploy:GetDeployment so that if-deployment-running can name, wait for or replace it; or run again when it ends.',
          'Deployment already running'
        )
      }
      const running = describeDeployment(e.running, id => deploymentConsoleUrl(region, id))
      if (inputs.ifDeploymentRunning === 'fail') {
        throw new ActionError(
          `Deployment group ${d.deploymentGroupName} got a deployment in progress just before this one: ${running}.`,
          'Wait for it to end and run again, or set if-deployment-running: wait or replace.',
          'Deployment already running'
        )
      }
      io.info(`${running} took the deployment group first.`)
      await makeRoom()
    }
  }
}
