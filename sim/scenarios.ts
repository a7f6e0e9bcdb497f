// Scenarios are data: the AWS resources a simulated account starts with, how long each phase of
// a deployment lasts, and which faults to inject. `startSimulator({ scenario: scenarios.canary })`.
import { ecsScenarios, worker } from './ecs-scenarios.js'
import type { OneOffTaskSpec } from './run-tasks.js'

export type HookEvent =
  'BeforeInstall' | 'AfterInstall' | 'AfterAllowTestTraffic' | 'BeforeAllowTraffic' | 'AfterAllowTraffic'
export type RollbackEvent = 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST'

/** Phase lengths in simulated seconds (the clock runs `timeScale` times faster than real time). */
export interface Durations {
  /** CreateDeployment until the deployment is InProgress (status Created meanwhile). */
  start: number
  /** A hook event whose Lambda runs (AppSpec names one, or a hook fault targets the event). */
  hook: number
  /** A hookable event without a hook in the AppSpec. */
  hookless: number
  /** Install: creating the replacement task set until it is steady. */
  install: number
  /** AllowTestTraffic when there is a test listener. */
  testTraffic: number
  /** AllowTraffic with AllAtOnce, and the settle time after the last step of canary/linear. */
  shift: number
  /** The original task set drains this long before it is gone and the deployment Succeeded. */
  drain: number
  /** A rollback deployment, start to end. */
  rollback: number
  /**
   * The original deployment shows rollbackInfo.rollbackDeploymentId this long after it ended. Simulated
   * seconds, like every duration: the action waits for the id on its own, real clock, so a delay of N
   * real seconds is N × timeScale here.
   */
  rollbackInfoDelay: number
}

export const DEFAULT_DURATIONS: Durations = {
  start: 3,
  hook: 15,
  hookless: 1,
  install: 60,
  testTraffic: 5,
  shift: 10,
  drain: 10,
  rollback: 30,
  rollbackInfoDelay: 2
}

export interface DeploymentGroupSpec {
  /** Default: the console's `AppECS-<cluster>-<service>`. */
  application?: string
  /** Default: the console's `DgpECS-<cluster>-<service>`. */
  name?: string
  /** Default `CodeDeployDefault.ECSAllAtOnce`. */
  deploymentConfigName?: string
  /** Set: `deploymentReadyOption STOP_DEPLOYMENT` with this wait (status Ready until ContinueDeployment). */
  readyWaitMinutes?: number
  /** Original task set kept this long after traffic moved. Default 5. */
  terminationWaitMinutes?: number
  /** Events that trigger an automatic rollback; [] disables it. Default [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]. */
  autoRollback?: RollbackEvent[]
  /** CloudWatch alarm names watched during the deployment. */
  alarms?: string[]
}

export interface ServiceSpec {
  cluster: string
  name: string
  /** Default CODE_DEPLOY. */
  controller?: 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL'
  desiredCount?: number
  /** FARGATE unless a capacity provider strategy is given. */
  launchType?: 'FARGATE' | 'EC2'
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[]
  /**
   * The task definition family the service runs; `revisions` revisions exist, the service runs the last.
   * `revisions: 0` registers none: the service runs the family's latest, an earlier service's.
   */
  family: string
  revisions?: number
  container: { name: string; port: number; image: string }
  /** Two target groups (blue/green alternate between them) and the listeners; null: no load balancer. */
  loadBalancer?: { targetGroups: [string, string]; productionPort?: number; testPort?: number | null } | null
  /** The CodeDeploy application and deployment group for the service; null: none. */
  group?: DeploymentGroupSpec | null
}

/** Injected into every deployment that CreateDeployment makes while the fault is set. */
export interface DeploymentFaults {
  /** This event's hook reports Failed (diagnostics ScriptFailed + logTail; HOOK_EXECUTION_FAILURE). */
  hookFailure?: { event: HookEvent; message?: string; logTail?: string }
  /** Replacement tasks stop during Install; Install then fails with ECS_UPDATE_ERROR. */
  replacementTasksStop?: {
    count: number
    stoppedReason: string
    stopCode?: string
    exitCode?: number
    containerReason?: string
    /** Install fails this long after it began. Default 3. */
    failAfterMinutes?: number
  }
  /** The alarm goes into ALARM at traffic step `atStep` (1-based): Stopped, ALARM_ACTIVE. Must be a watched alarm. */
  alarm?: { name: string; atStep: number }
  /** The rollback deployment that follows a failure or stop fails too. */
  rollbackFails?: boolean
  /** Hooks wait for PutLifecycleEventHookExecutionStatus (fail after 60 minutes without one). */
  externalHooks?: boolean
}

/** Matches AWS calls and answers some of them with an error instead. */
export interface FaultRule {
  /**
   * throttle: ThrottlingException 400 "Rate exceeded"; server: ServerException/InternalFailure 500;
   * denied: AccessDeniedException 400, as IAM answers a role without the permission; unreadable: a 404
   * HTML page, as an emulator answers a call it does not implement (the SDK cannot parse it).
   */
  error: 'throttle' | 'server' | 'denied' | 'unreadable'
  /** Share of matching calls, 0..1 (seeded RNG). Default 1. */
  rate?: number
  /** Stop after this many injected errors. */
  count?: number
  services?: ('ecs' | 'codedeploy' | 'logs')[]
  operations?: string[]
}

export interface Faults {
  rules?: FaultRule[]
  /** Added to every response, in real milliseconds. */
  latencyMs?: number
  /** Added to calls of these operations, in real milliseconds, before they are carried out. */
  operationLatencyMs?: Record<string, number>
  /** The next N RegisterTaskDefinition calls fail with ClientException "Too many concurrent attempts…". */
  registerConflicts?: number
  deployment?: DeploymentFaults
  github?: { forbidden?: boolean }
}

/** A deployment that exists when the simulator starts. */
export interface ExistingDeployment {
  /** Index into `services` (default 0). */
  service?: number
  /** Where it stands at start: running through Install, parked in Ready, or in its termination wait. */
  at: 'Install' | 'AllowTraffic' | 'Ready' | 'TerminationWait'
  creator?: 'user' | 'codeDeployRollback'
  description?: string
}

export interface Scenario {
  name: string
  description: string
  region?: string
  accountId?: string
  /** Seeds ids and fault sampling, so a run replays identically. */
  seed?: number
  /** Page size of ListApplications / ListDeploymentGroups / ListDeployments. Default 100. */
  pageSize?: number
  durations?: Partial<Durations>
  /** A hookable event without a hook: Succeeded (default) or Skipped. */
  hooklessEventStatus?: 'Succeeded' | 'Skipped'
  /** AllowTestTraffic/AfterAllowTestTraffic without a test listener: Skipped (default) or Succeeded. */
  noTestListenerEventStatus?: 'Succeeded' | 'Skipped'
  /**
   * Plays a CodeDeploy that sets `instanceTerminationWaitTimeStarted` during the termination wait, as
   * its model promises. Real CodeDeploy never does for ECS (aws/containers-roadmap#269): by default
   * the wait shows only as the deployment InProgress with its target Succeeded.
   */
  setsTerminationWaitFlag?: boolean
  services: ServiceSpec[]
  /** Extra applications with no ECS deployment groups, e.g. EC2 ones, for discovery tests. */
  otherApplications?: { name: string; computePlatform: 'Server' | 'Lambda' | 'ECS'; groups?: string[] }[]
  /** Custom deployment configurations besides the predefined CodeDeployDefault.ECS* ones. */
  deploymentConfigs?: {
    name: string
    type: 'TimeBasedCanary' | 'TimeBasedLinear' | 'AllAtOnce'
    percentage?: number
    intervalMinutes?: number
  }[]
  existingDeployments?: ExistingDeployment[]
  /** What the tasks that RunTask starts do (sim/run-tasks.ts): how long, exit code, log lines. */
  runTask?: OneOffTaskSpec
  faults?: Faults
  github?: {
    /** Commit statuses per ref, checked when a deployment is created without required_contexts: []. */
    commitStatuses?: Record<string, { context: string; state: 'success' | 'pending' | 'failure' | 'error' }[]>
  }
}

const web = (group: DeploymentGroupSpec = {}, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  cluster: 'sim-cluster',
  name: 'web',
  family: 'web',
  revisions: 3,
  desiredCount: 2,
  container: { name: 'web', port: 8080, image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1' },
  loadBalancer: { targetGroups: ['web-tg-blue', 'web-tg-green'], productionPort: 80, testPort: 8080 },
  group,
  ...extra
})

/** Services every scenario has besides `web`: a non-console-named group, an ECS-controller service, one without a load balancer. */
const neighbours: ServiceSpec[] = [
  {
    cluster: 'sim-cluster',
    name: 'api',
    family: 'api',
    container: { name: 'api', port: 3000, image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v7' },
    loadBalancer: { targetGroups: ['api-tg-1', 'api-tg-2'], productionPort: 443, testPort: null },
    group: {
      application: 'api-app',
      name: 'api-prod',
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes'
    }
  },
  {
    cluster: 'sim-cluster',
    name: 'rolling',
    controller: 'ECS',
    family: 'rolling',
    container: { name: 'app', port: 80, image: 'nginx:1.27' },
    loadBalancer: { targetGroups: ['rolling-tg', 'rolling-tg-unused'], testPort: null },
    group: null
  },
  worker
]

const MIGRATION_LOG: NonNullable<OneOffTaskSpec['logs']> = [
  { at: 1, message: 'Connecting to postgres://db.internal:5432/shop' },
  { at: 2, message: 'Applying migration 0042_add_orders' },
  { at: 12, message: 'Applying migration 0043_orders_index' },
  { at: 19, message: 'Migrations done: 2 applied' }
]

const customConfigs: Scenario['deploymentConfigs'] = [
  { name: 'Custom.ECSCanary25Percent2Minutes', type: 'TimeBasedCanary', percentage: 25, intervalMinutes: 2 }
]

function scenario(
  name: string,
  description: string,
  webService: ServiceSpec,
  rest: Partial<Scenario> = {}
): Scenario {
  return {
    name,
    description,
    seed: 1,
    services: [webService, ...neighbours],
    deploymentConfigs: customConfigs,
    ...rest
  }
}

export const scenarios = {
  'all-at-once': scenario(
    'all-at-once',
    'AllAtOnce, test listener, 5-minute termination wait; succeeds.',
    web()
  ),
  canary: scenario(
    'canary',
    'ECSCanary10Percent5Minutes: 10% then 100% five minutes later; succeeds.',
    web({ deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' })
  ),
  linear: scenario(
    'linear',
    'ECSLinear10PercentEvery1Minutes: +10% a minute; succeeds.',
    web({ deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' })
  ),
  'no-test-listener': scenario(
    'no-test-listener',
    'No test listener: AllowTestTraffic and AfterAllowTestTraffic are Skipped; succeeds.',
    web(
      {},
      { loadBalancer: { targetGroups: ['web-tg-blue', 'web-tg-green'], productionPort: 80, testPort: null } }
    )
  ),
  'ready-wait': scenario(
    'ready-wait',
    'Ready wait of 60 minutes (STOP_DEPLOYMENT): parks in Ready until ContinueDeployment(READY_WAIT), else Stopped.',
    web({ readyWaitMinutes: 60 })
  ),
  'long-termination-wait': scenario(
    'long-termination-wait',
    'Termination wait of 120 minutes: InProgress with the target Succeeded until ContinueDeployment(TERMINATION_WAIT).',
    web({ terminationWaitMinutes: 120 })
  ),
  'hook-failure': scenario(
    'hook-failure',
    'The AfterAllowTestTraffic hook fails (ScriptFailed, HOOK_EXECUTION_FAILURE): Failed, then a rollback deployment that succeeds.',
    web(),
    {
      faults: {
        deployment: {
          hookFailure: {
            event: 'AfterAllowTestTraffic',
            message: 'smoke test failed: GET /health returned 503',
            logTail:
              'START RequestId: 1f0c\nGET http://internal-alb:8080/health -> 503\nEND RequestId: 1f0c\n'
          }
        }
      }
    }
  ),
  'tasks-stopping': scenario(
    'tasks-stopping',
    'Three replacement tasks stop during Install (essential container exited); Install fails with ECS_UPDATE_ERROR; rollback.',
    web(),
    {
      faults: {
        deployment: {
          replacementTasksStop: {
            count: 3,
            stoppedReason: 'Essential container in task exited',
            stopCode: 'EssentialContainerExited',
            exitCode: 1,
            containerReason: 'Error: Cannot find module "/app/server.js"',
            failAfterMinutes: 3
          }
        }
      }
    }
  ),
  alarm: scenario(
    'alarm',
    'Linear 10%/1 min with the alarm web-5xx firing at traffic step 3: Stopped, ALARM_ACTIVE, rollback.',
    web({
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      alarms: ['web-5xx', 'web-latency']
    }),
    { faults: { deployment: { alarm: { name: 'web-5xx', atStep: 3 } } } }
  ),
  'rollback-fails': scenario(
    'rollback-fails',
    'The AfterAllowTraffic hook fails and the rollback deployment fails too.',
    web(),
    { faults: { deployment: { hookFailure: { event: 'AfterAllowTraffic' }, rollbackFails: true } } }
  ),
  'no-rollback': scenario(
    'no-rollback',
    'Automatic rollback disabled; the BeforeAllowTraffic hook fails: Failed, no rollback, task sets left as they were.',
    web({ autoRollback: [] }),
    { faults: { deployment: { hookFailure: { event: 'BeforeAllowTraffic' } } } }
  ),
  throttled: scenario(
    'throttled',
    'Canary; 30% of AWS calls answer ThrottlingException "Rate exceeded" and every call takes 20 ms more.',
    web({ deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' }),
    { faults: { rules: [{ error: 'throttle', rate: 0.3 }], latencyMs: 20 } }
  ),
  flaky: scenario(
    'flaky',
    'AllAtOnce; 20% of AWS calls answer a 500 (ECS ServerException, CodeDeploy InternalFailure).',
    web(),
    { faults: { rules: [{ error: 'server', rate: 0.2 }] } }
  ),
  'register-conflict': scenario(
    'register-conflict',
    'The first two RegisterTaskDefinition calls fail with ClientException "Too many concurrent attempts…".',
    web(),
    { faults: { registerConflicts: 2 } }
  ),
  busy: scenario(
    'busy',
    "Another user's deployment (linear 10%/3 min, 60-minute termination wait) is in Install on web's group.",
    web({
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
      terminationWaitMinutes: 60
    }),
    { existingDeployments: [{ at: 'Install', description: 'deployed by alice from her laptop' }] }
  ),
  'parked-ready': scenario(
    'parked-ready',
    "A deployment parked in Ready (ready wait of 2 days) holds web's group.",
    web({ readyWaitMinutes: 2880 }),
    { existingDeployments: [{ at: 'Ready' }] }
  ),
  'parked-termination-wait': scenario(
    'parked-termination-wait',
    "A deployment in its 120-minute termination wait holds web's group.",
    web({ terminationWaitMinutes: 120 }),
    { existingDeployments: [{ at: 'TerminationWait' }] }
  ),
  discovery: scenario(
    'discovery',
    'Page size 1 and extra applications (EC2, Lambda, another ECS app), so finding a group by its service needs paging.',
    web({ application: 'storefront', name: 'storefront-web-prod' }),
    {
      pageSize: 1,
      otherApplications: [
        { name: 'legacy-ec2', computePlatform: 'Server', groups: ['fleet-a', 'fleet-b'] },
        { name: 'thumbnails', computePlatform: 'Lambda', groups: ['thumbs'] },
        { name: 'AppECS-other-cluster-web', computePlatform: 'ECS', groups: [] }
      ]
    }
  ),
  'github-forbidden': scenario(
    'github-forbidden',
    'AllAtOnce; GitHub answers 403 "Resource not accessible by integration" to deployment writes.',
    web(),
    { faults: { github: { forbidden: true } } }
  ),
  'github-checks-pending': scenario(
    'github-checks-pending',
    'AllAtOnce; the commit "main" has a pending status check, so a GitHub deployment without required_contexts: [] is refused (409).',
    web(),
    { github: { commitStatuses: { main: [{ context: 'ci/build', state: 'pending' }] } } }
  ),
  // ECS's own deployments (deployment controller ECS): sim/ecs-scenarios.ts
  ...ecsScenarios,
  // A one-off task of the new revision before the deployment (run-task): sim/run-tasks.ts
  migration: scenario(
    'migration',
    'AllAtOnce; tasks that RunTask starts log a database migration for 20 s and exit 0.',
    web(),
    { runTask: { logs: MIGRATION_LOG } }
  ),
  // deregister-previous: another service runs the revision web runs (web:3).
  'shared-revision': scenario(
    'shared-revision',
    'AllAtOnce; the service web-eu (CODE_DEPLOY, its own group) runs web:3, the revision web runs.',
    web(),
    {
      services: [
        web(),
        {
          ...web(),
          name: 'web-eu',
          revisions: 0,
          loadBalancer: { targetGroups: ['web-eu-tg-1', 'web-eu-tg-2'] }
        },
        ...neighbours
      ]
    }
  ),
  'migration-fails': scenario(
    'migration-fails',
    'AllAtOnce; tasks that RunTask starts log a failing database migration and exit 1.',
    web(),
    {
      runTask: {
        exitCode: 1,
        logs: [
          ...MIGRATION_LOG.slice(0, 2),
          { at: 6, message: 'ERROR: relation "orders" already exists' },
          { at: 7, message: 'migration 0042_add_orders failed; rolled back' }
        ],
        runSeconds: 8
      }
    }
  )
} satisfies Record<string, Scenario>

export type ScenarioName = keyof typeof scenarios
