import { run } from './main.js'
import { actionsIo } from './runtime/io.js'
import { post } from './runtime/post.js'
import { StepState } from './runtime/state.js'

// One bundle for both steps (action.yml `main` and `post`), told apart by the state the main step saved.
const io = actionsIo()
const state = new StepState(io)
if (state.isPost) {
  await post(io)
} else {
  const inherited = state.begin()
  if (inherited.length > 0) {
    io.warning(
      `The environment already sets ${inherited.map(k => `STATE_${k}`).join(', ')} (a job env, or a step that wrote GITHUB_ENV). This step's own state replaces it; remove it from the workflow.`,
      'Inherited state ignored'
    )
  }
  await run(io)
}
