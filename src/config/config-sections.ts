import { AppConfig } from './app-config.js';

/**
 * A typed section of the configuration: the validated settings its `keys` name, under their
 * environment names. Each section below is a class, both its injection token and its type: a
 * consumer injects the section(s) it reads (`@Inject(LimitsConfig) limits: LimitsConfig`), never
 * the whole `AppConfig`. `ConfigModule` provides each as a frozen copy of its settings.
 */
interface ConfigSection<K extends keyof AppConfig> {
  new (): Readonly<Pick<AppConfig, K>>;
  readonly keys: readonly K[];
}

function section<K extends keyof AppConfig>(keys: readonly K[]): ConfigSection<K> {
  return class {
    static readonly keys = keys;
  } as unknown as ConfigSection<K>;
}

/** Where the service listens, whom it answers (CORS) and how long it may take to stop. */
export class ServerConfig extends section([
  'PORT',
  'HOST',
  'CORS_ORIGINS',
  'SHUTDOWN_TIMEOUT_MS',
]) {}

/** The WebSocket platform: how many connections it takes and how often it pings them. */
export class WsConfig extends section(['MAX_CONNECTIONS', 'WS_PING_INTERVAL_MS']) {}

/** Which Redis (or Redis Cluster), how long a command may take, how many replicas an append waits for. */
export class RedisConfig extends section([
  'REDIS_URL',
  'REDIS_CLUSTER',
  'REDIS_COMMAND_TIMEOUT_MS',
  'REDIS_WAIT_REPLICAS',
]) {}

/**
 * The live read hub: its blocking connections, and the batch bytes and command timeout that bound
 * its reads (the same settings as in `LimitsConfig` and `RedisConfig`).
 */
export class HubConfig extends section([
  'HUB_READERS',
  'PULL_BATCH_BYTES',
  'REDIS_COMMAND_TIMEOUT_MS',
]) {}

/** The default bounds on each stream's length and age (a stream's metadata may set its own). */
export class RetentionConfig extends section(['STREAM_MAXLEN', 'STREAM_MAXAGE_MS']) {}

/** Bounds on one request, one frame, one batch and one connection's backlog. */
export class LimitsConfig extends section([
  'MAX_PAYLOAD_BYTES',
  'IMPORT_MAX_BYTES',
  'MAX_SIDS_PER_REQUEST',
  'PULL_BATCH_BYTES',
  'PULL_HIGH_WATER_BYTES',
  'PUSH_MAX_PENDING',
]) {}

/** Consumer groups: when a pending entry is claimed by another consumer. */
export class GroupsConfig extends section(['GROUP_CLAIM_IDLE_MS']) {}

/** Devices: how long a gateway's record of a device's connections lives without a refresh. */
export class DevicesConfig extends section(['DEVICE_PRESENCE_TTL_S']) {}

/** Token checks: the key source (one of three) and what a token's claims must say. */
export class AuthConfig extends section([
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY',
  'AUTH_JWKS_URL',
  'AUTH_CLOCK_SKEW_S',
  'AUTH_AUDIENCE',
  'AUTH_ISSUER',
]) {}

/** The GraphQL platform: Apollo Sandbox and introspection. */
export class GraphqlConfig extends section(['GRAPHQL_SANDBOX']) {}

/** Where the built web console is served from. */
export class ConsoleConfig extends section(['CONSOLE_DIR']) {}

export class LoggingConfig extends section(['LOG_LEVEL']) {}

/** The memory limit the budgets are planned for (`MemoryPlan`, provided by `ConfigModule`). */
class MemoryConfig extends section(['MEMORY_LIMIT_MB']) {}

/** Every section `ConfigModule` provides. */
export const CONFIG_SECTIONS = [
  ServerConfig,
  WsConfig,
  RedisConfig,
  HubConfig,
  RetentionConfig,
  LimitsConfig,
  GroupsConfig,
  DevicesConfig,
  AuthConfig,
  GraphqlConfig,
  ConsoleConfig,
  LoggingConfig,
  MemoryConfig,
] as const;
