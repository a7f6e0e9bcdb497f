import { isServiceDeploymentArn } from '../backends/ecs/deployment.js'
import { InputError } from '../runtime/errors.js'
import { OVERRIDE_INPUTS, type TaskDefinitionOverrides, parseOverrides } from './overrides.js'
import { RUN_TASK_INPUTS, type RunTaskInputs, parseRunTask } from './run-task.js'

import type { Goal } from '../watch/watch.js'

export type { Goal }
export type IfRunning = 'fail' | 'wait' | 'replace'

/** The action's inputs, typed and checked: nothing here touches AWS or the file system. */
export interface Inputs {
  service?: string
  cluster: string
  /** Raw `task-definition`: a path, an ARN, `family[:revision]`, or '' for the service's current revision. */
  taskDefinition: string
  containerName?: string
  image?: string
  containerPort?: number
  environment: { name: string; value: string }[]
  /** container-images, secrets, command, tags and the other fields the render action sets. */
  overrides: TaskDefinitionOverrides
  /** A one-off task of the new revision before the deployment; undefined: none. */
  runTask?: RunTaskInputs
  appspecPath?: string
  application?: string
  deploymentGroup?: string
  deploymentConfig?: string
  description?: string
  waitForDeployment: boolean
  waitUntil: Goal
  deploymentId?: string
  continueDeployment: boolean
  stopDeployment: boolean
  timeoutMinutes?: number
  pollIntervalSeconds: number
  ifDeploymentRunning: IfRunning
  rollbackOnCancel: boolean
  environmentName?: string
  environmentUrl?: string
  githubToken?: string
  dryRun: boolean
  /** Register the revision and stop there: no deployment (later jobs deploy the ARN). */
  registerOnly: boolean
  /** After the deployment succeeded, deregister the revision the service ran before, unless in use. */
  deregisterPrevious: boolean
}

/** Inputs that only make sense when this step creates a new deployment. */
const NEW_DEPLOYMENT_INPUTS = [
  'task-definition',
  'image',
  'environment-variables',
  ...OVERRIDE_INPUTS,
  'container-name',
  'container-port',
  'codedeploy-appspec',
  'codedeploy-deployment-config',
  'codedeploy-deployment-description',
  'dry-run',
  'register-only',
  'deregister-previous',
  ...RUN_TASK_INPUTS
] as const

/** Booleans among them: they ask for a new deployment only when true. */
const NEW_DEPLOYMENT_FLAGS = ['dry-run', 'register-only', 'deregister-previous'] as const

/** Inputs that only say something about a deployment, which register-only does not make. */
const DEPLOYMENT_ONLY_INPUTS = [
  'deployment-id',
  'container-port',
  'codedeploy-appspec',
  'codedeploy-application',
  'codedeploy-deployment-group',
  'codedeploy-deployment-config',
  'codedeploy-deployment-description',
  'timeout-minutes',
  'environment',
  'environment-url',
  ...RUN_TASK_INPUTS
] as const

/** The runner's job limit on self-hosted runners (5 days); GitHub-hosted jobs end after 6 hours. */
export const MAX_TIMEOUT_MINUTES = 7200
/** Longer sleeps gain nothing (the watch backs off by itself where nothing moves), and Node cuts sleeps over 2^31 ms to 1 ms. */
export const MAX_POLL_INTERVAL_SECONDS = 300

/**
 * `read(name)` returns the raw input, '' when unset (as `core.getInput` does); `warn` hears about
 * inputs that are valid but probably not meant.
 */
export function parseInputs(
  read: (name: string) => string,
  warn: (message: string, title: string) => void = () => undefined
): Inputs {
  const get = (name: string): string | undefined => read(name).trim() || undefined

  const deploymentId = get('deployment-id')
  const continueDeployment = bool(read, 'continue-deployment', false)
  const stopDeployment = bool(read, 'stop-deployment', false)
  const inputs: Inputs = {
    service: get('service'),
    cluster: get('cluster') ?? 'default',
    taskDefinition: get('task-definition') ?? '',
    containerName: get('container-name'),
    image: get('image'),
    containerPort: optionalNumber(read, 'container-port', { integer: true, min: 1, max: 65535 }),
    environment: parseEnvironmentVariables(read('environment-variables')),
    overrides: parseOverrides(read),
    runTask: parseRunTask(read),
    appspecPath: get('codedeploy-appspec'),
    application: get('codedeploy-application'),
    deploymentGroup: get('codedeploy-deployment-group'),
    deploymentConfig: get('codedeploy-deployment-config'),
    description: get('codedeploy-deployment-description'),
    waitForDeployment: bool(read, 'wait-for-deployment', true),
    waitUntil: oneOf(read, 'wait-until', ['succeeded', 'traffic-shifted', 'ready'], 'succeeded'),
    deploymentId,
    continueDeployment,
    stopDeployment,
    timeoutMinutes: optionalNumber(read, 'timeout-minutes', {
      min: 0,
      exclusiveMin: true,
      max: MAX_TIMEOUT_MINUTES
    }),
    pollIntervalSeconds:
      optionalNumber(read, 'poll-interval-seconds', { min: 1, max: MAX_POLL_INTERVAL_SECONDS }) ?? 5,
    ifDeploymentRunning: oneOf(read, 'if-deployment-running', ['fail', 'wait', 'replace'], 'fail'),
    rollbackOnCancel: bool(read, 'rollback-on-cancel', true),
    environmentName: get('environment'),
    environmentUrl: get('environment-url'),
    githubToken: get('github-token'),
    dryRun: bool(read, 'dry-run', false),
    registerOnly: bool(read, 'register-only', false),
    deregisterPrevious: bool(read, 'deregister-previous', false)
  }

  if (inputs.timeoutMinutes !== undefined && inputs.timeoutMinutes < 1) {
    warn(
      `timeout-minutes is ${inputs.timeoutMinutes}: the step waits ${Math.round(inputs.timeoutMinutes * 60)} seconds, then ${
        inputs.rollbackOnCancel
          ? 'stops the deployment it created or continued, with rollback (rollback-on-cancel)'
          : 'stops waiting'
      }. Deployments take minutes; leave timeout-minutes empty to derive it from the deployment group.`,
      'Short timeout'
    )
  }
  // GitHub shows it as a link on the deployment: javascript: or file: must not get there.
  if (inputs.environmentUrl !== undefined && !/^https?:$/.test(urlProtocol(inputs.environmentUrl))) {
    throw new InputError(
      `environment-url '${inputs.environmentUrl}' is not an http(s) URL.`,
      'Give a full URL such as https://staging.example.com.'
    )
  }
  if (continueDeployment && stopDeployment) {
    throw new InputError('continue-deployment and stop-deployment are both true.', 'Set only one of them.')
  }
  if (inputs.registerOnly) return checkRegisterOnly(inputs, read)
  if (deploymentId === undefined) {
    for (const name of ['continue-deployment', 'stop-deployment'] as const) {
      if (name === 'continue-deployment' ? continueDeployment : stopDeployment) {
        throw new InputError(
          `${name} needs deployment-id.`,
          `Pass the deployment id, e.g. deployment-id: \${{ steps.deploy.outputs.deployment-id }}.`
        )
      }
    }
    if (inputs.service === undefined) {
      throw new InputError(
        'The service input is required.',
        'Set service to the ECS service to deploy (or deployment-id to act on an existing deployment).'
      )
    }
    return inputs
  }

  if (!/^d-[A-Z0-9]{9}$/.test(deploymentId) && !isServiceDeploymentArn(deploymentId)) {
    throw new InputError(
      `deployment-id '${deploymentId}' is neither a CodeDeploy deployment id nor an ECS service deployment ARN.`,
      'CodeDeploy ids look like d-A1B2C3D4E, service deployments like arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>; pass the deployment-id output of the step that created it.'
    )
  }
  // A boolean clashes when it is true, in any spelling core.getBooleanInput accepts.
  const clashing = NEW_DEPLOYMENT_INPUTS.filter(name =>
    (NEW_DEPLOYMENT_FLAGS as readonly string[]).includes(name)
      ? bool(read, name, false)
      : read(name).trim() !== ''
  )
  if (clashing.length > 0) {
    throw new InputError(
      `deployment-id acts on an existing deployment, but ${clashing.join(', ')} ${clashing.length === 1 ? 'needs' : 'need'} a new one.`,
      'Remove them from this step, or remove deployment-id to create a new deployment.'
    )
  }
  return inputs
}

/**
 * register-only registers a revision and deploys nothing: an input that only says something about a
 * deployment would be silently ignored, so it is an error that names it. Inputs with a default in
 * action.yml clash only when set to something else (the runner always passes the default).
 */
function checkRegisterOnly(inputs: Inputs, read: (name: string) => string): Inputs {
  const clashing: string[] = DEPLOYMENT_ONLY_INPUTS.filter(name => read(name).trim() !== '')
  if (inputs.continueDeployment) clashing.push('continue-deployment: true')
  if (inputs.stopDeployment) clashing.push('stop-deployment: true')
  if (!inputs.waitForDeployment) clashing.push('wait-for-deployment: false')
  if (inputs.waitUntil !== 'succeeded') clashing.push(`wait-until: ${inputs.waitUntil}`)
  if (inputs.ifDeploymentRunning !== 'fail')
    clashing.push(`if-deployment-running: ${inputs.ifDeploymentRunning}`)
  if (!inputs.rollbackOnCancel) clashing.push('rollback-on-cancel: false')
  if (inputs.deregisterPrevious) clashing.push('deregister-previous: true')
  if (clashing.length > 0) {
    throw new InputError(
      `register-only registers a revision and deploys nothing, but ${clashing.join(', ')} ${clashing.length === 1 ? 'is' : 'are'} about a deployment.`,
      `Move them to the jobs that deploy the revision (task-definition: \${{ needs.<job>.outputs.task-definition-arn }}), or remove register-only.`
    )
  }
  if (inputs.service === undefined && inputs.taskDefinition === '') {
    throw new InputError(
      'register-only without service has no task definition to start from.',
      'Set task-definition to a template file or a revision (family[:revision] or an ARN), or set service to start from the revision it runs.'
    )
  }
  return inputs
}

/** What a container's environment variable name may be here: what shells and most tools accept. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/**
 * One `NAME=value` a line, split at the first `=`; blank lines ignored; the last duplicate wins.
 * The input usually carries secrets (`${{ secrets.X }}`), and a typo can put one anywhere in a line,
 * even where the name goes: an error names the line and what is wrong with it, never its text.
 */
export function parseEnvironmentVariables(text: string): { name: string; value: string }[] {
  const byName = new Map<string, string>()
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return
    const eq = line.indexOf('=')
    if (eq < 0) {
      throw new InputError(
        `environment-variables line ${index + 1} is not NAME=value (no '=').`,
        'Write one NAME=value per line; NAME= sets an empty value.'
      )
    }
    const name = line.slice(0, eq).trim()
    if (!VARIABLE_NAME.test(name)) {
      throw new InputError(
        `environment-variables line ${index + 1}: what comes before the first '=' is not a variable name (the line is not shown: it may hold a secret).`,
        'Names hold letters, digits and _, do not start with a digit and have at most 128 characters; write one NAME=value per line.'
      )
    }
    byName.delete(name)
    byName.set(name, line.slice(eq + 1))
  })
  return [...byName].map(([name, value]) => ({ name, value }))
}

function urlProtocol(url: string): string {
  return URL.canParse(url) ? new URL(url).protocol : ''
}

function bool(read: (name: string) => string, name: string, fallback: boolean): boolean {
  const raw = read(name).trim()
  if (raw === '') return fallback
  // The same spellings core.getBooleanInput accepts (YAML 1.2 core schema).
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw new InputError(`${name} is '${raw}', not a boolean.`, `Use true or false.`)
}

function oneOf<T extends string>(
  read: (name: string) => string,
  name: string,
  allowed: readonly T[],
  fallback: T
): T {
  const raw = read(name).trim()
  if (raw === '') return fallback
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  throw new InputError(`${name} is '${raw}'.`, `Use one of: ${allowed.join(', ')}.`)
}

function optionalNumber(
  read: (name: string) => string,
  name: string,
  rule: { integer?: boolean; min?: number; exclusiveMin?: boolean; max?: number }
): number | undefined {
  const raw = read(name).trim()
  if (raw === '') return undefined
  const value = /^[+]?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : NaN
  const tooSmall = rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)
  const tooLarge = rule.max !== undefined && value > rule.max
  if (Number.isNaN(value) || (rule.integer && !Number.isInteger(value)) || tooSmall || tooLarge) {
    const range = [
      rule.integer ? 'a whole number' : 'a number',
      rule.min !== undefined ? `${rule.exclusiveMin ? 'above' : 'at least'} ${rule.min}` : '',
      rule.max !== undefined ? `at most ${rule.max}` : ''
    ]
      .filter(Boolean)
      .join(', ')
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw
    throw new InputError(`${name} is '${shown}'.`, `It must be ${range}.`)
  }
  return value
}
