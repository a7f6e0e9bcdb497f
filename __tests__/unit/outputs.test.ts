import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { OUTPUT_NAMES, Outputs } from '../../src/report/outputs.js'
import { fakeIo } from './fake-io.js'

const actionYml = parse(readFileSync(join(import.meta.dirname, '..', '..', 'action.yml'), 'utf8')) as {
  outputs: Record<string, unknown>
}

describe('Outputs', () => {
  it("names exactly action.yml's outputs", () => {
    expect([...OUTPUT_NAMES].sort()).toEqual(Object.keys(actionYml.outputs).sort())
  })

  it('sets the deployment under both names and its console link at once', () => {
    const io = fakeIo()
    new Outputs(io).deployment('d-ABCDEFGH1', 'https://console/d-ABCDEFGH1')
    expect(io.outputs).toEqual({
      'deployment-id': 'd-ABCDEFGH1',
      'codedeploy-deployment-id': 'd-ABCDEFGH1',
      'deployment-url': 'https://console/d-ABCDEFGH1'
    })
  })

  it('a failed step exits 1', () => {
    const io = fakeIo()
    new Outputs(io).failed()
    expect(io.exitCode).toBe(1)
  })
})
