// Text and files the action did not write itself, read by the built action as the runner runs
// it: nothing from AWS becomes a workflow command, no secret reaches the log.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runnerCommands } from '../../sim/runner-commands.js'
import { scenarios } from '../../sim/scenarios.js'
import { appSpecYaml } from '../unit/appspec-yaml.js'
import { type ActionRun, WEB, onlyError, useSimulatorRuns, workspace, writeCalls } from './helpers.js'

const { start, run, sim } = useSimulatorRuns()

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

describe('secrets never reach the log', () => {
  /** Everything the run left where people read: both streams, the summary, the outputs. */
  const everything = (r: ActionRun): string =>
    [...r.lines, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n')

  const template = (container: Record<string, unknown>): string =>
    JSON.stringify({
      family: 'web',
      containerDefinitions: [
        { name: 'web', image: 'web:v1', portMappings: [{ containerPort: 8080 }], ...container }
      ]
    })

  interface Case {
    what: string
    inputs?: Record<string, string>
    files?: Record<string, string>
    secret: string
    says: string
  }
  test.each<Case>([
    {
      what: 'an environment-variables line with a colon typo (the runner masks the whole value, not this part of it)',
      inputs: { 'environment-variables': 'MODE=prod\nSIGNING_KEY: c2VjcmV0LXNpZ25pbmcta2V5==' },
      secret: 'c2VjcmV0LXNpZ25pbmcta2V5',
      says: 'environment-variables line 2'
    },
    {
      what: 'a secret alone on an environment-variables line, which would become a variable name',
      inputs: { 'environment-variables': 'MODE=prod\ntok.c2VjcmV0-c2lnbmluZw=' },
      secret: 'c2VjcmV0-c2lnbmluZw',
      says: 'environment-variables line 2'
    },
    {
      what: 'an appspec.yaml that holds a token (found by default)',
      files: { 'appspec.yaml': 'ghp_c2VjcmV0dG9rZW4xMjM0NTY3ODkw\n' },
      secret: 'c2VjcmV0dG9rZW4xMjM0NTY3ODkw',
      says: 'appspec.yaml is not an AppSpec'
    },
    {
      what: 'a template value of the wrong type',
      inputs: { 'task-definition': 'td.json' },
      files: { 'td.json': template({ command: 'sh -c "export API_TOKEN=c2VjcmV0LWFwaS10b2tlbg"' }) },
      secret: 'c2VjcmV0LWFwaS10b2tlbg',
      says: 'containerDefinitions[0].command must be a list, got a string'
    }
  ])('$what: the error says what is wrong, and quotes nothing', async ({ inputs, files, secret, says }) => {
    await start('all-at-once', 300)
    const r = await run({ ...WEB, ...inputs }, { workspace: workspace(files) })

    const error = onlyError(r)
    expect(error).toContain(says)
    expect(everything(r)).not.toContain(secret)
    expect(writeCalls(sim())).toEqual([])
  })
})

describe('files are read from the workspace only', () => {
  const TEMPLATE = JSON.stringify({
    family: 'web',
    containerDefinitions: [{ name: 'web', image: 'web:v1', portMappings: [{ containerPort: 8080 }] }]
  })
  const APPSPEC = appSpecYaml('LoadBalancerInfo: { ContainerName: web, ContainerPort: 8080 }')
  const TOKEN = 'ghp_c2VjcmV0dG9rZW4xMjM0NTY3ODkw'

  /** A workspace inside a directory that holds a valid template and a token, beside it. */
  function layout(): { outside: string; ws: string } {
    const outside = mkdtempSync(join(tmpdir(), 'ecs-deploy-outside-'))
    writeFileSync(join(outside, 'td.json'), TEMPLATE)
    writeFileSync(join(outside, 'token'), TOKEN)
    const ws = join(outside, 'ws')
    mkdirSync(join(ws, '.aws'), { recursive: true })
    return { outside, ws }
  }

  interface Case {
    what: string
    /** Lays the workspace out and returns the inputs that point into it. */
    setUp: (dirs: { outside: string; ws: string }) => Record<string, string>
    says: RegExp
  }
  test.each<Case>([
    {
      what: 'an absolute task-definition path outside the workspace',
      setUp: ({ outside }) => ({ 'task-definition': join(outside, 'td.json') }),
      says: /task-definition '.*td\.json' is outside the workspace/
    },
    {
      what: 'a task-definition path that climbs out with ../',
      setUp: () => ({ 'task-definition': '../td.json' }),
      says: /task-definition '\.\.\/td\.json' is outside the workspace/
    },
    {
      what: 'a committed appspec.yaml that links to a token outside (found by default)',
      setUp: ({ outside, ws }) => {
        symlinkSync(join(outside, 'token'), join(ws, 'appspec.yaml'))
        return {}
      },
      says: /The AppSpec file 'appspec\.yaml' is outside the workspace \(it leads to .*token\)/
    },
    {
      what: 'a task-definition that names a directory',
      setUp: () => ({ 'task-definition': '.aws' }),
      says: /task-definition '\.aws' is a directory in the workspace, not a file/
    },
    {
      what: 'a task-definition that is a FIFO (reading it would wait forever)',
      setUp: ({ ws }) => {
        execFileSync('mkfifo', [join(ws, 'td.json')])
        return { 'task-definition': 'td.json' }
      },
      says: /task-definition 'td\.json' is not a regular file/
    },
    {
      what: 'a task-definition over 1 MiB',
      setUp: ({ ws }) => {
        writeFileSync(join(ws, 'td.json'), TEMPLATE + ' '.repeat(1024 * 1024))
        return { 'task-definition': 'td.json' }
      },
      says: /task-definition 'td\.json' is larger than 1 MiB/
    }
  ])('$what: an input error, and nothing read or written', async ({ setUp, says }) => {
    await start('all-at-once', 300)
    const dirs = layout()
    const inputs = setUp(dirs)
    const r = await run({ ...WEB, ...inputs }, { workspace: dirs.ws, killAfterMs: 20_000 })

    expect(r.exitCode).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(says)
    expect(r.lines.join('\n')).not.toContain(TOKEN)
    expect(writeCalls(sim())).toEqual([])
  })

  test('the log says which AppSpec file was used, and why', async () => {
    await start('all-at-once', 300)
    const found = await run(
      { ...WEB, 'dry-run': 'true' },
      { workspace: workspace({ 'appspec.yaml': APPSPEC }) }
    )
    expect(found.exitCode).toBe(0)
    expect(found.lines).toContain(
      'AppSpec file: appspec.yaml, found in the workspace (codedeploy-appspec is not set).'
    )

    const dirs = layout()
    mkdirSync(join(dirs.ws, 'deploy'))
    writeFileSync(join(dirs.ws, 'deploy', 'appspec.yaml'), APPSPEC)
    const given = await run(
      { ...WEB, 'dry-run': 'true', 'codedeploy-appspec': 'deploy/appspec.yaml' },
      { workspace: dirs.ws }
    )
    expect(given.exitCode).toBe(0)
    expect(given.lines).toContain('AppSpec file: deploy/appspec.yaml (codedeploy-appspec).')
  })
})
