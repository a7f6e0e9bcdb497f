#!/usr/bin/env python3
"""Writes src/plan/task-definition-model.json: the RegisterTaskDefinition request shape tree, taken from the
ECS service model that botocore ships, so that templates can be checked for unknown keys, missing
required members and invalid enum values before anything is registered (the SDK would silently drop
a misspelt key and register a revision without it).

Run from the repository (prettier lays the file out): python3 scripts/extract-task-definition-model.py
The output is deterministic for a given botocore version, so a diff in review means the API changed.
"""
import gzip
import json
import os
import subprocess
import sys

import botocore

OPERATION = 'RegisterTaskDefinition'
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'plan', 'task-definition-model.json')


def load_service_model():
    directory = os.path.join(os.path.dirname(botocore.__file__), 'data', 'ecs')
    version = sorted(os.listdir(directory))[-1]
    with gzip.open(os.path.join(directory, version, 'service-2.json.gz'), 'rt', encoding='utf-8') as f:
        return version, json.load(f)


def node(shapes, name, stack):
    if name in stack:
        # No ECS request shape is recursive today; fail loudly rather than emit an endless tree.
        sys.exit(f'recursive shape {name} via {" > ".join(stack)}')
    shape = shapes[name]
    kind = shape['type']
    if kind == 'structure':
        members = {key: node(shapes, member['shape'], stack + [name]) for key, member in shape['members'].items()}
        out = {'type': 'structure', 'members': members}
        if shape.get('required'):
            out['required'] = shape['required']
        return out
    if kind == 'list':
        return {'type': 'list', 'member': node(shapes, shape['member']['shape'], stack + [name])}
    if kind == 'map':
        # Free-form (dockerLabels, logConfiguration.options, ...): any key, values of this type.
        return {'type': 'map', 'value': node(shapes, shape['value']['shape'], stack + [name])}
    if kind == 'string':
        return {'type': 'string', 'enum': shape['enum']} if 'enum' in shape else {'type': 'string'}
    if kind in ('integer', 'long'):
        return {'type': 'integer'}
    if kind == 'boolean':
        return {'type': 'boolean'}
    sys.exit(f'shape {name} has type {kind}, which the generator does not handle')


def main():
    version, model = load_service_model()
    shapes = model['shapes']
    request = model['operations'][OPERATION]['input']['shape']
    tree = {
        'source': f'botocore {botocore.__version__}, ecs {version}, {OPERATION} input ({request})',
        'shape': node(shapes, request, []),
    }
    with open(OUTPUT, 'w', encoding='utf-8') as f:
        f.write(json.dumps(tree) + '\n')
    # `npm run lint` checks every file with prettier, so the committed file is prettier's layout.
    subprocess.run(['npx', 'prettier', '--write', OUTPUT], check=True, cwd=os.path.dirname(OUTPUT))


if __name__ == '__main__':
    main()
