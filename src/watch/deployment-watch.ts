// Reads and streams deployments by id: the step's own, one it waits behind, a rollback. Shared by
// the main and the post step; the backend only supplies the reader.
import type { Io } from '../runtime/io.js'
import { type ProgressView, initialView, reduce } from './progress.js'
import type { DeploymentSnapshot } from './snapshot.js'
import { type WatchGoal, type WatchResult, followRollback, watch } from './watch.js'

/** Reads one deployment as a backend-neutral snapshot, as many times as asked. */
export interface DeploymentReader {
  read(): Promise<DeploymentSnapshot>
}

/** Time for a stopped deployment to turn Stopped, and for its rollback to end. */
const STOP_WATCH_MINUTES = 10
const ROLLBACK_WATCH_MINUTES = 30

export interface DeploymentWatchOptions {
  pollIntervalMs: number
  /** When the step began: every log line's `[+m:ss]` counts from here. */
  startedAt: Date
  /** A reader for the deployment with this id. */
  readerFor: (deploymentId: string) => DeploymentReader
}

export class DeploymentWatch {
  constructor(
    private readonly io: Io,
    private readonly opts: DeploymentWatchOptions
  ) {}

  watch(
    id: string,
    goal: WatchGoal,
    deadline: Date,
    view: ProgressView = initialView(this.opts.startedAt)
  ): Promise<WatchResult> {
    return watch(this.options(id, goal, deadline, view))
  }

  /** The rollback the backend started for a failed or stopped deployment, watched to its end. */
  async rollbackOf(snapshot: DeploymentSnapshot): Promise<DeploymentSnapshot | undefined> {
    const id = snapshot.rollback?.deploymentId
    if (id === undefined) return undefined
    const result = await followRollback(
      this.options(id, 'succeeded', this.after(ROLLBACK_WATCH_MINUTES), initialView(this.opts.startedAt))
    )
    return result.snapshot
  }

  /**
   * After a stop: its end (Stopped, or Succeeded when it was too late), then its rollback. `view` is
   * what was already shown; by default the deployment's history so far is not replayed.
   */
  async afterStop(
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
    const start = initialView(this.opts.startedAt)
    return reduce(start, await this.opts.readerFor(id).read(), this.io.now()).view
  }

  after(minutes: number): Date {
    return new Date(this.io.now().getTime() + minutes * 60_000)
  }

  private options(id: string, goal: WatchGoal, deadline: Date, view: ProgressView) {
    const reader = this.opts.readerFor(id)
    return {
      read: () => reader.read(),
      goal,
      deadline,
      view,
      pollIntervalMs: this.opts.pollIntervalMs,
      sleep: (ms: number) => this.io.sleep(ms),
      now: () => this.io.now(),
      // Io's logging methods are the watch's Logger as they are.
      log: this.io
    }
  }
}
