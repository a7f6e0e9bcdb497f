// Shared by the simulator tests: real SDK clients pointed at a simulator, an AppSpec builder and a
// poll loop that records every distinct state a deployment shows.
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  type DeploymentInfo,
  type ECSTarget
} from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import { createHash } from 'node:crypto'
import { appSpecJson } from '../../sim/appspec.js'
import type { Simulator } from '../../sim/server.js'

export function clients(
  sim: Simulator,
  extra: { maxAttempts?: number } = {}
): { cd: CodeDeployClient; ecs: ECSClient } {
  const config = {
    region: 'us-east-1',
    endpoint: sim.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    ...extra
  }
  return { cd: new CodeDeployClient(config), ecs: new ECSClient(config) }
}

export const appSpec = (taskDefinition: string, containerName = 'web', containerPort = 8080): string =>
  appSpecJson(taskDefinition, { containerName, containerPort })

export const WEB = {
  applicationName: 'AppECS-sim-cluster-web',
  deploymentGroupName: 'DgpECS-sim-cluster-web'
}
export const WEB_TD = (rev: number): string => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`

export async function deploy(
  cd: CodeDeployClient,
  content = appSpec(WEB_TD(2)),
  extra: Record<string, unknown> = {}
): Promise<string> {
  const out = await cd.send(
    new CreateDeploymentCommand({
      ...WEB,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') }
      },
      ...extra
    })
  )
  return out.deploymentId!
}

export interface Frame {
  status: string
  events: string
  weights: string
  /** As real CodeDeploy shows the termination wait: InProgress with the target Succeeded. */
  terminationWait: boolean
  /** instanceTerminationWaitTimeStarted, which only the fixed world sets. */
  flag: boolean
  info: DeploymentInfo
  target?: ECSTarget
}

/** One line per distinct state: status, event initials (P/I/S/F/K=Skipped), and Blue/Green weights. */
export async function read(cd: CodeDeployClient, deploymentId: string): Promise<Frame> {
  const info = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!
  let target: ECSTarget | undefined
  try {
    target = (await cd.send(new GetDeploymentTargetCommand({ deploymentId, targetId: 'sim-cluster:web' })))
      .deploymentTarget!.ecsTarget
  } catch (e) {
    if ((e as Error).name !== 'DeploymentNotStartedException') throw e
  }
  const initial = (s?: string): string => (s === 'Skipped' ? 'K' : (s ?? '?').charAt(0))
  return {
    status: info.status!,
    events: (target?.lifecycleEvents ?? []).map(e => initial(e.status)).join(''),
    weights: (target?.taskSetsInfo ?? []).map(t => `${t.taskSetLabel!}:${t.trafficWeight!}`).join(' '),
    terminationWait: info.status === 'InProgress' && target?.status === 'Succeeded',
    flag: info.instanceTerminationWaitTimeStarted ?? false,
    info,
    ...(target ? { target } : {})
  }
}

const TERMINAL = ['Succeeded', 'Failed', 'Stopped']

/**
 * Polls until the deployment ends (or `until` holds) and returns the distinct frames seen.
 * With a frozen clock (timeScale 0) each poll first moves simulated time by `step` seconds.
 */
export async function play(
  sim: Simulator,
  cd: CodeDeployClient,
  deploymentId: string,
  opts: { step?: number; pollMs?: number; until?: (f: Frame) => boolean; maxPolls?: number } = {}
): Promise<Frame[]> {
  const frames: Frame[] = []
  const key = (f: Frame): string => `${f.status} ${f.events} ${f.weights} ${f.terminationWait} ${f.flag}`
  for (let i = 0; i < (opts.maxPolls ?? 5000); i++) {
    if (opts.step) sim.advance(opts.step)
    else await new Promise(r => setTimeout(r, opts.pollMs ?? 20))
    const f = await read(cd, deploymentId)
    const done = opts.until ? opts.until(f) : TERMINAL.includes(f.status)
    // The last frame is always the latest read, so callers see fields the key leaves out.
    if (frames.length && key(frames.at(-1)!) === key(f)) {
      if (done) frames[frames.length - 1] = f
    } else frames.push(f)
    if (done) return frames
  }
  throw new Error(`deployment ${deploymentId} did not finish: last ${key(frames.at(-1)!)}`)
}

/** The distinct green weights in order. */
export const greenWeights = (frames: Frame[]): number[] =>
  frames
    .map(f => f.target?.taskSetsInfo?.find(t => t.taskSetLabel === 'Green')?.trafficWeight)
    .filter((w, i, all): w is number => w !== undefined && w !== all[i - 1])
