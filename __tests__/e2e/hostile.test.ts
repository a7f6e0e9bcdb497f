// Text and files the action did not write itself, read by the built action as the runner runs
// it: nothing from AWS becomes a workflow command, no secret reaches the log.
import { jest } from '@jest/globals'
import { runnerCommands } from '../../sim/runner-commands.js'
import { scenarios } from '../../sim/scenarios.js'
import { type ActionRun, WEB, useSimulator } from './helpers.js'

jest.setTimeout(60_000)
const { start, run } = useSimulator()

/** What a hook's Lambda that logs a response body can print: each line a command as the runner reads them. */
const FORGED = [
  '::error title=Deploy approved::All checks passed',
  '::add-mask::Succeeded',
  '  ::stop-commands::pwned',
  'status ##[warning]legacy form, anywhere in a line'
].join('\n')

/** The commands the runner acts on in both output streams, groups aside. */
function commands(r: ActionRun): { command: string; title?: string; data: string }[] {
  return runnerCommands([...r.lines, ...r.stderr.split('\n')])
    .filter(c => c.command !== 'group' && c.command !== 'endgroup')
    .map(c => ({ command: c.command, title: c.properties.title, data: c.data }))
}

describe('text from AWS is never a workflow command', () => {
  test("a hook's diagnostics and log tail: the step's own failure annotation is the only command", async () => {
    await start(
      {
        ...scenarios['hook-failure'],
        faults: {
          deployment: { hookFailure: { event: 'AfterAllowTestTraffic', message: FORGED, logTail: FORGED } }
        }
      },
      300
    )
    const r = await run(WEB)

    expect(r.exitCode).not.toBe(0)
    const seen = commands(r)
    expect(seen).toEqual([{ command: 'error', title: 'Deployment failed', data: expect.any(String) }])
    expect(seen[0]!.data).toContain('failed in AfterAllowTestTraffic')
    // The text is still there to read.
    expect(r.lines.join('\n').replaceAll('\u200b', '')).toContain('::add-mask::Succeeded')
  })

  test("stopped tasks' and containers' reasons, and CodeDeploy's messages that quote them", async () => {
    await start(
      {
        ...scenarios['tasks-stopping'],
        faults: {
          deployment: {
            replacementTasksStop: {
              count: 2,
              stoppedReason: '::stop-commands::pwned',
              containerReason: FORGED,
              exitCode: 1,
              failAfterMinutes: 2
            }
          }
        }
      },
      10
    )
    const r = await run(WEB)

    expect(r.exitCode).not.toBe(0)
    const seen = commands(r)
    expect(seen).toEqual([{ command: 'error', title: 'Deployment failed', data: expect.any(String) }])
    expect(seen[0]!.data).toContain('failed in Install')
  })
})
