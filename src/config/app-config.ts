import { createPublicKey } from 'node:crypto';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  Max,
  Min,
  Validate,
  validateSync,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && /^-?\d+$/.test(value.trim())
    ? Number(value.trim())
    : value;
const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** REDIS_URL must parse as a URL (one or more, comma separated, for a cluster). */
@ValidatorConstraint({ name: 'redisUrl' })
class RedisUrlValid implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    return value.split(',').every((url) => {
      try {
        const parsed = new URL(url.trim());
        return /^rediss?:$/.test(parsed.protocol) && parsed.hostname !== '';
      } catch {
        return false;
      }
    });
  }

  defaultMessage(): string {
    return 'REDIS_URL is not a valid URL';
  }
}

/**
 * The service's whole configuration, read from the environment once at boot (`loadConfig`).
 * Nothing else in the code reads `process.env`.
 */
export class AppConfig {
  /** HTTP/WebSocket port. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @IsString() HOST = '0.0.0.0';
  /** Unset means "the default, and start a throwaway redis-server if none answers". */
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  @Validate(RedisUrlValid)
  REDIS_URL?: string;
  /** `REDIS_URL` is one or more comma-separated seed nodes of a Redis Cluster. */
  @Transform(toBool) @IsBoolean() REDIS_CLUSTER = false;
  /**
   * When > 0, an append is acknowledged only once `WAIT` reports that many replicas have it
   * (else the push fails with UNAVAILABLE): acked entries survive a failover.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(16) REDIS_WAIT_REPLICAS = 0;
  /** Approximate cap on each stream's length (XADD MAXLEN ~); 0 = no cap. */
  @Transform(toInt) @IsInt() @Min(0) STREAM_MAXLEN = 1000;
  /**
   * Keep each stream's entries younger than this many ms (XADD MINID ~ now - age); 0 = no time
   * bound. A stream's metadata may set its own (`retention: {maxAgeMs, maxLen}`).
   */
  @Transform(toInt) @IsInt() @Min(0) STREAM_MAXAGE_MS = 0;
  /**
   * A consumer group's entry pending (delivered, not acknowledged) this long with one consumer is
   * claimed by another (XAUTOCLAIM); consumers sweep every half of it.
   */
  @Transform(toInt) @IsInt() @Min(10) GROUP_CLAIM_IDLE_MS = 30000;
  /** Bounds one WebSocket frame and one HTTP body. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024 * 1024 * 1024) MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
  /**
   * Largest MCAP body `POST /data/import` reads (0 = no limit). The file is parsed as it arrives,
   * so memory does not grow with it; each of its records is bounded by MAX_PAYLOAD_BYTES instead.
   */
  @Transform(toInt) @IsInt() @Min(0) IMPORT_MAX_BYTES = 16 * 1024 * 1024 * 1024;
  /** Blocking Redis connections the live read hub spreads its streams over. */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) HUB_READERS = 1;
  /**
   * A puller's socket backlog (bytes) above which it stops taking live entries and later catches
   * up from Redis. A few frames' worth: a deeper backlog only adds latency for the slow client.
   */
  @Transform(toInt) @IsInt() @Min(1024) PULL_HIGH_WATER_BYTES = 256 * 1024;
  /**
   * Unacknowledged XADDs per push connection before the server stops reading that socket. 256
   * keeps Redis's pipeline full on loopback; deeper queues only keep more entries alive long
   * enough to reach V8's old generation (100 B pushes: 4096 in flight peaked at 217 MB RSS, 256
   * at 142 MB, and took a third more CPU per entry).
   */
  @Transform(toInt) @IsInt() @Min(1) PUSH_MAX_PENDING = 256;
  /** Most concurrent WebSocket connections (data and GraphQL together); 0 = unlimited. */
  @Transform(toInt) @IsInt() @Min(0) MAX_CONNECTIONS = 10000;
  /** Most sids in one GraphQL call or one data URL. */
  @Transform(toInt) @IsInt() @Min(1) MAX_SIDS_PER_REQUEST = 1000;
  /** Apollo Sandbox landing page and introspection on `/graphql`. */
  @Transform(toBool) @IsBoolean() GRAPHQL_SANDBOX = true;
  /** Allowed CORS origins, comma separated; `*` allows any. */
  @IsString() CORS_ORIGINS = '*';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /** Folder of the built web console and GraphiQL; empty = `dist/web` beside the service. */
  @IsString() CONSOLE_DIR = '';
  /** Milliseconds a graceful shutdown may take before the process exits anyway. */
  @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_TIMEOUT_MS = 10000;
  /** HS256 key: turns authentication on. At least 32 bytes (RFC 7518: no shorter than the hash). */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters' })
  AUTH_JWT_SECRET?: string;
  /** PEM public key (RSA: RS256, EC P-256: ES256): turns authentication on. `\n` may stand for newlines. */
  @IsOptional() @IsString() AUTH_JWT_PUBLIC_KEY?: string;
  /** JWKS document URL (keys fetched, cached and refreshed on an unknown `kid`): turns authentication on. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  AUTH_JWKS_URL?: string;
  /** Seconds of clock difference allowed when checking `exp` and `nbf`. */
  @Transform(toInt) @IsInt() @Min(0) @Max(300) AUTH_CLOCK_SKEW_S = 5;
  /** When set, a token's `aud` must contain it. */
  @IsOptional() @IsString() AUTH_AUDIENCE?: string;
  /** When set, a token's `iss` must equal it. */
  @IsOptional() @IsString() AUTH_ISSUER?: string;
  /**
   * Payload bytes one pull batch, one catch-up read, one HTTP GET answer or one subscription's
   * buffer may hold (a single larger entry travels alone).
   */
  @Transform(toInt) @IsInt() @Min(1024) PULL_BATCH_BYTES = 8 * 1024 * 1024;
  /** A Redis command unanswered this long (blocking reads excepted) fails and its connection is replaced. */
  @Transform(toInt) @IsInt() @Min(100) REDIS_COMMAND_TIMEOUT_MS = 5000;
  /** Every WebSocket is pinged this often; one that did not answer the previous ping is dropped. */
  @Transform(toInt) @IsInt() @Min(10) WS_PING_INTERVAL_MS = 30000;
  /**
   * Seconds a gateway's record of a device's open push connections stays valid without being
   * refreshed (every third of it): a device whose gateway died is disconnected within this time.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600) DEVICE_PRESENCE_TTL_S = 15;
  /**
   * The memory (MiB) the service plans its byte budgets and V8 heap for (`memory-plan.ts`); 0 =
   * its cgroup's limit (v2 `memory.max`, v1 `memory.limit_in_bytes`), if any.
   */
  @Transform(toInt) @IsInt() @Min(0) MEMORY_LIMIT_MB = 0;
}

/** Settings without a default: absent from `new AppConfig()`'s keys, read all the same. */
const OPTIONAL_KEYS = [
  'REDIS_URL',
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY',
  'AUTH_JWKS_URL',
  'AUTH_AUDIENCE',
  'AUTH_ISSUER',
];

/** Below this the runtime alone would not fit. */
const MIN_MEMORY_LIMIT_MB = 64;

export class ConfigError extends Error {}

/** The settings `env` sets (non-empty), as opposed to those left at their defaults. */
export function settingsGiven(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set(Object.keys(env).filter((key) => env[key] !== undefined && env[key] !== ''));
}

/**
 * Validates `env` into an `AppConfig`; throws one `ConfigError` naming every bad variable.
 * Unknown variables are ignored; missing ones take their defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  known.push(...OPTIONAL_KEYS);
  const picked: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const config = plainToInstance(AppConfig, picked, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  const lines = errors.map(
    (e) =>
      `${e.property}=${secretSafe(e.property, e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  lines.push(...authProblems(config));
  if (config.MEMORY_LIMIT_MB > 0 && config.MEMORY_LIMIT_MB < MIN_MEMORY_LIMIT_MB) {
    lines.push(
      `MEMORY_LIMIT_MB=${config.MEMORY_LIMIT_MB}: 0 (the cgroup's limit) or at least ${MIN_MEMORY_LIMIT_MB}`,
    );
  }
  if (!config.REDIS_CLUSTER && config.REDIS_URL?.includes(',')) {
    lines.push('REDIS_URL: several nodes need REDIS_CLUSTER=true (a Redis Cluster)');
  }
  if (lines.length > 0) {
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return config;
}

function secretSafe(property: string, value: unknown): string {
  return property === 'AUTH_JWT_SECRET' ? '(hidden)' : JSON.stringify(value);
}

/** One key source at most, and a public key that parses as RSA or EC P-256. */
function authProblems(config: AppConfig): string[] {
  const sources = ['AUTH_JWT_SECRET', 'AUTH_JWT_PUBLIC_KEY', 'AUTH_JWKS_URL'] as const;
  const set = sources.filter((key) => config[key] !== undefined);
  if (set.length > 1) return [`${set.join(', ')}: set only one of them`];
  const pem = config.AUTH_JWT_PUBLIC_KEY;
  if (pem === undefined) return [];
  config.AUTH_JWT_PUBLIC_KEY = pem.replace(/\\n/g, '\n');
  try {
    const key = createPublicKey(config.AUTH_JWT_PUBLIC_KEY);
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (key.asymmetricKeyType === 'rsa' || curve === 'prime256v1') return [];
    return ['AUTH_JWT_PUBLIC_KEY: must be an RSA (RS256) or EC P-256 (ES256) public key'];
  } catch (err) {
    return [`AUTH_JWT_PUBLIC_KEY: not a PEM public key (${(err as Error).message})`];
  }
}
