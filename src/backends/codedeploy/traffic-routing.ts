// How a CodeDeploy deployment configuration shifts production traffic: when each step is due, and how
// long the whole shift takes.
import { GetDeploymentConfigCommand, type CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ActionError, awsErrorKind, awsErrorName, errorMessage } from '../../runtime/errors.js'
import type { TrafficRouting } from '../../watch/snapshot.js'

// The predefined ECS configurations (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html),
// known without a call; custom ones are read.
const PREDEFINED_ROUTING: Record<string, TrafficRouting> = {
  'CodeDeployDefault.ECSAllAtOnce': { type: 'AllAtOnce' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 1
  },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': {
    type: 'TimeBasedLinear',
    percentage: 10,
    intervalMinutes: 3
  },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 5
  },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': {
    type: 'TimeBasedCanary',
    percentage: 10,
    intervalMinutes: 15
  }
}

/** How a deployment configuration shifts production traffic. */
export async function getTrafficRouting(
  cd: CodeDeployClient,
  deploymentConfigName: string
): Promise<TrafficRouting> {
  const known = PREDEFINED_ROUTING[deploymentConfigName]
  if (known) return known
  let info
  try {
    info = (await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName }))).deploymentConfigInfo
  } catch (e) {
    if (awsErrorName(e) === 'DeploymentConfigDoesNotExistException') {
      throw new ActionError(
        `CodeDeploy deployment configuration ${deploymentConfigName} does not exist.`,
        `Check codedeploy-deployment-config; the predefined ECS ones are ${Object.keys(PREDEFINED_ROUTING).join(', ')}.`,
        undefined,
        e
      )
    }
    if (awsErrorKind(e) === 'access-denied') {
      throw new ActionError(
        `Not allowed to read deployment configuration ${deploymentConfigName}: ${errorMessage(e)}`,
        'Allow codedeploy:GetDeploymentConfig to the role this workflow assumes.',
        undefined,
        e
      )
    }
    throw e
  }
  if (info?.computePlatform !== 'ECS') {
    throw new ActionError(
      `Deployment configuration ${deploymentConfigName} is for the ${info?.computePlatform ?? 'unknown'} compute platform, not ECS.`,
      `Use an ECS configuration, e.g. ${Object.keys(PREDEFINED_ROUTING).join(', ')}.`
    )
  }
  const routing = info.trafficRoutingConfig
  if (routing?.type === 'TimeBasedCanary') {
    return {
      type: 'TimeBasedCanary',
      percentage: routing.timeBasedCanary?.canaryPercentage ?? 0,
      intervalMinutes: routing.timeBasedCanary?.canaryInterval ?? 0
    }
  }
  if (routing?.type === 'TimeBasedLinear') {
    return {
      type: 'TimeBasedLinear',
      percentage: routing.timeBasedLinear?.linearPercentage ?? 0,
      intervalMinutes: routing.timeBasedLinear?.linearInterval ?? 0
    }
  }
  return { type: 'AllAtOnce' }
}

export function describeTrafficRouting(r: TrafficRouting): string {
  switch (r.type) {
    case 'AllAtOnce':
      return 'all at once'
    case 'TimeBasedCanary':
      return `canary: ${r.percentage}% then the rest after ${r.intervalMinutes} min`
    case 'TimeBasedLinear':
      return `linear: ${r.percentage}% every ${r.intervalMinutes} min`
  }
}
