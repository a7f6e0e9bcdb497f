// An hour's termination wait read through the CodeDeploy reader and the watch loop on a fake clock:
// how real CodeDeploy shows it (target Succeeded, instanceTerminationWaitTimeStarted false) and how a
// fixed CodeDeploy would (the flag set). What it costs in calls, and that the end is seen at once.
import {
  CodeDeployClient,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand
} from '@aws-sdk/client-codedeploy'
import { mockClient } from 'aws-sdk-client-mock'
import { createCodeDeployReader } from '../../src/backends/codedeploy/snapshot.js'
import { initialView } from '../../src/watch/progress.js'
import { MAX_IDLE_INTERVAL_MS, watch } from '../../src/watch/watch.js'
import { shiftedTarget } from './aws-fixtures.js'

const T0 = new Date('2026-11-27T14:00:00Z')
const HOUR = 3_600_000
const cd = mockClient(CodeDeployClient)

beforeEach(() => {
  cd.reset()
})

describe.each([
  ['real CodeDeploy', {}, shiftedTarget('Succeeded')],
  // The flag alone tells it: the target as CodeDeploy showed it a moment before the wait.
  [
    'CodeDeploy with the flag fixed',
    { instanceTerminationWaitTimeStarted: true },
    shiftedTarget('InProgress')
  ]
] as [string, Partial<DeploymentInfo>, ECSTarget][])('%s', (_, flag, target) => {
  it.each([1000, 5000])(
    'an hour with a %i ms poll: announced once, backs off to one GetDeployment per 75 s, fewer than 60 calls, the end seen at once',
    async pollIntervalMs => {
      let now = T0.getTime()
      // AfterAllowTraffic ended at T0: the wait runs an hour; CodeDeploy ends it 10 s late.
      const endsAt = T0.getTime() + HOUR + 10_000
      const events = target.lifecycleEvents!.map(e => ({ ...e, startTime: T0, endTime: T0 }))
      const reads: number[] = []
      cd.on(GetDeploymentCommand).callsFake(() => {
        reads.push(now)
        const status = now >= endsAt ? 'Succeeded' : 'InProgress'
        return {
          deploymentInfo: {
            deploymentId: 'd-WAITING01',
            status,
            ...(status === 'InProgress' ? flag : {}),
            blueGreenDeploymentConfiguration: {
              terminateBlueInstancesOnDeploymentSuccess: {
                action: 'TERMINATE',
                terminationWaitTimeInMinutes: 60
              }
            }
          }
        }
      })
      cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:web'] })
      cd.on(GetDeploymentTargetCommand).resolves({
        deploymentTarget: { ecsTarget: { ...target, lifecycleEvents: events } }
      })
      const reader = createCodeDeployReader(
        { codedeploy: new CodeDeployClient({ region: 'us-east-1' }), now: () => new Date(now) },
        'd-WAITING01'
      )
      const lines: string[] = []
      const result = await watch({
        read: () => reader.read(),
        goal: 'succeeded',
        deadline: new Date(T0.getTime() + 3 * HOUR),
        pollIntervalMs,
        sleep: ms => {
          now += ms
          return Promise.resolve()
        },
        now: () => new Date(now),
        log: {
          info: l => lines.push(l),
          warning: l => lines.push(l),
          startGroup: () => undefined,
          endGroup: () => undefined
        },
        view: initialView(T0)
      })

      expect(result.snapshot.phase).toBe('succeeded')
      expect(
        lines.filter(l => l.includes('Termination wait: the original task set is removed at 15:00 UTC'))
      ).toHaveLength(1)
      // Until the end AWS's numbers foresee; from then it is polled for closely (below).
      const inWait = reads.filter(t => t < T0.getTime() + HOUR)
      const targetReads = cd.commandCalls(GetDeploymentTargetCommand).length
      // One target read finds the wait; the next is the deployment's end.
      expect(targetReads).toBe(2)
      expect(inWait.length + 1).toBeLessThan(60)
      const gaps = inWait.slice(1).map((t, i) => t - inWait[i]!)
      expect(Math.max(...gaps)).toBe(MAX_IDLE_INTERVAL_MS)
      // Backed off: after the first few minutes, every read until the foreseen end is 75 s from the last.
      const settled = gaps.filter(
        (g, i) => inWait[i + 1]! > T0.getTime() + 5 * 60_000 && inWait[i + 1]! < T0.getTime() + HOUR
      )
      expect(settled.length).toBeGreaterThan(40)
      for (const g of settled.slice(0, -1)) expect(g).toBe(MAX_IDLE_INTERVAL_MS)
      // Around the foreseen end it reads at the poll interval: the end shows within one.
      expect(reads.find(t => t >= endsAt)! - endsAt).toBeLessThanOrEqual(pollIntervalMs)
    }
  )
})
