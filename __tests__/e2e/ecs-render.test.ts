// What users bring from the official render and deploy actions (issue 12), on the second backend:
// a service on ECS's own deployments gets the same rendered revision (images, secrets, tags), the same
// one-off task before traffic moves, and the same clean-up of the previous revision as a CodeDeploy one.
import { jest } from '@jest/globals'
import { scenarios } from '../../sim/scenarios.js'
import { WEB, WEB_NEXT, WEB_PREVIOUS, body, callsTo, stream, useSimulator, writes } from './helpers.js'

jest.setTimeout(60_000)
const { start, runOnSimClock } = useSimulator()

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:4f2d1c9'
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password'

interface Registered {
  containerDefinitions: { name: string; image: string; secrets?: { name: string; valueFrom: string }[] }[]
  tags?: { key: string; value: string }[]
}

test('blue/green: render inputs, tags, a migration task before UpdateService, and the previous revision deregistered', async () => {
  const sim = await start(
    {
      ...scenarios['ecs-blue-green'],
      runTask: { exitCode: 0, runSeconds: 20, logs: [{ at: 1, message: 'migrated' }] }
    },
    300
  )
  const r = await runOnSimClock({
    ...WEB,
    image: '',
    'container-images': `web=${IMAGE}`,
    secrets: `DB_PASSWORD=${SECRET}`,
    tags: 'release=42',
    'run-task-command': '["npm", "run", "migrate"]',
    'deregister-previous': 'true'
  })

  expect(r.errors).toEqual([])
  expect(r.exitCode).toBe(0)
  expect(r.outputs['deployment-status']).toBe('SUCCESSFUL')
  expect(writes(sim)).toEqual([
    'RegisterTaskDefinition',
    'RunTask',
    'UpdateService',
    'DeregisterTaskDefinition'
  ])
  const registered = body<Registered>(callsTo(sim, 'RegisterTaskDefinition')[0])
  const web = registered.containerDefinitions.find(c => c.name === 'web')!
  expect(web.image).toBe(IMAGE)
  expect(web.secrets).toEqual([{ name: 'DB_PASSWORD', valueFrom: SECRET }])
  expect(registered.tags).toEqual(expect.arrayContaining([{ key: 'release', value: '42' }]))
  expect(body<{ taskDefinition: string }>(callsTo(sim, 'RunTask')[0]).taskDefinition).toBe(WEB_NEXT)
  expect(body<{ taskDefinition: string }>(callsTo(sim, 'UpdateService')[0]).taskDefinition).toBe(WEB_NEXT)
  expect(body<{ taskDefinition: string }>(callsTo(sim, 'DeregisterTaskDefinition')[0]).taskDefinition).toBe(
    WEB_PREVIOUS
  )
  expect(r.outputs['run-task-arn']).toMatch(/:task\//)
  expect(stream(r)).toContain('web | migrated')
  expect(r.summary).toContain('secrets added DB\\_PASSWORD')
})

test('a migration task that exits 1 fails before UpdateService: nothing deployed, the revision deregistered again', async () => {
  const sim = await start({ ...scenarios['ecs-canary'], runTask: { exitCode: 1, runSeconds: 10 } }, 300)
  const r = await runOnSimClock({ ...WEB, 'run-task-command': '["npm", "run", "migrate"]' })

  expect(r.exitCode).not.toBe(0)
  expect(r.errors).toHaveLength(1)
  expect(r.errors[0]).toMatch(/^::error title=Task failed::/)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'RunTask', 'DeregisterTaskDefinition'])
  expect(callsTo(sim, 'UpdateService')).toHaveLength(0)
})

test('register-only on an ECS-controlled service registers and deploys nothing; its ARN then deploys as it is', async () => {
  const sim = await start('ecs-canary', 300)
  const reg = await runOnSimClock({ ...WEB, 'register-only': 'true' })
  expect(reg.exitCode).toBe(0)
  expect(reg.outputs['task-definition-arn']).toBe(WEB_NEXT)
  expect(writes(sim)).toEqual(['RegisterTaskDefinition'])

  const d = await runOnSimClock({ ...WEB, image: '', 'task-definition': WEB_NEXT })
  expect(d.exitCode).toBe(0)
  expect(d.outputs['deployment-status']).toBe('SUCCESSFUL')
  expect(writes(sim)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
  expect(body<{ taskDefinition: string }>(callsTo(sim, 'UpdateService')[0]).taskDefinition).toBe(WEB_NEXT)
})
