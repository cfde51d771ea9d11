#!/usr/bin/env node
/**
 * The client library (packages/client, npm package `redis-streamer-client`): push with acks, pull
 * the history back with the reconnecting Puller, the HTTP data endpoints, and GraphQL metadata.
 *
 *   npm run build:client && node examples/node/client-library.mjs example:node
 *
 * RS_URL (default http://localhost:8000) and RS_TOKEN (when the server has auth on) are read
 * from the environment.
 */
import {
  getEntries,
  GraphQLClient,
  postEntries,
  Puller,
  Pusher,
} from 'redis-streamer-client';

const url = process.env.RS_URL ?? 'http://localhost:8000';
const token = process.env.RS_TOKEN || undefined;
const sid = process.argv[2] ?? 'example:node';
const total = 20;

// 1. Push `total` entries over one WebSocket; with ack, each send resolves to its entry id.
const pusher = await Pusher.connect(sid, { url, token, ack: true });
const ids = [];
for (let i = 0; i < total; i++) ids.push(await pusher.send(JSON.stringify({ i, at: Date.now() })));
await pusher.close();
console.log(`pushed ${ids.length} entries, ${ids[0]} … ${ids.at(-1)}`);

// 2. Pull them back from the beginning, 5 per batch. The Puller reconnects by itself and resumes
//    after the last entry it handed out, so a dropped connection loses nothing.
const puller = new Puller(sid, { url, token, lastEntryId: '0', count: 5 });
let pulled = 0;
for await (const entry of puller) {
  if (entry.id !== ids[pulled]) throw new Error(`expected ${ids[pulled]}, got ${entry.id}`);
  if (++pulled === total) break;
}
console.log(`pulled ${pulled} entries back, in order`);

// 3. HTTP: one raw entry in, then everything after our last pushed id out.
const [httpId] = await postEntries(sid, Buffer.from('over HTTP'), { url, token });
const { entries, lastEntryId } = await getEntries(sid, { url, token, lastEntryId: ids.at(-1), count: 10 });
console.log(`HTTP: stored ${httpId}, read ${entries.length} entry: "${entries[0].data}", next cursor ${lastEntryId}`);

// 4. GraphQL: set metadata and read the stream's summary.
const gql = new GraphQLClient(url, { token });
await gql.query('mutation ($sid: String!, $meta: JSON!) { streamMeta(sid: $sid, meta: $meta) }', {
  sid,
  meta: { source: 'examples/node/client-library.mjs' },
});
const { stream } = await gql.query(
  'query ($sid: String!) { stream(sid: $sid) { sid length lastEntryId meta } }',
  { sid },
);
console.log('GraphQL:', JSON.stringify(stream));
if (stream.length !== total + 1) throw new Error(`expected ${total + 1} entries, found ${stream.length}`);
