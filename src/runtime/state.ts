// What the main step leaves for the post step (core.saveState / core.getState): every key is named
// here and read or written only through here.
import type { Io } from './io.js'

/** How a deployment this step owned stopped being its business. */
export type Settled = 'goal' | 'ended' | 'handed-off' | 'stop-requested'

const KEYS = {
  isPost: 'is-post',
  deploymentId: 'deployment-id',
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

/** The main step's record, as the post step reads it. */
export interface MainStepRecord {
  deploymentId?: string
  /** Undefined while the deployment is still this step's to stop. */
  settled?: Settled
  rollbackOnCancel: boolean
  githubDeploymentId?: number
  runningTask?: RunningTask
}

export class StepState {
  constructor(private readonly io: Pick<Io, 'saveState' | 'getState'>) {}

  /** True in the post step: the main step marked its state. */
  get isPost(): boolean {
    return this.io.getState(KEYS.isPost) === 'true'
  }

  markMainStep(): void {
    this.io.saveState(KEYS.isPost, 'true')
  }

  rollbackOnCancel(enabled: boolean): void {
    this.io.saveState(KEYS.rollbackOnCancel, String(enabled))
  }

  /** The post step stops this deployment unless it is settled first. */
  owns(deploymentId: string): void {
    this.io.saveState(KEYS.deploymentId, deploymentId)
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
    const settled = get(KEYS.settled)
    const github = Number(get(KEYS.githubDeploymentId))
    return {
      deploymentId: get(KEYS.deploymentId),
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
