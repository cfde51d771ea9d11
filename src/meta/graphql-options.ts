import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config.js';

export const GRAPHQL_PATH = '/graphql';

/**
 * Apollo Server settings. The schema is built in memory from the decorated classes.
 *
 * `GRAPHQL_SANDBOX` (default on) serves Apollo Sandbox to browsers at GET /graphql and allows
 * introspection; off (production), both go and error messages stop suggesting field names.
 * Apollo's CSRF prevention stays on: POSTs with `Content-Type: application/json` (every normal
 * client) pass; simple cross-site form posts and bare GETs without a preflight header do not.
 *
 * Subscriptions are served by `GraphQLWsGateway` through the shared upgrade router, so the
 * driver's own `subscriptions` option (its own `upgrade` listener) stays off.
 */
export function graphqlOptions(config: AppConfig): ApolloDriverConfig {
  const sandbox = config.GRAPHQL_SANDBOX;
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    // Nest's GraphiQL page is off; with the sandbox on, Apollo's own landing page replaces it.
    graphiql: false,
    introspection: sandbox,
    hideSchemaDetailsFromClientErrors: !sandbox,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // Stop Apollo (and its HTTP drain, which ends every idle socket, upgraded WebSockets included)
    // only after the upgrade router has closed the WebSockets with 1001.
    stopOnApplicationShutdown: true,
    plugins: sandbox
      ? [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })]
      : [],
    context: ({ req }: { req: Request }) => ({ req }),
  };
}
