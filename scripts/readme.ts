// Parts of the README are generated so they never drift: the inputs and outputs tables from
// action.yml, and the recipes from docs/workflows/*.yml (which CI validates as workflows).
// `npm run readme` rewrites them, and a unit test fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

export const RECIPES = [
  'deploy-on-push',
  'merge-queue-staging',
  'test-listener-gate',
  'matrix-services',
  'codedeploy-and-ecs-services',
  'sidecar-image',
  'migration-task',
  'one-revision-many-services'
]
const TITLES: Record<string, string> = {
  'deploy-on-push': 'Deploy on push to main, behind an environment protection rule',
  'merge-queue-staging': 'A merge queue whose required check is a staging deployment',
  'test-listener-gate': 'Your own smoke tests against the test listener before production traffic moves',
  'matrix-services': 'Several services from one build',
  'codedeploy-and-ecs-services': 'A CodeDeploy service and an ECS blue/green service in one matrix',
  'sidecar-image': 'An app and its sidecar built in one workflow',
  'migration-task': 'A database migration before traffic moves',
  'one-revision-many-services': 'One revision registered once, deployed to three services'
}

/** Each recipe: its title, the comment at its top as prose, then the whole workflow. */
export function renderRecipes(dir: string): string {
  const blocks = RECIPES.map(name => {
    const text = readFileSync(join(dir, `${name}.yml`), 'utf8')
    const prose = text
      .split('\n')
      .filter(l => l.startsWith('#'))
      .map(l => l.replace(/^# ?/, ''))
      .join(' ')
    return [
      `### ${TITLES[name] ?? name}`,
      '',
      prose,
      '',
      `[\`docs/workflows/${name}.yml\`](docs/workflows/${name}.yml)`,
      '',
      '```yaml',
      text.trimEnd(),
      '```'
    ].join('\n')
  })
  return ['<!-- recipes:start -->', ...blocks.flatMap(b => [b, '']), '<!-- recipes:end -->'].join('\n')
}

function between(readme: string, start: string, end: string, content: string): string {
  const a = readme.indexOf(start)
  const b = readme.indexOf(end)
  if (a < 0 || b < 0) throw new Error(`README.md lacks the ${start} / ${end} markers`)
  return readme.slice(0, a) + content + readme.slice(b + end.length)
}

export function generatedReadme(readme: string, root: string): string {
  const withTables = between(readme, START, END, renderTables(readFileSync(join(root, 'action.yml'), 'utf8')))
  return between(
    withTables,
    '<!-- recipes:start -->',
    '<!-- recipes:end -->',
    renderRecipes(join(root, 'docs', 'workflows'))
  )
}

if (process.argv[1]?.endsWith('readme.ts')) {
  writeFileSync('README.md', generatedReadme(readFileSync('README.md', 'utf8'), '.'))
}
