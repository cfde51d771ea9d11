import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config.js';
import { CONFIG_SECTIONS } from './config-sections.js';

/**
 * Provides the validated configuration everywhere, in typed sections (`config-sections.ts`): each
 * consumer injects the section(s) it reads. Tests pass overrides, by environment name, to `forRoot`.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Partial<AppConfig> = {}): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useFactory: () => Object.assign(loadConfig(), overrides) },
        ...CONFIG_SECTIONS.map((section) => ({
          provide: section,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => pick(config, section.keys),
        })),
      ],
      exports: [...CONFIG_SECTIONS],
    };
  }
}

/** The settings `keys` names, copied from the validated configuration. */
function pick(config: AppConfig, keys: readonly (keyof AppConfig)[]): Partial<AppConfig> {
  return Object.freeze(Object.fromEntries(keys.map((key) => [key, config[key]])));
}
