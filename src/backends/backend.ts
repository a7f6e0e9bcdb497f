// What the shared flow (main.ts) asks of the backend that deploys a service: CodeDeploy for a
// CODE_DEPLOY service, ECS's own deployments for an ECS one. Everything that speaks a backend's API
// sits behind this.
import type { Step } from '../main.js'
import { deploymentConsoleUrl } from '../report/console-url.js'
import { ActionError, awsErrorKind, errorMessage } from '../runtime/errors.js'
import { DeploymentWatch } from '../watch/deployment-watch.js'
import { readersFor } from './deployments.js'

export interface Backend {
  /** if-deployment-running: returns once no other deployment holds the service (or fails naming it). */
  makeRoom(): Promise<void>
  /** Starts the deployment of `revision` and sets the deployment outputs; its id. */
  start(revision: string): Promise<string>
  /** Where the deployment runs, for the report: the group, or the service's strategy in words. */
  readonly reported: {
    /** The backend's word for a deployment just created (CodeDeploy's Created, ECS's PENDING). */
    status: string
    applicationName?: string
    deploymentGroupName?: string
    deploymentConfigName?: string
  }
  /** The backend's part of a dry run: prints what it would send; the AppSpec, where there is one. */
  printDryRun(): string | undefined
}

/** How a step waits behind another team's deployment: streamed to its end, never stopped on cancel. */
export interface WaitBehind {
  watch: Pick<DeploymentWatch, 'watch' | 'rollbackOf'>
  /** When the step gives up waiting behind a deployment it starts to wait for (timeout-minutes). */
  deadline: () => Date
  timeoutMinutes: number
  log: (line: string) => void
  /** Hears what this step changed in another deployment, for the step's error to say. */
  changed: (what: string) => void
  consoleUrl: (id: string) => string
}

/** A step that waits behind another deployment: its stream shares the step's clock and poll interval. */
export function waitBehind(step: Step, timeoutMinutes: number): WaitBehind {
  const { io, inputs } = step
  const watch = new DeploymentWatch(io, {
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    startedAt: step.startedAt,
    readerFor: readersFor(io)
  })
  return {
    watch,
    deadline: () => watch.after(timeoutMinutes),
    timeoutMinutes,
    log: line => {
      io.info(line)
    },
    changed: what => {
      step.guard.changed(what)
    },
    consoleUrl: id => deploymentConsoleUrl(io.aws().region, id)
  }
}

/**
 * The deployments running now, as `list` reads them. Without the permission to list them (or where
 * the API does not answer) the check is skipped: the line `skipped` makes of the error is logged and
 * `none` stands for the list.
 */
export function runningOrSkip<T>(
  list: Promise<T>,
  behind: WaitBehind,
  none: T,
  skipped: (error: string) => string
): Promise<T> {
  return list.catch((e: unknown) => {
    if (awsErrorKind(e) !== 'access-denied' && awsErrorKind(e) !== 'unsupported') throw e
    behind.log(skipped(errorMessage(e)))
    return none
  })
}

/**
 * stop-deployment on a deployment that succeeded (`message` says when): nothing to stop. A
 * deployment that succeeded is rolled back only by deploying the previous revision.
 */
export function nothingToStop(message: string, previous: string | undefined): ActionError {
  return new ActionError(
    message,
    `To roll back, deploy ${previous ? `the previous revision (task-definition: ${previous})` : 'the previous revision'}.`,
    'Nothing to stop'
  )
}
