import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
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
        return new URL(url.trim()).hostname !== '';
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
  /** Approximate cap on each stream's length (XADD MAXLEN ~); 0 = no cap. */
  @Transform(toInt) @IsInt() @Min(0) STREAM_MAXLEN = 1000;
  /** Bounds one WebSocket frame and one HTTP body. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024 * 1024 * 1024) MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
  /** Blocking Redis connections the live read hub spreads its streams over. */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) HUB_READERS = 1;
  /** A puller's socket backlog (bytes) above which it stops taking live entries and later catches up. */
  @Transform(toInt) @IsInt() @Min(1024) PULL_HIGH_WATER_BYTES = 8 * 1024 * 1024;
  /** Unacknowledged XADDs per push connection before the server stops reading that socket. */
  @Transform(toInt) @IsInt() @Min(1) PUSH_MAX_PENDING = 4096;
  /** Most concurrent WebSocket connections (data and GraphQL together); 0 = unlimited. */
  @Transform(toInt) @IsInt() @Min(0) MAX_CONNECTIONS = 10000;
  /** Most sids in one GraphQL call or one data URL. */
  @Transform(toInt) @IsInt() @Min(1) MAX_SIDS_PER_REQUEST = 1000;
  /** Apollo Sandbox landing page and introspection on `/graphql`. */
  @Transform(toBool) @IsBoolean() GRAPHQL_SANDBOX = true;
  /** Allowed CORS origins, comma separated; `*` allows any. */
  @IsString() CORS_ORIGINS = '*';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /** Milliseconds a graceful shutdown may take before the process exits anyway. */
  @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_TIMEOUT_MS = 10000;
  /**
   * Payload bytes one pull batch, one catch-up read, one HTTP GET answer or one subscription's
   * buffer may hold (a single larger entry travels alone).
   */
  @Transform(toInt) @IsInt() @Min(1024) PULL_BATCH_BYTES = 8 * 1024 * 1024;
  /** A Redis command unanswered this long (blocking reads excepted) fails and its connection is replaced. */
  @Transform(toInt) @IsInt() @Min(100) REDIS_COMMAND_TIMEOUT_MS = 5000;
  /** Every WebSocket is pinged this often; one that did not answer the previous ping is dropped. */
  @Transform(toInt) @IsInt() @Min(10) WS_PING_INTERVAL_MS = 30000;
}

export class ConfigError extends Error {}

/**
 * Validates `env` into an `AppConfig`; throws one `ConfigError` naming every bad variable.
 * Unknown variables are ignored; missing ones take their defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  known.push('REDIS_URL');
  const picked: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const config = plainToInstance(AppConfig, picked, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return config;
}
