// awsJson1_1 wire details shared by the ECS, CodeDeploy and CloudWatch Logs handlers: the error envelope and the
// request validation that AWS performs server-side (the JS SDK validates nothing client-side).
import { readFileSync } from 'node:fs'

export type AwsService = 'ecs' | 'codedeploy' | 'logs'

/** An error answered as `{"__type", "message"}`; status 400 unless it is a server fault. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
    this.name = type
  }
}

interface ShapeSpec {
  type: string
  required?: string[]
  members?: Record<string, string>
  member?: string
  key?: string
  value?: string
  enum?: string[]
  min?: number
  max?: number
  /** A document (free-form JSON), e.g. DeploymentLifecycleHook.hookDetails. */
  document?: boolean
}

interface ServiceModel {
  targetPrefix: string
  operations: Record<string, { input?: string; errors: string[] }>
  shapes: Record<string, ShapeSpec>
}

/** From botocore's models, by scripts/extract-models.py. */
const models: Record<AwsService, ServiceModel> = {
  ecs: JSON.parse(readFileSync(new URL('./models/ecs.json', import.meta.url), 'utf8')),
  codedeploy: JSON.parse(readFileSync(new URL('./models/codedeploy.json', import.meta.url), 'utf8')),
  logs: JSON.parse(readFileSync(new URL('./models/logs.json', import.meta.url), 'utf8'))
}

export const TARGET_PREFIX: Record<string, AwsService> = {
  [models.ecs.targetPrefix]: 'ecs',
  [models.codedeploy.targetPrefix]: 'codedeploy',
  [models.logs.targetPrefix]: 'logs'
}

export function isModeledOperation(service: AwsService, operation: string): boolean {
  return operation in models[service].operations
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/**
 * CodeDeploy answers a missing member with a dedicated `<Member>RequiredException`
 * (deploymentIds → DeploymentIdRequiredException, targetId → DeploymentTargetIdRequiredException);
 * pick the one the operation models, else a generic validation error.
 */
function requiredError(service: AwsService, operation: string, member: string, path: string): AwsError {
  if (service === 'ecs')
    return new AwsError('InvalidParameterException', `${path} is required and was not supplied.`)
  const errors = models.codedeploy.operations[operation]?.errors ?? []
  const singular = member.endsWith('s') ? member.slice(0, -1) : member
  const candidates = [member, singular].flatMap(m => [
    `${pascal(m)}RequiredException`,
    `Deployment${pascal(m)}RequiredException`
  ])
  const found = candidates.find(c => errors.includes(c))
  if (found) return new AwsError(found, `The ${member} was not specified.`)
  return coralValidation(`Value null at '${path}' failed to satisfy constraint: Member must not be null`)
}

/** The message format of AWS's framework-level validation ("1 validation error detected: ..."). */
function coralValidation(detail: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: ${detail}`)
}

function invalid(service: AwsService, detail: string): AwsError {
  return service === 'ecs' ? new AwsError('InvalidParameterException', detail) : coralValidation(detail)
}

function typeError(path: string, expected: string, value: unknown): AwsError {
  return new AwsError(
    'SerializationException',
    `Expected ${expected} at '${path}' but got ${Array.isArray(value) ? 'array' : typeof value}.`
  )
}

/**
 * Validate a request body against the operation's input shape, as AWS does before the handler
 * runs: unknown members, missing required members, wrong JSON types, enum values, length limits.
 */
export function validateInput(service: AwsService, operation: string, body: unknown): void {
  const model = models[service]
  const op = model.operations[operation]
  if (!op?.input) return
  check(model.shapes[op.input]!, body, '', true)

  function check(shape: ShapeSpec, value: unknown, path: string, top = false): void {
    if (value === null || value === undefined) return
    const at = path || 'input'
    switch (shape.type) {
      case 'structure': {
        if (shape.document) return
        if (typeof value !== 'object' || Array.isArray(value)) throw typeError(at, 'an object', value)
        const record = value as Record<string, unknown>
        const members = shape.members ?? {}
        for (const key of Object.keys(record)) {
          if (!(key in members)) {
            throw invalid(
              service,
              `Unknown member '${key}' at '${at}'; expected one of: ${Object.keys(members).join(', ')}.`
            )
          }
        }
        for (const req of shape.required ?? []) {
          if (record[req] === undefined || record[req] === null) {
            throw top
              ? requiredError(service, operation, req, req)
              : invalid(
                  service,
                  `Value null at '${path ? `${path}.` : ''}${req}' failed to satisfy constraint: Member must not be null`
                )
          }
        }
        for (const [key, child] of Object.entries(record)) {
          check(model.shapes[members[key]!]!, child, path ? `${path}.${key}` : key)
        }
        return
      }
      case 'list': {
        if (!Array.isArray(value)) throw typeError(at, 'a list', value)
        checkLength(shape, value.length, at, 'length')
        value.forEach((item: unknown, i) => {
          check(model.shapes[shape.member!]!, item, `${at}.${i + 1}.member`)
        })
        return
      }
      case 'map': {
        if (typeof value !== 'object' || Array.isArray(value)) throw typeError(at, 'a map', value)
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          check(model.shapes[shape.key!]!, k, `${at}.key`)
          check(model.shapes[shape.value!]!, v, `${at}.${k}`)
        }
        return
      }
      case 'string': {
        if (typeof value !== 'string') throw typeError(at, 'a string', value)
        if (shape.enum && !shape.enum.includes(value)) {
          throw invalid(
            service,
            `Value '${value}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`
          )
        }
        checkLength(shape, value.length, at, 'length')
        return
      }
      case 'boolean':
        if (typeof value !== 'boolean') throw typeError(at, 'a boolean', value)
        return
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        if (typeof value !== 'number') throw typeError(at, 'a number', value)
        if (shape.min !== undefined && value < shape.min) {
          throw invalid(
            service,
            `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`
          )
        }
        if (shape.max !== undefined && value > shape.max) {
          throw invalid(
            service,
            `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`
          )
        }
        return
      case 'timestamp':
        // awsJson sends epoch seconds; a numeric string also parses on AWS's side.
        if (typeof value !== 'number' && !(typeof value === 'string' && Number.isFinite(Number(value)))) {
          throw typeError(at, 'epoch seconds', value)
        }
        return
      default:
        return
    }
  }

  function checkLength(shape: ShapeSpec, n: number, at: string, what: string): void {
    if (shape.min !== undefined && n < shape.min) {
      throw invalid(
        service,
        `Value at '${at}' failed to satisfy constraint: Member must have ${what} greater than or equal to ${shape.min}`
      )
    }
    if (shape.max !== undefined && n > shape.max) {
      throw invalid(
        service,
        `Value at '${at}' failed to satisfy constraint: Member must have ${what} less than or equal to ${shape.max}`
      )
    }
  }
}
