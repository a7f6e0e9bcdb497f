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
})
