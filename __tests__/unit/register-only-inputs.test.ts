// register-only and deregister-previous as inputs: what goes with them and what is refused before any I/O.
import { parseInputs } from '../../src/inputs/inputs.js'
import { InputError } from '../../src/runtime/errors.js'
import { thrown } from './thrown.js'

/** As the runner passes them: every input with a default in action.yml has it. */
const DEFAULTS: Record<string, string> = {
  cluster: 'default',
  'wait-for-deployment': 'true',
  'wait-until': 'succeeded',
  'continue-deployment': 'false',
  'stop-deployment': 'false',
  'poll-interval-seconds': '5',
  'if-deployment-running': 'fail',
  'rollback-on-cancel': 'true',
  'github-token': 'ghs_token',
  'dry-run': 'false',
  'register-only': 'false',
  'deregister-previous': 'false'
}

const parse = (inputs: Record<string, string>) =>
  parseInputs(name => ({ ...DEFAULTS, ...inputs })[name] ?? '')

const inputError = (fn: () => unknown): InputError => thrown(fn)

describe('register-only', () => {
  const registerOnly = (inputs: Record<string, string>) => parse({ 'register-only': 'true', ...inputs })

  it('needs no service when task-definition names what to start from', () => {
    const inputs = registerOnly({ 'task-definition': '.aws/web.json', image: 'repo/web:2' })
    expect(inputs.registerOnly).toBe(true)
    expect(inputs.service).toBeUndefined()
  })

  it('takes a service alone: its running revision is the template', () => {
    expect(registerOnly({ service: 'web', cluster: 'prod', tags: 'release=42' }).service).toBe('web')
  })

  it('without service or task-definition says there is nothing to start from', () => {
    const e = inputError(() => registerOnly({ image: 'repo/web:2' }))
    expect(e.message).toBe('register-only without service has no task definition to start from.')
    expect(e.hint).toContain('Set task-definition')
  })

  it.each([
    ['deployment-id', 'd-ABCDEFGHI', 'deployment-id'],
    ['codedeploy-application', 'shop', 'codedeploy-application'],
    ['codedeploy-deployment-group', 'web-prod', 'codedeploy-deployment-group'],
    ['codedeploy-deployment-config', 'CodeDeployDefault.ECSAllAtOnce', 'codedeploy-deployment-config'],
    ['codedeploy-deployment-description', 'x', 'codedeploy-deployment-description'],
    ['codedeploy-appspec', 'appspec.yaml', 'codedeploy-appspec'],
    ['container-port', '8080', 'container-port'],
    ['timeout-minutes', '30', 'timeout-minutes'],
    ['environment', 'production', 'environment'],
    ['environment-url', 'https://shop.example', 'environment-url'],
    ['run-task', 'true', 'run-task'],
    ['run-task-command', '["npm", "run", "migrate"]', 'run-task-command'],
    ['continue-deployment', 'true', 'continue-deployment: true'],
    ['stop-deployment', 'true', 'stop-deployment: true'],
    ['wait-for-deployment', 'false', 'wait-for-deployment: false'],
    ['wait-until', 'ready', 'wait-until: ready'],
    ['if-deployment-running', 'wait', 'if-deployment-running: wait'],
    ['rollback-on-cancel', 'false', 'rollback-on-cancel: false'],
    ['deregister-previous', 'true', 'deregister-previous: true']
  ])('refuses %s: %s, which is about a deployment', (name, value, named) => {
    const e = inputError(() => registerOnly({ service: 'web', [name]: value }))
    expect(e.message).toBe(
      `register-only registers a revision and deploys nothing, but ${named} is about a deployment.`
    )
    expect(e.hint).toContain('remove register-only')
  })

  it('takes the defaults action.yml gives those inputs, and dry-run', () => {
    const inputs = registerOnly({ service: 'web', 'dry-run': 'true', 'wait-until': 'succeeded' })
    expect([inputs.registerOnly, inputs.dryRun]).toEqual([true, true])
  })

  it('names every clash at once', () => {
    const e = inputError(() => registerOnly({ service: 'web', environment: 'prod', 'wait-until': 'ready' }))
    expect(e.message).toContain('but environment, wait-until: ready are about a deployment.')
  })

  it('is not a boolean in any other spelling', () => {
    expect(inputError(() => parse({ service: 'web', 'register-only': 'yes' })).message).toBe(
      "register-only is 'yes', not a boolean."
    )
  })
})

describe('deregister-previous', () => {
  it('goes with a new deployment', () => {
    expect(parse({ service: 'web', 'deregister-previous': 'true' }).deregisterPrevious).toBe(true)
  })

  it('is refused with deployment-id, whose step did not make the deployment; false is no clash', () => {
    const e = inputError(() => parse({ 'deployment-id': 'd-ABCDEFGHI', 'deregister-previous': 'true' }))
    expect(e.message).toBe(
      'deployment-id acts on an existing deployment, but deregister-previous needs a new one.'
    )
    expect(parse({ 'deployment-id': 'd-ABCDEFGHI' }).deregisterPrevious).toBe(false)
  })

  it('and register-only with deployment-id names the clash with register-only', () => {
    const e = inputError(() => parse({ 'deployment-id': 'd-ABCDEFGHI', 'register-only': 'true' }))
    expect(e.message).toContain('register-only registers a revision and deploys nothing, but deployment-id')
  })
})
