import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import { AuthService, remoteOf } from '../auth/auth.service.js';
import type { AuthContext } from '../auth/current-principal.decorator.js';
import { GraphqlConfig } from '../config/config-sections.js';
import { httpStatusFor, StreamerError } from '../common/errors.js';
import { toGraphQLError } from './graphql-errors.js';

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
export function graphqlOptions(config: GraphqlConfig, auth: AuthService): ApolloDriverConfig {
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
    // Field resolvers (`@ResolveField`) apply their `@Authorize()` guard, and their refusals
    // (FORBIDDEN, BAD_USER_INPUT) go through the resolvers' exception filter, as queries do.
    fieldResolverEnhancers: ['guards', 'filters'],
    // Stop Apollo (and its HTTP drain, which ends every idle socket, upgraded WebSockets included)
    // only after the upgrade router has closed the WebSockets with 1001.
    stopOnApplicationShutdown: true,
    plugins: sandbox
      ? [
          withGraphiQLLink(
            ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
          ),
        ]
      : [],
    context: async ({ req }: { req: Request }) => ({ req, ...(await authContext(auth, req)) }),
  };
}

/** Where the service serves its own GraphiQL (no CDN needed), see ConsoleModule. */
const GRAPHIQL_PATH = '/graphiql';
const OFFLINE_TEXT = 'it appears that you might be offline.</p>';
const OFFLINE_LINK = `${OFFLINE_TEXT}\n  <p><a href="${GRAPHIQL_PATH}">Open GraphiQL</a>: served by this service, it works without internet access.</p>`;

/**
 * Apollo Sandbox comes from Apollo's CDN; where that cannot load, the landing page shows its
 * "offline" text. This adds a link to the local GraphiQL there.
 */
function withGraphiQLLink(plugin: ApolloServerPlugin): ApolloServerPlugin {
  return {
    ...plugin,
    async serverWillStart(service) {
      const listener = await plugin.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!listener || !render) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render.call(listener);
          const html = typeof page.html === 'string' ? page.html : await page.html();
          return { html: html.replace(OFFLINE_TEXT, OFFLINE_LINK) };
        },
      };
    },
  };
}

/**
 * The caller of an HTTP GraphQL request (Authorization header or `access_token`). A refused
 * token fails the whole request: HTTP 401 (503 when the key set is unreachable) with
 * `extensions.code` UNAUTHENTICATED.
 */
async function authContext(auth: AuthService, req: Request): Promise<AuthContext> {
  try {
    return { principal: await auth.authenticate(auth.tokenOf(req), remoteOf(req), 'graphql') };
  } catch (err) {
    const error = toGraphQLError(err);
    const status = err instanceof StreamerError ? httpStatusFor(err.code) : 500;
    throw new GraphQLError(error.message, {
      extensions: { ...error.extensions, http: { status } },
    });
  }
}
