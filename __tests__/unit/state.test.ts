import { StepState } from '../../src/runtime/state.js'
import { fakeIo } from './fake-io.js'

const RUN = { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'deploy' }

describe('StepState', () => {
  it('the main step writes every key as it starts, and names the ones the environment had set', () => {
    // In the main step, getState reads STATE_* variables the job inherited.
    const io = fakeIo({ env: RUN, state: { 'is-post': 'true', 'deployment-id': 'd-OTHER0001' } })
    const inherited = new StepState(io).begin()
    expect(inherited).toEqual(['is-post', 'deployment-id'])
    expect(io.state).toEqual({
      'is-post': 'run 4242.2 job deploy',
      'deployment-id': '',
      creating: '',
      settled: '',
      'rollback-on-cancel': '',
      'github-deployment-id': '',
      'running-task': ''
    })
  })

  it('only the mark of this job run makes the post step: an inherited STATE_is-post=true does not', () => {
    expect(new StepState(fakeIo({ env: RUN, state: { 'is-post': 'true' } })).isPost).toBe(false)
    const main = fakeIo({ env: RUN })
    new StepState(main).begin()
    expect(new StepState(fakeIo({ env: RUN, state: main.state })).isPost).toBe(true)
    const rerun = { ...RUN, GITHUB_RUN_ATTEMPT: '3' }
    expect(new StepState(fakeIo({ env: rerun, state: main.state })).isPost).toBe(false)
  })

  it('reads a pending create back, and ignores one that is not well formed', () => {
    const io = fakeIo()
    const pending = {
      applicationName: 'app',
      deploymentGroupName: 'group',
      appSpecSha256: 'f'.repeat(64),
      sentAt: '2026-11-27T14:00:00.000Z'
    }
    new StepState(io).creating(pending)
    expect(new StepState(io).read().creating).toEqual(pending)
    for (const bad of ['not json', JSON.stringify({ ...pending, appSpecSha256: 'x' }), '{}']) {
      expect(new StepState(fakeIo({ state: { creating: bad } })).read().creating).toBeUndefined()
    }
  })
})
