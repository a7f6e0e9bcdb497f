// An ECS AppSpec file in YAML, as the console and the CodeDeploy docs write it: the unit tests of the
// AppSpec reader and the plan, and the end-to-end runs, build theirs from it.

/**
 * The AppSpec with `props` under the target service's Properties (after TaskDefinition, indented
 * for it) and `tail` after Resources.
 */
export function appSpecYaml(props: string, tail = ''): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    '        TaskDefinition: <TASK_DEFINITION>',
    ...props.split('\n').map(l => `        ${l}`),
    tail
  ].join('\n')
}
