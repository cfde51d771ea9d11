import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, loadConfig } from './app-config.js';

/** `.env.example` (the optional `.env` of docker compose) documents every setting, with valid values. */
describe('.env.example', () => {
  const text = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
  const entries = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('sets every variable of AppConfig', () => {
    const settings = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(AppConfig, '', false, false)
        .map((m) => m.propertyName),
    );
    expect(settings.size).toBeGreaterThan(10);
    expect([...settings].filter((name) => !(name in entries))).toEqual([]);
  });

  it('holds values the service accepts', () => {
    expect(() => loadConfig(entries)).not.toThrow();
  });
});

/**
 * The compose files need no `.env`: each passes every setting to the service as
 * `NAME: "${NAME:-default}"`, so a value from the shell or an optional `.env` wins and an empty
 * one means the service's default.
 */
describe.each(['docker-compose.yml', 'docker-compose.cluster.yml'])('%s', (file) => {
  const text = readFileSync(join(process.cwd(), file), 'utf8');
  const passed = new Set(
    [...text.matchAll(/^ {2}([A-Z][A-Z0-9_]*): "\$\{\1:-[^}]*\}"$/gm)].map((m) => m[1]),
  );

  it('passes every setting of the service from the shell or .env, with no env_file', () => {
    const settings = getMetadataStorage()
      .getTargetValidationMetadatas(AppConfig, '', false, false)
      .map((m) => m.propertyName)
      .filter((name) => !['PORT', 'REDIS_URL', 'REDIS_CLUSTER'].includes(name));
    expect(settings.filter((name) => !passed.has(name))).toEqual([]);
    expect(text).not.toMatch(/^\s*env_file:/m);
  });
});
