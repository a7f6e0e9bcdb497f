import { deploymentConsoleUrl, taskDefinitionConsoleUrl } from '../../src/report/console-url.js'

describe('console URLs', () => {
  it("links a deployment on its own region's console host", () => {
    expect(deploymentConsoleUrl('eu-west-1', 'd-ABCDEF123')).toBe(
      'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABCDEF123?region=eu-west-1'
    )
  })

  it('uses the China and GovCloud consoles for their partitions', () => {
    expect(deploymentConsoleUrl('cn-north-1', 'd-1')).toBe(
      'https://cn-north-1.console.amazonaws.cn/codesuite/codedeploy/deployments/d-1?region=cn-north-1'
    )
    expect(deploymentConsoleUrl('us-gov-west-1', 'd-1')).toBe(
      'https://us-gov-west-1.console.amazonaws-us-gov.com/codesuite/codedeploy/deployments/d-1?region=us-gov-west-1'
    )
  })

  it('keeps the ISO partitions off the commercial console', () => {
    expect(deploymentConsoleUrl('us-iso-east-1', 'd-1')).toBe(
      'https://console.c2s.ic.gov/codesuite/codedeploy/deployments/d-1?region=us-iso-east-1'
    )
    const hosts = ['us-isob-east-1', 'us-isof-south-1', 'eu-isoe-west-1', 'eusc-de-east-1'].map(
      r => new URL(deploymentConsoleUrl(r, 'd-1')).host
    )
    expect(hosts).toEqual([
      'console.sc2s.sgov.gov',
      'console.csp.hci.ic.gov',
      'console.cloud.adc-e.uk',
      'console.amazonaws.eu'
    ])
  })

  it('links a task definition revision from its ARN or family:revision', () => {
    const expected =
      'https://us-east-1.console.aws.amazon.com/ecs/v2/task-definitions/web/42/containers?region=us-east-1'
    expect(
      taskDefinitionConsoleUrl('us-east-1', 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42')
    ).toBe(expected)
    expect(taskDefinitionConsoleUrl('us-east-1', 'web:42')).toBe(expected)
    expect(taskDefinitionConsoleUrl('cn-northwest-1', 'web')).toBe(
      'https://cn-northwest-1.console.amazonaws.cn/ecs/v2/task-definitions/web?region=cn-northwest-1'
    )
  })

  it('encodes ids so they cannot change the path', () => {
    expect(deploymentConsoleUrl('us-east-1', 'd-1/../x?y')).toContain('/deployments/d-1%2F..%2Fx%3Fy?region=')
  })
})
