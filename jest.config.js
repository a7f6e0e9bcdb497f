// ESM + ts-jest as actions/typescript-action sets it up; type checking is `npm run typecheck`'s job,
// so ts-jest only transpiles (isolatedModules in tsconfig.json) and the suite stays fast on 2 cores.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
}
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform
}

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    // A whole simulated deployment per test: 5 s is too tight on a loaded 2-core machine.
    {
      ...common,
      displayName: 'sim',
      testMatch: ['<rootDir>/__tests__/sim/**/*.test.ts'],
      testTimeout: 30_000
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'] },
    { ...common, displayName: 'moto', testMatch: ['<rootDir>/__tests__/moto/**/*.test.ts'] }
  ],
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } }
}
