import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { ErrorCode, StreamerError } from '../common/errors.js';

/** `extensions.code` values clients see (Apollo's conventional codes). */
enum GraphQLErrorCode {
  BadUserInput = 'BAD_USER_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  Internal = 'INTERNAL_SERVER_ERROR',
}

const logger = new Logger('GraphQLErrors');

/**
 * The one mapping from service errors to GraphQL errors (queries, mutations and subscriptions).
 * Client mistakes keep their message; server and Redis failures are logged here once and
 * reach the client as a generic message, never with internals.
 */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (!(error instanceof StreamerError)) {
    logger.error(`unexpected GraphQL failure: ${error instanceof Error ? error.stack : error}`);
    return graphQLError('internal server error', GraphQLErrorCode.Internal, ErrorCode.Internal);
  }
  switch (error.code) {
    case ErrorCode.BadRequest:
    case ErrorCode.MalformedData:
    case ErrorCode.TooLarge:
      return graphQLError(error.message, GraphQLErrorCode.BadUserInput, error.code);
    case ErrorCode.NotAllowed:
    case ErrorCode.Forbidden:
      return graphQLError(error.message, GraphQLErrorCode.Forbidden, error.code);
    case ErrorCode.Unauthenticated:
    case ErrorCode.TokenExpired:
      return graphQLError(error.message, GraphQLErrorCode.Unauthenticated, error.code);
    case ErrorCode.Unavailable:
      logger.warn(error.message);
      return graphQLError(
        'Redis is unreachable right now; try again later',
        GraphQLErrorCode.ServiceUnavailable,
        error.code,
      );
    case ErrorCode.ShuttingDown:
    case ErrorCode.Overloaded:
      return graphQLError(error.message, GraphQLErrorCode.ServiceUnavailable, error.code);
    case ErrorCode.Internal:
      logger.error(error.message);
      return graphQLError('internal server error', GraphQLErrorCode.Internal, error.code);
  }
}

function graphQLError(message: string, code: GraphQLErrorCode, reason: ErrorCode): GraphQLError {
  return new GraphQLError(message, { extensions: { code, reason } });
}

/** Applies `toGraphQLError` to whatever a resolver throws (graphql-js reports a returned Error). */
@Catch()
export class GraphQLErrorFilter implements GqlExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): GraphQLError {
    return toGraphQLError(exception);
  }
}

/**
 * A subscription's `resolve`: a session failure (Redis gone) reaches the client as a GraphQL
 * error, then the stream ends.
 */
export function eventOrError<T>(event: T | StreamerError): T {
  if (event instanceof StreamerError) throw toGraphQLError(event);
  return event;
}
