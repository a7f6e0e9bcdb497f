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
  githubDeploymentId: 'github-deployment-id'
} as const

/** The main step's record, as the post step reads it. */
export interface MainStepRecord {
  deploymentId?: string
  /** Undefined while the deployment is still this step's to stop. */
  settled?: Settled
  rollbackOnCancel: boolean
  githubDeploymentId?: number
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

  read(): MainStepRecord {
    const get = (key: string): string | undefined => this.io.getState(key) || undefined
    const settled = get(KEYS.settled)
    const github = Number(get(KEYS.githubDeploymentId))
    return {
      deploymentId: get(KEYS.deploymentId),
      settled: isSettled(settled) ? settled : undefined,
      rollbackOnCancel: get(KEYS.rollbackOnCancel) === 'true',
      githubDeploymentId: Number.isSafeInteger(github) && github > 0 ? github : undefined
    }
  }
}

function isSettled(value: string | undefined): value is Settled {
  return value === 'goal' || value === 'ended' || value === 'handed-off' || value === 'stop-requested'
}
