import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { Principal } from './principal.js';

/** The GraphQL context's caller, set when the context is built (HTTP) or at `connection_init` (graphql-ws). */
// A type, not an interface: graphql-ws wants its `extra` assignable to an index signature.
export type AuthContext = { principal?: Principal };

/** The caller of a GraphQL operation; UNAUTHENTICATED when its context has none. */
export function principalOf(context: GqlExecutionContext): Principal {
  const { principal } = context.getContext<AuthContext>();
  if (!principal) throw new StreamerError(ErrorCode.Unauthenticated, 'missing token');
  return principal;
}

/** Resolver parameter: the calling `Principal` (unrestricted while auth is off). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    principalOf(GqlExecutionContext.create(context)),
);
