import { deriveEcsTimeoutMinutes, describeStrategy, gateHooks } from '../../src/backends/ecs/configuration.js'

const pause = (stage: string, timeoutInMinutes?: number) => ({
  targetType: 'PAUSE' as const,
  lifecycleStages: [stage as 'POST_TEST_TRAFFIC_SHIFT'],
  ...(timeoutInMinutes ? { timeoutConfiguration: { timeoutInMinutes } } : {})
})

describe('ECS deployment configuration', () => {
  it('finds the PAUSE hooks that make wait-until: ready possible', () => {
    const hooks = [
      pause('PRE_SCALE_UP'),
      pause('POST_TEST_TRAFFIC_SHIFT'),
      pause('PRE_PRODUCTION_TRAFFIC_SHIFT')
    ]
    expect(gateHooks({ lifecycleHooks: hooks })).toEqual([hooks[1], hooks[2]])
    expect(gateHooks({ lifecycleHooks: [pause('PRE_SCALE_UP')] })).toEqual([])
    expect(gateHooks(undefined)).toEqual([])
  })

  it('a rolling update: an hour for the new tasks', () => {
    expect(deriveEcsTimeoutMinutes({ strategy: 'ROLLING' }, 'succeeded')).toBe(60)
  })

  it('adds the bake time for succeeded only, and the step bakes once traffic moves', () => {
    const linear = {
      strategy: 'LINEAR' as const,
      bakeTimeInMinutes: 30,
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 4 }
    }
    expect(deriveEcsTimeoutMinutes(linear, 'succeeded')).toBe(60 + 3 * 4 + 30)
    expect(deriveEcsTimeoutMinutes(linear, 'traffic-shifted')).toBe(60 + 3 * 4)
    expect(deriveEcsTimeoutMinutes(linear, 'ready')).toBe(60)
  })

  it('adds each hook that can hold the deployment before the goal, its own timeout or ECS default of a day', () => {
    const config = {
      strategy: 'CANARY' as const,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
      lifecycleHooks: [
        {
          targetType: 'AWS_LAMBDA' as const,
          hookTargetArn: 'arn:fn',
          lifecycleStages: ['POST_SCALE_UP' as const],
          timeoutConfiguration: { timeoutInMinutes: 15 }
        },
        pause('PRE_PRODUCTION_TRAFFIC_SHIFT', 120)
      ]
    }
    // The PRE_PRODUCTION_TRAFFIC_SHIFT pause waits before each of the canary's two steps.
    expect(deriveEcsTimeoutMinutes(config, 'succeeded')).toBe(60 + 15 + 2 * 120 + 5)
    // Under wait-until: ready that pause is the goal itself.
    expect(deriveEcsTimeoutMinutes(config, 'ready')).toBe(60 + 15)
    expect(deriveEcsTimeoutMinutes({ lifecycleHooks: [pause('PRE_SCALE_UP')] }, 'ready')).toBe(60 + 1440)
  })

  it('describes each strategy in words', () => {
    expect(
      describeStrategy({
        strategy: 'CANARY',
        bakeTimeInMinutes: 15,
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 }
      })
    ).toBe('canary: 10% then the rest after 5 min, bake 15 min')
    expect(describeStrategy({ strategy: 'LINEAR' })).toBe('linear: 10% every 6 min')
    expect(describeStrategy({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 })).toBe('blue/green: all at once')
    expect(describeStrategy(undefined)).toBe('rolling update')
  })
})
