import {
  type CodeDeployClient,
  GetDeploymentCommand,
  StopDeploymentCommand
} from '@aws-sdk/client-codedeploy'
import { ActionError, errorMessage } from './errors.js'
import type { Outputs } from '../report/outputs.js'
import type { Io } from './io.js'
import type { Settled, StepState } from './state.js'
import { setTimeout as delay } from 'node:timers/promises'

/** How long a cancelled run waits for a write already sent: the runner kills at 10 s. */
const WRITE_GRACE_MS = 4000
const STATUS_DEADLINE_MS = 6000

/**
 * Keeps production safe when the run is cut short. The runner sends SIGINT, SIGTERM 7.5 s later
 * and SIGKILL 2.5 s after that: on the first signal the deployment this step owns is stopped
 * with rollback at once, through a client that fails fast. Whatever the signal handler cannot
 * finish, the post step does from the saved state.
 */
export class CancelGuard {
  private owned?: string
  private settledAs?: Settled
  private orphan?: { arn: string; deregister: () => Promise<void> }
  private handling = false
  /** What this step changed in AWS, in order, for an error to say truthfully. */
  private readonly changes: string[] = []
  /** The write to AWS under way (RegisterTaskDefinition, CreateDeployment), if any. */
  private inFlight?: Promise<unknown>

  constructor(
    private readonly io: Io,
    private readonly state: StepState,
    private readonly outputs: Outputs,
    private readonly rollbackOnCancel: boolean,
    private readonly stopClient: () => CodeDeployClient,
    private readonly exit: () => void
  ) {
    state.rollbackOnCancel(rollbackOnCancel)
  }

  listen(): () => void {
    const handler = (signal: NodeJS.Signals): void => {
      void this.onSignal(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    return () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }

  /** True once the run was cancelled: the step starts no further writes. */
  get cancelled(): boolean {
    return this.handling
  }

  /** Registers a revision; until a deployment uses it, a failure or cancellation deregisters it. */
  register(call: () => Promise<string>, deregister: (arn: string) => Promise<void>): Promise<string> {
    return this.write(call, arn => {
      this.registered(arn, () => deregister(arn))
    })
  }

  /** A revision registered for a deployment that does not exist yet. */
  registered(arn: string, deregister: () => Promise<void>): void {
    this.orphan = { arn, deregister }
    this.changed(`registered ${arn}`)
  }

  /** Notes a change this step made in AWS. */
  changed(what: string): void {
    this.changes.push(what)
  }

  /** One sentence for an error: what this step changed in AWS, or that it changed nothing. */
  get whatChanged(): string {
    return this.changes.length === 0
      ? 'This step changed nothing in AWS.'
      : `What this step changed in AWS: ${this.changes.join('; ')}.`
  }

  /** Creates the deployment; from its answer on, this step owns it. */
  create<T extends { id: string }>(call: () => Promise<T>): Promise<T> {
    return this.write(call, result => {
      this.changed(`created deployment ${result.id}`)
      this.own(result.id)
    })
  }

  /**
   * Runs a write so that a cancellation waits for its answer and cleans up after it (stops the
   * new deployment, deregisters the new revision), and starts none after a cancellation.
   */
  private async write<T>(call: () => Promise<T>, recordResult: (result: T) => void): Promise<T> {
    if (this.handling) {
      throw new ActionError(
        'The run was cancelled before this step changed anything more in AWS.',
        undefined,
        'Deployment cancelled'
      )
    }
    const done = call().then(result => {
      recordResult(result)
      return result
    })
    this.inFlight = done
    try {
      return await done
    } finally {
      this.inFlight = undefined
    }
  }

  /** This step now answers for the deployment: the post step stops it unless it is settled. */
  own(deploymentId: string): void {
    this.orphan = undefined
    this.owned = deploymentId
    this.settledAs = undefined
    this.state.owns(deploymentId)
  }

  settle(how: Settled): void {
    if (this.owned === undefined) return
    this.settledAs = how
    this.state.settled(how)
  }

  get ownsLiveDeployment(): string | undefined {
    return this.settledAs === undefined ? this.owned : undefined
  }

  /** No orphan revisions: deregisters what was registered when no deployment came of it. */
  async dropOrphan(): Promise<void> {
    const orphan = this.orphan
    if (!orphan) return
    this.orphan = undefined
    try {
      await orphan.deregister()
      this.changed(`deregistered ${orphan.arn} again (no deployment used it)`)
      this.io.info(`Deregistered ${orphan.arn}: no deployment uses it.`)
    } catch (e) {
      this.io.warning(
        `Could not deregister ${orphan.arn} (${errorMessage(e)}); deregister it by hand if no deployment uses it.`
      )
    }
  }

  async stopOwned(reason: string): Promise<string | undefined> {
    const id = this.ownsLiveDeployment
    if (id === undefined) return undefined
    if (!this.rollbackOnCancel) {
      this.io.warning(
        `${reason}; deployment ${id} goes on without this step (rollback-on-cancel: false).`,
        'Deployment left running'
      )
      this.settle('handed-off')
      return undefined
    }
    await this.stopClient().send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    this.settle('stop-requested')
    this.changed(`stopped deployment ${id} with rollback`)
    this.io.info(
      `${reason}: stopped deployment ${id} with rollback; production traffic goes back to the original task set.`
    )
    return id
  }

  /** deployment-status for the steps after a cancelled one (`if: cancelled()`): CodeDeploy's word now. */
  private async reportStatus(): Promise<void> {
    if (this.owned === undefined) return
    try {
      const out = await this.stopClient().send(new GetDeploymentCommand({ deploymentId: this.owned }))
      if (out.deploymentInfo?.status) this.outputs.status(out.deploymentInfo.status)
    } catch {
      // Best effort within the runner's 10 s: the stop matters, the output does not.
    }
  }

  private async onSignal(signal: NodeJS.Signals): Promise<void> {
    // SIGTERM follows SIGINT 7.5 s later: the first signal's handler is still at work.
    if (this.handling) return
    this.handling = true
    const reason = `The run was cancelled (${signal})`
    const heard = Date.now()
    try {
      if (this.inFlight)
        await Promise.race([
          this.inFlight.catch(() => undefined),
          delay(WRITE_GRACE_MS, undefined, { ref: false })
        ])
      await this.dropOrphan()
      const stopped = await this.stopOwned(reason)
      this.io.error(
        stopped
          ? `${reason}. Deployment ${stopped} was stopped and is rolling back; the post step reports how the rollback ends.`
          : `${reason}.`,
        'Deployment cancelled'
      )
      // The runner's SIGKILL comes 10 s after SIGINT: the output is read only while time is left.
      if (Date.now() - heard < STATUS_DEADLINE_MS) await this.reportStatus()
    } catch (e) {
      this.io.error(
        `${reason}, and stopping deployment ${this.owned ?? ''} failed: ${errorMessage(e)}. The post step tries again; check the deployment in the console.`,
        'Deployment cancelled'
      )
    }
    this.outputs.failed()
    this.exit()
  }
}
