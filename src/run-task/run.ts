// Runs the one-off task of the new revision before the deployment (a database migration, as a
// rule), streams its state changes and log, and lets the deployment go ahead only when every
// essential container exited 0. A task that fails or never starts ends the step before anything
// is deployed; the revision this step registered is then deregistered by the flow's clean-up.
import {
  DescribeTasksCommand,
  type ECSClient,
  RunTaskCommand,
  StopTaskCommand,
  type StopTaskCommandOutput,
  type Task
} from '@aws-sdk/client-ecs'
import type { Step } from '../main.js'
import { taskConsoleUrl } from '../report/console-url.js'
import { ActionError, awsErrorKind, awsErrorName, credentialsHint, errorMessage } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'
import type { RunningTask } from '../runtime/state.js'
import { elapsedTag } from '../watch/progress.js'
import { TaskLogs } from './logs.js'
import type { OneOffTask } from './plan.js'

/** StopTask's reason when the run is cancelled (ECS keeps at most 255 characters). */
const CANCELLED = 'The GitHub Actions run that started this task was cancelled.'

/**
 * Runs `task` on `revision` and, unless wait-for-task-stopped is false, waits for it to stop and
 * fails the step when it did not succeed. Nothing is deployed then: the report says what the step
 * changed (the cancel guard's record), the clean-up deregisters a revision no deployment uses.
 */
export async function runTaskBeforeShift(step: Step, task: OneOffTask, revision: string): Promise<void> {
  const { io, guard, outputs } = step
  const { ecs, region } = io.aws()
  io.info(`Running a task of ${revision.split('/').pop() ?? revision} before the deployment.`)
  let out
  try {
    out = await guard.startTask(
      () => ecs.send(new RunTaskCommand({ ...task.request, taskDefinition: revision })),
      o => o.tasks?.[0]?.taskArn,
      arn => stopTask(io.aws().cancelEcs, task.cluster, arn, CANCELLED).then(() => undefined)
    )
  } catch (e) {
    throw runTaskFailed(e)
  }
  const arn = out.tasks?.[0]?.taskArn
  if (arn === undefined) {
    const reasons = (out.failures ?? []).map(
      f => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`
    )
    throw new ActionError(
      `RunTask started no task: ${reasons.join('; ') || 'ECS gave no reason'}.`,
      'Check that the cluster has room for the task (its cpu and memory, the launch type or capacity providers), then run the step again.',
      'Task did not start'
    )
  }
  const id = taskId(arn)
  guard.changed(`ran task ${id}`)
  outputs.runTask(arn)
  io.info(`Started task ${id}: ${taskConsoleUrl(region, task.cluster, arn)}`)
  if (!task.waitForStop) {
    guard.taskDone()
    io.notice(
      `The deployment does not wait for task ${id} (wait-for-task-stopped: false): it goes ahead while the task runs, whatever its exit code.`,
      'Task not waited for'
    )
    return
  }
  for (const name of task.unnamedStreams)
    io.info(
      `Container ${name} logs with awslogs without awslogs-stream-prefix: its stream cannot be found, so its log is not shown here.`
    )

  const stopped = await waitForStop(step, task, arn)
  guard.taskDone()
  const containers = stopped.containers ?? []
  for (const c of containers) io.info(`  container ${c.name ?? '?'}: ${exit(c)}`)
  if (stopped.startedAt === undefined) {
    throw new ActionError(
      `Task ${id} stopped before it started: ${stopped.stoppedReason ?? 'ECS gave no reason'}${reasons(containers)}.`,
      'Fix what kept it from starting (the image, its secrets, the execution role, the network), then run the step again.',
      'Task did not start'
    )
  }
  const failed = containers.filter(c => task.essential.includes(c.name ?? '') && c.exitCode !== 0)
  if (failed.length > 0) {
    throw new ActionError(
      `Task ${id} failed: ${failed.map(c => `container ${c.name ?? '?'} ${exit(c)}`).join('; ')}.`,
      'Its log is above (and in the ECS console); fix the task, then run the step again.',
      'Task failed'
    )
  }
  io.info(`Task ${id} succeeded: deploying ${revision}.`)
}

/** Polls the task until it is STOPPED, printing each state change and the new log lines. */
async function waitForStop(step: Step, task: OneOffTask, arn: string): Promise<Task> {
  const { io, inputs, startedAt } = step
  const id = taskId(arn)
  const logs = new TaskLogs(io, task.logs, id)
  let last: string | undefined
  for (;;) {
    const seen = await describeTask(io.aws().ecs, task.cluster, arn)
    if (seen?.lastStatus !== undefined && seen.lastStatus !== last) {
      last = seen.lastStatus
      const why = last === 'STOPPED' && seen.stoppedReason ? `: ${seen.stoppedReason}` : ''
      io.info(`${elapsedTag(startedAt, io.now())}Task ${id} is ${last}${why}`)
    }
    if (seen?.startedAt !== undefined) await logs.read(seen.lastStatus === 'STOPPED')
    if (seen?.lastStatus === 'STOPPED') return seen
    await io.sleep(inputs.pollIntervalSeconds * 1000)
  }
}

/** The task, or undefined when this read failed in a way the next one may not (throttling, a 5xx). */
async function describeTask(ecs: ECSClient, cluster: string, arn: string): Promise<Task | undefined> {
  try {
    return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))).tasks?.[0]
  } catch (e) {
    const kind = awsErrorKind(e)
    if (kind === 'credentials') throw credentialsHint(e)
    if (kind === 'access-denied') {
      throw new ActionError(
        `Task ${taskId(arn)} runs, but it cannot be followed: ${errorMessage(e)}`,
        'Allow ecs:DescribeTasks to the role; the task goes on, stop it in the ECS console if need be.',
        'Task not followed'
      )
    }
    return undefined
  }
}

/** For the post step: a task the main step started and did not see stop. */
export async function stopLeftTask(io: Io, task: RunningTask): Promise<void> {
  try {
    const out = await stopTask(io.aws().ecs, task.cluster, task.taskArn, 'The deploy step did not finish.')
    io.info(
      out.task?.lastStatus === 'STOPPED'
        ? `Task ${task.taskArn} had stopped already.`
        : `The deploy step did not finish: stopped task ${task.taskArn}.`
    )
  } catch (e) {
    io.warning(
      `Could not stop task ${task.taskArn} (${errorMessage(e)}); stop it in the ECS console.`,
      'Task may still run'
    )
  }
}

function stopTask(
  ecs: ECSClient,
  cluster: string,
  arn: string,
  reason: string
): Promise<StopTaskCommandOutput> {
  return ecs.send(new StopTaskCommand({ cluster, task: arn, reason }))
}

function runTaskFailed(e: unknown): unknown {
  const mapped = credentialsHint(e)
  if (mapped instanceof ActionError) return mapped
  return new ActionError(
    `RunTask failed (${awsErrorName(e) ?? 'Error'}: ${errorMessage(e)}).`,
    awsErrorKind(e) === 'access-denied'
      ? "Allow ecs:RunTask on the task definition to the role, and iam:PassRole for the task's roles."
      : 'Check the run-task inputs against the message, then run the step again.',
    'Task did not start'
  )
}

function taskId(arn: string): string {
  return arn.split('/').pop() ?? arn
}

function exit(c: { exitCode?: number; reason?: string }): string {
  const code = c.exitCode === undefined ? 'did not exit (no exit code)' : `exited with code ${c.exitCode}`
  return c.reason ? `${code}: ${c.reason}` : code
}

function reasons(containers: { name?: string; reason?: string }[]): string {
  const given = containers.filter(c => c.reason)
  return given.length ? ` (${given.map(c => `${c.name ?? '?'}: ${c.reason ?? ''}`).join('; ')})` : ''
}
