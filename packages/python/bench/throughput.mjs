// The same measurement as throughput.py with the TypeScript client library
// (packages/client, built by `npm run build:client`).
//   node throughput.mjs URL SID [--size 262144] [--count 400]
import { Puller, Pusher } from '../../client/dist/index.js';

const [url, sid, ...rest] = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const size = opt('size', 262144);
const count = opt('count', 400);
const payload = Buffer.alloc(size, 7);

let start = performance.now();
const pusher = await Pusher.connect(sid, { url, ack: true });
const inFlight = new Set();
for (let i = 0; i < count; i++) {
  const p = pusher.send(payload);
  inFlight.add(p);
  p.finally(() => inFlight.delete(p));
  if (inFlight.size >= 64) await Promise.race(inFlight);
}
await Promise.all(inFlight);
await pusher.close();
const pushS = (performance.now() - start) / 1000;

start = performance.now();
let received = 0;
const puller = new Puller(sid, { url, lastEntryId: '0', count: 10 });
for await (const entry of puller) {
  if (entry.data.length !== size) throw new Error('wrong size');
  if (++received === count) break;
}
const pullS = (performance.now() - start) / 1000;
const mb = (count * size) / 1048576;
console.log(
  JSON.stringify({
    client: 'typescript',
    entries: count,
    push_MBps: Math.round((mb / pushS) * 10) / 10,
    pull_MBps: Math.round((mb / pullS) * 10) / 10,
  }),
);
process.exit(0);
