// What the fixture tests share: where the fixtures are, their index of notes, an independent check of
// a rendered task definition against the API model, and where the optional external corpus is.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ModelNode } from '../src/plan/render.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The project's own fixtures: every file here has a note in index.json. */
export const FIXTURES = path.join(REPO_ROOT, '__tests__', 'fixtures')
export const INDEX = 'index.json'

/** Files under `dir`, recursively, as sorted paths relative to it with `/` separators. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap(name => {
      const full = path.join(dir, name)
      return statSync(full).isDirectory() ? filesUnder(full).map(f => `${name}/${f}`) : [name]
    })
    .sort()
}

/** A fixture's text, as the action would read it (UTF-8, nothing stripped or normalised). */
export function readFixture(relative: string): string {
  return readFileSync(path.join(FIXTURES, relative), 'utf8')
}

/** index.json: a one-line note per fixture file, keyed by its path relative to __tests__/fixtures. */
export function fixtureNotes(): Record<string, string> {
  return JSON.parse(readFixture(INDEX)) as Record<string, string>
}

/** A shape of the request model, typed as src reads it (only the type: the check reads the model file itself). */
export type Shape = ModelNode

/** The RegisterTaskDefinition request shape that src validates against. */
export const REQUEST_MODEL = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'src/plan/task-definition-model.json'), 'utf8')) as {
    shape: Shape
  }
).shape

/** An independent check of a rendered request against the model: what the API would accept. */
export function violations(value: unknown, shape: Shape = REQUEST_MODEL, at = ''): string[] {
  const where = at || '(root)'
  if (value === null || value === undefined) return [`${where} is ${String(value)}`]
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${where} is not an object`]
      const entries = Object.entries(value)
      if (entries.length === 0) return [`${where} is empty`]
      const missing = (shape.required ?? []).filter(r => !(r in value)).map(r => `${where} lacks ${r}`)
      return entries.reduce(
        (found, [k, v]) =>
          shape.members[k]
            ? [...found, ...violations(v, shape.members[k], at ? `${at}.${k}` : k)]
            : [...found, `${at}.${k} unknown`],
        missing
      )
    }
    case 'list':
      if (!Array.isArray(value)) return [`${where} is not a list`]
      if (value.length === 0) return [`${where} is empty`]
      return value.flatMap((v, i) => violations(v, shape.member, `${at}[${i}]`))
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${where} is not a map`]
      return Object.entries(value).flatMap(([k, v]) =>
        typeof v === 'string' ? [] : [`${at}.${k} is not a string`]
      )
    case 'string':
      if (typeof value !== 'string') return [`${where} is not a string`]
      if (shape.enum && !shape.enum.includes(value)) return [`${where} "${value}" is not in the enum`]
      return []
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where} is not an integer`]
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where} is not a boolean`]
  }
}

/**
 * Paths of the empty strings in a request. By default those the render keeps on purpose (environment
 * and proxy property values, tag values, log options, docker labels) are left out, so that any other ""
 * shows as an absence that leaked; with `all`, every one is listed.
 */
export function emptyStrings(value: unknown, which: 'leaked' | 'all' = 'leaked', at = ''): string[] {
  if (value === '') return [at]
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyStrings(v, which, `${at}[${i}]`))
  if (typeof value === 'object' && value !== null) {
    const inMap = /(\.options|\.dockerLabels)$/.test(at)
    return Object.entries(value).flatMap(([k, v]) =>
      which === 'leaked' && (inMap || (k === 'value' && /(environment|properties|tags)\[\d+\]$/.test(at)))
        ? []
        : emptyStrings(v, which, `${at}.${k}`)
    )
  }
  return []
}

export const CORPUS_VARIABLE = 'FIXTURES_CORPUS'

/** The folders the corpus tests read: a folder without all of them is not the corpus. */
const CORPUS_LAYOUT = ['task-definitions', 'task-definitions/malformed', 'appspecs', 'appspecs/malformed']

/**
 * The external corpus (real files from other repositories, not redistributable): the directory in
 * FIXTURES_CORPUS, else ../shared/fixtures beside the repository. `found` is false when it is absent
 * or lacks a folder the tests read, so a clone without it skips the tier instead of failing.
 */
export function locateCorpus(): { dir: string; found: boolean } {
  const configured = process.env[CORPUS_VARIABLE]
  const dir =
    configured !== undefined && configured !== ''
      ? path.resolve(REPO_ROOT, configured)
      : path.resolve(REPO_ROOT, '..', 'shared', 'fixtures')
  const isFolder = (p: string): boolean => existsSync(p) && statSync(p).isDirectory()
  return { dir, found: CORPUS_LAYOUT.every(sub => isFolder(path.join(dir, sub))) }
}

/**
 * Runs `define` with the corpus directory when there is one. Without it, one skipped test and one
 * line on stderr say so: a missing corpus is visible in the output but never fails the run.
 */
export function describeCorpus(title: string, define: (dir: string) => void): void {
  const { dir, found } = locateCorpus()
  if (found) {
    describe(title, () => {
      define(dir)
    })
    return
  }
  const line = `external fixtures corpus not found (set ${CORPUS_VARIABLE} to a folder with ${CORPUS_LAYOUT.join(', ')}); looked at ${dir}`
  describe(title, () => {
    it.skip(line, () => undefined)
  })
  process.stderr.write(`Skipped: ${line}\n`)
}
