import { createCodeDeployReader } from '../backends/codedeploy/snapshot.js'
import { deploymentConsoleUrl } from '../report/console-url.js'
import { type Runway, continueDeployment } from '../backends/codedeploy/deployment.js'
import { ActionError } from '../runtime/errors.js'
import { describeFailure, describeTimeout } from '../report/failure.js'
import type { Guard } from '../runtime/cancel-guard.js'
import type { Inputs } from '../inputs/inputs.js'
import type { Io } from '../runtime/io.js'
import { type ProgressView, initialView, reduce } from './progress.js'
import type { Reporter } from '../report/report.js'
import type { DeploymentSnapshot, TrafficRouting } from './snapshot.js'
import { type Goal, type WatchResult, followRollback, watch } from './watch.js'

const GOAL_TEXT: Record<Goal, string> = {
  succeeded: 'the deployment to succeed',
  'traffic-shifted': 'all production traffic to reach the replacement',
  ready: 'the replacement to be ready for testing'
}

/** Time for a stopped deployment to turn Stopped, and for its rollback to end. */
const STOP_WATCH_MINUTES = 10
const ROLLBACK_WATCH_MINUTES = 30

/** Reads and streams CodeDeploy deployments; shared by the main and the post step. */
export class Watcher {
  /** The revision being deployed: how stopped replacement tasks are recognised. */
  taskDefinitionArn?: string
  /** The deployment configuration's traffic steps: when the next one is due. */
  trafficRouting?: TrafficRouting

  constructor(
    private readonly io: Io,
    private readonly pollIntervalMs: number,
    private readonly startedAt: Date
  ) {}

  watch(
    id: string,
    goal: Goal,
    deadline: Date,
    view: ProgressView = initialView(this.startedAt)
  ): Promise<WatchResult> {
    return watch(this.options(id, goal, deadline, view))
  }

  /** The rollback CodeDeploy started for a failed or stopped deployment, watched to its end. */
  async rollbackOf(snapshot: DeploymentSnapshot): Promise<DeploymentSnapshot | undefined> {
    const id = snapshot.rollback?.deploymentId
    if (id === undefined) return undefined
    const result = await followRollback(
      this.options(id, 'succeeded', this.after(ROLLBACK_WATCH_MINUTES), initialView(this.startedAt))
    )
    return result.snapshot
  }

  /**
   * After StopDeployment: its end (Stopped, or Succeeded when it was too late), then its rollback.
   * `view` is what was already shown; by default the deployment's history so far is not replayed.
   */
  async stopped(
    id: string,
    view?: ProgressView
  ): Promise<{ snapshot: DeploymentSnapshot; rollback?: DeploymentSnapshot }> {
    const { snapshot } = await this.watch(
      id,
      'succeeded',
      this.after(STOP_WATCH_MINUTES),
      view ?? (await this.seen(id))
    )
    return { snapshot, rollback: await this.rollbackOf(snapshot) }
  }

  /** A view that has already shown the deployment as it is now: only what happens next gets lines. */
  private async seen(id: string): Promise<ProgressView> {
    const { read } = this.options(id, 'succeeded', this.after(0), initialView(this.startedAt))
    return reduce(initialView(this.startedAt), await read(), this.io.now()).view
  }

  after(minutes: number): Date {
    return new Date(this.io.now().getTime() + minutes * 60_000)
  }

  private options(id: string, goal: Goal, deadline: Date, view: ProgressView) {
    const { codedeploy, ecs } = this.io.aws()
    const reader = createCodeDeployReader(
      {
        codedeploy,
        ecs,
        now: () => this.io.now(),
        warn: line => {
          this.io.warning(line)
        }
      },
      id,
      { taskDefinitionArn: this.taskDefinitionArn, trafficRouting: this.trafficRouting }
    )
    return {
      read: () => reader.read(),
      goal,
      deadline,
      view,
      pollIntervalMs: this.pollIntervalMs,
      sleep: (ms: number) => this.io.sleep(ms),
      now: () => this.io.now(),
      // Io's logging methods are the watch's Logger as they are.
      log: this.io
    }
  }
}

/**
 * Follows the deployments of one step and turns how they end into the step's result. Owned
 * deployments (created or continued by this step) are stopped with rollback on timeout.
 */
export class Tracker {
  readonly watcher: Watcher
  private view: ProgressView
  timeoutMinutes: number

  constructor(
    private readonly io: Io,
    private readonly inputs: Inputs,
    readonly guard: Guard,
    readonly reporter: Reporter,
    startedAt: Date
  ) {
    this.watcher = new Watcher(io, inputs.pollIntervalSeconds * 1000, startedAt)
    this.view = initialView(startedAt)
    this.timeoutMinutes = inputs.timeoutMinutes ?? 60
  }

  /** For if-deployment-running: streams someone else's deployment to its end, never stopping it. */
  runway(): Runway {
    return {
      waitBehind: (id, endTerminationWait) => this.waitBehind(id, endTerminationWait),
      log: line => {
        this.io.info(line)
      },
      consoleUrl: id => deploymentConsoleUrl(this.io.aws().region, id)
    }
  }

  private async waitBehind(id: string, endTerminationWait: boolean): Promise<void> {
    const deadline = this.deadline()
    let result = await this.watcher.watch(id, endTerminationWait ? 'traffic-shifted' : 'succeeded', deadline)
    // AfterAllowTraffic has passed; the termination wait starts a moment later.
    while (result.outcome === 'goal' && result.snapshot.phase === 'traffic-shifted') {
      await this.io.sleep(this.inputs.pollIntervalSeconds * 1000)
      result = await this.watcher.watch(id, 'traffic-shifted', deadline, result.view)
    }
    if (result.outcome === 'goal' && result.snapshot.phase === 'termination-wait') {
      this.io.info(
        `Ending the termination wait of ${id} (ContinueDeployment TERMINATION_WAIT): its release is done.`
      )
      await continueDeployment(this.io.aws().codedeploy, id, 'TERMINATION_WAIT')
      result = await this.watcher.watch(id, 'succeeded', deadline, result.view)
    }
    if (result.outcome === 'timeout') {
      throw new ActionError(
        `Deployment ${id} did not end within ${this.timeoutMinutes} minutes; this step gave up waiting behind it.`,
        'Run again later, or raise timeout-minutes.',
        'Deployment already running'
      )
    }
    // The rollback CodeDeploy starts for a failed or stopped deployment holds the group next.
    await this.watcher.rollbackOf(result.snapshot)
  }

  deadline(): Date {
    return this.watcher.after(this.timeoutMinutes)
  }

  /** Watches a deployment to `goal` and reports; when time runs out, the guard stops it if this step owns it. */
  async follow(id: string, goal: Goal, deadline: Date): Promise<void> {
    const result = await this.watch(id, goal, deadline)
    await this.conclude(result, goal)
  }

  async watch(id: string, goal: Goal, deadline: Date): Promise<WatchResult> {
    const result = await this.watcher.watch(id, goal, deadline, this.view)
    this.view = result.view
    return result
  }

  async conclude(result: WatchResult, goal: Goal): Promise<void> {
    const { snapshot } = result
    const seen = { snapshot, timeline: [...result.view.timeline], traffic: [...result.view.traffic], goal }
    if (result.outcome === 'goal') {
      this.guard.settle(snapshot.phase === 'succeeded' ? 'ended' : 'goal')
      await this.reporter.end({
        ...seen,
        outcome: snapshot.phase === 'succeeded' ? 'succeeded' : 'goal-reached'
      })
      return
    }
    if (result.outcome === 'timeout') {
      const stopped = await this.guard.stopOwned(`Timed out after ${this.timeoutMinutes} minutes`)
      const after = stopped ? await this.watcher.stopped(stopped, this.view) : undefined
      const failure = describeTimeout({
        // Where it stood when time ran out; how the stop and the rollback ended comes with them.
        snap: snapshot,
        stopped: stopped !== undefined,
        rollback: after?.rollback,
        minutes: this.timeoutMinutes,
        goal: GOAL_TEXT[goal]
      })
      await this.reporter.end({
        ...seen,
        snapshot: after?.snapshot ?? snapshot,
        outcome: 'timeout',
        rollback: after?.rollback,
        failure
      })
      return
    }
    this.guard.settle('ended')
    const rollback = await this.watcher.rollbackOf(snapshot)
    const failure = describeFailure(snapshot, rollback, {
      previousTaskDefinition: this.reporter.previousTaskDefinition
    })
    await this.reporter.end({ ...seen, outcome: result.outcome, rollback, failure })
  }

  /** wait-for-deployment: false. */
  async handOff(id: string): Promise<void> {
    this.guard.settle('handed-off')
    this.io.info(`Not waiting for ${id} (wait-for-deployment: false); follow it in the console.`)
    await this.reporter.end({ outcome: 'handed-off', status: 'Created' })
  }
}
