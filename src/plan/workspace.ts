// The files that inputs name (task-definition, codedeploy-appspec, the default appspec.*): read only
// from the workspace, the repository the job checked out. A path that leads elsewhere (an absolute
// path, `../`, a link committed to the repository) could print a file of the runner's in an error.
import * as path from 'node:path'
import { InputError } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'

/** Far above any real task definition (ECS caps a registered one at 64 KiB) or AppSpec. */
export const MAX_FILE_BYTES = 1024 * 1024

export type Found = { kind: 'missing' } | { kind: 'directory' } | { kind: 'file'; path: string; text: string }

/**
 * Looks up `given`, the value of `input`, relative to the workspace, with links followed. Missing
 * and directories are for the caller to judge (a family may share a directory's name); a file
 * outside the workspace, a device or a FIFO, or a file over MAX_FILE_BYTES is an InputError.
 */
export function findInWorkspace(
  io: Pick<Io, 'realPath' | 'readFile'>,
  workspace: string,
  input: string,
  given: string
): Found {
  const root = io.realPath(workspace) ?? path.resolve(workspace)
  const absolute = path.resolve(workspace, given)
  const real = io.realPath(absolute)
  if (real === undefined) return { kind: 'missing' }
  if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    throw new InputError(
      `${input} '${given}' is outside the workspace${real === absolute ? '' : ` (it leads to ${real})`}.`,
      `Give a path inside the workspace (${root}), the repository checked out by actions/checkout; links that lead out of it are refused.`
    )
  }
  const read = io.readFile(real, MAX_FILE_BYTES)
  if ('text' in read) return { kind: 'file', path: real, text: read.text }
  if (read.refused === 'directory') return { kind: 'directory' }
  throw new InputError(
    read.refused === 'too-large'
      ? `${input} '${given}' is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB, which no task definition or AppSpec is.`
      : `${input} '${given}' is not a regular file (a device, a FIFO or a socket).`,
    'Point it at the JSON or YAML file in the repository.'
  )
}
