import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, ClassTransformOptions, plainToInstance } from 'class-transformer';
import { ValidateBy, validateSync, ValidationError } from 'class-validator';
import { badRequest, StreamerError } from './errors.js';

/** Absent fields keep the DTO's initializer (its default) instead of becoming undefined. */
const TRANSFORM: ClassTransformOptions = { exposeUnsetFields: false };

/** One `BAD_REQUEST` naming every refused field (each transport maps it: HTTP 400, GraphQL BAD_USER_INPUT). */
function validationError(errors: ValidationError[]): StreamerError {
  return badRequest(messages(errors).join('; '));
}

function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}),
    ...messages(e.children ?? []),
  ]);
}

/**
 * Validates a query string into a request DTO, the way the global pipe validates `@Query()`:
 * used where no Nest pipe runs (the WebSocket handshake, before the upgrade).
 */
export function validateQuery<T extends object>(
  cls: ClassConstructor<T>,
  query: URLSearchParams,
): T {
  const plain: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of query) if (!(name in plain)) plain[name] = value;
  const dto = plainToInstance(cls, plain, TRANSFORM);
  const errors = validateSync(dto);
  if (errors.length > 0) throw validationError(errors);
  return dto;
}

/**
 * The global pipe (`APP_PIPE`): validates and transforms request DTOs of HTTP handlers
 * (`@Query()`, `@Body()`, `@Param()`) and GraphQL resolvers (`@Args()`) with class-validator,
 * refusing with the service's own `BAD_REQUEST` error. GraphQL parents, contexts and custom
 * parameter decorators are left alone.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ transform: true, transformOptions: TRANSFORM, exceptionFactory: validationError });
  }

  protected override toValidate(metadata: ArgumentMetadata): boolean {
    return VALIDATED.has(metadata.type) && super.toValidate(metadata);
  }
}

const VALIDATED = new Set<string>(['query', 'body', 'param', 'args']);

/** A JSON object (not a list, string, number or null). */
export function IsJsonObject(): PropertyDecorator {
  return ValidateBy({
    name: 'isJsonObject',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' && value !== null && !Array.isArray(value),
      defaultMessage: (args) =>
        `${args?.property} must be a JSON object, got ${describe(args?.value)}`,
    },
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
