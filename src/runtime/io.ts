import * as core from '@actions/core'
import * as github from '@actions/github'
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { type AwsClients, createAwsClients } from './aws.js'

export type Octokit = ReturnType<typeof github.getOctokit>

/**
 * Everything the steps touch outside themselves: the runner, the clock, the files, AWS and GitHub.
 * `actionsIo()` is the real one; tests hand in fakes.
 */
export interface Io {
  env: NodeJS.ProcessEnv
  input: (name: string) => string
  info: (line: string) => void
  warning: (message: string, title?: string) => void
  notice: (message: string, title?: string) => void
  error: (message: string, title?: string) => void
  startGroup: (name: string) => void
  endGroup: () => void
  setOutput: (name: string, value: string) => void
  setExitCode: (code: number) => void
  saveState: (name: string, value: string) => void
  getState: (name: string) => string
  summary: (markdown: string) => Promise<void>
  exists: (path: string) => boolean
  readFile: (path: string) => string
  now: () => Date
  sleep: (ms: number) => Promise<void>
  /** Created on first use, so that input errors are reported before credentials are looked for. */
  aws: () => AwsClients
  github: (token: string) => Octokit
  context: () => typeof github.context
}

export function actionsIo(env: NodeJS.ProcessEnv = process.env): Io {
  let clients: AwsClients | undefined
  return {
    env,
    input: name => core.getInput(name),
    info: line => {
      core.info(line)
    },
    warning: (message, title) => {
      core.warning(message, title ? { title } : {})
    },
    notice: (message, title) => {
      core.notice(message, title ? { title } : {})
    },
    error: (message, title) => {
      core.error(message, title ? { title } : {})
    },
    startGroup: name => {
      core.startGroup(name)
    },
    endGroup: () => {
      core.endGroup()
    },
    setOutput: (name, value) => {
      core.setOutput(name, value)
    },
    setExitCode: code => {
      process.exitCode = code
    },
    saveState: (name, value) => {
      core.saveState(name, value)
    },
    getState: name => core.getState(name),
    summary: async markdown => {
      // Outside a runner (npm run demo) there is no summary file; the log already has everything.
      if (!env.GITHUB_STEP_SUMMARY) return
      await core.summary.addRaw(markdown, true).write()
    },
    exists: path => existsSync(path),
    readFile: path => readFileSync(path, 'utf8'),
    now: () => new Date(),
    sleep: ms => delay(ms, undefined, { ref: true }),
    aws: () => (clients ??= createAwsClients(env)),
    github: token => github.getOctokit(token, env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    context: () => github.context
  }
}
