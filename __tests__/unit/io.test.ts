import * as github from '@actions/github'
import { jest } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { EOL, tmpdir } from 'node:os'
import { join } from 'node:path'
import { AwsAccessError } from '../../src/runtime/errors.js'
import { actionsIo, inert } from '../../src/runtime/io.js'
import { runnerCommands } from '../../sim/runner-commands.js'

/** Text a hook's Lambda could log: each line is a workflow command as the runner reads them. */
const HOSTILE = [
  '::error title=Deploy approved::All checks passed',
  '::add-mask::Succeeded',
  '   \t::stop-commands::pwned',
  '\u00a0\u2003::warning::unicode whitespace is trimmed too',
  '\u0085::notice::so is NEL',
  'text before ##[error]the legacy form matches anywhere',
  '##[add-mask]Failed',
  'a\r::add-mask::after a bare carriage return'
]

describe('inert', () => {
  it.each(HOSTILE)('leaves no command in %j', line => {
    expect(runnerCommands(inert(line))).toEqual([])
  })

  it('keeps the text as it reads, and plain text as it is', () => {
    const hostile = HOSTILE.join('\n')
    expect(inert(hostile).replaceAll('\u200b', '')).toBe(hostile)
    const plain = 'Deployment d-AAAAAAAA1 is InProgress: 50% :: half\n  # a comment [x]'
    expect(inert(plain)).toBe(plain)
  })
})

describe('actionsIo', () => {
  const saved = { ...process.env }
  let dir: string
  let stdout: string[]

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'actions-io-'))
    for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
      process.env[name] = join(dir, name)
      writeFileSync(join(dir, name), '')
    }
    stdout = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk))
      return true
    })
  })

  afterEach(() => {
    jest.restoreAllMocks()
    process.env = { ...saved }
    rmSync(dir, { recursive: true, force: true })
  })

  it('speaks the runner protocol: inputs, log commands, outputs, state and the summary', async () => {
    process.env.INPUT_SERVICE = ' web '
    process.env.STATE_settled = 'goal'
    const io = actionsIo({ ...process.env })
    expect(io.input('service')).toBe('web')
    io.info('hello')
    io.warning('careful', 'Title')
    io.warning('plain')
    io.error('broken', 'Failed')
    io.error('plain error')
    io.startGroup('group')
    io.endGroup()
    expect(stdout.join('')).toBe(
      [
        'hello',
        '::warning title=Title::careful',
        '::warning::plain',
        '::error title=Failed::broken',
        '::error::plain error',
        '::group::group',
        '::endgroup::',
        ''
      ].join(EOL)
    )
    io.setOutput('deployment-id', 'd-AAAAAAAA1')
    io.saveState('settled', 'ended')
    expect(readFileSync(join(dir, 'GITHUB_OUTPUT'), 'utf8')).toMatch(/^deployment-id<<.*\nd-AAAAAAAA1\n/)
    expect(readFileSync(join(dir, 'GITHUB_STATE'), 'utf8')).toMatch(/^settled<<.*\nended\n/)
    expect(io.getState('settled')).toBe('goal')
    await io.summary('# Done')
    expect(readFileSync(join(dir, 'GITHUB_STEP_SUMMARY'), 'utf8')).toBe(`# Done${EOL}`)
    await expect(io.context()).resolves.toBe(github.context)
  })

  it('prints text from outside as text: no line of it is a command, whatever path it takes', () => {
    const io = actionsIo({ ...process.env })
    const text = HOSTILE.join('\n')
    io.info(text)
    io.startGroup(text)
    io.endGroup()
    io.warning(text, 'Title')
    io.error(text, 'Failed')
    const commands = runnerCommands(stdout.join(''))
    expect(commands.map(c => [c.command, c.properties.title])).toEqual([
      ['group', undefined],
      ['endgroup', undefined],
      ['warning', 'Title'],
      ['error', 'Failed']
    ])
    expect(commands[3]!.data.replaceAll('\u200b', '')).toBe(text)
  })

  it('writes no summary outside a runner', async () => {
    const env = { ...process.env, GITHUB_STEP_SUMMARY: '' }
    await actionsIo(env).summary('# Done')
    expect(readFileSync(join(dir, 'GITHUB_STEP_SUMMARY'), 'utf8')).toBe('')
  })

  it('reads files, keeps time and sleeps', async () => {
    const file = join(dir, 'td.json')
    writeFileSync(file, '{}')
    const io = actionsIo({})
    expect(io.realPath(file)).toBe(realpathSync(file))
    expect(io.realPath(join(dir, 'nope'))).toBeUndefined()
    expect(io.readFile(file, 2)).toEqual({ text: '{}' })
    expect(io.readFile(file, 1)).toEqual({ refused: 'too-large' })
    expect(io.readFile(dir, 10)).toEqual({ refused: 'directory' })
    expect(io.readFile('/dev/zero', 10)).toEqual({ refused: 'not-a-file' })
    // A FIFO with no writer: opened without waiting, and refused.
    execFileSync('mkfifo', [join(dir, 'fifo')])
    expect(io.readFile(join(dir, 'fifo'), 10)).toEqual({ refused: 'not-a-file' })
    const before = io.now().getTime()
    await io.sleep(5)
    expect(io.now().getTime()).toBeGreaterThanOrEqual(before + 4)
  })

  it('makes the AWS clients once, on first use, and GitHub clients for GITHUB_API_URL', async () => {
    const io = actionsIo({ AWS_REGION: 'eu-west-1', GITHUB_API_URL: 'https://ghe.example.com/api/v3' })
    expect(io.aws()).toBe(io.aws())
    expect(io.aws().region).toBe('eu-west-1')
    expect((await io.github('t')).request.endpoint.DEFAULTS.baseUrl).toBe('https://ghe.example.com/api/v3')
    expect((await actionsIo({}).github('t')).request.endpoint.DEFAULTS.baseUrl).toBe('https://api.github.com')
    expect(() => actionsIo({}).aws()).toThrow(AwsAccessError)
  })
})
