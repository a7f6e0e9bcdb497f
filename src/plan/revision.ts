// Registering the revision to deploy, and taking it back when no deployment came of it.
import {
  DeregisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import { HIDDEN_VALUES, redactTaskDefinition } from '../report/task-definition-changes.js'
import { ActionError, awsErrorName, errorMessage } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'

const CONCURRENT_REGISTRATION = /too many concurrent attempts/i
const REGISTER_ATTEMPTS = 5

/**
 * Registers the revision. Concurrent registrations in one family fail with a ClientException that
 * the SDK does not retry (it is not a throttling error), so it is retried here with backoff.
 */
export async function registerTaskDefinition(
  ecs: ECSClient,
  input: RegisterTaskDefinitionCommandInput,
  sleep: (ms: number) => Promise<void>
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const output = await ecs.send(new RegisterTaskDefinitionCommand(input))
      const arn = output.taskDefinition?.taskDefinitionArn
      if (!arn) throw new ActionError('RegisterTaskDefinition returned no task definition ARN.')
      return arn
    } catch (e) {
      const concurrent =
        awsErrorName(e) === 'ClientException' && CONCURRENT_REGISTRATION.test(errorMessage(e))
      if (!concurrent) throw e
      if (attempt === REGISTER_ATTEMPTS) {
        throw new ActionError(
          `RegisterTaskDefinition failed ${REGISTER_ATTEMPTS} times: ${errorMessage(e)}`,
          `Other jobs register revisions of family ${input.family ?? ''} at the same time; give those workflows one concurrency group.`,
          undefined,
          e
        )
      }
      await sleep(1000 * 2 ** (attempt - 1))
    }
  }
}

/** Removes a revision this run registered and could not deploy. */
export async function deregisterTaskDefinition(ecs: ECSClient, arn: string): Promise<void> {
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }))
}

/**
 * A dry run's revision: why AWS was not read, when it was not, then the revision to register with
 * its values hidden, or else `asIs`, the line that says which existing revision is used as it is.
 */
export function printDryRunRevision(
  io: Io,
  r: { offline?: string; register?: RegisterTaskDefinitionCommandInput },
  asIs: string
): void {
  if (r.offline) io.info(`AWS was not read (${r.offline}); the inputs and files alone were checked.`)
  if (r.register) {
    io.startGroup(`Task definition to register (${HIDDEN_VALUES} hidden)`)
    io.info(JSON.stringify(redactTaskDefinition(r.register), null, 2))
    io.endGroup()
  } else {
    io.info(asIs)
  }
}
