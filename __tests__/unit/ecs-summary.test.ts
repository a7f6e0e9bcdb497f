// The job summary of ECS's own deployments: stages in place of lifecycle events, and their hooks.
import {
  ganttChart,
  postSummary,
  renderSummary,
  type RunReport,
  type TimelineEntry
} from '../../src/report/summary.js'
import { ARN, T0, at, read, smoke, TO_CANARY, watch } from './ecs-reads.js'

function report(timeline: readonly TimelineEntry[]): RunReport {
  return {
    outcome: 'goal-reached',
    goal: 'traffic-shifted',
    region: 'us-east-1',
    deployment: { id: ARN, url: 'https://console.aws.amazon.com/ecs', status: 'IN_PROGRESS' },
    timeline: [...timeline],
    traffic: [],
    startedAt: T0,
    endedAt: at(330)
  }
}

describe('the job summary of an ECS deployment', () => {
  const { view } = watch(TO_CANARY)

  it('lists stages, timed as seen (none for a stage passed between reads), and the hooks apart', () => {
    const md = renderSummary(report(view.timeline))
    expect(md).toContain(
      [
        '#### Stages',
        '',
        '| Stage | Start | Duration | Status |',
        '| --- | --- | --- | --- |',
        '| PRE\\_SCALE\\_UP |  |  | Succeeded |',
        '| SCALE\\_UP | +0:20 | 2m00s | Succeeded |',
        '| POST\\_SCALE\\_UP |  |  | Succeeded |',
        '| TEST\\_TRAFFIC\\_SHIFT |  |  | Succeeded |',
        '| POST\\_TEST\\_TRAFFIC\\_SHIFT | +2:20 | 3m00s | Succeeded |',
        '| PRODUCTION\\_TRAFFIC\\_SHIFT | +5:20 |  | InProgress |',
        '| POST\\_PRODUCTION\\_TRAFFIC\\_SHIFT |  |  | Pending |',
        '| BAKE\\_TIME |  |  | Pending |',
        '| CLEAN\\_UP |  |  | Pending |',
        '',
        '#### Hooks',
        '',
        '| Hook | Stage | Seen | Duration | Status |',
        '| --- | --- | --- | --- | --- |',
        '| web-smoke-test | POST\\_TEST\\_TRAFFIC\\_SHIFT | +2:20 | 1m00s | SUCCEEDED |',
        '| pause | POST\\_TEST\\_TRAFFIC\\_SHIFT | +3:20 | 2m00s | SUCCEEDED |'
      ].join('\n')
    )
    expect(md).not.toContain('Lifecycle events')
  })

  it('charts stages in their sections and hooks in their own', () => {
    const chart = ganttChart(report(view.timeline)) ?? ''
    const sections = chart.split('\n').filter(l => l.trim().startsWith('section'))
    expect(sections.map(l => l.trim())).toEqual([
      'section Scale up',
      'section Test traffic',
      'section Production traffic',
      'section Hooks'
    ])
    expect(chart).toContain(
      `  web-smoke-test at POST_TEST_TRAFFIC_SHIFT :done, e3, ${at(140).getTime()}, ${at(200).getTime()}`
    )
  })

  it('escapes what AWS says about a hook', () => {
    const { view: hostile } = watch([
      [
        0,
        read({
          lifecycleStage: 'POST_SCALE_UP',
          lifecycleHookDetails: [
            { ...smoke('SUCCEEDED'), targetArn: 'arn:aws:lambda:us-east-1:1:function:a|b<img>' }
          ]
        })
      ]
    ])
    expect(renderSummary(report(hostile.timeline))).toContain(
      '| a\\|b&lt;img&gt; | POST\\_SCALE\\_UP | +0:00 | 0s | SUCCEEDED |'
    )
  })
})

describe("the post step's summary of a service deployment it stopped", () => {
  it.each([
    ['ROLLBACK_SUCCESSFUL', 'ECS rolled the deployment back: the service runs the previous revision again.'],
    [
      'ROLLBACK_FAILED',
      "ECS did not roll the deployment back: check which revision serves production traffic in the service's deployments tab."
    ],
    ['SUCCESSFUL', 'The deployment had succeeded before it could be stopped.']
  ])('%s', (status, sentence) => {
    const text = postSummary({ deployment: { id: ARN, status, url: 'https://console.aws.amazon.com/ecs' } })
    expect(text).toContain(`: ${status.replaceAll('_', '\\_')}`)
    expect(text.trimEnd().endsWith(sentence)).toBe(true)
  })
})
