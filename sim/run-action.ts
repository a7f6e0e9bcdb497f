// Runs the built action (dist/index.js) the way the GitHub runner runs a node action: inputs as
// INPUT_<NAME> variables (upper-cased, hyphens kept) with action.yml's defaults filled in, the
// runner's files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH), an
// event payload, SIGINT then SIGTERM 7.5 s later then SIGKILL 2.5 s after that for a cancelled
// run, and the post step with the state the main step saved.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import type { ClockAnchor } from './server.js'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const bundle = join(repoRoot, 'dist', 'index.js')
const clockModule = pathToFileURL(join(repoRoot, 'sim', 'clock.js')).href

/** The machine's Node, and Node 24 (what action.yml declares) when `.ci/run` has installed it. */
export function nodeBinaries(): { name: string; path: string }[] {
  const node24 = join(repoRoot, '.cache', 'node24', 'node_modules', '.bin', 'node')
  const found = [{ name: `node ${process.version}`, path: process.execPath }]
  if (existsSync(node24)) found.push({ name: 'node 24', path: node24 })
  return found
}

export interface RunOptions {
  /** The simulator's environment: endpoint, region, dummy credentials, GITHUB_API_URL. */
  env: Record<string, string>
  inputs: Record<string, string>
  node?: string
  workspace?: string
  event?: { name: string; payload: unknown }
  /** Sends the runner's cancel sequence when a line of the log matches. */
  cancelWhen?: (line: string) => boolean
  /** Sends the runner's cancel sequence when this settles. */
  cancelOn?: Promise<unknown>
  /** Ends the run (SIGKILL) after this long; the test's own safety net. */
  killAfterMs?: number
  onLine?: (line: string) => void
  /**
   * Runs the action on the simulator's clock (`sim.clock()`, see sim/clock.js): its Date, timers
   * and SDK retry delays then agree with the times the simulator reports. The runner's signals and
   * killAfterMs stay in real time.
   */
  clock?: ClockAnchor
}

export interface ActionRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  lines: string[]
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  errors: string[]
  warnings: string[]
  /** Process start (ms, Date.now()) and end, for timing. */
  startedAt: number
  endedAt: number
  cancelledAt?: number
  files: { dir: string; output: string; state: string; summary: string }
  /** Runs the post step of this job, with the same options unless `extra` overrides them. */
  post: (extra?: Partial<RunOptions>) => Promise<ActionRun>
}

const actionYml = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

/** The runner passes every input that has a default, with `${{ github.token }}` evaluated. */
function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(actionYml.inputs)) {
    if (spec.default === undefined) continue
    env[`INPUT_${name.toUpperCase()}`] =
      spec.default === '${{ github.token }}' ? 'ghs_simulatedtoken' : spec.default
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks, and the older `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '')
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

export function runAction(
  opts: RunOptions,
  phase: { state?: Record<string, string>; dir?: string } = {}
): Promise<ActionRun> {
  const dir = phase.dir ?? mkdtempSync(join(tmpdir(), 'ecs-deploy-run-'))
  const suffix = phase.state ? '-post' : ''
  const files = {
    dir,
    output: join(dir, `output${suffix}`),
    state: join(dir, `state${suffix}`),
    summary: join(dir, `summary${suffix}.md`)
  }
  for (const f of [files.output, files.state, files.summary]) writeFileSync(f, '')
  const eventPath = join(dir, 'event.json')
  writeFileSync(eventPath, JSON.stringify(opts.event?.payload ?? { ref: 'refs/heads/main' }))
  const stateEnv = Object.fromEntries(Object.entries(phase.state ?? {}).map(([k, v]) => [`STATE_${k}`, v]))

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: opts.workspace ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: opts.event?.name ?? 'push',
    GITHUB_REPOSITORY: 'octo-org/web',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_SHA: '4f2d1c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_OS: 'Linux',
    ...opts.env,
    ...inputEnv(opts.inputs),
    ...stateEnv,
    ...(opts.clock ? { SIM_CLOCK: JSON.stringify(opts.clock) } : {})
  }

  return new Promise((resolveRun, reject) => {
    const startedAt = Date.now()
    const child = spawn(
      opts.node ?? process.execPath,
      [...(opts.clock ? ['--import', clockModule] : []), bundle],
      {
        env,
        cwd: opts.workspace ?? dir,
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    const lines: string[] = []
    let stderr = ''
    let pending = ''
    let cancelledAt: number | undefined
    const timers: NodeJS.Timeout[] = []
    const cancel = (): void => {
      if (cancelledAt !== undefined) return
      cancelledAt = Date.now()
      child.kill('SIGINT')
      timers.push(setTimeout(() => child.kill('SIGTERM'), 7500))
      timers.push(setTimeout(() => child.kill('SIGKILL'), 10_000))
    }
    if (opts.killAfterMs) timers.push(setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs))
    void opts.cancelOn?.then(() => {
      if (child.exitCode === null && child.signalCode === null) cancel()
    })
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      pending += chunk
      const parts = pending.split('\n')
      pending = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        opts.onLine?.(line)
        if (opts.cancelWhen?.(line)) cancel()
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t)
      if (pending) lines.push(pending)
      const state = parseFileCommands(read(files.state))
      const run: ActionRun = {
        exitCode,
        signal,
        lines,
        stderr,
        outputs: parseFileCommands(read(files.output)),
        state,
        summary: read(files.summary),
        errors: lines.filter(l => l.startsWith('::error')),
        warnings: lines.filter(l => l.startsWith('::warning')),
        startedAt,
        endedAt: Date.now(),
        cancelledAt,
        files,
        post: (extra = {}) =>
          runAction(
            { ...opts, cancelWhen: undefined, cancelOn: undefined, ...extra },
            { state: { ...(phase.state ?? {}), ...state }, dir }
          )
      }
      resolveRun(run)
    })
  })
}

/** The log as a person reads it: workflow commands for outputs and state left out. */
export function visibleLog(run: ActionRun): string[] {
  return run.lines.filter(l => !/^::(save-state|set-output|add-mask)/.test(l) && l.trim() !== '')
}
