// Preloaded into the action's process (`node --import`) by runAction's `clock` option, so the
// action lives on the simulator's clock: the times it measures itself (the [+m:ss] prefixes, event
// durations, "in 5m" predictions, the summary's duration) agree with the times the simulator
// reports, and its waits (polling, back-off, the SDK's retry delays) pass as fast as the simulated
// deployment does. Plain JavaScript because the machine's Node may be too old to strip types.
//
// SIM_CLOCK holds {"simMs", "realMs", "scale"}: the simulated instant that the real instant realMs
// (performance.timeOrigin + performance.now(), which agrees across processes) maps to, and the
// simulated time per real time. Node's own socket timeouts and the runner's signals stay in
// real time: only waiting is compressed, computing is not.
import { syncBuiltinESMExports } from 'node:module'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import timers from 'node:timers'
import timersPromises from 'node:timers/promises'
import { promisify } from 'node:util'

const { simMs, realMs, scale } = JSON.parse(process.env.SIM_CLOCK ?? '')
if (!(scale > 0)) throw new Error(`sim/clock.js: SIM_CLOCK needs a positive scale, not ${String(scale)}.`)

const realTimeOrigin = performance.timeOrigin
const realPerformanceNow = performance.now.bind(performance)
const RealDate = Date
const now = () => simMs + (realTimeOrigin + realPerformanceNow() - realMs) * scale
const real = ms => (Number(ms) || 0) / scale

function SimDate(...args) {
  if (!new.target) return new RealDate(now()).toString()
  return Reflect.construct(RealDate, args.length ? args : [now()], new.target)
}
// Shared with the real Date, so instanceof holds for dates made either way.
SimDate.prototype = RealDate.prototype
SimDate.now = now
SimDate.parse = RealDate.parse
SimDate.UTC = RealDate.UTC
globalThis.Date = SimDate

// timeOrigin + now() is Date.now(), as in any Node process.
Object.defineProperty(performance, 'timeOrigin', { value: simMs + (realTimeOrigin - realMs) * scale })
performance.now = () => realPerformanceNow() * scale

const { setTimeout: realSetTimeout, setInterval: realSetInterval } = timers
const promised = {
  setTimeout: timersPromises.setTimeout,
  setInterval: timersPromises.setInterval,
  wait: timersPromises.scheduler.wait.bind(timersPromises.scheduler)
}
const setTimeout = (fn, ms, ...args) => realSetTimeout(fn, real(ms), ...args)
const setInterval = (fn, ms, ...args) => realSetInterval(fn, real(ms), ...args)
timersPromises.setTimeout = (ms, ...rest) => promised.setTimeout(real(ms), ...rest)
timersPromises.setInterval = (ms, ...rest) => promised.setInterval(real(ms), ...rest)
timersPromises.scheduler.wait = (ms, options) => promised.wait(real(ms), options)
setTimeout[promisify.custom] = timersPromises.setTimeout
Object.assign(globalThis, { setTimeout, setInterval })
Object.assign(timers, { setTimeout, setInterval })
// ES module imports of node:timers and node:timers/promises see the replacements too.
syncBuiltinESMExports()
