import { setTimeout as delay } from 'node:timers/promises'
import { type StopClients, statusOf, stopWithRollback } from '../backends/deployments.js'
import type { Reporter } from '../report/report.js'
import { ActionError, errorMessage } from './errors.js'
import type { Io } from './io.js'
import type { PendingTarget, Settled, StepState } from './state.js'

/** How long a cancelled run waits for a write already sent: the runner kills at 10 s. */
const WRITE_GRACE_MS = 4000
const STATUS_DEADLINE_MS = 6000

/**
 * Keeps production safe when the run is cut short. The runner sends SIGINT, SIGTERM 7.5 s later
 * and SIGKILL 2.5 s after that: on the first signal the deployment this step owns is stopped
 * with rollback at once, through a client that fails fast. Whatever the signal handler cannot
 * finish, the post step does from the saved state.
 *
 * From the signal on, the handler alone ends the step: the flow's sleeps end at once (so a watch
 * loop does not go on reading and deciding), its report is dropped, and the stop is sent once
 * whether the timeout or the signal asks first.
 */
export class CancelGuard {
  private owned?: string
  private settledAs?: Settled
  private orphan?: { arn: string; deregister: () => Promise<void> }
  /** The one-off task run before the deployment (run-task), while the step waits for it. */
  private task?: { arn: string; stop: () => Promise<void> }
  /** A CreateDeployment was sent and AWS has not answered it clearly (yet): its deployment may exist. */
  private createUnanswered = false
  private handling = false
  private readonly abort = new AbortController()
  private stopping?: Promise<string | undefined>
  /** The write to AWS under way (RegisterTaskDefinition, CreateDeployment), if any. */
  private inFlight?: Promise<unknown>
  /** What this step changed in AWS, in order, for an error to say truthfully. */
  private readonly changes: string[] = []

  constructor(
    private readonly io: Io,
    private readonly state: StepState,
    private readonly reporter: Reporter,
    private readonly rollbackOnCancel: boolean,
    /** Clients that fail fast: the runner kills the step 10 s after SIGINT. */
    private readonly stopClients: StopClients,
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

  /** `io` whose sleeps end, rejecting, when the run is cancelled. */
  interruptible(io: Io): Io {
    const { signal } = this.abort
    const cancelled = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => {
        reject(new ActionError('The run was cancelled.', undefined, 'Deployment cancelled'))
      })
    })
    // No sleep may be under way when the signal comes: that is no unhandled rejection.
    cancelled.catch(() => undefined)
    return { ...io, sleep: ms => (signal.aborted ? cancelled : Promise.race([cancelled, io.sleep(ms)])) }
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

  /**
   * Runs the one-off task (RunTask): from its answer until `taskDone`, a cancellation stops the
   * task, and so does the post step should this step die first.
   */
  startTask<T>(
    call: () => Promise<T>,
    taskArn: (result: T) => string | undefined,
    stop: (arn: string) => Promise<void>
  ): Promise<T> {
    return this.write(call, result => {
      const arn = taskArn(result)
      if (arn === undefined) return
      this.task = { arn, stop: () => stop(arn) }
      this.state.runningTask(arn)
    })
  }

  /** The task stopped, or goes on without this step (wait-for-task-stopped: false). */
  taskDone(): void {
    this.task = undefined
    this.state.runningTask(undefined)
  }

  private async stopTask(reason: string): Promise<void> {
    const task = this.task
    if (!task) return
    try {
      await task.stop()
      this.taskDone()
      this.io.info(`${reason}: stopped task ${task.arn}.`)
    } catch (e) {
      this.io.warning(
        `${reason}, and stopping task ${task.arn} failed (${errorMessage(e)}); the post step tries again.`,
        'Task may still run'
      )
    }
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

  /**
   * Creates the deployment; from its answer on, this step owns it. What finds the deployment is
   * saved before the call goes out: a step killed before the answer leaves it to the post step.
   * `refused` tells an error that AWS answered (nothing was created) from one without an answer
   * (the network, a timeout, a 5xx), after which the deployment may exist.
   */
  async create<T extends { id: string }>(
    target: PendingTarget,
    call: () => Promise<T>,
    refused: (e: unknown) => boolean
  ): Promise<T> {
    this.refuseAfterCancel()
    this.state.creating({
      ...target,
      taskDefinitionArn: this.orphan?.arn,
      sentAt: this.io.now().toISOString()
    })
    this.createUnanswered = true
    try {
      return await this.write(call, result => {
        this.createUnanswered = false
        this.changed(`created deployment ${result.id}`)
        this.own(result.id)
      })
    } catch (e) {
      if (refused(e)) {
        this.createUnanswered = false
        this.state.creating(undefined)
      } else {
        const call = 'cluster' in target ? 'UpdateService' : 'CreateDeployment'
        this.changed(`sent ${call} without a clear answer (the post step looks for its deployment)`)
      }
      throw e
    }
  }

  private refuseAfterCancel(): void {
    if (this.handling) {
      throw new ActionError(
        'The run was cancelled before this step changed anything more in AWS.',
        undefined,
        'Deployment cancelled'
      )
    }
  }

  /**
   * Runs a write so that a cancellation waits for its answer and cleans up after it (stops the
   * new deployment, deregisters the new revision), and starts none after a cancellation.
   */
  private async write<T>(call: () => Promise<T>, recordResult: (result: T) => void): Promise<T> {
    this.refuseAfterCancel()
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

  /**
   * No orphan revisions: deregisters what was registered when no deployment came of it. Never while
   * a CreateDeployment that uses it has not answered: the deployment may exist.
   */
  async dropOrphan(): Promise<void> {
    const orphan = this.orphan
    if (!orphan) return
    if (this.createUnanswered) {
      this.io.info(
        `Kept ${orphan.arn} registered: CreateDeployment gave no clear answer, so a deployment may use it. The post step finds out.`
      )
      return
    }
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

  /**
   * Stops the owned deployment with rollback, once: the timeout and a signal can both ask while
   * the watch runs, and both get the one stop's result.
   */
  stopOwned(reason: string): Promise<string | undefined> {
    if (this.stopping) return this.stopping
    const id = this.ownsLiveDeployment
    if (id === undefined) return Promise.resolve(undefined)
    this.stopping = this.stop(id, reason)
    return this.stopping
  }

  private async stop(id: string, reason: string): Promise<string | undefined> {
    if (!this.rollbackOnCancel) {
      this.io.warning(
        `${reason}; deployment ${id} goes on without this step (rollback-on-cancel: false).`,
        'Deployment left running'
      )
      this.settle('handed-off')
      return undefined
    }
    if ((await stopWithRollback(this.stopClients, id)) === 'ended') {
      // It ended between the last read and the stop: how it ended is for whoever reads it next.
      this.settle('ended')
      this.io.info(`${reason}: deployment ${id} had already ended, there was nothing to stop.`)
      return undefined
    }
    this.settle('stop-requested')
    this.changed(`stopped deployment ${id} with rollback`)
    this.io.info(
      `${reason}: stopped deployment ${id} with rollback; production traffic goes back to the original task set.`
    )
    return id
  }

  /** The deployment's status for deployment-status, read while the runner's time allows. */
  private async status(heard: number): Promise<string | undefined> {
    if (this.owned === undefined || Date.now() - heard >= STATUS_DEADLINE_MS) return undefined
    try {
      return await statusOf(this.stopClients, this.owned)
    } catch {
      // Best effort within the runner's 10 s: the stop matters, the output does not.
      return undefined
    }
  }

  private async onSignal(signal: NodeJS.Signals): Promise<void> {
    // SIGTERM follows SIGINT 7.5 s later: the first signal's handler is still at work.
    if (this.handling) return
    this.handling = true
    this.abort.abort()
    const reason = `The run was cancelled (${signal})`
    const heard = Date.now()
    const reported = this.reporter.interrupt()
    if (reported) {
      // The step had reached its result before the signal: that result stands.
      await reported
      this.exit()
      return
    }
    let message: string
    try {
      if (this.inFlight)
        await Promise.race([
          this.inFlight.catch(() => undefined),
          delay(WRITE_GRACE_MS, undefined, { ref: false })
        ])
      // The task runs the revision: it is stopped before the revision is deregistered.
      await this.stopTask(reason)
      await this.dropOrphan()
      const stopped = await this.stopOwned(reason)
      message = stopped
        ? `${reason}. Deployment ${stopped} was stopped and is rolling back; the post step reports how the rollback ends.`
        : this.createUnanswered
          ? `${reason} while CreateDeployment had not answered. The post step looks for the deployment by its AppSpec, stops it with rollback and reports how the rollback ends.`
          : `${reason}.`
    } catch (e) {
      message = `${reason}, and stopping deployment ${this.owned ?? ''} failed: ${errorMessage(e)}. The post step tries again; check the deployment in the console.`
    }
    await this.reporter.cancelled(`${message} ${this.whatChanged}`, await this.status(heard))
    this.exit()
  }
}
