// Links into the AWS console. Each region's own console host is used: the global host
// (console.aws.amazon.com) redirects to the user's last region, which shows "not found" for a
// deployment that lives elsewhere.
import { parseServiceDeploymentArn } from '../backends/ecs/deployment.js'

/**
 * Console host per partition, keyed by the region name's prefix. China and GovCloud have
 * their own consoles (console.amazonaws.cn, console.amazonaws-us-gov.com) that take the region
 * as a sub-domain like the commercial one. The ISO and European Sovereign Cloud partitions
 * publish no console host; their SDK DNS suffix is used as a best effort, without the region
 * sub-domain, since nothing says theirs follow the commercial scheme.
 */
const PARTITIONS: readonly { prefix: RegExp; host: (region: string) => string }[] = [
  { prefix: /^cn-/, host: r => `${r}.console.amazonaws.cn` },
  { prefix: /^us-gov-/, host: r => `${r}.console.amazonaws-us-gov.com` },
  { prefix: /^us-iso-/, host: () => 'console.c2s.ic.gov' },
  { prefix: /^us-isob-/, host: () => 'console.sc2s.sgov.gov' },
  { prefix: /^us-isof-/, host: () => 'console.csp.hci.ic.gov' },
  { prefix: /^eu-isoe-/, host: () => 'console.cloud.adc-e.uk' },
  { prefix: /^eusc-/, host: () => 'console.amazonaws.eu' }
]

function consoleBase(region: string): string {
  const partition = PARTITIONS.find(p => p.prefix.test(region))
  return `https://${partition ? partition.host(region) : `${region}.console.aws.amazon.com`}`
}

function link(region: string, path: string): string {
  return `${consoleBase(region)}${path}?region=${encodeURIComponent(region)}`
}

/** The last `/`-separated part of an ARN, or the value itself when it is a bare name. */
function lastSegment(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn
}

/** A CodeDeploy deployment's page, or for a service deployment ARN its service's deployments tab. */
export function deploymentConsoleUrl(region: string, deploymentId: string): string {
  const ecs = parseServiceDeploymentArn(deploymentId)
  if (ecs) {
    return link(
      ecs.region,
      `/ecs/v2/clusters/${encodeURIComponent(ecs.cluster)}/services/${encodeURIComponent(ecs.service)}/deployments`
    )
  }
  return link(region, `/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}`)
}

/** `arn` may be a task definition ARN or `family:revision`; without a revision the family's page. */
export function taskDefinitionConsoleUrl(region: string, arn: string): string {
  const [family = '', revision] = lastSegment(arn).split(':')
  const path = revision
    ? `/ecs/v2/task-definitions/${encodeURIComponent(family)}/${encodeURIComponent(revision)}/containers`
    : `/ecs/v2/task-definitions/${encodeURIComponent(family)}`
  return link(region, path)
}

/** A task's page; `cluster` is its cluster's name. */
export function taskConsoleUrl(region: string, cluster: string, taskArn: string): string {
  return link(
    region,
    `/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(lastSegment(taskArn))}/configuration`
  )
}
