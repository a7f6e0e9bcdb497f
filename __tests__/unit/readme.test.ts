import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { RECIPES, generatedReadme } from '../../scripts/readme.js'

const root = join(import.meta.dirname, '..', '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** Every AWS operation the code sends, as `service:Operation`, read from the `new XCommand(` calls. */
function operationsInCode(): string[] {
  const ops = new Set<string>()
  for (const file of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter(f =>
    f.endsWith('.ts')
  )) {
    const text = readFileSync(join(root, 'src', file), 'utf8')
    const service = (command: string): string => {
      // Statically imported, or loaded on first use with import().
      const from = new RegExp(
        `\\b${command}\\b[^;]*?(?:from |import\\()'@aws-sdk/client-([\\w-]+)'`,
        's'
      ).exec(text)
      // IAM's prefix for each SDK client the code uses.
      return { ecs: 'ecs', codedeploy: 'codedeploy', 'cloudwatch-logs': 'logs' }[from?.[1] ?? ''] ?? '?'
    }
    for (const m of text.matchAll(/new (\w+)Command\(/g)) ops.add(`${service(`${m[1]}Command`)}:${m[1]}`)
    // A paginator sends its operation's command: paginateListApplications sends ListApplications.
    for (const m of text.matchAll(/\bpaginate(\w+)\(/g)) ops.add(`${service(`paginate${m[1]}`)}:${m[1]}`)
  }
  return [...ops].sort()
}

function policyActions(): string[] {
  const block = /<!-- iam:start -->[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1]
  const policy = JSON.parse(block ?? '{}') as { Statement: { Action: string | string[] }[] }
  return policy.Statement.flatMap(s => (Array.isArray(s.Action) ? s.Action : [s.Action]))
}

describe('README', () => {
  it('has the inputs and outputs tables of action.yml and the recipes of docs/workflows (npm run readme)', () => {
    expect(generatedReadme(readme, root)).toBe(readme)
  })

  it('shows every recipe workflow', () => {
    const files = readdirSync(join(root, 'docs', 'workflows')).map(f => f.replace(/\.yml$/, ''))
    expect([...files].sort()).toEqual([...RECIPES].sort())
  })

  it('lists in its IAM policy every API call the code makes', () => {
    const actions = policyActions()
    const missing = operationsInCode().filter(op => !actions.includes(op))
    expect(missing).toEqual([])
  })

  it('lists no call beyond those the code makes and the permissions AWS checks behind them', () => {
    const behind = ['iam:PassRole', 'ecs:TagResource', 'codedeploy:RegisterApplicationRevision']
    const extra = policyActions().filter(a => !operationsInCode().includes(a) && !behind.includes(a))
    expect(extra).toEqual([])
  })
})
