// Reads a service deployment of ECS's own deployments as the backend-neutral snapshot: one
// DescribeServiceDeployments per read, the stage times the reader has seen, and the new revision's
// stopped tasks every 15 s while tasks start.
import { DescribeServiceRevisionsCommand, type ECSClient, type ServiceDeployment } from '@aws-sdk/client-ecs'
import { awsErrorKind, awsErrorName, errorMessage } from '../../runtime/errors.js'
import type { Io } from '../../runtime/io.js'
import type { DeploymentReader } from '../../watch/deployment-watch.js'
import type { DeploymentSnapshot } from '../../watch/snapshot.js'
import { StoppedTaskFinder } from '../stopped-tasks.js'
import { getServiceDeployment, parseServiceDeploymentArn } from './deployment.js'
import { ENDED, NO_STAGES, type StageTimes, observeStages, toSnapshot } from './snapshot.js'

/** As for CodeDeploy: stopped tasks matter, but not enough for two more calls every poll. */
const STOPPED_TASKS_EVERY_MS = 15_000

export interface EcsReaderDeps {
  ecs: ECSClient
  now: () => Date
  /** Told once when stopped tasks cannot be read (no ecs:ListTasks permission). */
  warn?: (line: string) => void
}

export interface EcsReaderOptions {
  /** The revision being deployed; read from the deployment's target revision when not given. */
  taskDefinitionArn?: string
}

/** The task definition of the deployment's target revision (DescribeServiceRevisions), once. */
async function targetTaskDefinition(ecs: ECSClient, d: ServiceDeployment): Promise<string | undefined> {
  const arn = d.targetServiceRevision?.arn
  if (!arn) return undefined
  const out = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [arn] }))
  return out.serviceRevisions?.[0]?.taskDefinition
}

export function createEcsReader(
  deps: EcsReaderDeps,
  arn: string,
  opts: EcsReaderOptions = {}
): DeploymentReader {
  const where = parseServiceDeploymentArn(arn)
  let times: StageTimes = NO_STAGES
  let revision = opts.taskDefinitionArn
  let finder: StoppedTaskFinder | undefined
  let lastLookup: number | undefined
  let lookedAfterEnd = false
  let lookupOff = false

  /** While new tasks start or are replaced, and once more at the end: crashed tasks explain a failure. */
  async function lookForStoppedTasks(d: ServiceDeployment, snap: DeploymentSnapshot): Promise<void> {
    if (!where || lookupOff) return
    const now = deps.now().getTime()
    const ended = ENDED.includes(d.status ?? '')
    const quiet = snap.phase === 'ready' || snap.phase === 'termination-wait'
    const due = lastLookup === undefined || now - lastLookup >= STOPPED_TASKS_EVERY_MS
    if (ended ? lookedAfterEnd || d.status === 'SUCCESSFUL' : quiet || !due) return
    if (ended) lookedAfterEnd = true
    lastLookup = now
    try {
      revision ??= await targetTaskDefinition(deps.ecs, d)
      if (!revision) return
      const ours = revision
      finder ??= new StoppedTaskFinder(deps.ecs, where.cluster, where.service)
      await finder.look(
        d.startedAt?.getTime() ?? d.createdAt?.getTime() ?? 0,
        now,
        t => t.taskDefinitionArn === ours
      )
    } catch (e) {
      deps.warn?.(
        `Could not look for stopped tasks of the new revision (${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}); the deployment is still watched. ` +
          'Allow ecs:ListTasks, ecs:DescribeTasks and ecs:DescribeServiceRevisions to see why tasks stop.'
      )
      lookupOff ||= awsErrorKind(e) !== 'other'
    }
  }

  return {
    async read(): Promise<DeploymentSnapshot> {
      const d = await getServiceDeployment(deps.ecs, arn)
      times = observeStages(times, d, deps.now())
      const snap = toSnapshot(d, times)
      await lookForStoppedTasks(d, snap)
      return { ...snap, stoppedTasks: finder?.tasks ?? [] }
    }
  }
}

/** Readers of service deployments through the step's clients. */
export function ecsReaders(io: Io, opts: EcsReaderOptions = {}): (arn: string) => DeploymentReader {
  return arn => {
    let warned = false
    return createEcsReader(
      {
        ecs: io.aws().ecs,
        now: () => io.now(),
        warn: line => {
          if (warned) return
          warned = true
          io.warning(line)
        }
      },
      arn,
      opts
    )
  }
}
