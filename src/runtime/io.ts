import * as core from '@actions/core'
import type * as github from '@actions/github'
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { type AwsClients, createAwsClients } from './aws.js'

export type Octokit = ReturnType<typeof github.getOctokit>

/** A file's text, or why it was not read. */
export type FileRead = { text: string } | { refused: 'directory' | 'not-a-file' | 'too-large' }

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
  /** The path with every link resolved; undefined when nothing is there. */
  realPath: (path: string) => string | undefined
  /** A regular file's text, read no further than `maxBytes`: a device or a FIFO cannot hang the step. */
  readFile: (path: string, maxBytes: number) => FileRead
  now: () => Date
  sleep: (ms: number) => Promise<void>
  /** Created on first use, so that input errors are reported before credentials are looked for. */
  aws: () => AwsClients
  /** Loaded on first use: only steps that report to GitHub deployments pay for Octokit at start. */
  github: (token: string) => Promise<Octokit>
  context: () => Promise<typeof github.context>
}

// The runner reads lines as .NET's StreamReader does, and trims what Char.IsWhiteSpace calls
// whitespace (JavaScript's \s, and NEL) before looking for `::`.
const LINE_BREAK = /(\r\n|\r|\n)/
const COMMAND_START = /^([\s\u0085]*):(?=:)/
const ZERO_WIDTH_SPACE = '\u200b'

/**
 * Makes text inert for the runner, which reads every line a step prints for workflow commands: a
 * line that starts with `::` once leading whitespace is trimmed, and `##[` anywhere in a line (the
 * legacy form). A hook's log, a stopped task's reason, CodeDeploy's messages or a file could
 * otherwise forge annotations, mask words all over the job log (`::add-mask::`) or switch off this
 * step's own commands (`::stop-commands::`). A zero-width space inside the marker breaks it and
 * leaves the text reading as it did. Every line the step prints goes through here, its own too:
 * the step never prints a command through `info`.
 */
export function inert(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(COMMAND_START, `$1:${ZERO_WIDTH_SPACE}`).replaceAll('##[', `##${ZERO_WIDTH_SPACE}[`)
    )
    .join('')
}

export function actionsIo(env: NodeJS.ProcessEnv = process.env): Io {
  let clients: AwsClients | undefined
  let toolkit: Promise<typeof github> | undefined
  const loadToolkit = (): Promise<typeof github> => (toolkit ??= import('@actions/github'))
  return {
    env,
    input: name => core.getInput(name),
    info: line => {
      core.info(inert(line))
    },
    // Annotations are one line (the toolkit escapes line breaks), but their text is shown and
    // copied like any other: it gets the same care.
    warning: (message, title) => {
      core.warning(inert(message), title ? { title } : {})
    },
    notice: (message, title) => {
      core.notice(inert(message), title ? { title } : {})
    },
    error: (message, title) => {
      core.error(inert(message), title ? { title } : {})
    },
    startGroup: name => {
      core.startGroup(inert(name))
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
    realPath: path => {
      try {
        return realpathSync(path)
      } catch {
        return undefined
      }
    },
    readFile,
    now: () => new Date(),
    sleep: ms => delay(ms, undefined, { ref: true }),
    aws: () => (clients ??= createAwsClients(env)),
    github: async token =>
      (await loadToolkit()).getOctokit(token, env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    context: async () => (await loadToolkit()).context
  }
}

function readFile(path: string, maxBytes: number): FileRead {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    // Windows cannot open a directory.
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return { refused: 'directory' }
    throw e
  }
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) return { refused: 'directory' }
    if (!stat.isFile()) return { refused: 'not-a-file' }
    if (stat.size > maxBytes) return { refused: 'too-large' }
    // One byte more than allowed tells a file that grew since fstat.
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null)
    }
    if (length > maxBytes) return { refused: 'too-large' }
    return { text: buffer.toString('utf8', 0, length) }
  } finally {
    closeSync(fd)
  }
}
