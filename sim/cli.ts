// Runs the simulator standalone:  npx tsx sim/cli.ts --scenario canary --port 4566 [--time-scale 60] [--verbose]
// Prints the environment to point the action (or the AWS CLI / SDK) at it; --list names the scenarios.
import { parseArgs } from 'node:util'
import { startSimulator } from './server.js'
import { scenarios, type ScenarioName } from './scenarios.js'

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all-at-once' },
    port: { type: 'string', default: '4566' },
    'time-scale': { type: 'string', default: '60' },
    verbose: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false }
  }
})

if (values.list) {
  for (const [name, s] of Object.entries(scenarios)) console.log(`${name.padEnd(26)} ${s.description}`)
  process.exit(0)
}
if (!(values.scenario in scenarios)) {
  console.error(`Unknown scenario "${values.scenario}". Run with --list to see them.`)
  process.exit(2)
}
const scenario = scenarios[values.scenario as ScenarioName]
const timeScale = Number(values['time-scale'])
const sim = await startSimulator({
  scenario,
  port: Number(values.port),
  timeScale,
  ...(values.verbose
    ? {
        log: (line: string) => {
          console.error(`[sim] ${line}`)
        }
      }
    : {})
})
console.error(`Simulator "${scenario.name}" on ${sim.url} (${timeScale}x): ${scenario.description}`)
for (const [k, v] of Object.entries(sim.env)) console.log(`export ${k}=${v}`)
if (timeScale > 0)
  console.error(
    `To run the action on the simulator's clock: SIM_CLOCK='${JSON.stringify(sim.clock())}' node --import ./sim/clock.js dist/index.js`
  )

const stop = (): void => {
  void sim.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
