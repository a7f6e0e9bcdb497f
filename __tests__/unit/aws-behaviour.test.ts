// docs/aws-behaviour.md lists every place the code relies on an inference about AWS; each place says
// so in a comment naming its entry. Neither may drift from the other.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const doc = readFileSync(join(root, 'docs', 'aws-behaviour.md'), 'utf8')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

const entries = [...doc.matchAll(/^### (\d+)\. /gm)].map(m => Number(m[1]))
const cited = sources(join(root, 'src')).flatMap(path =>
  [...readFileSync(path, 'utf8').matchAll(/Inferred \(docs\/aws-behaviour\.md (\d+)\)/g)].map(m => ({
    path,
    entry: Number(m[1])
  }))
)

test('the entries are numbered 1, 2, 3, …', () => {
  expect(entries).toEqual(entries.map((_, i) => i + 1))
  expect(entries.length).toBeGreaterThan(20)
})

test('every entry is cited by a comment in src/, and every comment cites an entry', () => {
  expect([...new Set(cited.map(c => c.entry))].sort((a, b) => a - b)).toEqual(entries)
})
