/**
 * The layer rules of src/ (docs/architecture.md), checked by `npm run lint` with
 * dependency-cruiser on resolved imports (type-only imports included).
 *
 * Bottom up: the base (config, common) → redis → streams and sampling (the core) → the platforms (ws, http,
 * graphql, auth) → the features, side by side → the top (site, console, observability, health and
 * the files directly in src/). A folder imports only from the layers below it. Every top-level
 * folder of src/ that is not listed below is a feature: a new folder is held to the feature rules
 * without being named here.
 */
const BASE = ['config', 'common'];
const CORE = ['redis', 'streams', 'sampling', ...BASE];
const PLATFORMS = ['ws', 'http', 'graphql', 'auth'];
const TOP = ['site', 'console', 'observability', 'health'];

/**
 * The only imports from one feature into another, each with its reason. `from` is the importing
 * feature's folder; `to` matches the files it may import.
 */
const DECLARED_EXCEPTIONS = [
  {
    from: 'data',
    to: '^src/devices/device-id[.]ts$',
    because: 'a push connection speaks for the devices its streams name (the device naming rule)',
  },
  {
    from: 'streams-api',
    to: '^src/devices/device-id[.]ts$',
    because: 'updateStreamMeta names a stream by deviceId and streamId (the device naming rule)',
  },
  {
    from: 'devices',
    to: '^src/streams-api/(models/|stream-meta[.]service[.]ts$|streams-api[.]module[.]ts$)',
    because: "Device.streams are the API's Stream type, built by StreamMetaService",
  },
];

const under = (folders) => `^src/(${folders.join('|')})/`;
const NOT_FEATURES = [...CORE, ...PLATFORMS, ...TOP].join('|');
/** A file of a feature; the group is the feature's folder. */
const FEATURE = `^src/((?!(${NOT_FEATURES})/)[^/]+)/`;
const TOP_LEVEL = [under(TOP), '^src/[^/]+$'];
const excepted = [...new Set(DECLARED_EXCEPTIONS.map((e) => e.from))];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'feature-imports-feature',
      comment: 'Features sit side by side: one never imports another (see DECLARED_EXCEPTIONS).',
      severity: 'error',
      from: { path: FEATURE, pathNot: under(excepted) },
      to: { path: FEATURE, pathNot: '^src/$1/' },
    },
    ...excepted.map((folder) => ({
      name: `feature-imports-feature`,
      comment: `${folder} imports another feature only as DECLARED_EXCEPTIONS allow.`,
      severity: 'error',
      from: { path: under([folder]) },
      to: {
        path: FEATURE,
        pathNot: [
          under([folder]),
          ...DECLARED_EXCEPTIONS.filter((e) => e.from === folder).map((e) => e.to),
        ],
      },
    })),
    {
      name: 'feature-imports-top',
      comment:
        'A feature imports only the core and the platforms, never site/console/observability/health.',
      severity: 'error',
      from: { path: FEATURE },
      to: { path: TOP_LEVEL },
    },
    {
      name: 'platform-imports-feature',
      comment: 'A platform (ws, http, graphql, auth) serves every feature and knows none of them.',
      severity: 'error',
      from: { path: under(PLATFORMS) },
      to: { path: [FEATURE, ...TOP_LEVEL] },
    },
    {
      name: 'core-imports-transport',
      comment:
        'The core (streams, redis, config, common) knows no platform, feature or top-level module.',
      severity: 'error',
      from: { path: under(CORE) },
      to: { path: [FEATURE, under(PLATFORMS), ...TOP_LEVEL] },
    },
    {
      name: 'redis-imports-streams',
      comment: 'redis/ holds the connections under streams/: it does not import streams/.',
      severity: 'error',
      from: { path: under(['redis']) },
      to: { path: under(['streams']) },
    },
    {
      name: 'base-imports-above',
      comment: 'config/ and common/ are the bottom layer: they import nothing else of src/.',
      severity: 'error',
      from: { path: under(BASE) },
      to: { path: '^src/', pathNot: under(BASE) },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
