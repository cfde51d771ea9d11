/**
 * The bare-socket reference of the push rows: a minimal `ws` server, in a process of its own,
 * that discards every frame it receives. It takes the frames as the service's push endpoint does
 * (`ws` with the same options, `bufferutil` when installed) and does nothing else, so a push row's
 * gateway ÷ sink is the share of what one Node process can take from a socket on this machine.
 *
 *   node dist-bench/bench/ws-sink.js      prints {"port": N} on stdout, then serves until killed
 *
 * A client connects to `/?frames=N`; once N frames have come, the sink answers with one text
 * frame `done` (the client's measure of "landed").
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  clientTracking: false,
  maxPayload: 256 * 1024 * 1024,
  perMessageDeflate: false,
});

server.on('connection', (ws, req) => {
  const frames = Number(new URL(req.url ?? '/', 'http://sink').searchParams.get('frames') ?? 0);
  let received = 0;
  ws.on('message', () => {
    if (++received === frames) ws.send('done');
  });
  ws.on('error', () => undefined);
});

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
