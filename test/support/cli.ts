import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const CLIENT = join(ROOT, 'packages/client');
export const CLI = join(CLIENT, 'dist/cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

/** The client build's own record (`tsc -b`), newer than every source it has compiled. */
const BUILD_INFO = join(CLIENT, 'dist/.tsbuildinfo');

/** Builds the client package unless its last build is newer than every file of its src/. */
export async function buildCliIfStale(): Promise<void> {
  const built = existsSync(CLI) && existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : 0;
  if (built >= newestMtime(join(CLIENT, 'src'))) return;
  await new Promise<void>((resolve, reject) =>
    execFile('npm', ['run', 'build:client', '--silent'], { cwd: ROOT }, (err, _out, stderr) =>
      err ? reject(new Error(`npm run build:client failed: ${stderr}`)) : resolve(),
    ),
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process whose output is collected as it comes. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  private readonly child: ChildProcess;

  constructor(args: string[], timeoutMs = 20000, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // A safety net only: every test bounds its run with a limit or a duration.
    const killer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.done = new Promise((resolve) => {
      this.child.once('close', (code) => {
        clearTimeout(killer);
        resolve({ code, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Ctrl-C. */
  interrupt(): void {
    this.child.kill('SIGINT');
  }
}

/** Runs the CLI to its end (`env` adds to or overrides the test's environment). */
export function runCli(
  args: string[],
  timeoutMs?: number,
  env?: NodeJS.ProcessEnv,
): Promise<CliResult> {
  return new CliProcess(args, timeoutMs, env).done;
}
