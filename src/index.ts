import { actionsIo } from './runtime/io.js'
import { run } from './main.js'
import { STATE } from './runtime/cancel-guard.js'
import { post } from './runtime/post.js'

// One bundle for both steps (action.yml `main` and `post`), told apart by the state the main step saved.
const io = actionsIo()
if (io.getState(STATE.isPost) === 'true') {
  await post(io)
} else {
  io.saveState(STATE.isPost, 'true')
  await run(io)
}
