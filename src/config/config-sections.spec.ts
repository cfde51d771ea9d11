import { Test } from '@nestjs/testing';
import { getMetadataStorage } from 'class-validator';
import { AppConfig } from './app-config.js';
import { CONFIG_SECTIONS, LimitsConfig, RedisConfig } from './config-sections.js';
import { ConfigModule } from './config.module.js';

describe('config sections', () => {
  it('hold every setting', () => {
    const settings = getMetadataStorage()
      .getTargetValidationMetadatas(AppConfig, '', false, false)
      .map((m) => m.propertyName);
    const inSections = new Set<string>(CONFIG_SECTIONS.flatMap((section) => section.keys));
    expect(settings.filter((name) => !inSections.has(name))).toEqual([]);
  });

  it('are provided by ConfigModule with the overrides, each holding only its settings', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ MAX_PAYLOAD_BYTES: 10, REDIS_WAIT_REPLICAS: 2 })],
    }).compile();
    const limits = moduleRef.get(LimitsConfig);
    expect(limits.MAX_PAYLOAD_BYTES).toBe(10);
    expect(Object.keys(limits).sort()).toEqual([...LimitsConfig.keys].sort());
    expect(moduleRef.get(RedisConfig).REDIS_WAIT_REPLICAS).toBe(2);
    await moduleRef.close();
  });
});
