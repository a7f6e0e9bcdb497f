// A Step as main.ts builds it, over a fake Io: its outputs, state, reporter and cancel guard, with the
// inputs the Io was given, started at T0.
import { parseInputs } from '../../src/inputs/inputs.js'
import type { Step } from '../../src/main.js'
import { Outputs } from '../../src/report/outputs.js'
import { Reporter } from '../../src/report/report.js'
import { CancelGuard } from '../../src/runtime/cancel-guard.js'
import { StepState } from '../../src/runtime/state.js'
import { type FakeIo, T0 } from './fake-io.js'

/** The step over `io`; rollback-on-cancel is on, the cancel clients are the Io's, and exit does nothing. */
export function fakeStep(io: FakeIo): Step {
  const outputs = new Outputs(io)
  const state = new StepState(io)
  const reporter = new Reporter(io, outputs, state, T0)
  const guard = new CancelGuard(
    io,
    state,
    reporter,
    true,
    { codedeploy: () => io.aws().cancelCodedeploy, ecs: () => io.aws().cancelEcs },
    () => undefined
  )
  return { io, inputs: parseInputs(name => io.input(name)), guard, reporter, outputs, startedAt: T0 }
}
