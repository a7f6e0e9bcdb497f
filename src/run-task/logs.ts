// The one-off task's CloudWatch Logs streams, read as the task runs. Every line is the task's own
// text: it is printed through Io like any other line, which keeps it from acting as a workflow
// command. Reading is best effort: a role without logs:GetLogEvents gets one warning, and the task
// is waited for and judged all the same.
import { awsErrorKind, awsErrorName, errorMessage } from '../runtime/errors.js'
import type { Io } from '../runtime/io.js'
import type { LogSource } from './plan.js'

interface Stream {
  source: LogSource
  name: string
  token?: string
  /** The last read's error, reported only if it outlives the task. */
  failure?: string
}

export class TaskLogs {
  private readonly streams: Stream[]
  private denied = false

  constructor(
    private readonly io: Io,
    sources: LogSource[],
    taskId: string
  ) {
    this.streams = sources.map(source => ({ source, name: `${source.prefix}/${source.container}/${taskId}` }))
  }

  /** Prints what each stream got since the last read. `last`: the task has stopped; say what could not be read. */
  async read(last = false): Promise<void> {
    for (const stream of this.streams) {
      if (this.denied) return
      await this.readStream(stream)
      if (last && stream.failure !== undefined)
        this.io.info(
          `(The log of container ${stream.source.container} could not be read: ${stream.failure}.)`
        )
    }
  }

  private async readStream(stream: Stream): Promise<void> {
    const { source } = stream
    const client = await this.io.aws().logs(source.region ?? this.io.aws().region)
    const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs')
    stream.failure = undefined
    for (;;) {
      let out
      try {
        out = await client.send(
          new GetLogEventsCommand({
            logGroupName: source.group,
            logStreamName: stream.name,
            startFromHead: true,
            ...(stream.token !== undefined ? { nextToken: stream.token } : {})
          })
        )
      } catch (e) {
        if (awsErrorKind(e) === 'access-denied') {
          this.denied = true
          this.io.warning(
            `The task's log cannot be read (${awsErrorName(e) ?? 'Error'}): allow logs:GetLogEvents on log group ${source.group} to see it here. The task is waited for all the same.`,
            'Task log not shown'
          )
          return
        }
        // The awslogs driver makes the stream when the container starts: until then there is nothing to read.
        if (awsErrorName(e) !== 'ResourceNotFoundException') stream.failure = errorMessage(e)
        return
      }
      for (const event of out.events ?? []) {
        for (const line of (event.message ?? '').replace(/\r?\n$/, '').split(/\r?\n/))
          this.io.info(`${source.container} | ${line}`)
      }
      // GetLogEvents hands the same token back once the stream holds nothing newer.
      const next = out.nextForwardToken
      const done = !out.events?.length || next === undefined || next === stream.token
      if (next !== undefined) stream.token = next
      if (done) return
    }
  }
}
