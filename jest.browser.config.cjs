/** Tests that drive a headless Chromium (`npm run test:browser`): test/browser/*.e2e-spec.ts. */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
};
