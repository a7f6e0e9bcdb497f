import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../src/runtime/errors.js'
import { actionsIo } from '../../src/runtime/io.js'
import { MAX_FILE_BYTES, findInWorkspace } from '../../src/plan/workspace.js'
import { thrown } from './template-fixtures.js'

// Real files: links, directories and sizes are what this is about.
describe('findInWorkspace', () => {
  const io = actionsIo({})
  let outside: string
  let ws: string

  beforeEach(() => {
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'outside-')))
    ws = join(outside, 'ws')
    mkdirSync(join(ws, '.aws'), { recursive: true })
    writeFileSync(join(ws, '.aws', 'td.json'), '{}')
    writeFileSync(join(outside, 'token'), 'ghp_secret')
  })
  afterEach(() => {
    rmSync(outside, { recursive: true, force: true })
  })

  const find = (given: string): ReturnType<typeof findInWorkspace> =>
    findInWorkspace(io, ws, 'task-definition', given)

  it('reads a file in the workspace, also through a link that stays inside', () => {
    symlinkSync(join(ws, '.aws', 'td.json'), join(ws, 'td.json'))
    const real = join(ws, '.aws', 'td.json')
    expect(find('.aws/td.json')).toEqual({ kind: 'file', path: real, text: '{}' })
    expect(find('td.json')).toEqual({ kind: 'file', path: real, text: '{}' })
    expect(find(real)).toEqual({ kind: 'file', path: real, text: '{}' })
  })

  it('leaves missing paths and directories to the caller', () => {
    expect(find('nope.json')).toEqual({ kind: 'missing' })
    expect(find('.aws')).toEqual({ kind: 'directory' })
  })

  it.each([
    ['an absolute path', (): string => join(outside, 'token')],
    ['../', (): string => '../token'],
    [
      'a committed link',
      (): string => (symlinkSync(join(outside, 'token'), join(ws, 'appspec.yaml')), 'appspec.yaml')
    ],
    ['a link to a device', (): string => (symlinkSync('/dev/zero', join(ws, 'zero.json')), 'zero.json')]
  ])('refuses %s that leads out of the workspace, and reads nothing', (_what, given) => {
    const e = thrown(() => find(given()))
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toMatch(/^task-definition '.*' is outside the workspace/)
    expect(e.full).not.toContain('ghp_secret')
  })

  it('refuses a FIFO in the workspace without waiting for a writer', () => {
    execFileSync('mkfifo', [join(ws, 'td.json')])
    expect(thrown(() => find('td.json')).message).toBe(
      "task-definition 'td.json' is not a regular file (a device, a FIFO or a socket)."
    )
  })

  it('refuses a file over 1 MiB', () => {
    writeFileSync(join(ws, 'big.json'), ' '.repeat(MAX_FILE_BYTES + 1))
    expect(thrown(() => find('big.json')).message).toBe(
      "task-definition 'big.json' is larger than 1 MiB, which no task definition or AppSpec is."
    )
    writeFileSync(join(ws, 'big.json'), ' '.repeat(MAX_FILE_BYTES))
    expect(find('big.json')).toMatchObject({ kind: 'file' })
  })
})
