/**
 * GraphiQL served by the service itself, for networks without internet access: every script,
 * style, font and editor worker is bundled by the console build. Queries and mutations go over
 * HTTP to /graphql, subscriptions over graphql-ws on the same path. The console's token (when
 * auth is on) is sent as the Authorization header and in graphql-ws `connectionParams`.
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { getToken } from './api.js';

const token = getToken();
const authorization = token ? `Bearer ${token}` : undefined;
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  headers: authorization ? { authorization } : {},
  wsClient: createClient({
    url: `${scheme}://${location.host}/graphql`,
    connectionParams: authorization ? { authorization } : {},
    lazy: true,
  }),
});

const DEFAULT_QUERY = `# Streams of this service, with their length and metadata.
{
  streams {
    sid
    length
    lastEntryTime
    meta
  }
}

# Live entries (run this one on its own):
# subscription {
#   data(sids: ["cam"]) { sid time utf8 }
# }
`;

createRoot(document.getElementById('graphiql')!).render(
  createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }),
);
