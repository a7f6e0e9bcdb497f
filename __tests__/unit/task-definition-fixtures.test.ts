// The project's own task definition fixtures (__tests__/fixtures/task-definitions, notes in
// index.json) through parse and render. Files under rejected/ must fail, every other one must render
// into a request the API model accepts, with the image input on the named container only.
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import * as path from 'node:path'
import { thrown } from './thrown.js'
import { renderTaskDefinition } from '../../src/plan/render.js'
import { parseTaskDefinitionTemplate } from '../../src/plan/template.js'
import { FIXTURES, emptyStrings, filesUnder, readFixture, violations } from '../fixture-helpers.js'

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fixtures/app:1.0.0'
const READ_ONLY_WARNING =
  'Dropped the read-only fields taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy (describe-task-definition output).'
const UNRENDERED_TEMPLATE_HINT = 'It looks like an unrendered template'

type Request = RegisterTaskDefinitionCommandInput

interface Renders {
  /** The container-name input: the one container whose image the image input replaces. */
  container: string
  /** Every warning of the render, in order (none when absent). */
  warnings?: string[]
  /** Where the request keeps an empty string, as a value that means something (none when absent). */
  keptEmpty?: string[]
  /** What the request must show beyond the checks every rendered fixture gets. */
  check?: (request: Request, container: ContainerDefinition) => void
}

interface FailsToParse {
  /** The InputError's whole message after the file name. */
  parse: string
  /** A fragment of its hint. */
  hint?: string
}

interface FailsToRender {
  container: string
  /** Every problem of the InputError's message, in order. */
  problems: string[]
}

type Case = Renders | FailsToParse | FailsToRender

const CASES: Record<string, Case> = {
  'task-definition.json': {
    container: 'web',
    check: (td, web) => {
      expect(td).toMatchObject({ family: 'web', networkMode: 'awsvpc', cpu: '256', memory: '512' })
      expect(web.portMappings).toEqual([{ containerPort: 8080, protocol: 'tcp' }])
    }
  },
  'task-definitions/app-mesh-envoy.json': {
    container: 'catalog',
    keptEmpty: ['.proxyConfiguration.properties[2].value'],
    check: (td, catalog) => {
      expect(td.proxyConfiguration).toEqual({
        type: 'APPMESH',
        containerName: 'envoy',
        properties: [
          { name: 'AppPorts', value: '8080' },
          { name: 'EgressIgnoredIPs', value: '169.254.170.2,169.254.169.254' },
          { name: 'IgnoredGID', value: '' },
          { name: 'IgnoredUID', value: '1337' },
          { name: 'ProxyEgressPort', value: '15001' },
          { name: 'ProxyIngressPort', value: '15000' }
        ]
      })
      expect(catalog.dependsOn).toEqual([{ containerName: 'envoy', condition: 'HEALTHY' }])
      const envoy = td.containerDefinitions![1]!
      expect(envoy.healthCheck).toMatchObject({ retries: 3, startPeriod: 10 })
      expect(envoy.ulimits).toEqual([{ name: 'nofile', softLimit: 15000, hardLimit: 15000 }])
    }
  },
  'task-definitions/bom-crlf-windows-editor.json': {
    container: 'greeter',
    check: (td, greeter) => {
      expect(td.family).toBe('kestrel-greeter')
      expect(greeter.environment).toEqual([{ name: 'WELCOME_TEXT', value: 'Grüße aus Köln – ¡hola!' }])
    }
  },
  'task-definitions/codepipeline-image1-placeholder.json': {
    container: 'web',
    check: td => {
      expect(td.executionRoleArn).toBe('arn:aws:iam::123456789012:role/ledger-web-execution')
      expect(JSON.stringify(td)).not.toContain('<IMAGE1_NAME>')
    }
  },
  'task-definitions/console-dump-read-only.json': {
    container: 'reports',
    warnings: [READ_ONLY_WARNING],
    check: (td, reports) => {
      // Read-only fields and the empty lists (volumes, placementConstraints, tags) are gone.
      expect(Object.keys(td).sort()).toEqual([
        'containerDefinitions',
        'cpu',
        'executionRoleArn',
        'family',
        'memory',
        'networkMode',
        'requiresCompatibilities',
        'runtimePlatform',
        'taskRoleArn'
      ])
      expect(Object.keys(reports).sort()).toEqual([
        'cpu',
        'environment',
        'essential',
        'image',
        'logConfiguration',
        'name',
        'portMappings'
      ])
      expect(reports.logConfiguration).not.toHaveProperty('secretOptions')
      expect(reports.portMappings).toEqual([
        {
          name: 'reports-8000-tcp',
          containerPort: 8000,
          hostPort: 8000,
          protocol: 'tcp',
          appProtocol: 'http'
        }
      ])
    }
  },
  'task-definitions/console-export-nulls.json': {
    container: 'search',
    check: (td, search) => {
      expect(Object.keys(td).sort()).toEqual([
        'containerDefinitions',
        'cpu',
        'executionRoleArn',
        'family',
        'memory',
        'networkMode',
        'requiresCompatibilities'
      ])
      expect(Object.keys(search).sort()).toEqual([
        'cpu',
        'essential',
        'image',
        'logConfiguration',
        'name',
        'portMappings'
      ])
      expect(search.cpu).toBe(0)
      expect(search.logConfiguration).toEqual({
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/quarry-search',
          'awslogs-region': 'ca-central-1',
          'awslogs-stream-prefix': 'search'
        }
      })
    }
  },
  'task-definitions/crlf-line-endings.json': {
    container: 'notify',
    check: (td, notify) => {
      expect(td.family).toBe('kestrel-notify')
      expect(notify.environment).toEqual([{ name: 'SMTP_HOST', value: 'smtp.example.com' }])
    }
  },
  'task-definitions/describe-output-empty-tags.json': {
    container: 'worker',
    warnings: [
      'Dropped the read-only fields status, revision, compatibilities, requiresAttributes, taskDefinitionArn, registeredAt, registeredBy, deregisteredAt (describe-task-definition output).'
    ],
    check: td => {
      expect(td).toEqual({
        family: 'harbor-worker',
        containerDefinitions: [
          {
            name: 'worker',
            image: IMAGE,
            memory: 768,
            essential: true,
            command: ['worker', '--queue', 'harbor-jobs']
          }
        ]
      })
    }
  },
  'task-definitions/describe-output-with-tags.json': {
    container: 'checkout',
    keptEmpty: ['.tags[1].value'],
    warnings: [READ_ONLY_WARNING],
    check: (td, checkout) => {
      expect(td).not.toHaveProperty('taskDefinition')
      expect(td.family).toBe('orchard-checkout')
      expect(td.tags).toEqual([
        { key: 'team', value: 'checkout' },
        { key: 'cost-centre', value: '' }
      ])
      expect(checkout.secrets).toHaveLength(1)
    }
  },
  'task-definitions/ec2-bridge-links.json': {
    container: 'shop',
    check: (td, shop) => {
      expect(td.networkMode).toBe('bridge')
      expect(td.volumes).toEqual([
        {
          name: 'static-assets',
          dockerVolumeConfiguration: { scope: 'task', driver: 'local', autoprovision: false }
        }
      ])
      const [edge, , warmup] = td.containerDefinitions!
      expect(edge!.links).toEqual(['shop:shop-upstream'])
      expect(edge!.portMappings).toEqual([{ containerPort: 80, hostPort: 80, protocol: 'tcp' }])
      expect(shop.portMappings).toEqual([{ containerPort: 9000, hostPort: 0 }])
      expect([shop.cpu, shop.memory]).toEqual([384, 768])
      // The warm-up container ran the same image as shop: the image input leaves it alone.
      expect(warmup).toMatchObject({
        image: 'registry.example.com/lantern/shop:4.0.1',
        essential: false,
        volumesFrom: [{ sourceContainer: 'shop', readOnly: true }]
      })
    }
  },
  'task-definitions/ec2-default-network-mode.json': {
    container: 'cron',
    check: (td, cron) => {
      expect(td.networkMode).toBeUndefined()
      expect(td.requiresCompatibilities).toBeUndefined()
      expect(td.volumes).toEqual([{ name: 'spool', host: { sourcePath: '/mnt/lantern/spool' } }])
      expect(td.placementConstraints).toEqual([
        { type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }
      ])
      expect(cron.memoryReservation).toBe(128)
    }
  },
  'task-definitions/ec2-host-daemon.json': {
    container: 'agent',
    check: (td, agent) => {
      expect([td.networkMode, td.pidMode]).toEqual(['host', 'host'])
      expect(td.volumes!.map(v => v.host?.sourcePath)).toEqual([
        '/var/run/docker.sock',
        '/proc/',
        '/sys/fs/cgroup/'
      ])
      expect(agent.essential).toBeUndefined()
      expect(agent.privileged).toBe(false)
      expect(agent.mountPoints!.map(m => m.readOnly)).toEqual([true, true, true])
      expect(agent.dockerLabels).toEqual({ 'com.example.beacon.role': 'daemon' })
    }
  },
  'task-definitions/empty-strings.json': {
    container: 'gateway',
    keptEmpty: [
      '.containerDefinitions[0].command[2]',
      '.containerDefinitions[0].environment[0].value',
      '.containerDefinitions[0].dockerLabels.com.example.meadow.maintenance-window',
      '.containerDefinitions[0].logConfiguration.options.tag'
    ],
    check: (td, gateway) => {
      // "" as "unset": left out.
      expect(td).not.toHaveProperty('taskRoleArn')
      expect(td).not.toHaveProperty('ipcMode')
      expect(td).not.toHaveProperty('pidMode')
      expect(gateway).not.toHaveProperty('workingDirectory')
      expect(gateway).not.toHaveProperty('repositoryCredentials')
      expect(gateway.portMappings).toEqual([{ containerPort: 8443, protocol: 'tcp' }])
      // "" as a value: kept.
      expect(gateway.command).toEqual(['serve', '--base-path', ''])
      expect(gateway.environment).toEqual([
        { name: 'FEATURE_FLAGS', value: '' },
        { name: 'UPSTREAM_URL', value: 'https://api.example.com' }
      ])
      expect(gateway.dockerLabels).toEqual({ 'com.example.meadow.maintenance-window': '' })
      expect(gateway.logConfiguration?.options).toEqual({
        'splunk-url': 'https://splunk.example.com:8088',
        'splunk-source': 'meadow-gateway',
        tag: ''
      })
    }
  },
  'task-definitions/external-anywhere.json': {
    container: 'collector',
    check: (td, collector) => {
      expect(td.requiresCompatibilities).toEqual(['EXTERNAL'])
      expect(td.networkMode).toBe('bridge')
      expect(collector.environmentFiles).toEqual([
        { type: 's3', value: 'arn:aws:s3:::tundra-config-example/edge.env' }
      ])
      expect(collector.secrets).toEqual([{ name: 'BROKER_TOKEN', valueFrom: 'tundra-broker-token' }])
    }
  },
  'task-definitions/fargate-arm64-efs-units.json': {
    container: 'media',
    check: (td, media) => {
      expect([td.cpu, td.memory]).toEqual(['.5 vcpu', '1 GB'])
      expect(td.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' })
      expect(td.ephemeralStorage).toEqual({ sizeInGiB: 40 })
      expect(td.volumes![0]!.efsVolumeConfiguration).toEqual({
        fileSystemId: 'fs-0a1b2c3d4e5f60718',
        rootDirectory: '/',
        transitEncryption: 'ENABLED',
        authorizationConfig: { accessPointId: 'fsap-0123456789abcdef0', iam: 'ENABLED' }
      })
      expect(media.linuxParameters).toEqual({ initProcessEnabled: true })
      expect(media.secrets!.map(s => s.valueFrom)).toEqual([
        'sable-db-host',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/sable/db-user',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sable/db-Qw3rTy:password::'
      ])
    }
  },
  'task-definitions/fargate-minimal.json': {
    container: 'api',
    check: td => {
      expect(td).toEqual({ family: 'pebble-api', containerDefinitions: [{ name: 'api', image: IMAGE }] })
    }
  },
  'task-definitions/firelens-log-router.json': {
    container: 'orders',
    keptEmpty: ['.containerDefinitions[1].logConfiguration.options.log_key'],
    check: (td, orders) => {
      const router = td.containerDefinitions![0]!
      expect(router.firelensConfiguration).toEqual({
        type: 'fluentbit',
        options: {
          'enable-ecs-log-metadata': 'true',
          'config-file-type': 'file',
          'config-file-value': '/fluent-bit/etc/willow-extra.conf'
        }
      })
      expect(router.user).toBe('0')
      expect(orders.logConfiguration).toEqual({
        logDriver: 'awsfirelens',
        options: {
          Name: 'cloudwatch_logs',
          region: 'eu-west-3',
          log_group_name: '/ecs/willow-orders',
          log_stream_name: 'orders-${ECS_TASK_ID}',
          log_key: '',
          auto_create_group: 'true'
        },
        secretOptions: [
          {
            name: 'http_passwd',
            valueFrom: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:willow/log-sink-Zz9Yx8'
          }
        ]
      })
    }
  },
  'task-definitions/free-form-maps.json': {
    container: 'router',
    keptEmpty: [
      '.containerDefinitions[0].dockerLabels.com.example.wren.empty',
      '.containerDefinitions[0].logConfiguration.options.env'
    ],
    check: (_td, router) => {
      expect(router.dockerLabels).toEqual({
        portMapping: '8080',
        Image: 'not-a-container-field',
        'traefik.http.routers.wren.rule': 'Host(`wren.example.com`)',
        'com.example.wren.empty': ''
      })
      expect(router.logConfiguration?.options).toEqual({
        'fluentd-address': 'logs.example.com:24224',
        Tag: 'wren.{{.Name}}',
        'fluentd-async': 'true',
        env: ''
      })
    }
  },
  'task-definitions/gpu-ec2-awsvpc.json': {
    container: 'model-server',
    check: (td, server) => {
      expect([td.requiresCompatibilities, td.networkMode]).toEqual([['EC2'], 'awsvpc'])
      expect(server.resourceRequirements).toEqual([{ type: 'GPU', value: '1' }])
      expect(server.entryPoint).toEqual(['sh', '-c'])
      expect(server.linuxParameters).toEqual({ initProcessEnabled: true, sharedMemorySize: 2048 })
      expect(server.ulimits).toEqual([{ name: 'memlock', softLimit: -1, hardLimit: -1 }])
    }
  },
  'task-definitions/no-image-key.json': {
    container: 'jobs',
    check: (_td, jobs) => {
      expect(jobs).toEqual({
        name: 'jobs',
        image: IMAGE,
        essential: true,
        command: ['run-scheduler'],
        stopTimeout: 90
      })
    }
  },
  'task-definitions/numeric-strings.json': {
    container: 'ingest',
    warnings: [
      'cpu: a number is sent as a string.',
      'containerDefinitions[0].essential: the string "true" is sent as the boolean true.',
      'containerDefinitions[0].cpu: the string "512" is sent as the number 512.',
      'containerDefinitions[0].memory: the string "1024" is sent as the number 1024.',
      'containerDefinitions[0].memoryReservation: the string "768" is sent as the number 768.',
      'containerDefinitions[0].portMappings[0].containerPort: the string "8080" is sent as the number 8080.',
      'containerDefinitions[0].portMappings[0].hostPort: the string "0" is sent as the number 0.',
      // An environment value is never shown: it may be a secret.
      'containerDefinitions[0].environment[0].value: a number is sent as a string.',
      'containerDefinitions[0].healthCheck.interval: the string "30" is sent as the number 30.'
    ],
    check: (td, ingest) => {
      expect([td.cpu, td.memory]).toEqual(['1024', '2048'])
      expect(ingest).toMatchObject({ essential: true, cpu: 512, memory: 1024, memoryReservation: 768 })
      expect(ingest.portMappings).toEqual([{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }])
      expect(ingest.environment).toEqual([
        { name: 'BATCH_SIZE', value: '250' },
        { name: 'RETRY_BACKOFF_SECONDS', value: '5' }
      ])
      expect(ingest.healthCheck?.interval).toBe(30)
    }
  },
  'task-definitions/service-connect.json': {
    container: 'quotes',
    check: (_td, quotes) => {
      expect(quotes.portMappings).toEqual([
        { name: 'quotes-http', containerPort: 8080, protocol: 'tcp', appProtocol: 'http2' },
        { name: 'quotes-grpc', containerPort: 9090, protocol: 'tcp', appProtocol: 'grpc' }
      ])
      expect(quotes.restartPolicy).toEqual({
        enabled: true,
        ignoredExitCodes: [0],
        restartAttemptPeriod: 120
      })
      expect(quotes.versionConsistency).toBe('disabled')
      expect(quotes.systemControls).toEqual([{ namespace: 'net.core.somaxconn', value: '1024' }])
      expect(quotes.logConfiguration?.options?.mode).toBe('non-blocking')
    }
  },
  'task-definitions/sidecars-otel-xray.json': {
    container: 'billing',
    keptEmpty: ['.containerDefinitions[1].environment[2].value'],
    check: (td, billing) => {
      // Placeholders outside images are the template's business: passed on untouched.
      expect(td.taskRoleArn).toBe('{{ billingTaskRoleArn }}')
      expect(billing.logConfiguration?.options?.['awslogs-region']).toBe('{{ region }}')
      expect(billing.environment).toContainEqual({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: '' })
      expect(billing.dependsOn).toEqual([
        { containerName: 'otel-collector', condition: 'HEALTHY' },
        { containerName: 'xray-daemon', condition: 'START' }
      ])
      const xray = td.containerDefinitions![2]!
      expect(xray.portMappings).toEqual([{ containerPort: 2000, protocol: 'udp' }])
      expect(xray.essential).toBe(false)
    }
  },
  'task-definitions/windows-ec2.json': {
    container: 'legacy-api',
    check: (td, api) => {
      expect(td.runtimePlatform).toEqual({
        operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE',
        cpuArchitecture: 'X86_64'
      })
      expect(td.networkMode).toBeUndefined()
      expect(td.volumes).toEqual([
        { name: 'docker-pipe', host: { sourcePath: '\\\\.\\pipe\\docker_engine' } }
      ])
      expect(api.mountPoints).toEqual([
        { sourceVolume: 'docker-pipe', containerPath: '\\\\.\\pipe\\docker_engine' }
      ])
      expect(api.workingDirectory).toBe('C:\\inetpub\\juniper')
      expect(api.credentialSpecs).toEqual([
        'credentialspec:arn:aws:ssm:eu-west-1:123456789012:parameter/juniper/gmsa-spec'
      ])
    }
  },

  'task-definitions/rejected/container-definitions-only.json': {
    parse: 'holds a JSON array, not a task definition object.',
    hint: 'This looks like a containerDefinitions list only'
  },
  'task-definitions/rejected/double-encoded-string.json': {
    parse: 'holds a JSON string, not a task definition object.',
    hint: 'encoded twice'
  },
  'task-definitions/rejected/empty-container-definitions.json': {
    parse: 'has an empty or invalid containerDefinitions list.'
  },
  'task-definitions/rejected/empty-file.json': {
    parse: 'is not valid JSON: expected a value at line 1, column 1.'
  },
  'task-definitions/rejected/enum-values.json': {
    container: 'feeds',
    problems: [
      'networkMode is not one of bridge, host, awsvpc, none',
      'requiresCompatibilities[0] is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES (did you mean FARGATE?)',
      'containerDefinitions[0].portMappings[0].protocol is not one of tcp, udp (did you mean tcp?)',
      'containerDefinitions[0].dependsOn[0].condition is not one of START, COMPLETE, SUCCESS, HEALTHY',
      'containerDefinitions[0].dependsOn[0] has no condition (required)'
    ]
  },
  'task-definitions/rejected/family-placeholder.json': {
    container: 'app',
    problems: ['family is not a valid family name (up to 255 letters, digits, - and _)']
  },
  'task-definitions/rejected/jq-bare-variables.json': {
    parse: 'is not valid JSON: text that is not a JSON value (unquoted?) at line 2, column 13.',
    hint: UNRENDERED_TEMPLATE_HINT
  },
  'task-definitions/rejected/duplicate-keys.json': {
    parse:
      'has keys given twice: containerDefinitions[0].image (line 11), memory (line 15). JSON keeps only the last of each, so the other would be dropped without a word.'
  },
  'task-definitions/rejected/jsonc-comments.json': {
    parse: 'is not valid JSON: a comment, which JSON does not allow at line 2, column 3.'
  },
  'task-definitions/rejected/missing-comma-crlf.json': {
    parse: `is not valid JSON: expected ',' between the values at line 8, column 7.`
  },
  'task-definitions/rejected/misspelt-container-definitions.json': {
    parse:
      'has no containerDefinitions list (it has unknown key containerDefintions: did you mean containerDefinitions?).'
  },
  'task-definitions/rejected/mustache-unquoted-in-array.json': {
    parse: 'is not valid JSON: expected a quoted property name at line 8, column 21.',
    hint: UNRENDERED_TEMPLATE_HINT
  },
  'task-definitions/rejected/required-members-missing.json': {
    container: 'relay',
    problems: [
      'containerDefinitions[0].logConfiguration has no logDriver (required)',
      'containerDefinitions[0].healthCheck has no command (required)',
      'containerDefinitions[0].secrets[0] has no valueFrom (required)',
      'the task definition has no family (required)'
    ]
  },
  'task-definitions/rejected/sidecar-image-placeholder.json': {
    container: 'payments',
    problems: [
      'containerDefinitions[1] (metrics-agent): image "<METRICS_AGENT_IMAGE>" is an unrendered placeholder (replace it with a container-images line)',
      'containerDefinitions[2] (log-shipper): image "registry.example.com/willow/log-shipper:{{ must_env `SHIPPER_TAG` }}" is an unrendered placeholder (replace it with a container-images line)'
    ]
  },
  'task-definitions/rejected/terraform-unquoted-placeholder.json.tpl': {
    parse: 'is not valid JSON: text that is not a JSON value (unquoted?) at line 8, column 28.',
    hint: UNRENDERED_TEMPLATE_HINT
  },
  'task-definitions/rejected/top-level-array.json': {
    parse: 'holds a JSON array, not a task definition object.',
    hint: 'Remove the surrounding [ ]'
  },
  'task-definitions/rejected/top-level-null.json': {
    parse: 'holds a JSON null, not a task definition object.'
  },
  'task-definitions/rejected/trailing-comma.json': {
    parse: 'is not valid JSON: expected a value at line 8, column 3.'
  },
  'task-definitions/rejected/truncated.json': {
    parse: "is not valid JSON: expected ']' at line 9, column 1."
  },
  'task-definitions/rejected/unknown-keys-at-depth.json': {
    container: 'search',
    problems: [
      'unknown key executionRoleARN (did you mean executionRoleArn?)',
      'unknown key volumes[0].efsVolumeConfiguration.fileSystemID (did you mean fileSystemId?)',
      'volumes[0].efsVolumeConfiguration has no fileSystemId (required)',
      'unknown key containerDefinitions[0].enviroment (did you mean environment?)',
      'unknown key containerDefinitions[0].portMappings[0].containerport (did you mean containerPort?)',
      'unknown key containerDefinitions[0].healthCheck.intervall (did you mean interval?)'
    ]
  },
  'task-definitions/rejected/wrong-value-types.json': {
    container: 'ledger',
    problems: [
      'requiresCompatibilities must be a list, got a string',
      'containerDefinitions[0].essential must be true or false, got a string',
      'containerDefinitions[0].memoryReservation must be an integer, got a number',
      'containerDefinitions[0].command must be a list, got a string',
      'containerDefinitions[0].environment must be a list, got an object',
      'containerDefinitions[0].portMappings[0].containerPort must be an integer, got a string',
      'containerDefinitions[0].dockerLabels["com.example.owner"] must be a string, got an object',
      'containerDefinitions[0].linuxParameters must be an object, got a string',
      'containerDefinitions[0].healthCheck.retries must be an integer, got a boolean'
    ]
  },
  // A YAML file starts like the JSON literal `false` as far as the JSON grammar can tell.
  'task-definitions/rejected/yaml-not-json.yaml': {
    parse: 'is not valid JSON: text that is not a JSON value (unquoted?) at line 1, column 1.'
  }
}

function renders(c: Case): c is Renders {
  return !('parse' in c) && !('problems' in c)
}

function parse(file: string): Record<string, unknown> {
  return parseTaskDefinitionTemplate(readFixture(file), file)
}

/** Renders with the image input set to IMAGE, or left out when `image` is null. */
function render(
  file: string,
  container: string,
  image: string | null = IMAGE
): { template: Record<string, unknown>; request: Request; warnings: string[] } {
  const warnings: string[] = []
  const template = parse(file)
  const request = renderTaskDefinition(template, {
    containerName: container,
    ...(image === null ? {} : { image }),
    warn: m => warnings.push(m)
  })
  return { template, request, warnings }
}

function fixtureFiles(): string[] {
  return [
    'task-definition.json',
    ...filesUnder(path.join(FIXTURES, 'task-definitions')).map(f => `task-definitions/${f}`)
  ]
}

describe('task definition fixtures', () => {
  it('has a case for every fixture file, and a file for every case', () => {
    expect(Object.keys(CASES).sort()).toEqual(fixtureFiles().sort())
  })

  it('expects exactly the files under rejected/ to fail', () => {
    const misplaced = Object.entries(CASES)
      .filter(([file, c]) => file.includes('/rejected/') === renders(c))
      .map(([file]) => file)
    expect(misplaced).toEqual([])
  })

  describe.each(Object.entries(CASES))('%s', (file, c) => {
    if ('parse' in c) {
      it('fails to parse with an input error that names the file and the place', () => {
        const e = thrown(() => parse(file))
        expect(e.message).toBe(`${file} ${c.parse}`)
        if (c.hint !== undefined) expect(e.hint).toContain(c.hint)
        else expect(e.hint).not.toContain(UNRENDERED_TEMPLATE_HINT)
      })
      return
    }
    if ('problems' in c) {
      it('parses, and fails to render with every problem named', () => {
        expect(parse(file)).toBeInstanceOf(Object)
        const e = thrown(() => render(file, c.container))
        expect(e.message).toBe(
          `The task definition is not a valid RegisterTaskDefinition request: ${c.problems.join('; ')}.`
        )
      })
      return
    }
    it('renders into a request the API model accepts, the image on the named container only', () => {
      const { template, request, warnings } = render(file, c.container)
      expect(violations(request)).toEqual([])
      expect(emptyStrings(request, 'all')).toEqual(c.keptEmpty ?? [])
      expect(warnings).toEqual(c.warnings ?? [])

      const before = template.containerDefinitions as { name?: string; image?: string }[]
      const after = request.containerDefinitions!
      expect(after.map(a => a.name)).toEqual(before.map(b => b.name))
      expect(after.map(a => a.image)).toEqual(before.map(b => (b.name === c.container ? IMAGE : b.image)))
      expect(before.filter(b => b.name === c.container)).toHaveLength(1)

      const container = after.find(a => a.name === c.container)!
      c.check?.(request, container)
    })
  })
})

describe('task definition fixtures: the traits are really in the files', () => {
  const bytes = (file: string): string => readFixture(file)

  it('keeps CRLF line endings and the byte order mark as written', () => {
    for (const file of [
      'task-definitions/crlf-line-endings.json',
      'task-definitions/bom-crlf-windows-editor.json',
      'task-definitions/rejected/missing-comma-crlf.json'
    ]) {
      expect(bytes(file)).toContain('\r\n')
      expect(bytes(file)).not.toMatch(/[^\r]\n/)
    }
    expect(bytes('task-definitions/bom-crlf-windows-editor.json').startsWith('\uFEFF{')).toBe(true)
    expect(bytes('task-definitions/crlf-line-endings.json').startsWith('{')).toBe(true)
  })

  it('has dozens of nulls in the console export and none in its render', () => {
    const file = 'task-definitions/console-export-nulls.json'
    expect(bytes(file).match(/\bnull\b/g)?.length).toBeGreaterThanOrEqual(40)
    expect(JSON.stringify(render(file, 'search').request)).not.toContain('null')
  })

  it('has every read-only field in the console dump and the describe outputs', () => {
    for (const file of [
      'task-definitions/console-dump-read-only.json',
      'task-definitions/describe-output-with-tags.json',
      'task-definitions/describe-output-empty-tags.json'
    ]) {
      for (const field of ['taskDefinitionArn', 'revision', 'status', 'compatibilities', 'registeredAt'])
        expect(bytes(file)).toContain(`"${field}"`)
    }
    expect(Object.keys(JSON.parse(bytes('task-definitions/describe-output-with-tags.json')))).toEqual([
      'taskDefinition',
      'tags'
    ])
  })

  it('has an empty file that is really empty', () => {
    expect(bytes('task-definitions/rejected/empty-file.json')).toBe('')
  })
})

describe('task definition fixtures: the image input', () => {
  it('is what replaces <IMAGE1_NAME>: without it the render names the placeholder', () => {
    const file = 'task-definitions/codepipeline-image1-placeholder.json'
    expect(thrown(() => render(file, 'web', null)).message).toBe(
      'The task definition is not a valid RegisterTaskDefinition request: containerDefinitions[0] (web): image "<IMAGE1_NAME>" is an unrendered placeholder (set the image input to replace it).'
    )
  })

  it('is what fills a container without an image key', () => {
    const e = thrown(() => render('task-definitions/no-image-key.json', 'jobs', null))
    expect(e.message).toContain('containerDefinitions[0] (jobs) has no image (set the image input)')
  })

  it('goes to a container that must exist: the error names those there are', () => {
    expect(thrown(() => render('task-definitions/ec2-bridge-links.json', 'web')).message).toBe(
      "Container 'web' is not in the task definition; it has 'edge', 'shop', 'assets-warmup'."
    )
  })
})
