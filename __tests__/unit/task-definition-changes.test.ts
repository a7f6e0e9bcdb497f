import {
  describeTaskDefinitionChanges,
  redactTaskDefinition
} from '../../src/report/task-definition-changes.js'

describe('describeTaskDefinitionChanges', () => {
  const previous = {
    family: 'web',
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image: 'app:1',
        environment: [
          { name: 'KEEP', value: 'same' },
          { name: 'GONE', value: 'secret-gone' },
          { name: 'CHANGED', value: 'old-secret' }
        ]
      },
      { name: 'old-sidecar', image: 'x:1' },
      { name: 'log', image: 'fluent-bit:1' }
    ]
  }
  it('names image, environment, container and size changes, never environment values', () => {
    const next = {
      family: 'web',
      cpu: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:2',
          environment: [
            { name: 'KEEP', value: 'same' },
            { name: 'CHANGED', value: 'new-secret' },
            { name: 'NEW', value: 'secret-new' }
          ]
        },
        { name: 'log', image: 'fluent-bit:1' },
        { name: 'xray' }
      ]
    }
    const lines = describeTaskDefinitionChanges(previous, next)
    expect(lines).toEqual([
      'app: image app:1 → app:2',
      'app: environment added NEW; removed GONE; changed CHANGED',
      'container xray added (image none)',
      'container old-sidecar removed',
      'task cpu: 256 → 512',
      'task memory: 512 → unset'
    ])
    expect(lines.join('\n')).not.toMatch(/secret|same/)
  })
  it('reports nothing for the same definition, and handles missing parts', () => {
    expect(describeTaskDefinitionChanges(previous, structuredClone(previous))).toEqual([])
    expect(describeTaskDefinitionChanges({ family: 'web' }, { family: 'web', cpu: '256' })).toEqual([
      'task cpu: unset → 256'
    ])
    expect(
      describeTaskDefinitionChanges(
        { family: 'w', containerDefinitions: [{ name: 'a' }] },
        { family: 'w', containerDefinitions: [{ name: 'a', image: 'b', environment: [{ name: 'X' }] }] }
      )
    ).toEqual(['a: image none → b', 'a: environment added X'])
  })
})

describe('describeTaskDefinitionChanges: the render inputs', () => {
  const LOG_TOKEN = 'splunk-token-do-not-print'
  const LABEL_VALUE = 'label-value-do-not-print'
  const ssm = (name: string): string => `arn:aws:ssm:us-east-1:123456789012:parameter/${name}`
  const previous = {
    family: 'web',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    containerDefinitions: [
      {
        name: 'app',
        image: 'app:1',
        command: ['npm', 'start'],
        secrets: [
          { name: 'DB', valueFrom: ssm('db') },
          { name: 'OLD', valueFrom: ssm('old') }
        ],
        environmentFiles: [{ value: 'arn:aws:s3:::b/a.env', type: 's3' as const }],
        dockerLabels: { team: 'web', gone: 'x', version: '1' },
        logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/ecs/web' } }
      },
      { name: 'log', image: 'fluent-bit:1' }
    ],
    tags: [
      { key: 'team', value: 'web' },
      { key: 'old', value: 'x' }
    ]
  }

  it('names secrets with their ARNs, files, command, driver and roles; label and option keys without values', () => {
    const next = {
      family: 'web',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec2',
      containerDefinitions: [
        {
          name: 'app',
          image: 'app:1',
          command: ['node', 'server.js'],
          secrets: [
            { name: 'DB', valueFrom: ssm('db2') },
            { name: 'API', valueFrom: ssm('api') }
          ],
          environmentFiles: [
            { value: 'arn:aws:s3:::b/a.env', type: 's3' as const },
            { value: 'arn:aws:s3:::b/b.env', type: 's3' as const }
          ],
          dockerLabels: { team: 'web', version: LABEL_VALUE, added: LABEL_VALUE },
          logConfiguration: {
            logDriver: 'splunk' as const,
            options: { 'awslogs-group': '/ecs/web', 'splunk-token': LOG_TOKEN }
          }
        },
        { name: 'log', image: 'fluent-bit:2', command: ['x'] }
      ],
      tags: [
        { key: 'team', value: 'platform' },
        { key: 'version', value: '1.2.3' }
      ]
    }
    const lines = describeTaskDefinitionChanges(previous, next)
    expect(lines).toEqual([
      `app: secrets added API=${ssm('api')}; removed OLD; changed DB=${ssm('db2')}`,
      'app: environment files arn:aws:s3:::b/a.env → arn:aws:s3:::b/a.env, arn:aws:s3:::b/b.env',
      'app: docker labels added added; removed gone; changed version',
      'app: command ["npm","start"] → ["node","server.js"]',
      'app: log driver awslogs → splunk',
      'app: log options added splunk-token',
      'log: image fluent-bit:1 → fluent-bit:2',
      'log: command none → ["x"]',
      'task role: none → arn:aws:iam::123456789012:role/task',
      'task execution role: arn:aws:iam::123456789012:role/exec → arn:aws:iam::123456789012:role/exec2',
      'tags added version=1.2.3; removed old; changed team=platform'
    ])
    expect(lines.join('\n')).not.toContain(LOG_TOKEN)
    expect(lines.join('\n')).not.toContain(LABEL_VALUE)
  })

  it('takes lists left out and empty lists for the same thing', () => {
    const bare = { family: 'web', containerDefinitions: [{ name: 'app', image: 'app:1' }] }
    const empty = {
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: 'app:1', command: [], environmentFiles: [], dockerLabels: {} }
      ],
      tags: []
    }
    expect(describeTaskDefinitionChanges(bare, empty)).toEqual([])
  })
})

describe('redactTaskDefinition', () => {
  it('hides every environment value in a copy', () => {
    const td = {
      family: 'web',
      containerDefinitions: [
        { name: 'app', environment: [{ name: 'TOKEN', value: 's3cret' }, { name: 'NOVALUE' }], secrets: [] },
        { name: 'log' },
        'not a container'
      ]
    }
    const redacted = redactTaskDefinition(td)
    expect(redacted.containerDefinitions[0]).toEqual({
      name: 'app',
      environment: [{ name: 'TOKEN', value: '***' }, { name: 'NOVALUE' }],
      secrets: []
    })
    expect(JSON.stringify(redacted)).not.toContain('s3cret')
    expect(td.containerDefinitions[0]).toMatchObject({
      environment: [{ name: 'TOKEN', value: 's3cret' }, { name: 'NOVALUE' }]
    })
    expect(redactTaskDefinition({ family: 'x' })).toEqual({ family: 'x' })
  })

  it('hides docker label and log option values, keeping their keys and the driver', () => {
    const td = {
      family: 'web',
      containerDefinitions: [
        {
          name: 'app',
          dockerLabels: { team: 'label-secret' },
          logConfiguration: {
            logDriver: 'splunk' as const,
            options: { 'splunk-token': 'token-secret', tag: '' },
            secretOptions: [{ name: 'x', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/x' }]
          }
        },
        { name: 'log', logConfiguration: { logDriver: 'awslogs' as const } }
      ]
    }
    const redacted = redactTaskDefinition(td)
    expect(redacted.containerDefinitions).toEqual([
      {
        name: 'app',
        dockerLabels: { team: '***' },
        logConfiguration: {
          logDriver: 'splunk',
          options: { 'splunk-token': '***', tag: '***' },
          secretOptions: [{ name: 'x', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/x' }]
        }
      },
      { name: 'log', logConfiguration: { logDriver: 'awslogs' } }
    ])
  })
})
