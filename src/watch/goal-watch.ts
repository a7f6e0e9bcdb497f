// The step's own deployment, watched to the step's goal (wait-until), and how it ended turned into
// the step's result. A deployment the step owns is stopped with rollback when time runs out.
import type { CancelGuard } from '../runtime/cancel-guard.js'
import type { Io } from '../runtime/io.js'
import { describeFailure, describeTimeout } from '../report/failure.js'
import type { Reporter } from '../report/report.js'
import type { RunOutcome } from '../report/summary.js'
import type { DeploymentWatch } from './deployment-watch.js'
import { type ProgressView, initialView } from './progress.js'
import type { Goal, WatchGoal, WatchResult } from './watch.js'

const GOAL_TEXT: Record<Goal, string> = {
  succeeded: 'the deployment to succeed',
  'traffic-shifted': 'all production traffic to reach the replacement',
  ready: 'the replacement to be ready for testing'
}

export class GoalWatch {
  private view: ProgressView
  /** How the step's deployment ended for the step, once concluded: what may follow depends on it. */
  private ended?: RunOutcome
  /** Counted from when the goal watch begins: the deployment was just created, or read. */
  private readonly deadline: Date

  constructor(
    private readonly io: Io,
    private readonly deployments: DeploymentWatch,
    private readonly guard: CancelGuard,
    private readonly reporter: Reporter,
    private readonly timeoutMinutes: number,
    startedAt: Date
  ) {
    this.view = initialView(startedAt)
    this.deadline = deployments.after(timeoutMinutes)
  }

  get outcome(): RunOutcome | undefined {
    return this.ended
  }

  /** Watches a deployment to `goal` and reports how it went. */
  async follow(id: string, goal: Goal): Promise<void> {
    await this.conclude(await this.watch(id, goal), goal)
  }

  /** Watches without concluding: a step that acts at a gate (continue-deployment) reads on after it. */
  async watch(id: string, goal: WatchGoal): Promise<WatchResult> {
    const result = await this.deployments.watch(id, goal, this.deadline, this.view)
    this.view = result.view
    return result
  }

  async conclude(result: WatchResult, goal: Goal): Promise<void> {
    const { snapshot } = result
    const seen = { snapshot, timeline: [...result.view.timeline], traffic: [...result.view.traffic], goal }
    if (result.outcome === 'goal') {
      this.guard.settle(snapshot.phase === 'succeeded' ? 'ended' : 'goal')
      this.ended = snapshot.phase === 'succeeded' ? 'succeeded' : 'goal-reached'
      await this.reporter.end({ ...seen, outcome: this.ended })
      return
    }
    if (result.outcome === 'timeout') {
      const stopped = await this.guard.stopOwned(`Timed out after ${this.timeoutMinutes} minutes`)
      const after = stopped ? await this.deployments.afterStop(stopped, this.view) : undefined
      const failure = describeTimeout({
        // Where it stood when time ran out; how the stop and the rollback ended comes with them.
        snap: snapshot,
        stopped: stopped !== undefined,
        rollback: after?.rollback,
        minutes: this.timeoutMinutes,
        goal: GOAL_TEXT[goal]
      })
      this.ended = 'timeout'
      await this.reporter.end({
        ...seen,
        snapshot: after?.snapshot ?? snapshot,
        outcome: this.ended,
        rollback: after?.rollback,
        failure
      })
      return
    }
    this.guard.settle('ended')
    const rollback = await this.deployments.rollbackOf(snapshot)
    const failure = describeFailure(snapshot, rollback, {
      previousTaskDefinition: this.reporter.previousTaskDefinition
    })
    this.ended = result.outcome
    await this.reporter.end({ ...seen, outcome: this.ended, rollback, failure })
  }

  /** wait-for-deployment: false; `status` is the backend's word for a deployment just created. */
  async handOff(id: string, status: string): Promise<void> {
    this.guard.settle('handed-off')
    this.ended = 'handed-off'
    this.io.info(`Not waiting for ${id} (wait-for-deployment: false); follow it in the console.`)
    await this.reporter.end({ outcome: 'handed-off', status })
  }
}
