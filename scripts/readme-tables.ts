// The README's inputs and outputs tables are generated from action.yml, so they never drift:
// `npm run readme` rewrites them, and a unit test fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'

interface ActionYml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
}

const START = '<!-- inputs-outputs:start -->'
const END = '<!-- inputs-outputs:end -->'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ').trim()
}

export function renderTables(actionYml: string): string {
  const action = parse(actionYml) as ActionYml
  const inputs = Object.entries(action.inputs).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.default !== undefined ? `\`${cell(i.default)}\`` : ''} | ${cell(i.description)} |`
  )
  const outputs = Object.entries(action.outputs).map(
    ([name, o]) => `| \`${name}\` | ${cell(o.description)} |`
  )
  return [
    START,
    '## Inputs',
    '',
    '| input | default | meaning |',
    '| --- | --- | --- |',
    ...inputs,
    '',
    '## Outputs',
    '',
    '| output | meaning |',
    '| --- | --- |',
    ...outputs,
    END
  ].join('\n')
}

export function withTables(readme: string, actionYml: string): string {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < 0) throw new Error(`README.md lacks the ${START} / ${END} markers`)
  return readme.slice(0, start) + renderTables(actionYml) + readme.slice(end + END.length)
}

if (process.argv[1]?.endsWith('readme-tables.ts')) {
  const readme = readFileSync('README.md', 'utf8')
  writeFileSync('README.md', withTables(readme, readFileSync('action.yml', 'utf8')))
}
