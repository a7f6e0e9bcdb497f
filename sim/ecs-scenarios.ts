// Scenarios for ECS's own deployments: the service `web` under the ECS deployment controller, with
// a deployment configuration per strategy and the faults each scenario plays. Registered in
// sim/scenarios.ts, so `npm run sim -- --scenario ecs-canary` (and the demo) find them.
// Only types are imported here: sim/scenarios.ts imports this file.
import type { DeploymentConfiguration, EcsServiceSpec } from './ecs-deployments.js'
import type { Scenario, ServiceSpec } from './scenarios.js'

const ACCOUNT = '123456789012'
export const lambdaArn = (name: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`
const LAMBDA_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsLambdaInvokeRole`

/** The rollback triggers every scenario's service has: the circuit breaker and two alarms. */
const monitors: DeploymentConfiguration = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true }
}

/** `web` under the ECS controller: two tasks behind an ALB with a test listener rule. */
export function ecsWeb(config: DeploymentConfiguration, extra: Partial<EcsServiceSpec> = {}): EcsServiceSpec {
  const strategy = config.strategy ?? 'ROLLING'
  return {
    cluster: 'sim-cluster',
    name: 'web',
    family: 'web',
    revisions: 3,
    desiredCount: 2,
    controller: 'ECS',
    container: { name: 'web', port: 8080, image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:v1` },
    loadBalancer: { targetGroups: ['web-tg-blue', 'web-tg-green'], productionPort: 80, testPort: 8080 },
    group: null,
    advancedConfiguration: strategy !== 'ROLLING',
    deploymentConfiguration: { ...monitors, ...config },
    ...extra
  }
}

/**
 * `web` on an ECS canary, 10% for `canaryMinutes`, whose other deployment (another user's) started
 * 200 seconds before the simulator did: it holds 10% of production traffic from the start.
 */
export const busyWeb = (canaryMinutes: number): EcsServiceSpec =>
  ecsWeb(
    {
      strategy: 'CANARY',
      bakeTimeInMinutes: 5,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: canaryMinutes }
    },
    { existingDeployment: { startedSecondsAgo: 200 } }
  )

/** A rolling worker under the ECS controller, without load balancer: a neighbour in every scenario (sim/scenarios.ts's too). */
export const worker: ServiceSpec = {
  cluster: 'sim-cluster',
  name: 'worker',
  controller: 'ECS',
  family: 'worker',
  desiredCount: 1,
  container: { name: 'worker', port: 0, image: 'busybox:1.36' },
  loadBalancer: null,
  group: null
}

/** Besides `web`: a CodeDeploy-controlled service (the other backend) and a rolling worker without load balancer. */
const neighbours: ServiceSpec[] = [
  {
    cluster: 'sim-cluster',
    name: 'api',
    family: 'api',
    container: { name: 'api', port: 3000, image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:v7` },
    loadBalancer: { targetGroups: ['api-tg-1', 'api-tg-2'], productionPort: 443, testPort: null },
    group: { application: 'api-app', name: 'api-prod' }
  },
  { ...worker, omitDeploymentController: true } as EcsServiceSpec
]

export function ecsScenario(
  name: string,
  description: string,
  web: EcsServiceSpec,
  rest: Partial<Scenario> = {}
): Scenario {
  return { name, description, seed: 1, services: [web, ...neighbours], ...rest }
}

const smokeTest = lambdaArn('web-smoke-test')

export const ecsScenarios = {
  'ecs-rolling': ecsScenario(
    'ecs-rolling',
    'ECS rolling update (200%/100%), circuit breaker and alarms with rollback; succeeds.',
    ecsWeb({ strategy: 'ROLLING' })
  ),
  'ecs-rolling-circuit-breaker': ecsScenario(
    'ecs-rolling-circuit-breaker',
    'ECS rolling update whose tasks crash (exit code 1): the circuit breaker trips at 3 failures and rolls back.',
    ecsWeb(
      { strategy: 'ROLLING' },
      {
        ecsFaults: {
          tasksFail: {
            stoppedReason: 'Essential container in task exited',
            stopCode: 'EssentialContainerExited',
            exitCode: 1,
            containerReason: 'Error: Cannot find module "/app/server.js"'
          }
        }
      }
    )
  ),
  'ecs-blue-green': ecsScenario(
    'ecs-blue-green',
    'ECS blue/green: test traffic, a Lambda hook at POST_TEST_TRAFFIC_SHIFT (IN_PROGRESS 30 s, then SUCCEEDED), 5-minute bake; succeeds.',
    ecsWeb(
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [
          { hookTargetArn: smokeTest, roleArn: LAMBDA_ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }
        ]
      },
      { lambdas: { [smokeTest]: { outcome: 'SUCCEEDED', inProgressSeconds: 30 } } }
    )
  ),
  'ecs-linear': ecsScenario(
    'ecs-linear',
    'ECS linear: 10% of production traffic a minute, then a 5-minute bake; succeeds.',
    ecsWeb({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 5,
      linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 }
    })
  ),
  'ecs-canary': ecsScenario(
    'ecs-canary',
    'ECS canary: 10% of production traffic, the rest 5 minutes later, then a 5-minute bake; succeeds.',
    ecsWeb({
      strategy: 'CANARY',
      bakeTimeInMinutes: 5,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 }
    })
  ),
  'ecs-hook-failure': ecsScenario(
    'ecs-hook-failure',
    'ECS blue/green: the Lambda hook at POST_TEST_TRAFFIC_SHIFT returns FAILED; rolled back (ROLLBACK_SUCCESSFUL).',
    ecsWeb(
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [
          { hookTargetArn: smokeTest, roleArn: LAMBDA_ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }
        ]
      },
      {
        lambdas: { [smokeTest]: { outcome: 'FAILED', reason: 'smoke test failed: GET /health returned 503' } }
      }
    )
  ),
  'ecs-pause-ready': ecsScenario(
    'ecs-pause-ready',
    'ECS blue/green with a PAUSE hook at POST_TEST_TRAFFIC_SHIFT (default timeout: 1440 minutes, ROLLBACK): waits for ContinueServiceDeployment.',
    ecsWeb({
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 5,
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
    })
  ),
  'ecs-pause-per-step': ecsScenario(
    'ecs-pause-per-step',
    'ECS linear 25% a minute with a PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT (60 minutes, ROLLBACK): a gate before each of the 4 steps.',
    ecsWeb({
      strategy: 'LINEAR',
      bakeTimeInMinutes: 2,
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 },
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'],
          timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' }
        }
      ]
    })
  ),
  'ecs-alarm-bake': ecsScenario(
    'ecs-alarm-bake',
    'ECS blue/green with a 10-minute bake: alarm web-5xx goes into ALARM 3 minutes into BAKE_TIME; rolled back.',
    ecsWeb(
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 },
      { ecsFaults: { alarm: { name: 'web-5xx', stage: 'BAKE_TIME', afterSeconds: 180 } } }
    )
  ),
  'ecs-rollback-fails': ecsScenario(
    'ecs-rollback-fails',
    'ECS blue/green: the Lambda hook at POST_PRODUCTION_TRAFFIC_SHIFT returns FAILED and the rollback fails too (ROLLBACK_FAILED).',
    ecsWeb(
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 5,
        lifecycleHooks: [
          {
            hookTargetArn: smokeTest,
            roleArn: LAMBDA_ROLE,
            lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT']
          }
        ]
      },
      {
        lambdas: { [smokeTest]: { outcome: 'FAILED', reason: 'error rate 12% after the shift' } },
        ecsFaults: { rollbackFails: true }
      }
    )
  ),
  'ecs-busy': ecsScenario(
    'ecs-busy',
    "ECS canary 10% for 15 minutes: another user's deployment holds 10% of production traffic when the simulator starts.",
    busyWeb(15)
  )
} satisfies Record<string, Scenario>
