/**
 * The second target of the integration suites: the data path, HTTP, GraphQL and device suites again,
 * against a throwaway 3-master Redis Cluster that test/support/cluster-target-setup.mjs starts
 * on free ports (REDIS_URL = its seeds, REDIS_CLUSTER=true) and the teardown stops by pid.
 * `npm test` runs them after the single-Redis run; `npm run test:cluster` alone.
 */
const base = require('./jest.config.cjs');

const SUITES = [
  'data-errors',
  'data-gateways',
  'data-pull',
  'data-push',
  'http-data',
  'graphql',
  'graphql-readme',
  'graphql-subscriptions',
  'mjpeg',
  'isolation',
  'devices',
  'devices-auth',
  'devices-gateways',
  'groups',
  'gaps',
  'retention',
  'mcap',
  'sync',
];

module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: `test/(${SUITES.join('|')})\\.e2e-spec\\.ts$`,
  globalSetup: '<rootDir>/test/support/cluster-target-setup.mjs',
  globalTeardown: '<rootDir>/test/support/cluster-target-teardown.mjs',
};
