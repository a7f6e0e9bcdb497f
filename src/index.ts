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
  state.markMainStep()
  await run(io)
}
