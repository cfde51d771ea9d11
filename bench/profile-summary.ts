/**
 * Sums the self time of a V8 `.cpuprofile` (from `node --cpu-prof`) by function and by package.
 *
 *   node dist-bench/bench/profile-summary.js PROFILE.cpuprofile [--top 25]
 *
 * Percentages are of the busy time (everything but `(idle)`), so they read as "share of the
 * CPU the process actually used".
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/<pkg>` (scoped too), `node:<internal>`, or the project file. */
function packageOf(url: string): string {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return 'node (internals)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const local = /\/(dist|src|bench|dist-bench)\/(.*)$/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}

function shortUrl(url: string): string {
  const m = /node_modules\/(.*)$/.exec(url);
  if (m) return m[1];
  const local = /\/((?:dist|src|dist-bench)\/.*)$/.exec(url);
  return local ? local[1] : url;
}

export function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's node.
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const key = url
      ? `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(anonymous)';
    fn.set(key, (fn.get(key) ?? 0) + dt);
    const p = url ? packageOf(url) : functionName.startsWith('(') ? functionName : '(native/vm)';
    pkg.set(p, (pkg.get(p) ?? 0) + dt);
  }
  const busy = total - idle;
  const lines: string[] = [];
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number) => ((100 * us) / busy).toFixed(1).padStart(5);
  lines.push(
    `profile: ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s ` +
      `(${((100 * busy) / Math.max(1, total)).toFixed(0)} %), idle ${(idle / 1e6).toFixed(1)} s`,
  );
  lines.push('', `top ${top} functions by self time (% of busy):`);
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${pct(v)} % ${ms(v)} ms  ${k}`);
  }
  lines.push('', 'self time by package (% of busy):');
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`${pct(v)} % ${ms(v)} ms  ${k}`);
  }
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: node dist-bench/bench/profile-summary.js FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(`== ${file}`);
    console.log(summarize(profile, Number(values.top)));
  }
}

main();
