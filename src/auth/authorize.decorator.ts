import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AccessPolicy, Permission } from './access-policy.js';
import { principalOf } from './current-principal.decorator.js';
import type { StreamAccess } from './principal.js';

/**
 * The sids a GraphQL field needs its permission on, from its arguments as sent (and, for a field
 * of an object, its parent); null or undefined: none (a listing, filtered with `readableBy`).
 * May throw a `StreamerError` (BAD_USER_INPUT) when the arguments name no stream.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each declaration types its own args
export type SidsOf<A = any, P = any> = (args: A, parent: P) => readonly string[] | null | undefined;

interface AccessDeclaration {
  permission: Permission;
  sidsOf?: SidsOf;
}

const ACCESS = Symbol('graphqlAccess');

/**
 * GraphQL's application of `AccessPolicy`, on a query, mutation, subscription or field resolver:
 * the caller needs `permission` on the sids `sidsOf` names (or an admin token), checked before
 * the resolver runs. Refusals are FORBIDDEN.
 */
export function Authorize<A, P = unknown>(
  permission: StreamAccess,
  sidsOf: SidsOf<A, P>,
): MethodDecorator;
export function Authorize(permission: 'admin'): MethodDecorator;
export function Authorize(permission: Permission, sidsOf?: SidsOf): MethodDecorator {
  const declaration: AccessDeclaration = { permission, sidsOf };
  return applyDecorators(SetMetadata(ACCESS, declaration), UseGuards(GraphqlAccessGuard));
}

@Injectable()
export class GraphqlAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly policy: AccessPolicy,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const { permission, sidsOf } = this.reflector.get<AccessDeclaration>(
      ACCESS,
      context.getHandler(),
    );
    const gql = GqlExecutionContext.create(context);
    const principal = principalOf(gql);
    const info = gql.getInfo<GraphQLResolveInfo>();
    const via = info.operation.operation === 'subscription' ? 'graphql-ws' : 'graphql';
    const sids = sidsOf?.(gql.getArgs(), gql.getRoot()) ?? [];
    this.policy.require(principal, permission, sids, via, info.fieldName);
    return true;
  }
}
