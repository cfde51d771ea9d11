/**
 * The service is an ES module project (NestJS 12 ships ES modules only), so Jest runs in ESM
 * mode (`node --experimental-vm-modules`). Unit specs live beside the code (src/**.spec.ts,
 * packages/client/src/**.spec.ts), integration specs in test/ (*.e2e-spec.ts). Tests that need
 * a browser live in test/browser/ and run with `npm run test:browser` (jest.browser.config.cjs).
 */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/packages/client/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  // Browser tests need Chromium and a built console: `npm run test:browser` runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testEnvironment: 'node',
  testTimeout: 30000,
  // Every key a test run creates is under test:<run id>: and removed at the end of the run.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};
