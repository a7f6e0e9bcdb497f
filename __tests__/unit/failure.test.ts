import { LIFECYCLE_EVENTS, isHookEvent } from '../../src/backends/codedeploy/lifecycle-events.js'
import { alarmNames, describeFailure, describeTimeout } from '../../src/report/failure.js'
import type { DeploymentSnapshot, LifecycleEvent } from '../../src/watch/snapshot.js'

const t0 = new Date('2026-03-01T10:00:00Z')
const at = (s: number): Date => new Date(t0.getTime() + s * 1000)

/** Events up to `upTo` succeeded, `upTo` itself has `status`, the rest are pending. */
function events(upTo: string, status: string, diagnostics?: LifecycleEvent['diagnostics']): LifecycleEvent[] {
  const stop = LIFECYCLE_EVENTS.indexOf(upTo as (typeof LIFECYCLE_EVENTS)[number])
  return LIFECYCLE_EVENTS.map((name, i) => {
    if (i < stop) return { name, status: 'Succeeded', startTime: at(i * 10), endTime: at(i * 10 + 5) }
    if (i === stop) {
      const start = status === 'Pending' ? {} : { startTime: at(i * 10) }
      const hook = isHookEvent(name) ? { hook: true } : {}
      return { name, status, ...start, ...hook, ...(diagnostics ? { diagnostics } : {}) }
    }
    return { name, status: 'Pending' }
  })
}

/** The original and the replacement task set, the replacement with `replacement`% of production traffic. */
const split = (replacement: number): DeploymentSnapshot['taskSets'] => [
  { id: 'ecs-svc/1', role: 'original', trafficWeight: 100 - replacement },
  { id: 'ecs-svc/2', role: 'replacement', trafficWeight: replacement }
]

function snap(over: Partial<DeploymentSnapshot>): DeploymentSnapshot {
  return {
    id: 'd-FAILED123',
    status: 'Failed',
    phase: 'failed',
    events: [],
    taskSets: split(0),
    statusMessages: [],
    stoppedTasks: [],
    ...over
  }
}

const rollbackOf = (over: Partial<DeploymentSnapshot>): DeploymentSnapshot =>
  snap({ id: 'd-ROLLBACK1', status: 'Succeeded', phase: 'succeeded', creator: 'codeDeployRollback', ...over })

describe('describeFailure', () => {
  it('names the failed hook, the error and where to look, with the log tail as details', () => {
    const logTail =
      Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join('\n') + '\nError: smoke test got 503'
    const s = snap({
      events: events('AfterAllowTestTraffic', 'Failed', {
        errorCode: 'ScriptFailed',
        message: 'The hook function returned Failed',
        logTail
      }),
      error: { code: 'HOOK_EXECUTION_FAILURE', message: 'Lifecycle event AfterAllowTestTraffic failed.' },
      rollback: { deploymentId: 'd-ROLLBACK1', message: 'Rollback in progress' }
    })
    const { message, details } = describeFailure(s, rollbackOf({}), { previousTaskDefinition: 'web:41' })

    expect(message).toBe(
      'Deployment d-FAILED123 failed in AfterAllowTestTraffic. ' +
        'HOOK_EXECUTION_FAILURE: Lifecycle event AfterAllowTestTraffic failed. ' +
        'The hook function returned Failed. ' +
        'The rollback d-ROLLBACK1 succeeded: production traffic is back on the original task set. ' +
        'The service still runs web:41. ' +
        "Check the AfterAllowTestTraffic hook's CloudWatch logs (the Lambda function named in the AppSpec hooks), fix the hook or the service and deploy again."
    )
    expect(message).not.toContain('\n')
    expect(details[0]).toBe(
      'AfterAllowTestTraffic diagnostics: ScriptFailed: The hook function returned Failed'
    )
    expect(details[1]).toBe('AfterAllowTestTraffic log tail (last 40 of 61 lines):')
    expect(details).toContain('    Error: smoke test got 503')
    expect(details).not.toContain('    line 1')
    // CodeDeploy's rollback message was read before the rollback ended: its end is what is shown.
    expect(details).not.toContain('Rollback: Rollback in progress')
    expect(details).toContain('Rollback deployment d-ROLLBACK1: Succeeded')
  })

  it('gives the stopped reasons and exit codes of the tasks ECS stopped during Install', () => {
    const crashed = (n: number) => ({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/task${n}`,
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      stoppedAt: at(30 + n),
      containers: [
        { name: 'web', exitCode: 1 },
        { name: 'sidecar', exitCode: 0 }
      ]
    })
    const s = snap({
      events: events('Install', 'Failed'),
      error: { code: 'ECS_UPDATE_ERROR', message: 'The ECS service cannot reach a steady state.' },
      stoppedTasks: [
        crashed(1),
        crashed(2),
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/task3',
          stoppedReason:
            'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
          containers: [{ name: 'web', reason: 'CannotPullContainerError: not found' }]
        },
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/task4',
          stoppedReason: 'Out of memory',
          containers: []
        }
      ]
    })
    const { message, details } = describeFailure(s)

    expect(message).toContain(
      'Deployment d-FAILED123 failed in Install. ECS_UPDATE_ERROR: The ECS service cannot reach a steady state.'
    )
    expect(message).toContain(
      'ECS stopped 4 replacement tasks: "Essential container in task exited" (web exited 1, 2 tasks); ' +
        '"CannotPullContainerError: pull image manifest has been retried 5 time(s): not found" (web: CannotPullContainerError: not found); and 1 more.'
    )
    expect(message).toContain('Production traffic stays on the original task set.')
    expect(message).toContain('Fix what stops the new tasks')
    expect(details).toEqual([
      'Stopped task task1 at 2026-03-01T10:00:31.000Z [EssentialContainerExited]: Essential container in task exited',
      '  container web: exit code 1',
      '  container sidecar: exit code 0',
      'Stopped task task2 at 2026-03-01T10:00:32.000Z [EssentialContainerExited]: Essential container in task exited',
      '  container web: exit code 1',
      '  container sidecar: exit code 0',
      'Stopped task task3: CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
      '  container web: no exit code, CannotPullContainerError: not found',
      'Stopped task task4: Out of memory'
    ])
  })

  it('says an Install that failed without stopped tasks did not become healthy', () => {
    const s = snap({ events: events('Install', 'Failed'), error: { code: 'TIMEOUT' } })
    const { message } = describeFailure(s)
    expect(message).toMatch(/^Deployment d-FAILED123 failed in Install\. TIMEOUT\. /)
    expect(message).toContain('The replacement task set did not become healthy')
  })

  it('names the alarm that stopped the deployment', () => {
    const s = snap({
      status: 'Stopped',
      phase: 'stopped',
      events: events('AllowTraffic', 'InProgress'),
      taskSets: split(10),
      error: {
        code: 'ALARM_ACTIVE',
        message:
          'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected. Activated alarms: web-5xx, web-latency'
      },
      rollback: { deploymentId: 'd-ROLLBACK1' }
    })
    const { message } = describeFailure(s)
    expect(message).toMatch(
      /^Deployment d-FAILED123 was stopped because the CloudWatch alarms web-5xx, web-latency went into ALARM during AllowTraffic\. ALARM_ACTIVE: /
    )
    expect(message).toContain('CodeDeploy started the rollback d-ROLLBACK1.')
    // traffic was partly shifted and the rollback has not been seen to end: no claim about traffic
    expect(message).not.toContain('original task set')
  })

  it('finds an alarm named only in the status messages', () => {
    const s = snap({
      status: 'Stopped',
      phase: 'stopped',
      statusMessages: ['rolled back by the alarm my-5xx-alarm']
    })
    expect(describeFailure(s).message).toContain('because the CloudWatch alarm my-5xx-alarm went into ALARM')
    expect(
      describeFailure(snap({ status: 'Stopped', phase: 'stopped', error: { code: 'ALARM_ACTIVE' } })).message
    ).toContain('a CloudWatch alarm of the deployment group went into ALARM')
  })

  it('says a ready wait that ran out was not continued in time', () => {
    const s = snap({
      status: 'Stopped',
      phase: 'stopped',
      events: events('BeforeAllowTraffic', 'Pending'),
      readyWaitUntil: new Date('2026-03-01T11:00:00Z'),
      error: { code: 'TIMEOUT', message: 'The deployment timed out.' }
    })
    const { message } = describeFailure(s)
    expect(message).toContain(
      'Deployment d-FAILED123 was not continued in time: its ready wait ended by 2026-03-01T11:00:00.000Z before production traffic was rerouted'
    )
    expect(message).toContain('continue-deployment: true')
    // recognised from CodeDeploy's words too, when the wait's end is unknown
    const worded = snap({
      status: 'Stopped',
      phase: 'stopped',
      error: { message: 'Traffic rerouting was not started before the wait time ended.' }
    })
    expect(describeFailure(worded).message).toContain(
      'was not continued in time: its ready wait ended before'
    )
  })

  it('says a manual stop was manual and how the rollback ended', () => {
    const s = snap({
      status: 'Stopped',
      phase: 'stopped',
      events: events('AfterInstall', 'InProgress'),
      error: { code: 'MANUAL_STOP', message: 'The deployment was stopped by user request.' },
      rollback: { deploymentId: 'd-ROLLBACK1' }
    })
    const failedRollback = rollbackOf({
      status: 'Failed',
      phase: 'failed',
      error: { code: 'ECS_UPDATE_ERROR', message: 'Task set ecs-svc/1 not found' },
      statusMessages: ['original task set missing']
    })
    const { message, details } = describeFailure(s, failedRollback)
    expect(message).toBe(
      'Deployment d-FAILED123 was stopped manually (StopDeployment: the console, the CLI or another workflow) during AfterInstall. ' +
        'MANUAL_STOP: The deployment was stopped by user request. ' +
        'The rollback d-ROLLBACK1 failed too (ECS_UPDATE_ERROR: Task set ecs-svc/1 not found): check which task set serves production traffic in the console. ' +
        'Production traffic stays on the original task set. Deploy again when ready.'
    )
    expect(details).toEqual([
      'Rollback deployment d-ROLLBACK1: Failed (ECS_UPDATE_ERROR: Task set ecs-svc/1 not found)',
      '  original task set missing'
    ])
  })

  it('reports a rollback still running and stop reasons CodeDeploy gave itself', () => {
    const s = snap({
      status: 'Stopped',
      phase: 'stopped',
      error: { code: 'INTERNAL_ERROR' },
      taskSets: [],
      statusMessages: ['something internal']
    })
    const { message, details } = describeFailure(s, rollbackOf({ status: 'InProgress', phase: 'shifting' }))
    expect(message).toBe(
      'Deployment d-FAILED123 was stopped by CodeDeploy. INTERNAL_ERROR. The rollback d-ROLLBACK1 is InProgress. Deploy again when ready.'
    )
    expect(details).toEqual(['Status: something internal', 'Rollback deployment d-ROLLBACK1: InProgress'])
  })

  it.each([
    ['the reason no rollback could come', 'the deployment group does not roll back on failure'],
    ['that none was named in time', undefined]
  ])('says where traffic stays when no rollback was made, and %s', (_, ruledOut) => {
    const { message } = describeFailure(
      snap({
        phase: 'failed',
        status: 'Failed',
        events: events('AllowTraffic', 'Failed'),
        taskSets: split(30),
        error: { code: 'HOOK_EXECUTION_FAILURE', message: 'The hook failed.' },
        ...(ruledOut ? { rollbackRuledOut: ruledOut } : {})
      })
    )
    expect(message).toContain(
      `No rollback was made (${ruledOut ?? 'CodeDeploy named none within a minute of the end'}): the replacement task set ecs-svc/2 stays in place with 30% of production traffic`
    )
  })

  it('keeps a long multi-line AWS message to one line', () => {
    const s = snap({ error: { code: 'INVALID_REVISION', message: `bad\n${'x'.repeat(400)}` } })
    const { message } = describeFailure(s)
    expect(message).not.toContain('\n')
    expect(message).toContain('INVALID_REVISION: bad xxx')
    expect(message).toContain('…')
    expect(message).toContain('See the details below')
  })
})

describe('alarmNames', () => {
  it('reads lists and single mentions, ignoring ordinary words', () => {
    expect(alarmNames(['Activated alarms: "a-1", b.2 and c'])).toEqual(['a-1', 'b.2', 'c'])
    expect(alarmNames(['the alarm named <web-5xx> is in state ALARM'])).toEqual(['web-5xx'])
    expect(alarmNames(['alarm state changed', 'no alarms here'])).toEqual([])
  })
})

describe('describeTimeout', () => {
  const running = snap({ status: 'InProgress', phase: 'installing', events: events('Install', 'InProgress') })

  it('says what it waited for, where the deployment was and that it was rolled back', () => {
    const { message } = describeTimeout({
      snap: { ...running, rollback: { deploymentId: 'd-ROLLBACK1' } },
      stopped: true,
      rollback: rollbackOf({}),
      minutes: 30,
      goal: 'the deployment to succeed'
    })
    expect(message).toBe(
      'Timed out after 30 minutes waiting for the deployment to succeed while deployment d-FAILED123 was InProgress in Install. ' +
        'The step stopped d-FAILED123 with rollback (rollback-on-cancel). ' +
        'The rollback d-ROLLBACK1 succeeded: production traffic is back on the original task set. ' +
        'Raise timeout-minutes if the deployment needs longer, or find out what holds it up in the details below.'
    )
  })

  it('says the deployment goes on when rollback-on-cancel is false', () => {
    const stuck = {
      ...running,
      stoppedTasks: [
        { taskArn: 'arn:x/task/prod/t9', stoppedReason: 'Task failed ELB health checks', containers: [] }
      ]
    }
    const { message, details } = describeTimeout({ snap: stuck, stopped: false, minutes: 0.5, goal: 'ready' })
    expect(message).toContain('The deployment goes on (rollback-on-cancel is false)')
    expect(details).toEqual(['Stopped task t9: Task failed ELB health checks'])
  })
})
