// The workflow commands the GitHub runner would act on in a step's output, read as
// actions/runner reads them (ActionCommandManager.TryProcessCommand): a line is a command when it
// starts with `::name` once leading whitespace is trimmed (TryParseV2), or else when it holds
// `##[name` anywhere (the legacy TryParse); only registered names count, and
// `::stop-commands::<token>` switches every command off until `::<token>::`.

export interface RunnerCommand {
  command: string
  properties: Record<string, string>
  data: string
  /** The output line it came from. */
  line: string
}

/** The commands the runner registers (its ActionCommandExtensions, and stop-commands). */
const REGISTERED = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning'
])

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}

// .NET's String.TrimStart() trims what Char.IsWhiteSpace calls whitespace.
const LEADING_WHITESPACE = /^[\s\u0085]+/

function parseV2(line: string, registered: Set<string>): Omit<RunnerCommand, 'line'> | undefined {
  const message = line.replace(LEADING_WHITESPACE, '')
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!registered.has(command.toLowerCase())) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(',')) {
      const eq = pair.indexOf('=')
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1))
    }
  }
  return { command: command.toLowerCase(), properties, data: unescapeData(message.slice(end + 2)) }
}

function parseLegacy(line: string, registered: Set<string>): Omit<RunnerCommand, 'line'> | undefined {
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!registered.has(command.toLowerCase())) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info.slice(space + 1).split(';')) {
      const eq = pair.indexOf('=')
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeData(pair.slice(eq + 1))
    }
  }
  return { command: command.toLowerCase(), properties, data: unescapeData(line.slice(close + 1)) }
}

/** The commands the runner processes in this output, in order; lines of either stream count. */
export function runnerCommands(output: string | string[]): RunnerCommand[] {
  const lines = typeof output === 'string' ? output.split(/\r\n|\r|\n/) : output
  const registered = new Set(REGISTERED)
  let stopToken: string | undefined
  const found: RunnerCommand[] = []
  for (const line of lines) {
    const parsed = parseV2(line, registered) ?? parseLegacy(line, registered)
    if (!parsed) continue
    if (stopToken !== undefined) {
      if (parsed.command === stopToken.toLowerCase()) {
        registered.delete(stopToken.toLowerCase())
        stopToken = undefined
        found.push({ ...parsed, line })
      }
      continue
    }
    if (parsed.command === 'stop-commands') {
      stopToken = parsed.data
      registered.add(stopToken.toLowerCase())
    }
    found.push({ ...parsed, line })
  }
  return found
}
