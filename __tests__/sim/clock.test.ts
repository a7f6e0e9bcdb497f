// sim/clock.js: a process preloaded with it reads the simulator's time and waits by it.
import { jest } from '@jest/globals'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { repoRoot } from '../../sim/run-action.js'
import { startSimulator, type Simulator } from '../../sim/server.js'

jest.setTimeout(30_000)

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

/** Two simulated minutes of waiting, one by each kind of timer, and the clock read around them. */
const script = `
import { setTimeout as sleep } from 'node:timers/promises'
const before = Date.now()
await new Promise(resolve => setTimeout(resolve, 60_000))
await sleep(60_000)
const date = new Date()
console.log(JSON.stringify({
  before,
  after: Date.now(),
  date: date.getTime(),
  isDate: date instanceof Date && Object.prototype.toString.call(date) === '[object Date]',
  performance: performance.timeOrigin + performance.now()
}))
`

test('Date, performance and timers run on the simulated clock', async () => {
  sim = await startSimulator({ timeScale: 600 })
  const clock = pathToFileURL(join(repoRoot, 'sim', 'clock.js')).href
  const started = sim.now().getTime()
  const realStart = performance.now()
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', clock, '--input-type=module', '-e', script],
    { env: { ...process.env, SIM_CLOCK: JSON.stringify(sim.clock()) } }
  )
  const realMs = performance.now() - realStart
  const ended = sim.now().getTime()
  const t = JSON.parse(stdout) as Record<string, number | boolean>

  // Both waits took their simulated length: 0.2 s of real time, not two minutes.
  expect(t.after as number).toBeGreaterThanOrEqual((t.before as number) + 120_000)
  expect(realMs).toBeLessThan(10_000)
  // Every reading lies between the simulator's own readings before and after the process.
  for (const reading of [t.before, t.after, t.date, t.performance] as number[]) {
    expect(reading).toBeGreaterThanOrEqual(started)
    expect(reading).toBeLessThanOrEqual(ended)
  }
  expect(t.isDate).toBe(true)
})

test('a frozen clock is refused: nothing would ever wake up', async () => {
  sim = await startSimulator({ timeScale: 0 })
  const clock = pathToFileURL(join(repoRoot, 'sim', 'clock.js')).href
  await expect(
    promisify(execFile)(process.execPath, ['--import', clock, '-e', ''], {
      env: { ...process.env, SIM_CLOCK: JSON.stringify(sim.clock()) }
    })
  ).rejects.toMatchObject({ stderr: expect.stringContaining('SIM_CLOCK needs a positive scale') })
})
