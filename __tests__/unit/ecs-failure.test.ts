// The error line and diagnostics of ECS's own deployments that failed, were stopped or timed out.
import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import { describeFailure, describeTimeout } from '../../src/report/failure.js'
import { ALARM_ROLLBACK, ARN, SOURCE, TO_CANARY, at, pause, read, smoke, target, watch } from './ecs-reads.js'

const PREV = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:41'

const ended = (...last: [number, ServiceDeployment][]) => watch([...TO_CANARY, ...last]).snap
/** The canary's first `reads` reads, then at `t` seconds ROLLBACK_SUCCESSFUL at POST_TEST_TRAFFIC_SHIFT, with `over`. */
const rolledBackAfterTestTraffic = (reads: number, t: number, over: Partial<ServiceDeployment>) =>
  watch([
    ...TO_CANARY.slice(0, reads),
    [t, read({ status: 'ROLLBACK_SUCCESSFUL', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', ...over })]
  ]).snap

describe('describeFailure for ECS deployments', () => {
  it('ROLLBACK_SUCCESSFUL is a failure: the stage, the reason, the alarm, the breaker, traffic back on the source', () => {
    const snap = ended([460, read({ ...ALARM_ROLLBACK, status: 'ROLLBACK_SUCCESSFUL' })])
    expect(describeFailure(snap, undefined, { previousTaskDefinition: PREV })).toEqual({
      message:
        `Deployment ${ARN} failed in PRODUCTION_TRAFFIC_SHIFT. The alarm web-5xx went into ALARM state. ` +
        'The circuit breaker counted 1 failed task (threshold 3). CloudWatch alarm web-5xx triggered. ' +
        `ECS rolled back to ${SOURCE}: production traffic is back on the source revision (${PREV}). ` +
        "Find out what the alarm saw on the new revision's tasks (metrics, logs), fix it and deploy again.",
      details: [
        'Hook web-smoke-test at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED',
        'Pause hook at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED',
        'Circuit breaker: 1 failed task (threshold 3)',
        'Alarms triggered: web-5xx',
        'Status: The alarm web-5xx went into ALARM state.',
        `Rollback to ${SOURCE}, started at 2026-12-01T10:06:30.000Z (succeeded): Alarm web-5xx triggered`
      ]
    })
  })

  it('a failed Lambda hook: named with its stage, and where its logs are', () => {
    const snap = rolledBackAfterTestTraffic(4, 200, {
      statusReason: 'Lifecycle hook web-smoke-test returned FAILED.',
      rollback: { reason: 'Lifecycle hook failed', startedAt: at(190), serviceRevisionArn: SOURCE },
      lifecycleHookDetails: [smoke('FAILED')]
    })
    expect(describeFailure(snap).message).toBe(
      `Deployment ${ARN} failed in POST_TEST_TRAFFIC_SHIFT. Lifecycle hook web-smoke-test returned FAILED. ` +
        'The hook web-smoke-test at POST_TEST_TRAFFIC_SHIFT failed. ' +
        `ECS rolled back to ${SOURCE}: production traffic is back on the source revision. ` +
        "Check the hook's CloudWatch logs (log group /aws/lambda/web-smoke-test), fix the hook or the service and deploy again."
    )
  })

  it('a pause nobody continued: how to continue in time next time', () => {
    const snap = rolledBackAfterTestTraffic(5, 3900, {
      lifecycleHookDetails: [smoke('SUCCEEDED'), pause('TIMED_OUT', { timeoutAction: 'ROLLBACK' })]
    })
    expect(describeFailure(snap).message).toBe(
      `Deployment ${ARN} failed in POST_TEST_TRAFFIC_SHIFT. ` +
        'The pause hook at POST_TEST_TRAFFIC_SHIFT timed out: nobody continued it in time (timeout action ROLLBACK). ' +
        'ECS rolled back: production traffic is back on the source revision. ' +
        "Deploy again and continue the pause before it times out (a later step with deployment-id and continue-deployment: true), or lengthen its timeoutInMinutes in the service's lifecycle hooks."
    )
  })

  it('ROLLBACK_FAILED: says to check the deployments tab and deploy the previous revision', () => {
    const snap = ended([460, read({ ...ALARM_ROLLBACK, status: 'ROLLBACK_FAILED' })])
    expect(describeFailure(snap, undefined, { previousTaskDefinition: PREV }).message).toContain(
      `The rollback to ${SOURCE} failed too: check the service's deployments tab in the console for which revision serves production traffic, and deploy the previous revision (${PREV}).`
    )
  })

  it('STOPPED: no rollback was made, and the target revision keeps its share of production traffic', () => {
    const snap = ended([
      400,
      read({
        status: 'STOPPED',
        lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
        statusReason: 'Stopped by user.',
        targetServiceRevision: target(10)
      })
    ])
    expect(describeFailure(snap, undefined, { previousTaskDefinition: PREV }).message).toBe(
      `Deployment ${ARN} was stopped during PRODUCTION_TRAFFIC_SHIFT. Stopped by user. ` +
        `No rollback was made: the target revision keeps 10% of production traffic; deploy the previous revision (${PREV}), or fix forward. ` +
        'Deploy again when ready.'
    )
  })

  it('a rolling update stopped by its circuit breaker: the new tasks, and what to fix', () => {
    const snap = watch([
      [
        0,
        read({
          deploymentConfiguration: { strategy: 'ROLLING' },
          alarms: undefined,
          targetServiceRevision: { arn: 'x', requestedTaskCount: 2, runningTaskCount: 0 }
        })
      ],
      [
        300,
        read({
          status: 'ROLLBACK_SUCCESSFUL',
          deploymentConfiguration: { strategy: 'ROLLING' },
          alarms: undefined,
          statusReason: 'Circuit breaker triggered: 3 tasks failed to start.',
          deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 }
        })
      ]
    ]).snap
    expect(describeFailure(snap)).toEqual({
      message:
        `Deployment ${ARN} failed. Circuit breaker triggered: 3 tasks failed to start. ` +
        'The circuit breaker counted 3 failed tasks (threshold 3), TRIGGERED. ' +
        'ECS rolled back: production traffic is back on the source revision. ' +
        "The new tasks did not start or stay healthy: check the service's events and the new tasks' logs, fix the task definition and deploy again.",
      details: [
        'Circuit breaker: 3 failed tasks (threshold 3), TRIGGERED',
        'Status: Circuit breaker triggered: 3 tasks failed to start.'
      ]
    })
  })
})

describe('describeTimeout for ECS deployments', () => {
  it('names the stage it waited in, and gives hooks, breaker and alarms in the details', () => {
    const snap = watch(TO_CANARY.slice(0, 5)).snap
    const report = describeTimeout({ snap, stopped: false, minutes: 30, goal: 'the deployment to succeed' })
    expect(report.message).toBe(
      `Timed out after 30 minutes waiting for the deployment to succeed while deployment ${ARN} was IN_PROGRESS in POST_TEST_TRAFFIC_SHIFT. ` +
        'The deployment goes on (rollback-on-cancel is false): follow it in the console, or stop it with stop-deployment. ' +
        'Raise timeout-minutes if the deployment needs longer, or find out what holds it up in the details below.'
    )
    expect(report.details).toEqual([
      'Hook web-smoke-test at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED',
      'Pause hook at POST_TEST_TRAFFIC_SHIFT: AWAITING_ACTION',
      'Alarms watched, none triggered: web-5xx'
    ])
  })

  it('after the step stopped it, says how the rollback inside the deployment ended', () => {
    const snap = watch(TO_CANARY.slice(0, 5)).snap
    const after = ended([460, read({ ...ALARM_ROLLBACK, status: 'ROLLBACK_SUCCESSFUL' })])
    const report = describeTimeout({ snap, stopped: true, rollback: after, minutes: 30, goal: 'x' })
    expect(report.message).toContain(
      `The step stopped ${ARN} with rollback (rollback-on-cancel). ECS rolled back to ${SOURCE}: production traffic is back on the source revision.`
    )
  })
})
