#!/usr/bin/env node
/**
 * The command-line client, the TypeScript successor of the original's `tests/api.py`, with the
 * same commands and flags: push_increment, pull_raw, push_image, pull_image, ls; `record` and
 * `replay` (MCAP files); and `token`, which mints a JWT for a server with AUTH_JWT_SECRET.
 *
 *   npm run client -- push_increment counter --max_value 100
 *   redis-streamer pull_image blah --latest --duration 10
 */
import { Command, Option } from 'commander';
import { registerLs } from './cli/commands/ls.js';
import { registerPullImage } from './cli/commands/pull-image.js';
import { registerPullRaw } from './cli/commands/pull-raw.js';
import { registerPushImage } from './cli/commands/push-image.js';
import { registerPushIncrement } from './cli/commands/push-increment.js';
import { registerRecord } from './cli/commands/record.js';
import { registerReplay } from './cli/commands/replay.js';
import { registerToken } from './cli/commands/token.js';
import { DEFAULT_URL } from './urls.js';

/** The program: global options, then one module per command under cli/commands/. */
function buildProgram(): Command {
  const program = new Command('redis-streamer')
    .description('Push and pull data through a redis-streamer server (WebSocket, HTTP, GraphQL).')
    .addOption(new Option('--url <url>', `server base URL (default ${DEFAULT_URL})`).env('RS_URL'))
    .addOption(
      new Option('--token <jwt>', 'access token, sent as Authorization: Bearer').env('RS_TOKEN'),
    )
    .option('--plain', 'plain progress lines even on a terminal')
    .showHelpAfterError();
  for (const register of [
    registerPushIncrement,
    registerPullRaw,
    registerPushImage,
    registerPullImage,
    registerLs,
    registerRecord,
    registerReplay,
    registerToken,
  ]) {
    register(program);
  }
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
    // Keep-alive HTTP sockets would hold the process open for a few more seconds.
    process.exit(0);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

void main();
