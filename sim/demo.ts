// `npm run demo`: a whole blue/green deployment in the terminal within a minute, with no AWS account.
// Starts the simulator with a sample service and runs the built action against it as the GitHub
// runner would, post step included, on the simulator's clock, streaming its log as it comes with
// the workflow commands rendered the way GitHub shows them.
//   npm run demo -- --scenario hook-failure --time-scale 30      (--list names the scenarios)
//   npm run demo -- --input timeout-minutes=3          (any input, name=value; repeatable)
//   npm run demo -- --cancel-when 'replacement 10%'    (the runner cancels the run at that log line)
// --excerpt prints the raw log instead, as the README quotes it (--from and --fold trim it, --post
// adds the post step's log, --summary the job summary): the README's excerpts are made this way,
// each with its command in a comment above it.
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { nodeBinaries, runAction, visibleLog, type ActionRun } from './run-action.js'
import type { EcsServiceSpec } from './ecs-deployments.js'
import { scenarios, type Scenario, type ScenarioName, type ServiceSpec } from './scenarios.js'
import { startSimulator } from './server.js'

const IMAGE = 'public.ecr.aws/nginx/nginx:1.27'
const INPUTS = { cluster: 'sim-cluster', service: 'web', image: IMAGE, 'poll-interval-seconds': '1' }
/** A 5-minute canary bake and the 5-minute termination wait pass in 5 s each. */
const DEFAULT_TIME_SCALE = 60

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint =
  (code: string) =>
  (s: string): string =>
    color ? `\x1b[${code}m${s}\x1b[0m` : s
const bold = paint('1')
const dim = paint('2')
const red = paint('31')
const yellow = paint('33')
const cyan = paint('36')

/** Workflow command data and property escapes (the inverse of @actions/core's escapeData/escapeProperty). */
function unescape(s: string): string {
  return s.replace(/%(0D|0A|3A|2C|25)/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
}

/** Renders one stdout line as the GitHub log shows it; undefined for commands the log hides. */
function render(line: string, inGroup: { open: boolean }): string | undefined {
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/i.exec(line)
  const indent = inGroup.open ? '  ' : ''
  if (!command) return indent + line
  const [, name = '', data = ''] = command
  const message = unescape(data).replace(/\n/g, `\n${indent}  `)
  switch (name) {
    case 'group':
      inGroup.open = true
      return bold(cyan(`▸ ${message}`))
    case 'endgroup':
      inGroup.open = false
      return undefined
    case 'error':
      return indent + red(`Error: ${message}`)
    case 'warning':
      return indent + yellow(`Warning: ${message}`)
    case 'notice':
      return indent + `Notice: ${message}`
    case 'debug':
    case 'save-state':
    case 'set-output':
    case 'add-mask':
      return undefined
    default:
      return indent + line
  }
}

/** Node 24 is what action.yml declares; the machine's Node stands in when it is not installed. */
function actionNode(): { path: string; version: string } {
  const found = nodeBinaries()
  const path = (found.find(n => n.name === 'node 24') ?? found[0]!).path
  const version =
    path === process.execPath ? process.version : execFileSync(path, ['--version']).toString().trim()
  return { path, version }
}

function describeService(scenario: Scenario): string[] {
  const web = scenario.services[0]! as ServiceSpec & Partial<EcsServiceSpec>
  const lb = web.loadBalancer
  const group = web.group ?? {}
  const config = web.deploymentConfiguration
  const listeners = lb
    ? `target groups ${lb.targetGroups.join(' and ')}, production listener :${lb.productionPort ?? 80}` +
      (lb.testPort === null ? ', no test listener' : `, test listener :${lb.testPort ?? 8080}`)
    : 'no load balancer'
  return [
    `ECS service ${web.name} in cluster ${web.cluster} (${web.launchType ?? 'FARGATE'}, ${web.desiredCount ?? 2} tasks, ` +
      `container ${web.container.name}:${web.container.port})`,
    listeners,
    web.controller === 'ECS'
      ? `ECS's own deployments (deployment controller ECS): ${config?.strategy ?? 'ROLLING'}` +
        (config?.bakeTimeInMinutes !== undefined ? `, bake time ${config.bakeTimeInMinutes} min` : '')
      : `CodeDeploy ${group.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce'}, ` +
        `termination wait ${group.terminationWaitMinutes ?? 5} min` +
        (group.readyWaitMinutes !== undefined ? `, ready wait ${group.readyWaitMinutes} min` : ''),
    `Scenario "${scenario.name}": ${scenario.description}`
  ]
}

function outputLines(outputs: Record<string, string>): string[] {
  const width = Math.max(...Object.keys(outputs).map(k => k.length))
  return Object.entries(outputs).map(([name, value]) => {
    const oneLine = value.includes('\n')
      ? `${value.split('\n')[0] ?? ''} … (${value.split('\n').length} lines)`
      : value
    const shown = oneLine.length > 120 ? `${oneLine.slice(0, 117)}… (${value.length} chars)` : oneLine
    return `  ${name.padEnd(width)}  ${shown}`
  })
}

/**
 * The raw log as the README quotes it: without the workflow commands that only carry data, from
 * the first line that starts with `from` after its [+m:ss] prefix, with the groups whose title
 * starts with one of `fold` folded.
 */
function excerpt(run: ActionRun, from: string | undefined, fold: string[]): string[] {
  const lines = visibleLog(run)
  const first =
    from === undefined ? 0 : lines.findIndex(l => l.replace(/^\[\+\d+:\d\d\] /, '').startsWith(from))
  const out: string[] = []
  let folding = false
  for (const line of lines.slice(Math.max(0, first))) {
    const title = /^::group::(.*)$/.exec(line)?.[1]
    if (folding) folding = line !== '::endgroup::'
    else if (title !== undefined && fold.some(f => title.startsWith(f))) {
      out.push(`${line}  (folded)`, '::endgroup::')
      folding = true
    } else out.push(line)
  }
  return out
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'canary' },
      'time-scale': { type: 'string', default: String(DEFAULT_TIME_SCALE) },
      input: { type: 'string', multiple: true, default: [] },
      'cancel-when': { type: 'string' },
      excerpt: { type: 'boolean', default: false },
      from: { type: 'string' },
      fold: { type: 'string', multiple: true, default: [] },
      post: { type: 'boolean', default: false },
      summary: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false }
    }
  })
  if (values.list) {
    for (const [name, s] of Object.entries(scenarios)) console.log(`${name.padEnd(26)} ${s.description}`)
    return 0
  }
  if (!(values.scenario in scenarios)) {
    console.error(`Unknown scenario "${values.scenario}". Run \`npm run demo -- --list\` to see them.`)
    return 2
  }
  const timeScale = Number(values['time-scale'])
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    console.error(
      `--time-scale must be a positive number of simulated seconds per real second, not "${values['time-scale']}".`
    )
    return 2
  }
  const inputs: Record<string, string> = { ...INPUTS }
  for (const pair of values.input) {
    const at = pair.indexOf('=')
    if (at < 1) {
      console.error(`--input takes name=value, not "${pair}".`)
      return 2
    }
    inputs[pair.slice(0, at)] = pair.slice(at + 1)
  }
  const cancelWhen = values['cancel-when']
  const scenario = scenarios[values.scenario as ScenarioName]
  const node = actionNode()
  const sim = await startSimulator({ scenario, timeScale })
  // --excerpt prints only the excerpt, at the end.
  const show = (line: string): void => {
    if (!values.excerpt) console.log(line)
  }

  const rule = dim('─'.repeat(100))
  show(bold('ecs-codedeploy-deploy demo: dist/index.js against a local ECS + CodeDeploy simulator'))
  for (const line of describeService(scenario)) show(`  ${line}`)
  show(`  No AWS account is used: the action's AWS SDK talks to ${sim.url} (dummy credentials).`)
  show(
    `  Time runs ${timeScale}x fast for the simulated AWS and for the action alike (sim/clock.js): a 5-minute` +
      ` wait passes in ${formatSeconds(300 / timeScale)}.`
  )
  show(`  Runs on Node ${node.version} as the runner runs it, with:`)
  show(
    `    ${Object.entries(inputs)
      .map(([k, v]) => `${k}: ${v}`)
      .join('   ')}`
  )
  show(rule)

  // Ctrl-C reaches the action too (same process group): it stops the deployment as on a cancelled run.
  process.on('SIGINT', () => {
    show(dim('(SIGINT: the action stops the deployment with rollback, as on a cancelled workflow run)'))
  })
  const group = { open: false }
  const onLine = (line: string): void => {
    const shown = render(line, group)
    if (shown !== undefined) show(shown)
  }
  try {
    const run = await runAction({
      env: sim.env,
      inputs,
      node: node.path,
      clock: sim.clock(),
      onLine,
      ...(cancelWhen === undefined ? {} : { cancelWhen: (line: string) => line.includes(cancelWhen) })
    })
    if (values.excerpt) {
      const log = excerpt(run, values.from, values.fold)
      if (values.post)
        log.push(
          `(exit code ${run.exitCode})`,
          '--- post step ---',
          ...excerpt(await run.post(), undefined, [])
        )
      console.log(['```text', ...log, '```'].join('\n'))
      if (values.summary) console.log(`\n${run.summary.trimEnd()}`)
      return 0
    }
    show(rule)
    if (run.stderr.trim()) show(dim(`stderr:\n${run.stderr.trimEnd()}`))
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`
    show(bold(`The action ${how} after ${formatSeconds((run.endedAt - run.startedAt) / 1000)} of real time.`))
    if (Object.keys(run.outputs).length) {
      show('Outputs:')
      for (const line of outputLines(run.outputs)) show(line)
    }
    show(dim(`Job summary (Markdown): ${run.files.summary}`))
    // The runner runs the post step at the end of every job (post-if: always()); it streams like the main step.
    show(rule)
    show(bold('Post step:'))
    const post = await run.post()
    if (!visibleLog(post).length) show('  (nothing to do: the main step settled the deployment)')
    if (post.stderr.trim()) show(dim(`stderr:\n${post.stderr.trimEnd()}`))
    return run.exitCode ?? 1
  } finally {
    await sim.close()
  }
}

function formatSeconds(s: number): string {
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`
}

main().then(
  code => {
    process.exitCode = code
  },
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
    process.exitCode = 1
  }
)
