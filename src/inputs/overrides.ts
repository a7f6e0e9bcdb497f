// The inputs that change the task definition beyond `image` and `environment-variables`, with the
// names and meanings of aws-actions/amazon-ecs-render-task-definition so that a workflow switches by
// changing `uses:`. Only their form is checked here: which containers exist is known once the
// template is read (plan/overrides.ts applies them).
import { InputError } from '../runtime/errors.js'
import { imageProblem } from '../plan/image.js'
import modelJson from '../plan/task-definition-model.json' with { type: 'json' }

/** A line's value and the container it is for: the one it names, else container-name's. */
export interface Targeted<T> {
  container?: string
  /** The line of its input, for error messages that must not quote the value. */
  line: number
  value: T
}

export interface KeyValue {
  key: string
  value: string
}

export interface TaskDefinitionOverrides {
  containerImages: { container: string; image: string; line: number }[]
  /** Merged into the container's `secrets` by name. */
  secrets: Targeted<{ name: string; valueFrom: string }>[]
  /** A container's lines replace its `environmentFiles`. */
  envFiles: Targeted<string>[]
  /** Merged into `dockerLabels` by key. */
  dockerLabels: Targeted<KeyValue>[]
  /** Replaces `command`; an empty list removes it (the image's CMD runs). */
  command: Targeted<string[]>[]
  logDriver: Targeted<string>[]
  /** Merged into `logConfiguration.options` by key. */
  logOptions: Targeted<KeyValue>[]
  taskRoleArn?: string
  executionRoleArn?: string
  /** Merged into the template's tags by key. */
  tags: KeyValue[]
}

/** The inputs parsed here, as action.yml names them. */
export const OVERRIDE_INPUTS = [
  'container-images',
  'secrets',
  'env-files',
  'docker-labels',
  'command',
  'log-configuration-log-driver',
  'log-configuration-options',
  'task-role-arn',
  'execution-role-arn',
  'tags'
] as const

// The names ECS allows for containers; a line that starts with one, a colon and a space is for it.
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/
const CONTAINER_PREFIX = /^([A-Za-z0-9_-]{1,255}):\s+(.*)$/
// The rule environment-variables applies to its names: a secret becomes an environment variable.
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const PARTITION = 'arn:aws(?:-[a-z]+)*'
const SECRET_ARN = new RegExp(
  `^${PARTITION}:(?:secretsmanager:[a-z0-9-]+:\\d{12}:secret:\\S+|ssm:[a-z0-9-]+:\\d{12}:parameter/\\S+)$`
)
const S3_OBJECT_ARN = new RegExp(`^${PARTITION}:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\\S+$`)
const ROLE_ARN = new RegExp(`^${PARTITION}:iam::\\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
// What ECS accepts in a tag: letters, digits, spaces and + - = . _ : / @ (keys hold no '=' here,
// since a line is split at its first one).
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/+\-@]{1,128}$/u
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u

const LOG_DRIVERS = (
  modelJson as unknown as {
    shape: {
      members: {
        containerDefinitions: {
          member: { members: { logConfiguration: { members: { logDriver: { enum: string[] } } } } }
        }
      }
    }
  }
).shape.members.containerDefinitions.member.members.logConfiguration.members.logDriver.enum

/** `read(name)` returns the raw input, '' when unset (as `core.getInput` does). */
export function parseOverrides(read: (name: string) => string): TaskDefinitionOverrides {
  const taskRoleArn = roleArn(read, 'task-role-arn')
  const executionRoleArn = roleArn(read, 'execution-role-arn')
  return {
    containerImages: lines(read('container-images')).map(({ number, text }) => {
      const { key: container, value } = keyValue('container-images', number, text, 'container=image')
      if (!CONTAINER_NAME.test(container)) {
        throw new InputError(
          `container-images line ${number}: '${container}' is not a container name.`,
          'Write container=image, with the name as the task definition has it (letters, digits, _ and -).'
        )
      }
      const image = value.trim()
      const problem = imageProblem(image)
      // Image references are not secrets (the image input's errors quote them too).
      if (problem) {
        throw new InputError(
          `container-images line ${number}: the image for ${container}, ${JSON.stringify(image)}, ${problem}.`,
          'Pass the image URI a build step produced, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2.3.'
        )
      }
      return { container, image, line: number }
    }),
    secrets: targetedLines(read('secrets'), (text, number) => {
      const { key: name, value } = keyValue('secrets', number, text, 'NAME=arn')
      variableName('secrets', number, name)
      const valueFrom = value.trim()
      if (!SECRET_ARN.test(valueFrom)) {
        throw new InputError(
          `secrets line ${number}: the value of ${name} is not a Secrets Manager or SSM Parameter Store ARN.`,
          'Write NAME=arn:aws:secretsmanager:<region>:<account>:secret:<name> or NAME=arn:aws:ssm:<region>:<account>:parameter/<name>; the value itself belongs in the store, never in the workflow.'
        )
      }
      return { name, valueFrom }
    }),
    envFiles: targetedLines(read('env-files'), (text, number) => {
      if (!S3_OBJECT_ARN.test(text)) {
        throw new InputError(
          `env-files line ${number} is not the ARN of an S3 object.`,
          'Write one arn:aws:s3:::<bucket>/<key> a line; to name another container than container-name, start the line with "<container>: ".'
        )
      }
      return text
    }),
    dockerLabels: targetedLines(read('docker-labels'), (text, number) =>
      mapEntry('docker-labels', number, text)
    ),
    command: commands(read('command')),
    logDriver: targetedLines(read('log-configuration-log-driver'), (text, number) => {
      if (LOG_DRIVERS.includes(text)) return text
      const sameCase = LOG_DRIVERS.find(d => d.toLowerCase() === text.toLowerCase())
      throw new InputError(
        `log-configuration-log-driver line ${number} is not a log driver ECS knows${sameCase ? ` (did you mean ${sameCase}?)` : ''}.`,
        `Use one of: ${LOG_DRIVERS.join(', ')}.`
      )
    }),
    logOptions: targetedLines(read('log-configuration-options'), (text, number) =>
      mapEntry('log-configuration-options', number, text)
    ),
    ...(taskRoleArn !== undefined ? { taskRoleArn } : {}),
    ...(executionRoleArn !== undefined ? { executionRoleArn } : {}),
    tags: parseTags(read('tags'))
  }
}

/** Whether any of these inputs was given: an existing revision is then registered anew, not deployed as it is. */
export function changesTaskDefinition(o: TaskDefinitionOverrides): boolean {
  return (
    o.taskRoleArn !== undefined ||
    o.executionRoleArn !== undefined ||
    [
      o.containerImages,
      o.secrets,
      o.envFiles,
      o.dockerLabels,
      o.command,
      o.logDriver,
      o.logOptions,
      o.tags
    ].some(list => list.length > 0)
  )
}

interface Line {
  number: number
  text: string
}

/** Non-blank lines, trimmed, with their 1-based numbers. */
function lines(text: string): Line[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, text: line.trim() }))
    .filter(l => l.text !== '')
}

function targetedLines<T>(text: string, parse: (text: string, number: number) => T): Targeted<T>[] {
  return lines(text).map(({ number, text }) => {
    const named = CONTAINER_PREFIX.exec(text)
    return named
      ? { container: named[1]!, line: number, value: parse(named[2]!.trim(), number) }
      : { line: number, value: parse(text, number) }
  })
}

/** Split at the first `=`; the value is never quoted in an error (it may be a secret). */
function keyValue(input: string, number: number, text: string, form: string): KeyValue {
  const eq = text.indexOf('=')
  if (eq < 0)
    throw new InputError(`${input} line ${number} is not ${form} (no '=').`, `Write one ${form} a line.`)
  return { key: text.slice(0, eq).trim(), value: text.slice(eq + 1) }
}

function variableName(input: string, number: number, name: string): void {
  if (!VARIABLE_NAME.test(name)) {
    throw new InputError(
      `${input} line ${number}: '${name}' is not a variable name.`,
      'Names start with a letter or _ and hold letters, digits, _, . or -; to name another container than container-name, start the line with "<container>: ".'
    )
  }
}

/** A docker label or log option: any key without blanks or ':' (a missed space after a container name). */
function mapEntry(input: string, number: number, text: string): KeyValue {
  const entry = keyValue(input, number, text, 'key=value')
  if (entry.key === '' || /[\s:]/.test(entry.key)) {
    throw new InputError(
      `${input} line ${number}: the key ${entry.key === '' ? 'is empty' : `'${entry.key}' holds a blank or ':'`}.`,
      'Write key=value; to name another container than container-name, start the line with "<container>: " (a colon, then a space).'
    )
  }
  return entry
}

/**
 * The render action's form, one JSON array for container-name (over several lines if need be), or
 * one array a line, each for the container the line names.
 */
function commands(text: string): Targeted<string[]>[] {
  const whole = text.trim()
  if (whole === '') return []
  if (whole.startsWith('[')) {
    try {
      return [{ line: 1, value: commandArray(JSON.parse(whole) as unknown, 1) }]
    } catch (e) {
      if (e instanceof InputError) throw e
      // Not one JSON array: then it is one a line.
    }
  }
  return targetedLines(text, (line, number) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      throw new InputError(
        `command line ${number} is not a JSON array.`,
        'Write the command as a JSON array of strings, e.g. ["npm", "start"]; one a line, each starting with "<container>: " when it is not for container-name.'
      )
    }
    return commandArray(parsed, number)
  })
}

function commandArray(value: unknown, number: number): string[] {
  const where = `command line ${number}`
  if (!Array.isArray(value)) {
    throw new InputError(
      `${where} is not a JSON array.`,
      'Write the command as a JSON array of strings, e.g. ["npm", "start"].'
    )
  }
  const notString = (value as unknown[]).findIndex(v => typeof v !== 'string')
  if (notString >= 0) {
    throw new InputError(
      `${where}: element ${notString + 1} of the array is not a string.`,
      'ECS takes every argument as a string: quote numbers and flags, e.g. ["sleep", "10"].'
    )
  }
  return value as string[]
}

function roleArn(read: (name: string) => string, input: string): string | undefined {
  const value = read(input).trim()
  if (value === '') return undefined
  if (!ROLE_ARN.test(value)) {
    throw new InputError(
      `${input} is not the ARN of an IAM role.`,
      'Give the full ARN, arn:aws:iam::<account>:role/<name> (the role name alone is not taken here).'
    )
  }
  return value
}

/** `key=value` lines; the last duplicate wins, as for environment-variables. */
function parseTags(text: string): KeyValue[] {
  const byKey = new Map<string, string>()
  for (const { number, text: line } of lines(text)) {
    const { key, value: raw } = keyValue('tags', number, line, 'key=value')
    const value = raw.trim()
    if (!TAG_KEY.test(key) || /^aws:/i.test(key)) {
      throw new InputError(
        `tags line ${number}: '${key}' is not a tag key ECS accepts.`,
        'Keys are 1 to 128 letters, digits, spaces and + - . _ : / @, and do not start with aws: (reserved for AWS).'
      )
    }
    if (!TAG_VALUE.test(value)) {
      throw new InputError(
        `tags line ${number}: the value of ${key} is not a tag value ECS accepts.`,
        'Values are up to 256 letters, digits, spaces and + - = . _ : / @.'
      )
    }
    byKey.delete(key)
    byKey.set(key, value)
  }
  return [...byKey].map(([key, value]) => ({ key, value }))
}
