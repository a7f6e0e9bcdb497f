// An in-memory Io for the orchestration tests: it records what the step says and sets, keeps a fake
// clock that `sleep` moves forward at once, and hands out real SDK clients for aws-sdk-client-mock.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECSClient } from '@aws-sdk/client-ecs'
import type * as github from '@actions/github'
import { resolve } from 'node:path'
import { type AwsClients, awsRegion } from '../../src/runtime/aws.js'
import type { Io, Octokit } from '../../src/runtime/io.js'

export const WORKSPACE = '/ws'
export const T0 = new Date('2026-11-27T14:00:00Z')

export interface GitHubCall {
  method: string
  params: Record<string, unknown>
}

export interface FakeIo extends Io {
  /** info lines, group markers as `::group::name` / `::endgroup::` */
  lines: string[]
  warnings: { message: string; title?: string }[]
  notices: { message: string; title?: string }[]
  errors: { message: string; title?: string }[]
  outputs: Record<string, string>
  exitCode?: number
  state: Record<string, string>
  summaries: string[]
  files: Record<string, string>
  inputs: Record<string, string>
  slept: number[]
  githubCalls: GitHubCall[]
  /** Everything the log shows, in order: info, warnings, notices and errors. */
  log: () => string
}

export interface FakeIoOptions {
  inputs?: Record<string, string>
  /** Relative paths are taken as relative to WORKSPACE. */
  files?: Record<string, string>
  env?: NodeJS.ProcessEnv
  state?: Record<string, string>
  start?: Date
}

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }

export function fakeIo(opts: FakeIoOptions = {}): FakeIo {
  const env: NodeJS.ProcessEnv = {
    AWS_REGION: 'us-east-1',
    GITHUB_WORKSPACE: WORKSPACE,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: '0123456789abcdef',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    ...opts.env
  }
  const files: Record<string, string> = {}
  for (const [path, text] of Object.entries(opts.files ?? {})) files[resolve(WORKSPACE, path)] = text
  const isDirectory = (path: string): boolean =>
    path === WORKSPACE || Object.keys(files).some(f => f.startsWith(`${path}/`))
  let clock = (opts.start ?? T0).getTime()
  let clients: AwsClients | undefined
  const all: string[] = []

  const io: FakeIo = {
    env,
    lines: [],
    warnings: [],
    notices: [],
    errors: [],
    outputs: {},
    state: { ...opts.state },
    summaries: [],
    files,
    inputs: { ...opts.inputs },
    slept: [],
    githubCalls: [],
    log: () => all.join('\n'),
    input: name => io.inputs[name] ?? '',
    info: line => {
      io.lines.push(line)
      all.push(line)
    },
    warning: (message, title) => {
      io.warnings.push({ message, title })
      all.push(`::warning::${message}`)
    },
    notice: (message, title) => {
      io.notices.push({ message, title })
      all.push(`::notice::${message}`)
    },
    error: (message, title) => {
      io.errors.push({ message, title })
      all.push(`::error::${message}`)
    },
    startGroup: name => {
      io.lines.push(`::group::${name}`)
    },
    endGroup: () => {
      io.lines.push('::endgroup::')
    },
    setOutput: (name, value) => {
      io.outputs[name] = value
    },
    setExitCode: code => {
      io.exitCode = code
    },
    saveState: (name, value) => {
      io.state[name] = value
    },
    getState: name => io.state[name] ?? '',
    summary: markdown => {
      io.summaries.push(markdown)
      return Promise.resolve()
    },
    // No links: every path is its own real path. A directory is any prefix of a file's path.
    realPath: path => (path in files || isDirectory(path) ? path : undefined),
    readFile: (path, maxBytes) => {
      if (isDirectory(path)) return { refused: 'directory' }
      const text = files[path]
      if (text === undefined) throw new Error(`ENOENT: ${path}`)
      return Buffer.byteLength(text) > maxBytes ? { refused: 'too-large' } : { text }
    },
    now: () => new Date(clock),
    sleep: ms => {
      io.slept.push(ms)
      clock += ms
      return Promise.resolve()
    },
    aws: () => {
      if (clients) return clients
      // As the real one: no region is an AwsAccessError raised on first use.
      const region = awsRegion(env)
      const config = { region, credentials: CREDENTIALS, maxAttempts: 1 }
      clients = {
        ecs: new ECSClient(config),
        codedeploy: new CodeDeployClient(config),
        cancelCodedeploy: new CodeDeployClient(config),
        cancelEcs: new ECSClient(config),
        logs: logRegion => Promise.resolve(new CloudWatchLogsClient({ ...config, region: logRegion })),
        region
      }
      return clients
    },
    github: () => Promise.resolve(fakeOctokit(io.githubCalls)),
    context: () =>
      Promise.resolve({
        repo: { owner: 'acme', repo: 'shop' },
        runId: 42,
        sha: '0123456789abcdef',
        eventName: 'push',
        payload: {}
      } as unknown as typeof github.context)
  }
  return io
}

/** Just the three deployment calls report.ts makes; new GitHub deployments get id 7. */
function fakeOctokit(calls: GitHubCall[]): Octokit {
  const record =
    (method: string, data: unknown) =>
    (params: Record<string, unknown>): Promise<{ data: unknown }> => {
      calls.push({ method, params })
      return Promise.resolve({ data })
    }
  return {
    rest: {
      repos: {
        createDeployment: record('createDeployment', { id: 7 }),
        createDeploymentStatus: record('createDeploymentStatus', {}),
        listDeployments: record('listDeployments', [])
      }
    }
  } as unknown as Octokit
}
