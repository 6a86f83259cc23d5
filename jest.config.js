/** Unit specs beside the code (src/**\/*.spec.ts); e2e specs against real PostgreSQL, Redis and SMTP (test/). */
const transform = { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/jest-transform.js' };
// Every file goes through the transform: ES-module packages (NestJS 12 and some of its dependencies) are compiled to
// CommonJS for Jest, CommonJS ones pass through untouched (see test/support/jest-transform.js).
const transformIgnorePatterns = [];

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // The contract check: a response that breaks openapi/cloture.openapi.json fails the test that caused it.
      setupFilesAfterEnv: ['<rootDir>/test/support/contract-setup.ts'],
    },
  ],
  // Global options (Jest ignores these inside projects): e2e tests boot the real app, which takes seconds.
  testTimeout: 60_000,
  slowTestThreshold: 30,
  maxWorkers: 2,
};
