import { Command } from 'commander';
import { GraphQLClient, listStreams, StreamSummary } from '../../graphql.js';
import { connection, Raw } from '../options.js';

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list the streams (GraphQL)')
    .action(async (_opts: Raw, cmd: Command) => {
      await listCommand(connection(cmd));
    });
}

/** `ls`: a table of the streams (GraphQL `streams`). */
async function listCommand(o: { url: string; token?: string }): Promise<void> {
  const streams = await listStreams(new GraphQLClient(o.url, { token: o.token }));
  process.stdout.write(`${formatTable(streams)}\n`);
}

export function formatTable(streams: readonly StreamSummary[]): string {
  const header = ['sid', 'length', 'lastEntryId', 'lastEntryTime', 'meta'];
  const rows = streams.map((s) => [
    s.sid,
    s.length === null ? '-' : String(s.length),
    s.lastEntryId ?? '-',
    s.lastEntryTime ?? '-',
    s.meta && typeof s.meta === 'object' && Object.keys(s.meta).length === 0
      ? ''
      : JSON.stringify(s.meta),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  out.push(`${streams.length} stream${streams.length === 1 ? '' : 's'}`);
  return out.join('\n');
}
