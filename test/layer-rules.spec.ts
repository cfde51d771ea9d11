import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IConfiguration } from 'dependency-cruiser';

/**
 * The layer rules that `npm run lint` checks (.dependency-cruiser.cjs, docs/architecture.md), run
 * on planted files: a tree laid out like src/ in a temporary folder, each file importing one other.
 */
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'layer-rules-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The rules `from` (a path under src/) breaks by importing `to`. */
async function brokenBy(from: string, to: string): Promise<string[]> {
  plant(to, 'export const planted = 1;\n');
  const specifier = relativeImport(from, to);
  plant(from, `import { planted } from '${specifier}';\nexport const uses = planted;\n`);
  const result = await cruise(
    [`src/${from}`],
    {
      baseDir: root,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      includeOnly: '^src/',
    },
    { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  );
  if (typeof result.output === 'string') throw new Error('expected a cruise result');
  const found = result.output.modules.find((m) => m.source === `src/${from}`);
  expect(found?.dependencies.map((d) => d.resolved)).toEqual([`src/${to}`]);
  return result.output.summary.violations.map((v) => v.rule.name);
}

function plant(path: string, text: string): void {
  const file = join(root, 'src', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function relativeImport(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return (up === 0 ? './' : '../'.repeat(up)) + to.replace(/\.ts$/, '.js');
}

describe('layer rules', () => {
  it.each([
    ['recording/planted.ts', 'devices/devices.module.ts', 'feature-imports-feature'],
    ['data/ws/planted.ts', 'recording/mcap-export.service.ts', 'feature-imports-feature'],
    ['data/planted.ts', 'devices/device.repository.ts', 'feature-imports-feature'],
    ['devices/planted.ts', 'streams-api/streams.resolver.ts', 'feature-imports-feature'],
    ['streams-api/planted.ts', 'devices/devices.resolver.ts', 'feature-imports-feature'],
    ['alerts/planted.ts', 'data/protocol.ts', 'feature-imports-feature'],
    ['data/planted.ts', 'alerts/alerts.service.ts', 'feature-imports-feature'],
    ['data/planted.ts', 'observability/data-counters.ts', 'feature-imports-top'],
    ['devices/planted.ts', 'app.module.ts', 'feature-imports-top'],
    ['ws/planted.ts', 'devices/device-events.ts', 'platform-imports-feature'],
    ['ws/planted.ts', 'data/protocol.ts', 'platform-imports-feature'],
    ['auth/planted.ts', 'alerts/alerts.service.ts', 'platform-imports-feature'],
    ['graphql/planted.ts', 'streams-api/models/stream.model.ts', 'platform-imports-feature'],
    ['http/planted.ts', 'site/site.module.ts', 'platform-imports-feature'],
    ['streams/planted.ts', 'devices/device-id.ts', 'core-imports-transport'],
    ['streams/hub/planted.ts', 'ws/upgrade-router.ts', 'core-imports-transport'],
    ['redis/planted.ts', 'auth/principal.ts', 'core-imports-transport'],
    ['redis/planted.ts', 'streams/ids/sid.ts', 'redis-imports-streams'],
    ['common/planted.ts', 'redis/redis-connections.ts', 'base-imports-above'],
    ['config/planted.ts', 'streams/ids/sid.ts', 'base-imports-above'],
  ])('%s importing %s breaks %s', async (from, to, rule) => {
    expect(await brokenBy(from, to)).toContain(rule);
  });

  it.each([
    // The declared exceptions.
    ['data/dto/planted.ts', 'devices/device-id.ts'],
    ['streams-api/dto/planted.ts', 'devices/device-id.ts'],
    ['devices/planted.ts', 'streams-api/models/stream.model.ts'],
    ['devices/planted.ts', 'streams-api/stream-meta.service.ts'],
    // Each layer on the ones below it, and a feature on itself.
    ['data/ws/planted.ts', 'data/protocol.ts'],
    ['alerts/planted.ts', 'ws/upgrade-router.ts'],
    ['recording/planted.ts', 'http/raw-body.ts'],
    ['devices/planted.ts', 'graphql/subscription-sink.ts'],
    ['graphql/planted.ts', 'ws/upgrade-router.ts'],
    ['auth/planted.ts', 'streams/ids/sid.ts'],
    ['streams/planted.ts', 'redis/redis-connections.ts'],
    ['redis/planted.ts', 'config/app-config.ts'],
    ['common/planted.ts', 'config/app-config.ts'],
    // The top imports anything.
    ['site/planted.ts', 'recording/mcap-export.service.ts'],
    ['observability/planted.ts', 'ws/upgrade-router.ts'],
    ['planted.ts', 'alerts/alerts.module.ts'],
  ])('%s may import %s', async (from, to) => {
    expect(await brokenBy(from, to)).toEqual([]);
  });
});
