import { Command } from 'commander';
import { DEFAULT_TTL, mintToken } from '../../auth.js';
import { collect, Raw } from '../options.js';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('print an HS256 JWT signed with AUTH_JWT_SECRET (from the environment)')
    .requiredOption('--sub <subject>', 'who the token is for (claim sub)')
    .option('--read <pattern>', 'sid glob it may pull and subscribe to (repeatable)', collect)
    .option(
      '--write <pattern>',
      'sid glob it may push to and set metadata of (repeatable)',
      collect,
    )
    .option('--admin', 'everything, including deleteStream')
    .option('--ttl <span>', 'lifetime: seconds, or 30m, 1h, 7d', DEFAULT_TTL)
    .action(async (opts: Raw) => {
      const secret = process.env.AUTH_JWT_SECRET;
      if (!secret) throw new Error("set AUTH_JWT_SECRET to the server's secret to mint a token");
      const token = await mintToken(secret, {
        sub: String(opts.sub),
        read: opts.read as string[] | undefined,
        write: opts.write as string[] | undefined,
        admin: opts.admin === true,
        ttl: String(opts.ttl),
      });
      process.stdout.write(`${token}\n`);
    });
}
