#!/usr/bin/env node
/**
 * A GraphQL subscription over WebSocket (graphql-ws, the `graphql-transport-ws` protocol) to the
 * entries of one or more streams, on the same port as everything else.
 *
 *   node examples/node/subscription.mjs example:sub --from 0 --expect 3
 *
 * Each event is `{ sid, time, data, utf8, json }`: `time` the entry id, `data` base64. Ends
 * after --expect events, or runs until Ctrl-C. RS_URL and RS_TOKEN as in client-library.mjs.
 */
import { createClient } from 'graphql-ws';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string', default: '$' }, expect: { type: 'string', default: '0' } },
});
const sids = positionals.length > 0 ? positionals : ['example:sub'];
const expected = Number(values.expect);
const url = (process.env.RS_URL ?? 'http://localhost:8000').replace(/^http/, 'ws') + '/graphql';
const token = process.env.RS_TOKEN;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
  retryAttempts: 5,
});

const query = `subscription ($sids: [String!]!, $from: String) {
  data(sids: $sids, lastEntryId: $from) { sid time utf8 json }
}`;

let received = 0;
const events = client.iterate({ query, variables: { sids, from: values.from } });
try {
  for await (const event of events) {
    if (event.errors) throw new Error(JSON.stringify(event.errors));
    const { sid, time, utf8, json } = event.data.data;
    console.log(`${sid} ${time}: ${json !== null ? JSON.stringify(json) : utf8}`);
    if (expected > 0 && ++received >= expected) break;
  }
} finally {
  await client.dispose();
}
console.log(`received ${received} events`);
