#!/usr/bin/env python3
"""Writes the AWS API models the repository checks requests against, taken from the service models
that botocore ships:

- src/plan/task-definition-model.json: the RegisterTaskDefinition request as one inlined tree, so that the
  action can reject unknown keys, missing required members and invalid enum values in a template
  before anything is registered (the SDK would silently drop a misspelt key and register a revision
  without it).
- src/plan/run-task-model.json: the RunTask request, inlined the same way, for the JSON inputs of
  run-task (container overrides, capacity provider strategy, tags).
- sim/models/ecs.json, sim/models/codedeploy.json and sim/models/logs.json: for the simulator, per operation it serves the
  input shape's name and the modelled errors, and every shape reachable from those inputs (type,
  required members, member shape names, enum values, length and range limits). Shapes are kept by
  name rather than inlined, because ContainerDefinition and friends are shared and deep.

Run from anywhere in the repository: python3 scripts/extract-models.py (needs the botocore package,
and npx for prettier). The output is deterministic for a given botocore version, so a diff in review
means the API changed.
"""
import gzip
import json
import os
import subprocess
import sys

import botocore

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
# The API versions the AWS SDK clients in package.json speak.
API_VERSIONS = {'ecs': '2014-11-13', 'codedeploy': '2014-10-06', 'logs': '2014-03-28'}
SIMULATED_OPERATIONS = {
    'ecs': [
        'DescribeServices', 'DescribeTaskDefinition', 'RegisterTaskDefinition',
        'DeregisterTaskDefinition', 'ListTasks', 'DescribeTasks', 'TagResource',
        'UpdateService', 'DescribeTaskSets',
        # deregister-previous: which services of the cluster still run a revision
        'ListServices',
        # ECS's own deployments (deployment controller ECS)
        'ListServiceDeployments', 'DescribeServiceDeployments', 'DescribeServiceRevisions',
        'StopServiceDeployment', 'ContinueServiceDeployment',
        # run-task: a one-off task of the new revision before traffic moves
        'RunTask', 'StopTask',
    ],
    'codedeploy': [
        'CreateDeployment', 'GetDeployment', 'BatchGetDeployments', 'ListDeployments',
        'ListDeploymentTargets', 'GetDeploymentTarget', 'BatchGetDeploymentTargets',
        'StopDeployment', 'ContinueDeployment', 'GetDeploymentGroup', 'BatchGetDeploymentGroups',
        'ListApplications', 'BatchGetApplications', 'ListDeploymentGroups', 'GetApplication',
        'GetDeploymentConfig', 'GetApplicationRevision', 'PutLifecycleEventHookExecutionStatus',
    ],
    # CloudWatch Logs: the one-off task's awslogs stream
    'logs': ['GetLogEvents'],
}
SIMULATED_SHAPE_KEYS = ('type', 'required', 'enum', 'min', 'max', 'document')


def service_model(service):
    path = os.path.join('data', service, API_VERSIONS[service], 'service-2.json.gz')
    with gzip.open(os.path.join(os.path.dirname(botocore.__file__), path), 'rt', encoding='utf-8') as f:
        return path, json.load(f)


# ---- src/plan/task-definition-model.json ---------------------------------------------------------------

def inlined(shapes, name, stack):
    if name in stack:
        # No ECS request shape is recursive today; fail loudly rather than emit an endless tree.
        sys.exit(f'recursive shape {name} via {" > ".join(stack)}')
    shape = shapes[name]
    kind = shape['type']
    if kind == 'structure':
        members = {key: inlined(shapes, member['shape'], stack + [name]) for key, member in shape['members'].items()}
        out = {'type': 'structure', 'members': members}
        if shape.get('required'):
            out['required'] = shape['required']
        return out
    if kind == 'list':
        return {'type': 'list', 'member': inlined(shapes, shape['member']['shape'], stack + [name])}
    if kind == 'map':
        # Free-form (dockerLabels, logConfiguration.options, ...): any key, values of this type.
        return {'type': 'map', 'value': inlined(shapes, shape['value']['shape'], stack + [name])}
    if kind == 'string':
        return {'type': 'string', 'enum': shape['enum']} if 'enum' in shape else {'type': 'string'}
    if kind in ('integer', 'long'):
        return {'type': 'integer'}
    if kind == 'boolean':
        return {'type': 'boolean'}
    sys.exit(f'shape {name} has type {kind}, which the generator does not handle')


def write_request_model(operation, file):
    _, model = service_model('ecs')
    request = model['operations'][operation]['input']['shape']
    tree = {
        'source': f'botocore {botocore.__version__}, ecs {API_VERSIONS["ecs"]}, {operation} input ({request})',
        'shape': inlined(model['shapes'], request, []),
    }
    output = os.path.join('src', 'plan', file)
    with open(os.path.join(ROOT, output), 'w', encoding='utf-8') as f:
        f.write(json.dumps(tree) + '\n')
    # `npm run lint` checks this file with prettier, so the committed file is prettier's layout.
    subprocess.run(['npx', '--no-install', 'prettier', '--write', output], check=True, cwd=ROOT)


# ---- sim/models/*.json ----------------------------------------------------------------------------

def simulated_model(service):
    path, model = service_model(service)
    shapes, operations = {}, {}

    def visit(name):
        if name in shapes:
            return
        src = model['shapes'][name]
        out = {k: src[k] for k in SIMULATED_SHAPE_KEYS if k in src}
        shapes[name] = out
        if src['type'] == 'structure':
            out['members'] = {m: ref['shape'] for m, ref in src.get('members', {}).items()}
            for ref in src.get('members', {}).values():
                visit(ref['shape'])
        elif src['type'] == 'list':
            out['member'] = src['member']['shape']
            visit(src['member']['shape'])
        elif src['type'] == 'map':
            out['key'], out['value'] = src['key']['shape'], src['value']['shape']
            visit(src['key']['shape'])
            visit(src['value']['shape'])

    for op in SIMULATED_OPERATIONS[service]:
        spec = model['operations'][op]
        entry = {'errors': sorted(e['shape'] for e in spec.get('errors', []))}
        if 'input' in spec:
            entry['input'] = spec['input']['shape']
            visit(spec['input']['shape'])
        operations[op] = entry
    return {
        'source': f'botocore {botocore.__version__} {path}',
        'targetPrefix': model['metadata']['targetPrefix'],
        'operations': operations,
        'shapes': shapes,
    }


def write_simulated_models():
    # Left as json.dump writes them (.prettierignore lists them): sorted keys make a rerun
    # byte-identical whatever order botocore's model lists its shapes in.
    for service in SIMULATED_OPERATIONS:
        with open(os.path.join(ROOT, 'sim', 'models', f'{service}.json'), 'w', encoding='utf-8') as f:
            json.dump(simulated_model(service), f, indent=1, sort_keys=True)
            f.write('\n')


if __name__ == '__main__':
    write_request_model('RegisterTaskDefinition', 'task-definition-model.json')
    write_request_model('RunTask', 'run-task-model.json')
    write_simulated_models()
