import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { mockEcs } from './mock-clients.js'
import { InputError } from '../../src/runtime/errors.js'
import { base, thrown } from './template-fixtures.js'
import { renderTaskDefinition } from '../../src/plan/render.js'
import {
  classifyTaskDefinitionInput,
  loadTaskDefinition,
  parseTaskDefinitionTemplate
} from '../../src/plan/template.js'
import type { Found } from '../../src/plan/workspace.js'

const { ecsMock, ecs } = mockEcs()
const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'

describe('classifyTaskDefinitionInput', () => {
  const ws = '/work/ws'
  const files: Record<string, string> = { 'td.json': '{}', web: '{"family":"web"}' }
  // What findInWorkspace answers for this workspace: the files above, and the directory .aws/.
  const find = (given: string): Found => {
    const name = given.replace(/^\.\//, '')
    if (name in files) return { kind: 'file', path: `${ws}/${name}`, text: files[name]! }
    return ['.aws', 'api'].includes(name) ? { kind: 'directory' } : { kind: 'missing' }
  }

  it('reads empty as the service revision', () => {
    expect(classifyTaskDefinitionInput('', find, ws)).toEqual({ kind: 'service' })
    expect(classifyTaskDefinitionInput('  ', find, ws)).toEqual({ kind: 'service' })
  })
  it('reads an existing file as a template, resolved in the workspace, even when it could be a family', () => {
    expect(classifyTaskDefinitionInput('td.json', find, ws)).toEqual({
      kind: 'file',
      path: '/work/ws/td.json',
      text: '{}'
    })
    expect(classifyTaskDefinitionInput('./td.json', find, ws)).toMatchObject({ path: '/work/ws/td.json' })
    expect(classifyTaskDefinitionInput('web', find, ws)).toMatchObject({ kind: 'file', path: '/work/ws/web' })
  })
  it('reads ARNs and family[:revision] as revisions, also when a directory has the name', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42'
    expect(classifyTaskDefinitionInput(arn, find, ws)).toEqual({ kind: 'revision', id: arn })
    const cn = 'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web'
    expect(classifyTaskDefinitionInput(cn, find, ws)).toEqual({ kind: 'revision', id: cn })
    expect(classifyTaskDefinitionInput('api', find, ws)).toEqual({ kind: 'revision', id: 'api' })
    expect(classifyTaskDefinitionInput('my_api-2:17', find, ws)).toEqual({
      kind: 'revision',
      id: 'my_api-2:17'
    })
  })
  it('says a directory that cannot be a family is a directory', () => {
    expect(thrown(() => classifyTaskDefinitionInput('.aws', find, ws)).message).toBe(
      "task-definition '.aws' is a directory in the workspace, not a file."
    )
  })
  it('names what it tried for anything else', () => {
    expect(thrown(() => classifyTaskDefinitionInput('task-def.json', find, ws)).message).toBe(
      "task-definition 'task-def.json' is not a file in the workspace (looked at /work/ws/task-def.json), an ARN, or family[:revision]."
    )
    expect(thrown(() => classifyTaskDefinitionInput('./missing.json', find, ws)).message).toContain(
      '(looked at /work/ws/missing.json)'
    )
    for (const bad of ['web:0', 'web:latest', 'a/b']) {
      expect(() => classifyTaskDefinitionInput(bad, find, ws)).toThrow(InputError)
    }
  })
  it('rejects an ARN of something other than a task definition', () => {
    const e = thrown(() =>
      classifyTaskDefinitionInput('arn:aws:ecs:us-east-1:123456789012:service/prod/web', find, ws)
    )
    expect(e.message).toContain('is not a task definition ARN')
  })
})

describe('parseTaskDefinitionTemplate', () => {
  it('a key given twice is an error naming its path and line, never its values', () => {
    const text = [
      '{',
      '  "family": "web",',
      '  "containerDefinitions": [',
      '    { "name": "web", "image": "web:v1", "image": "web:v2",',
      '      "dockerLabels": { "com.example.a": "s3cret", "com.example.a": "s3cret2" } }',
      '  ],',
      '  "family": "web"',
      '}'
    ].join('\n')
    const e = thrown(() => parseTaskDefinitionTemplate(text, 'td.json'))
    expect(e.message).toBe(
      'td.json has keys given twice: containerDefinitions[0].image (line 4), containerDefinitions[0].dockerLabels["com.example.a"] (line 5), family (line 7). JSON keeps only the last of each, so the other would be dropped without a word.'
    )
    expect(e.full).not.toContain('s3cret')
  })

  it('the same key in different objects is no duplicate', () => {
    const text = JSON.stringify({ family: 'w', containerDefinitions: [{ name: 'a' }, { name: 'b' }] })
    expect(parseTaskDefinitionTemplate(text, 'td.json').family).toBe('w')
  })

  it('names a misspelt containerDefinitions key when the list is missing', () => {
    expect(() =>
      parseTaskDefinitionTemplate('{"family":"web","containerDefinition":[{"name":"web"}]}', 'td.json')
    ).toThrow(
      'td.json has no containerDefinitions list (it has unknown key containerDefinition: did you mean containerDefinitions?).'
    )
  })

  it('parses a task definition object, ignoring a byte order mark', () => {
    const text = '\uFEFF' + JSON.stringify(base())
    expect(parseTaskDefinitionTemplate(text, 'td.json')).toEqual(base())
  })
  it('gives the line and column of a syntax error, CRLF files included', () => {
    const crlf = '{\r\n  "family": "web",\r\n  "cpu": "256"\r\n  "memory": "512"\r\n}\r\n'
    const e = thrown(() => parseTaskDefinitionTemplate(crlf, 'td.json'))
    expect(e.message).toBe(`td.json is not valid JSON: expected ',' between the values at line 4, column 3.`)
    expect(e.hint).not.toContain('template')
  })
  it.each([
    ['[1, 2,]', 'expected a value at line 1, column 7'],
    ['{"a": tru}', 'text that is not a JSON value (unquoted?) at line 1, column 7'],
    ['{"a": "x', 'a string whose closing " is missing on its line at line 1, column 7'],
    ['{"a": "\\x"}', 'an invalid escape'],
    ['{"a": "\\u12G4"}', 'an invalid \\uXXXX escape at line 1, column 7'],
    ['{"a": "tab\there"}', 'a raw control character inside a string'],
    ['{"a": 1} x', 'text that is not a JSON value (unquoted?) at line 1, column 10'],
    ['{a: 1}', 'at line 1, column 2'],
    ['{"a" 1}', "expected ':' after the property name"],
    ['{"a": [1 2]}', "expected ',' between the values at line 1, column 10"],
    ['{"a": // note\n 1}', 'a comment, which JSON does not allow at line 1, column 7'],
    ['', 'expected a value at line 1, column 1'],
    ['{"a": {}, "b": [], "c" 1}', "expected ':' after the property name at line 1, column 24"]
  ])('locates the error in %j', (text, expected) => {
    expect(thrown(() => parseTaskDefinitionTemplate(text, 'f')).message).toContain(expected)
  })
  it('never quotes the file: its values may be secrets', () => {
    const e = thrown(() => parseTaskDefinitionTemplate('{"token": s3cr3t-value}', 'f'))
    expect(`${e.message} ${e.hint ?? ''}`).not.toContain('s3cr3t')
  })
  it('accepts every valid JSON construct the locator knows', () => {
    const text =
      '{"a": [true, false, null, -1.5e3, "\\u00e9\\n", {}, []], "b": {"c": 0}, "containerDefinitions": [{}]}'
    expect(parseTaskDefinitionTemplate(text, 'f').b).toEqual({ c: 0 })
  })
  it('says it is not JSON, without a position, where the locator cannot follow', () => {
    const deep = '['.repeat(200_000)
    expect(thrown(() => parseTaskDefinitionTemplate(deep, 'f')).message).toBe(
      'f is not valid JSON: a syntax error.'
    )
  })
  it('points at unrendered placeholders on the failing line', () => {
    const text = '{\n  "family": "web",\n  "containerPort": ${PORT}\n}'
    const e = thrown(() => parseTaskDefinitionTemplate(text, 'td.json.tpl'))
    expect(e.message).toContain('at line 3, column 20')
    expect(e.hint).toContain('unrendered template')
  })
  it.each([
    ['[{"family": "web", "containerDefinitions": []}]', 'holds a JSON array', 'Remove the surrounding [ ]'],
    ['[{"name": "app", "image": "nginx"}]', 'holds a JSON array', 'containerDefinitions list only'],
    ['[]', 'holds a JSON array', 'one task definition object'],
    ['"{\\"family\\": \\"web\\"}"', 'holds a JSON string', 'encoded twice'],
    ['42', 'holds a JSON number', 'one task definition object'],
    ['null', 'holds a JSON null', 'one task definition object']
  ])('says what the top level is instead of an object: %s', (text, message, hint) => {
    const e = thrown(() => parseTaskDefinitionTemplate(text, 'td.json'))
    expect(e.message).toContain(`td.json ${message}, not a task definition object.`)
    expect(e.hint).toContain(hint)
  })
  it('unwraps describe-task-definition output and moves its tags to the top level', () => {
    const tags = [{ key: 'team', value: 'web' }]
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base(), tags }), 'f')).toEqual({
      ...base(),
      tags
    })
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base(), tags: [] }), 'f')).toEqual(
      base()
    )
    expect(parseTaskDefinitionTemplate(JSON.stringify({ taskDefinition: base() }), 'f')).toEqual(base())
  })
  it('keeps tags the inner definition already has', () => {
    const inner = base({}, { tags: [{ key: 'a', value: '1' }] })
    const parsed = parseTaskDefinitionTemplate(
      JSON.stringify({ taskDefinition: inner, tags: [{ key: 'b' }] }),
      'f'
    )
    expect(parsed.tags).toEqual([{ key: 'a', value: '1' }])
  })
  it('does not unwrap an object that has other keys beside taskDefinition', () => {
    const text = JSON.stringify({
      taskDefinition: base(),
      family: 'x',
      containerDefinitions: [{ name: 'a' }]
    })
    expect(parseTaskDefinitionTemplate(text, 'f').taskDefinition).toEqual(base())
  })
  it('requires a non-empty containerDefinitions list', () => {
    expect(thrown(() => parseTaskDefinitionTemplate('{"family": "web"}', 'td.json')).message).toBe(
      'td.json has no containerDefinitions list.'
    )
    for (const value of ['[]', '{}', '"app"']) {
      expect(
        thrown(() => parseTaskDefinitionTemplate(`{"containerDefinitions": ${value}}`, 'td.json')).message
      ).toBe('td.json has an empty or invalid containerDefinitions list.')
    }
  })
})

describe('loadTaskDefinition', () => {
  it('describes a revision with its tags, in template form', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        ...base(),
        taskDefinitionArn: arn,
        revision: 7,
        registeredAt: new Date(0)
      },
      tags: [{ key: 'team', value: 'web' }]
    })
    const loaded = await loadTaskDefinition(ecs, { kind: 'revision', id: 'web:7' })
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: 'web:7',
      include: ['TAGS']
    })
    expect(loaded.arn).toBe(arn)
    expect(loaded.template.tags).toEqual([{ key: 'team', value: 'web' }])
    expect(renderTaskDefinition(loaded.template, { containerName: 'app' })).toEqual({
      ...base(),
      tags: [{ key: 'team', value: 'web' }]
    })
  })
  it("starts from the service's revision, without tags when it has none", async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...base(), taskDefinitionArn: arn }, tags: [] })
    const loaded = await loadTaskDefinition(ecs, { kind: 'service' }, arn)
    expect(ecsMock).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: arn })
    expect(loaded.template.tags).toBeUndefined()
    expect(loaded.arn).toBe(arn)
  })
  it('fails when the service has no revision to start from', async () => {
    await expect(loadTaskDefinition(ecs, { kind: 'service' })).rejects.toThrow(
      'The service runs no task definition'
    )
  })
  it('reports a revision that does not exist as an input error', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' }))
    const e = await loadTaskDefinition(ecs, { kind: 'revision', id: arn }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(InputError)
    expect((e as InputError).message).toBe(
      `Task definition ${arn} was not found: Unable to describe task definition.`
    )
    expect((e as InputError).hint).toContain('--family-prefix web)')
  })
  it('lets other errors through', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(denied)
    await expect(loadTaskDefinition(ecs, { kind: 'revision', id: 'web' })).rejects.toThrow('not authorized')
    const missing = Object.assign(new Error('Unable to describe task definition.'), {
      name: 'ClientException'
    })
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(missing)
    await expect(loadTaskDefinition(ecs, { kind: 'service' }, arn)).rejects.not.toBeInstanceOf(InputError)
  })
  it('fails on an empty describe answer', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({})
    await expect(loadTaskDefinition(ecs, { kind: 'revision', id: 'web' })).rejects.toThrow(
      'DescribeTaskDefinition returned no task definition for web.'
    )
  })
})
