// `npm run demo`: a whole blue/green deployment in the terminal within a minute, with no AWS account.
// Starts the simulator with a sample service and runs the built action against it as the GitHub
// runner would, streaming its log as it comes with the workflow commands rendered the way GitHub
// shows them.
//   npm run demo -- --scenario hook-failure --time-scale 30      (--list names the scenarios)
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { nodeBinaries, runAction } from './run-action.js'
import { scenarios, type Scenario, type ScenarioName } from './scenarios.js'
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
  const web = scenario.services[0]!
  const lb = web.loadBalancer
  const group = web.group ?? {}
  const listeners = lb
    ? `target groups ${lb.targetGroups.join(' and ')}, production listener :${lb.productionPort ?? 80}` +
      (lb.testPort === null ? ', no test listener' : `, test listener :${lb.testPort ?? 8080}`)
    : 'no load balancer'
  return [
    `ECS service ${web.name} in cluster ${web.cluster} (${web.launchType ?? 'FARGATE'}, ${web.desiredCount ?? 2} tasks, ` +
      `container ${web.container.name}:${web.container.port})`,
    listeners,
    `CodeDeploy ${group.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce'}, ` +
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'canary' },
      'time-scale': { type: 'string', default: String(DEFAULT_TIME_SCALE) },
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
  const scenario = scenarios[values.scenario as ScenarioName]
  const node = actionNode()
  const sim = await startSimulator({ scenario, timeScale })

  const rule = dim('─'.repeat(100))
  console.log(bold('ecs-codedeploy-deploy demo: dist/index.js against a local ECS + CodeDeploy simulator'))
  for (const line of describeService(scenario)) console.log(`  ${line}`)
  console.log(`  No AWS account is used: the action's AWS SDK talks to ${sim.url} (dummy credentials).`)
  console.log(
    `  AWS's clock runs ${timeScale}x fast, so 5-minute waits pass in ${formatSeconds(300 / timeScale)}: durations and` +
      ' times AWS reports are simulated; [+m:ss] is real time.'
  )
  console.log(`  Runs on Node ${node.version} as the runner runs it, with:`)
  console.log(
    `    ${Object.entries(INPUTS)
      .map(([k, v]) => `${k}: ${v}`)
      .join('   ')}`
  )
  console.log(rule)

  // Ctrl-C reaches the action too (same process group): it stops the deployment as on a cancelled run.
  process.on('SIGINT', () => {
    console.log(
      dim('(SIGINT: the action stops the deployment with rollback, as on a cancelled workflow run)')
    )
  })
  const group = { open: false }
  try {
    const run = await runAction({
      env: sim.env,
      inputs: INPUTS,
      node: node.path,
      onLine: line => {
        const shown = render(line, group)
        if (shown !== undefined) console.log(shown)
      }
    })
    console.log(rule)
    if (run.stderr.trim()) console.log(dim(`stderr:\n${run.stderr.trimEnd()}`))
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`
    console.log(bold(`The action ${how} after ${formatSeconds((run.endedAt - run.startedAt) / 1000)}.`))
    if (Object.keys(run.outputs).length) {
      console.log('Outputs:')
      for (const line of outputLines(run.outputs)) console.log(line)
    }
    console.log(dim(`Job summary (Markdown): ${run.files.summary}`))
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
