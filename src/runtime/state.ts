// What the main step leaves for the post step (core.saveState / core.getState): every key is named
// here and read or written only through here.
//
// The runner hands the post step each key the main step saved as a STATE_<key> variable, over any
// variable of that name the job inherited (from its env, or a step's GITHUB_ENV). So the main step
// writes every key as it starts, and what the post step reads is this run's, never inherited.
import type { Io } from './io.js'

/** How a deployment this step owned stopped being its business. */
export type Settled = 'goal' | 'ended' | 'handed-off' | 'stop-requested'

const KEYS = {
  isPost: 'is-post',
  deploymentId: 'deployment-id',
  creating: 'creating',
  settled: 'settled',
  rollbackOnCancel: 'rollback-on-cancel',
  githubDeploymentId: 'github-deployment-id',
  runningTask: 'running-task'
} as const

/** A one-off task the main step started and did not see stop. */
export interface RunningTask {
  cluster: string
  taskArn: string
}

// Only what RunTask returns is ever stopped: a task ARN of the long form, which names its cluster.
const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/([A-Za-z0-9_-]{1,255})\/[0-9a-f]{32}$/

/**
 * A CodeDeploy id as CreateDeployment returns it, or a service deployment ARN as UpdateService
 * names it; nothing else is ever stopped.
 */
const DEPLOYMENT_ID =
  /^(d-[A-Z0-9]{9}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+)$/

/**
 * A CreateDeployment sent and not answered (yet): what finds the deployment should it exist, as
 * adoption does, by its AppSpec's SHA-256 in its group.
 */
export interface PendingCodeDeployCreate {
  applicationName: string
  deploymentGroupName: string
  appSpecSha256: string
  /** The revision registered for it: deregistered once it is known that no deployment came of it. */
  taskDefinitionArn?: string
  /** When it was sent, ISO 8601. */
  sentAt: string
}

/** An UpdateService sent and not answered (yet): its deployment is the service's newest since then. */
export interface PendingServiceUpdate {
  cluster: string
  service: string
  /** The task definition UpdateService sent: the deployment to find is the one of this revision. */
  revision: string
  taskDefinitionArn?: string
  sentAt: string
}

export type PendingCreate = PendingCodeDeployCreate | PendingServiceUpdate

/** What the caller of a create names; the guard adds the registered revision and the time. */
export type PendingTarget =
  | Omit<PendingCodeDeployCreate, 'taskDefinitionArn' | 'sentAt'>
  | Omit<PendingServiceUpdate, 'taskDefinitionArn' | 'sentAt'>

/** The main step's record, as the post step reads it. */
export interface MainStepRecord {
  deploymentId?: string
  creating?: PendingCreate
  /** Undefined while the deployment is still this step's to stop. */
  settled?: Settled
  rollbackOnCancel: boolean
  githubDeploymentId?: number
  runningTask?: RunningTask
}

export class StepState {
  constructor(private readonly io: Pick<Io, 'saveState' | 'getState' | 'env'>) {}

  /**
   * True in the post step. The mark is this job run's, not `true`: a STATE_is-post the job
   * inherits (a job env, a step that wrote GITHUB_ENV) must not make the main step skip its work.
   */
  get isPost(): boolean {
    return this.io.getState(KEYS.isPost) === this.runMark
  }

  private get runMark(): string {
    const env = this.io.env
    return `run ${env.GITHUB_RUN_ID ?? 'local'}.${env.GITHUB_RUN_ATTEMPT ?? '1'} job ${env.GITHUB_JOB ?? ''}`
  }

  /**
   * Writes every key as the main step starts, so that the post step reads only what this run
   * saved. Returns the keys the environment already set (inherited), for a warning.
   */
  begin(): string[] {
    const inherited = Object.values(KEYS).filter(key => this.io.getState(key) !== '')
    for (const key of Object.values(KEYS)) this.io.saveState(key, '')
    this.io.saveState(KEYS.isPost, this.runMark)
    return inherited
  }

  rollbackOnCancel(enabled: boolean): void {
    this.io.saveState(KEYS.rollbackOnCancel, String(enabled))
  }

  /** Saved before CreateDeployment is sent: should the step die before the answer, the post step finds it. */
  creating(pending: PendingCreate | undefined): void {
    this.io.saveState(KEYS.creating, pending ? JSON.stringify(pending) : '')
  }

  /** The post step stops this deployment unless it is settled first. */
  owns(deploymentId: string): void {
    this.io.saveState(KEYS.deploymentId, deploymentId)
    this.io.saveState(KEYS.creating, '')
    this.io.saveState(KEYS.settled, '')
  }

  settled(how: Settled): void {
    this.io.saveState(KEYS.settled, how)
  }

  githubDeployment(id: number): void {
    this.io.saveState(KEYS.githubDeploymentId, String(id))
  }

  /** The post step stops this task unless it is cleared first (it stopped, or runs on by design). */
  runningTask(taskArn: string | undefined): void {
    this.io.saveState(KEYS.runningTask, taskArn ?? '')
  }

  read(): MainStepRecord {
    const get = (key: string): string | undefined => this.io.getState(key) || undefined
    const id = get(KEYS.deploymentId)
    const settled = get(KEYS.settled)
    const github = Number(get(KEYS.githubDeploymentId))
    return {
      deploymentId: id !== undefined && DEPLOYMENT_ID.test(id) ? id : undefined,
      creating: parsePendingCreate(get(KEYS.creating)),
      settled: isSettled(settled) ? settled : undefined,
      rollbackOnCancel: get(KEYS.rollbackOnCancel) === 'true',
      githubDeploymentId: Number.isSafeInteger(github) && github > 0 ? github : undefined,
      runningTask: runningTask(get(KEYS.runningTask))
    }
  }
}

function runningTask(taskArn: string | undefined): RunningTask | undefined {
  const cluster = taskArn === undefined ? undefined : TASK_ARN.exec(taskArn)?.[1]
  return taskArn !== undefined && cluster !== undefined ? { cluster, taskArn } : undefined
}

function isSettled(value: string | undefined): value is Settled {
  return value === 'goal' || value === 'ended' || value === 'handed-off' || value === 'stop-requested'
}

function parsePendingCreate(text: string | undefined): PendingCreate | undefined {
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as Partial<PendingCodeDeployCreate & PendingServiceUpdate>
    const filled = (...values: unknown[]): boolean => values.every(s => typeof s === 'string' && s !== '')
    if (!filled(v.sentAt) || Number.isNaN(Date.parse(v.sentAt!))) return undefined
    if (v.cluster !== undefined)
      return filled(v.cluster, v.service, v.revision) ? (v as PendingServiceUpdate) : undefined
    if (!filled(v.applicationName, v.deploymentGroupName, v.appSpecSha256)) return undefined
    if (!/^[0-9a-f]{64}$/.test(v.appSpecSha256!)) return undefined
    return v as PendingCodeDeployCreate
  } catch {
    return undefined
  }
}
