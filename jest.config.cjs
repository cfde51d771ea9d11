/**
 * The service is an ES module project (NestJS 12 ships ES modules only), so Jest runs in ESM
 * mode (`node --experimental-vm-modules`). Unit specs live beside the code (src/**.spec.ts),
 * integration specs in test/ (*.e2e-spec.ts).
 */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  // Browser tests need Chromium and a built console: `npm run test:browser` runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testEnvironment: 'node',
  testTimeout: 30000,
};
