import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, loadConfig } from './app-config.js';

/** `.env.example` (docker compose's env_file) documents every setting, with valid values. */
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
