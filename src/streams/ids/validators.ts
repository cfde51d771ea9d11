import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';
import { cursorListProblem } from './cursors.js';
import { groupNameProblem, sidListProblem, sidProblem } from './sid.js';

/**
 * class-validator decorators for request DTOs of every transport (WebSocket handshake, HTTP,
 * GraphQL): the rules themselves live in `sid.ts` and `cursors.ts`.
 */

/** A valid stream id (SPEC "Words"); `{ each: true }` for a list. */
export function IsSid(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSid',
      validator: {
        validate: isSid,
        // With `each`, `value` is the whole list: name its first invalid sid.
        defaultMessage: (args?: ValidationArguments) =>
          sidMessage(Array.isArray(args?.value) ? args.value.find((v) => !isSid(v)) : args?.value),
      },
    },
    options,
  );
}

/** A list of valid stream ids, none listed twice. */
export function IsSidList(): PropertyDecorator {
  return ValidateBy({
    name: 'isSidList',
    validator: {
      validate: (value: unknown) => Array.isArray(value) && sidListProblem(value) === null,
      defaultMessage: (args?: ValidationArguments) =>
        Array.isArray(args?.value)
          ? (sidListProblem(args.value as unknown[]) ?? '')
          : `${args?.property} must be a list of stream ids`,
    },
  });
}

/** `$`, `0`, `-` or an entry id, or one of those per stream joined by `+`. */
export function IsCursorList(): PropertyDecorator {
  return ValidateBy({
    name: 'isCursorList',
    validator: {
      validate: (value: unknown) => cursorListProblem(value) === null,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property}: ${cursorListProblem(args?.value)}`,
    },
  });
}

/** A consumer group or consumer name. */
export function IsGroupName(): PropertyDecorator {
  return ValidateBy({
    name: 'isGroupName',
    validator: {
      validate: (value: unknown) => groupNameProblem(value) === null,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property} ${groupNameProblem(args?.value)}`,
    },
  });
}

function isSid(value: unknown): boolean {
  return typeof value === 'string' && sidProblem(value) === null;
}

function sidMessage(value: unknown): string {
  if (typeof value !== 'string') return 'stream id must be a string';
  return `${sidProblem(value)}: ${JSON.stringify(value.slice(0, 64))}`;
}
