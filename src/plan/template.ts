// The task-definition input → a template: a JSON file in the workspace, or a registered revision read
// back from ECS. Only reads; what the template may hold is render.ts's business.
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs'
import { type JSONPath, type ParseError, parse as parseJsonc, printParseErrorCode, visit } from 'jsonc-parser'
import * as path from 'node:path'
import { ActionError, InputError, awsErrorName, errorMessage } from '../runtime/errors.js'
import { editDistance } from './nearest.js'
import type { Found } from './workspace.js'

/** Where the task definition to deploy comes from (the `task-definition` input). */
export type TaskDefinitionSource =
  { kind: 'service' } | { kind: 'file'; path: string; text: string } | { kind: 'revision'; id: string }

const REVISION_ID = /^[A-Za-z0-9_-]{1,255}(:[1-9][0-9]*)?$/
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition\/[A-Za-z0-9_-]{1,255}(:[1-9][0-9]*)?$/

/**
 * Reads the `task-definition` input. `find` looks the value up in the workspace (workspace.ts). A
 * file wins over a family of the same name, as the README promises: an existing file is a template;
 * a directory does not, so a repository with a `web/` folder can still deploy the family `web`.
 */
export function classifyTaskDefinitionInput(
  input: string,
  find: (given: string) => Found,
  workspace: string
): TaskDefinitionSource {
  const value = input.trim()
  if (value === '') return { kind: 'service' }
  const found = find(value)
  if (found.kind === 'file') return { kind: 'file', path: found.path, text: found.text }
  const absolute = path.resolve(workspace, value)
  if (value.startsWith('arn:')) {
    if (TASK_DEFINITION_ARN.test(value)) return { kind: 'revision', id: value }
    throw new InputError(
      `task-definition '${value}' is not a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>) and not a file in the workspace (looked at ${absolute}).`,
      'Copy the ARN from `aws ecs describe-task-definition` or the console, or give family:revision.'
    )
  }
  if (REVISION_ID.test(value)) return { kind: 'revision', id: value }
  if (found.kind === 'directory') {
    throw new InputError(
      `task-definition '${value}' is a directory in the workspace, not a file.`,
      'Name the JSON template inside it, e.g. .aws/task-definition.json.'
    )
  }
  throw new InputError(
    `task-definition '${value}' is not a file in the workspace (looked at ${absolute}), an ARN, or family[:revision].`,
    'Give a path relative to the workspace (check out the repository first with actions/checkout), a task definition ARN, or family[:revision]; leave it empty to start from the revision the service runs.'
  )
}

/**
 * Parses a JSON template: either a task definition, or the `{"taskDefinition": ..., "tags": ...}`
 * that `aws ecs describe-task-definition` prints (its tags move to the top level).
 */
export function parseTaskDefinitionTemplate(text: string, path: string): Record<string, unknown> {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  let parsed: unknown
  try {
    parsed = JSON.parse(source)
  } catch {
    throw invalidJson(source, path)
  }
  if (!isObject(parsed)) {
    throw new InputError(
      `${path} holds a JSON ${jsonKind(parsed)}, not a task definition object.`,
      topLevelHint(parsed)
    )
  }
  const duplicates = duplicateKeys(source)
  if (duplicates.length > 0) {
    throw new InputError(
      `${path} has ${duplicates.length === 1 ? 'a key' : 'keys'} given twice: ${duplicates.slice(0, 10).join(', ')}. JSON keeps only the last of each, so the other would be dropped without a word.`,
      'Remove the one you do not mean, or merge them.'
    )
  }
  const template = unwrapDescribeOutput(parsed)
  const containers = template.containerDefinitions
  if (!Array.isArray(containers) || containers.length === 0) {
    const found = containers === undefined || containers === null ? 'has no' : `has an empty or invalid`
    // A misspelt key is the usual cause: name it, as the key check would have.
    const misspelt = Object.keys(template).find(
      k => k !== 'containerDefinitions' && editDistance(k.toLowerCase(), 'containerdefinitions') <= 3
    )
    throw new InputError(
      `${path} ${found} containerDefinitions list${misspelt ? ` (it has unknown key ${misspelt}: did you mean containerDefinitions?)` : ''}.`,
      'A task definition needs at least one container in containerDefinitions (see `aws ecs register-task-definition --generate-cli-skeleton`).'
    )
  }
  return template
}

function unwrapDescribeOutput(parsed: Record<string, unknown>): Record<string, unknown> {
  const { taskDefinition: inner, tags, ...rest } = parsed
  if (!isObject(inner) || Object.keys(rest).length > 0) return parsed
  const template = { ...inner }
  if (Array.isArray(tags) && tags.length > 0 && template.tags === undefined) template.tags = tags
  return template
}

function topLevelHint(value: unknown): string {
  if (Array.isArray(value)) {
    const first: unknown = value[0]
    if (isObject(first) && 'containerDefinitions' in first) {
      return 'Remove the surrounding [ ]: the file must hold one task definition object.'
    }
    if (isObject(first) && ('image' in first || 'name' in first)) {
      return 'This looks like a containerDefinitions list only (as Terraform container_definitions takes); wrap it: {"family": "...", "containerDefinitions": [...]}.'
    }
    return 'The file must hold one task definition object: {"family": "...", "containerDefinitions": [...]}.'
  }
  if (typeof value === 'string') {
    return 'The JSON text is encoded twice (a JSON string that holds JSON); write the object itself.'
  }
  return 'The file must hold one task definition object: {"family": "...", "containerDefinitions": [...]}.'
}

/** `containerDefinitions[0].image`, as the key checks name paths; odd keys in brackets. */
function formatPath(path: JSONPath): string {
  return path
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)
          ? `${i === 0 ? '' : '.'}${part}`
          : `[${JSON.stringify(part)}]`
    )
    .join('')
}

/** Keys given twice in one object, with their line: JSON.parse keeps the last without a word. */
function duplicateKeys(text: string): string[] {
  const seen: Set<string>[] = []
  const found: string[] = []
  visit(text, {
    onObjectBegin: () => {
      seen.push(new Set())
    },
    onObjectEnd: () => {
      seen.pop()
    },
    onObjectProperty: (property, _offset, _length, line, _column, pathSupplier) => {
      const keys = seen.at(-1)
      if (keys?.has(property)) found.push(`${formatPath([...pathSupplier(), property])} (line ${line + 1})`)
      keys?.add(property)
    }
  })
  return found
}

/** What jsonc-parser's error codes mean, in words that never quote the file (it may hold secrets). */
const JSON_PROBLEMS: Record<string, string> = {
  InvalidSymbol: 'text that is not a JSON value (unquoted?)',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'expected a quoted property name',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' between the values",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'expected the end of the document',
  InvalidCommentToken: 'a comment, which JSON does not allow',
  UnexpectedEndOfComment: 'an unclosed comment',
  UnexpectedEndOfString: 'a string whose closing " is missing on its line',
  UnexpectedEndOfNumber: 'an incomplete number',
  InvalidUnicode: 'an invalid \\uXXXX escape',
  InvalidEscapeCharacter: 'an invalid escape (use \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)',
  InvalidCharacter: 'a raw control character inside a string (use \\n, \\t)'
}

/**
 * Where and why a text is not JSON. JSON.parse has the verdict; its message is not shown, since V8
 * quotes the text around the error. The position comes from jsonc-parser, which reads strict JSON
 * with comments and trailing commas refused.
 */
function invalidJson(text: string, file: string): InputError {
  const errors: ParseError[] = []
  try {
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
  } catch {
    // Its recursive descent runs out of stack on nesting JSON.parse survives: no position then.
  }
  const first = errors[0]
  const where = first ? positionOf(text, first.offset) : undefined
  const problem = first
    ? (JSON_PROBLEMS[printParseErrorCode(first.error)] ?? 'a syntax error')
    : 'a syntax error'
  const lineText = where ? (text.split(/\r?\n/)[where.line - 1] ?? '') : text
  const template = /\$\{[^}]*\}|\{\{|\$[A-Za-z_]/.test(lineText)
    ? ' It looks like an unrendered template (${...}, {{...}} or $VAR): render it (envsubst, terraform templatefile, ...) before this step, or pass the rendered file.'
    : ''
  return new InputError(
    `${file} is not valid JSON: ${problem}${where ? ` at line ${where.line}, column ${where.column}` : ''}.`,
    `Fix the JSON at that place (a missing comma, an unquoted value, a trailing comma).${template}`
  )
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 }
}

export interface LoadedTaskDefinition {
  template: Record<string, unknown>
  /** The revision it was read from. */
  arn: string
}

/**
 * Reads a registered revision (with its tags, which DescribeTaskDefinition returns only when asked)
 * in the same form as a template file.
 */
export async function loadTaskDefinition(
  ecs: ECSClient,
  source: Exclude<TaskDefinitionSource, { kind: 'file' }>,
  serviceTaskDefinitionArn?: string
): Promise<LoadedTaskDefinition> {
  let id: string
  if (source.kind === 'revision') id = source.id
  else if (serviceTaskDefinitionArn) id = serviceTaskDefinitionArn
  else {
    throw new ActionError(
      'The service runs no task definition to start from.',
      'Set the task-definition input to a template file or a revision.'
    )
  }
  let output
  try {
    output = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: id, include: ['TAGS'] }))
  } catch (e) {
    if (source.kind === 'revision' && awsErrorName(e) === 'ClientException') {
      throw new InputError(
        `Task definition ${id} was not found: ${errorMessage(e)}`,
        `Check the family and revision (aws ecs list-task-definitions --family-prefix ${familyOf(id)}) and the region.`
      )
    }
    throw e
  }
  const taskDefinition = output.taskDefinition
  if (!taskDefinition) throw new ActionError(`DescribeTaskDefinition returned no task definition for ${id}.`)
  const template: Record<string, unknown> = { ...taskDefinition }
  if (output.tags && output.tags.length > 0) template.tags = output.tags
  return { template, arn: taskDefinition.taskDefinitionArn ?? id }
}

function familyOf(id: string): string {
  return id.replace(/^.*task-definition\//, '').replace(/:\d+$/, '')
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value === 'object' ? 'object' : typeof value
}
