import { escapeMarkdown, ganttChart, renderSummary, type RunReport } from '../../src/report/summary.js'

const t0 = new Date('2026-03-01T10:00:00Z')
const at = (s: number): Date => new Date(t0.getTime() + s * 1000)
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:43'
const PREV = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42'
const DEPLOY_URL =
  'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-OK123?region=eu-west-1'

function success(): RunReport {
  return {
    outcome: 'succeeded',
    region: 'eu-west-1',
    taskDefinition: {
      arn: TD,
      previousArn: PREV,
      changes: ['image: web:1.0 → web:1.1', 'environment: API_KEY (changed)']
    },
    deployment: {
      id: 'd-OK123',
      url: DEPLOY_URL,
      status: 'Succeeded',
      applicationName: 'AppECS-prod-web',
      deploymentGroupName: 'DgpECS-prod-web',
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      trafficRouting: 'linear: 10% every 1 minute'
    },
    timeline: [
      { name: 'BeforeInstall', status: 'Succeeded', start: at(2), end: at(3) },
      { name: 'Install', status: 'Succeeded', start: at(3), end: at(95) },
      { name: 'AfterInstall', status: 'Succeeded', start: at(95), end: at(95) },
      { name: 'AllowTraffic', status: 'Succeeded', start: at(100), end: at(700) },
      { name: 'AfterAllowTraffic', status: 'Skipped' }
    ],
    traffic: [
      { at: at(100), original: 90, replacement: 10 },
      { at: at(700), original: 0, replacement: 100 }
    ],
    startedAt: t0,
    endedAt: at(725),
    appSpec: '{"version":"0.0"}',
    github: { deploymentId: 77, environment: 'production' }
  }
}

/** The body of the first ```mermaid block. */
function mermaid(md: string): string[] {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(md)
  if (!m?.[1]) throw new Error('no mermaid block')
  return m[1].split('\n')
}

describe('renderSummary: success', () => {
  const md = renderSummary(success())

  it('heads with the result and links the revision, its predecessor and the deployment', () => {
    expect(md.startsWith('### ✅ Deployment succeeded\n')).toBe(true)
    expect(md).toContain(
      '| Task definition | [web:43](https://eu-west-1.console.aws.amazon.com/ecs/v2/task-definitions/web/43/containers?region=eu-west-1) (previous: [web:42](https://eu-west-1.console.aws.amazon.com/ecs/v2/task-definitions/web/42/containers?region=eu-west-1)) |'
    )
    expect(md).toContain(`| Deployment | [d-OK123](${DEPLOY_URL}): Succeeded |`)
    expect(md).toContain('| Application / group | AppECS-prod-web / DgpECS-prod-web |')
    expect(md).toContain(
      '| Configuration | CodeDeployDefault.ECSLinear10PercentEvery1Minutes (linear: 10% every 1 minute) |'
    )
    expect(md).toContain('| Environment | production (GitHub deployment 77) |')
    expect(md).toContain('| Duration | 12m05s (2026-03-01T10:00:00.000Z to 2026-03-01T10:12:05.000Z) |')
  })

  it('lists what changed against the previous revision', () => {
    expect(md).toContain(
      '#### Changes against web:42\n\n- image: web:1.0 → web:1.1\n- environment: API\\_KEY (changed)'
    )
  })

  it('tabulates lifecycle events with start offset, duration and status', () => {
    expect(md).toContain('| Event | Start | Duration | Status |')
    expect(md).toContain('| BeforeInstall | +0:02 | 1s | Succeeded |')
    expect(md).toContain('| Install | +0:03 | 1m32s | Succeeded |')
    expect(md).toContain('| AllowTraffic | +1:40 | 10m00s | Succeeded |')
    expect(md).toContain('| AfterAllowTraffic |  |  | Skipped |')
  })

  it('draws the started events as a Gantt chart with epoch-ms times', () => {
    const lines = mermaid(md)
    expect(lines.slice(0, 5)).toEqual([
      'gantt',
      '  title Deployment d-OK123',
      '  dateFormat x',
      '  axisFormat %H:%M:%S',
      '  todayMarker off'
    ])
    expect(lines).toContain('  section Install')
    expect(lines).toContain('  section Production traffic')
    expect(lines).toContain(`  Install :done, e1, ${at(3).getTime()}, ${at(95).getTime()}`)
    // an instant event still gets a visible bar
    expect(lines).toContain(`  AfterInstall :done, e2, ${at(95).getTime()}, ${at(96).getTime()}`)
    expect(lines.some(l => l.includes('AfterAllowTraffic'))).toBe(false)
    for (const task of lines.filter(l => / :/.test(l))) {
      expect(task).toMatch(/^ {2}[^:;#]+ :(?:(?:done|active|crit), )*e\d+, \d{13}, \d{13}$/)
    }
  })

  it('shows the traffic split at each step and the result', () => {
    expect(md).toContain('| Time | Original | Replacement |')
    expect(md).toContain('| +1:40 | 90% | 10% |')
    expect(md).toContain('| +11:40 | 0% | 100% |')
    expect(md).toContain(`#### Result\n\nDeployment [d-OK123](${DEPLOY_URL}) ended this step as Succeeded.`)
    expect(md).toContain(
      '<details><summary>AppSpec</summary>\n\n```json\n{"version":"0.0"}\n```\n\n</details>'
    )
    expect(md).not.toContain('Diagnostics')
  })
})

describe('renderSummary: failure', () => {
  const report: RunReport = {
    ...success(),
    outcome: 'failed',
    deployment: { id: 'd-BAD1', url: 'https://example.test/d(1)', status: 'Failed' },
    timeline: [
      { name: 'BeforeInstall', status: 'Succeeded', start: at(0), end: at(1) },
      { name: 'Install', status: 'Failed', start: at(1), end: at(4000) },
      { name: 'Weird: name; #x', status: 'InProgress', start: at(4000) }
    ],
    traffic: [],
    failure: {
      message: 'Deployment d-BAD1 failed in Install. <script>alert(1)</script> | pipe',
      details: [
        'Stopped task t1: Essential container in task exited',
        '```',
        '  container web: exit code 137'
      ]
    },
    rollback: { id: 'd-RB1', status: 'Succeeded', url: 'javascript:alert(1)' },
    appSpec: undefined
  }
  const md = renderSummary(report)

  it('heads with the failure and quotes the error line escaped', () => {
    expect(md.startsWith('### ❌ Deployment failed\n')).toBe(true)
    expect(md).toContain(
      '> Deployment d-BAD1 failed in Install. &lt;script&gt;alert(1)&lt;/script&gt; \\| pipe'
    )
    expect(md).not.toContain('<script>')
  })

  it('puts the diagnostics in a collapsible block the content cannot close', () => {
    expect(md).toContain(
      '<details><summary>Diagnostics</summary>\n\n````text\nStopped task t1: Essential container in task exited\n```\n  container web: exit code 137\n````\n\n</details>'
    )
  })

  it('links only http(s) URLs and keeps parentheses from ending a link', () => {
    expect(md).toContain('| Deployment | [d-BAD1](https://example.test/d%281%29): Failed |')
    expect(md).toContain('| Rollback | d-RB1: Succeeded |')
  })

  it('marks the failed event crit, runs the open one to the end, and cleans names for Mermaid', () => {
    const lines = mermaid(md)
    expect(lines).toContain('  axisFormat %H:%M')
    expect(lines).toContain(`  Install :crit, done, e1, ${at(1).getTime()}, ${at(4000).getTime()}`)
    expect(lines).toContain('  section Other')
    expect(lines).toContain(`  Weird name x :active, e2, ${at(4000).getTime()}, ${at(4000).getTime() + 1000}`)
    expect(md).not.toContain('#### Production traffic')
  })
})

describe('other outcomes', () => {
  it('names the goal that was reached', () => {
    const md = renderSummary({ ...success(), outcome: 'goal-reached', goal: 'ready' })
    expect(md.split('\n')[0]).toBe(
      '### ✅ Goal reached: the replacement serves test traffic and waits to be rerouted'
    )
  })

  it('renders a dry run without deployment, timeline or chart', () => {
    const md = renderSummary({
      outcome: 'dry-run',
      region: 'us-east-1',
      taskDefinition: { previousArn: 'web:42', changes: [] },
      timeline: [{ name: 'Install', status: 'Pending' }],
      traffic: [],
      startedAt: t0,
      endedAt: at(3),
      appSpec: '{}'
    })
    expect(md).toContain('### 🧪 Dry run: nothing was changed in AWS')
    expect(md).toContain('| Previous task definition | [web:42](')
    expect(md).not.toContain('```mermaid')
    expect(md).toContain('nothing was registered or deployed')
    expect(
      ganttChart({ outcome: 'dry-run', region: 'x', timeline: [], traffic: [], startedAt: t0, endedAt: t0 })
    ).toBe(undefined)
  })

  it('describes a run that ended before any deployment existed', () => {
    const md = renderSummary({
      outcome: 'cancelled',
      region: 'us-east-1',
      timeline: [],
      traffic: [],
      startedAt: t0,
      endedAt: at(1)
    })
    expect(md).toContain('#### Result\n\nRun cancelled')
  })
})

describe('helpers', () => {
  it('escapes Markdown and HTML', () => {
    expect(escapeMarkdown('a_b *c* [d](e) <i> & |\nx # `y`')).toBe(
      'a\\_b \\*c\\* \\[d\\](e) &lt;i&gt; &amp; \\| x \\# \\`y\\`'
    )
  })
})
