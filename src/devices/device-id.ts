import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * Devices (docs/devices.md): a device `<id>` owns the streams `<id>:<sid>`. Device ids go into
 * Redis key names with a hash tag (`{<id>}`) and into SCAN patterns (`<id>:*`), so they may not
 * contain what would end the tag or the prefix early.
 */

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORBIDDEN = /[\u0000-\u001f\u007f:{}+*?[\]\\]/;
const MAX_DEVICE_ID_LENGTH = 128;
/** The device of the original's `device(id)` query when none is named. */
export const DEFAULT_DEVICE = 'default';
/** Separates a device id from the rest of its streams' ids. */
const DEVICE_SEPARATOR = ':';

/** Why `id` is not a valid device id, or null when it is. */
export function deviceIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'device id must not be empty';
  if (id.length > MAX_DEVICE_ID_LENGTH)
    return `device id is longer than ${MAX_DEVICE_ID_LENGTH} characters`;
  if (FORBIDDEN.test(id))
    return 'device id must not contain control characters or any of : { } + * ? [ ] \\';
  if (id.includes('\ufffd')) return 'device id must be valid UTF-8';
  return null;
}

/** A valid device id ; `{ each: true }` for a list. */
export function IsDeviceId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDeviceId',
      validator: {
        validate: (value: unknown) => deviceIdProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) => {
          const value: unknown = Array.isArray(args?.value)
            ? (args.value as unknown[]).find((v) => deviceIdProblem(v) !== null)
            : args?.value;
          return `${deviceIdProblem(value)}: ${JSON.stringify(String(value).slice(0, 64))}`;
        },
      },
    },
    options,
  );
}

/** The prefix of every stream of device `id`. */
export function deviceStreamPrefix(id: string): string {
  return id + DEVICE_SEPARATOR;
}

/**
 * The devices a push connection speaks for: the one it names (`?device=<id>`), else the device
 * prefix of each of its streams (`<id>:<sid>`) that is a valid device id. Computed once per
 * connection, at the handshake.
 */
export function devicesOf(sids: readonly string[], named: string | null): string[] {
  if (named !== null) return [named];
  const ids = new Set<string>();
  for (const sid of sids) {
    const end = sid.indexOf(DEVICE_SEPARATOR);
    if (end <= 0) continue;
    const id = sid.slice(0, end);
    if (deviceIdProblem(id) === null) ids.add(id);
  }
  return [...ids];
}
