// Tasks of the new revision that ECS stopped, for both backends: why a deployment fails is usually
// there (a crash, a failed health check, an image that cannot be pulled), and it is reported as it
// happens, not an hour later.
import { DescribeTasksCommand, type ECSClient, type Task, paginateListTasks } from '@aws-sdk/client-ecs'
import type { StoppedTask } from '../watch/snapshot.js'

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_TASKS_MAX = 100

export function isScaleIn(t: Task): boolean {
  // Inferred (docs/aws-behaviour.md 8): the reason service events give for tasks the scheduler removes.
  return t.stoppedReason?.startsWith('Scaling activity initiated by') === true
}

function toStoppedTask(t: Task): StoppedTask {
  return {
    taskArn: t.taskArn ?? '',
    stoppedReason: t.stoppedReason,
    stopCode: t.stopCode,
    stoppedAt: t.stoppedAt,
    containers: (t.containers ?? []).map(c => ({
      name: c.name ?? '?',
      exitCode: c.exitCode,
      reason: c.reason
    }))
  }
}

/**
 * Collects the service's stopped tasks that `belongs` accepts, stopped since `since`. Every ListTasks
 * page is read (ListTasks promises no order, so the newest may be on any page); a task is described
 * once.
 */
export class StoppedTaskFinder {
  private readonly described = new Set<string>()
  private readonly found = new Map<string, StoppedTask>()

  constructor(
    private readonly ecs: ECSClient,
    private readonly cluster: string,
    private readonly serviceName: string
  ) {}

  get tasks(): StoppedTask[] {
    return [...this.found.values()]
  }

  async look(since: number, now: number, belongs: (t: Task) => boolean): Promise<void> {
    const { ecs, cluster, serviceName } = this
    const fresh: string[] = []
    const pages = paginateListTasks({ client: ecs }, { cluster, serviceName, desiredStatus: 'STOPPED' })
    for await (const page of pages) fresh.push(...(page.taskArns ?? []).filter(a => !this.described.has(a)))
    for (let i = 0; i < fresh.length; i += DESCRIBE_TASKS_MAX) {
      const batch = fresh.slice(i, i + DESCRIBE_TASKS_MAX)
      const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }))
      for (const a of batch) this.described.add(a)
      for (const t of tasks) {
        // The same revision may have run before this deployment: its old stopped tasks are not news.
        // Tasks ECS scaled in (the new tasks removed on rollback) did not fail: no diagnostics.
        const recent = (t.stoppedAt?.getTime() ?? now) >= since
        if (t.taskArn && recent && !isScaleIn(t) && belongs(t)) this.found.set(t.taskArn, toStoppedTask(t))
      }
    }
  }
}
