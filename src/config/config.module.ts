import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig, settingsGiven } from './app-config.js';
import { CONFIG_SECTIONS } from './config-sections.js';
import { readMemoryLimit } from './memory-limit.js';
import { MemoryPlan, PLANNED_SETTINGS, PlannedSetting, planMemory } from './memory-plan.js';

/**
 * Provides the validated configuration everywhere, in typed sections (`config-sections.ts`): each
 * consumer injects the section(s) it reads. Tests pass overrides, by environment name, to `forRoot`.
 *
 * Also provides the `MemoryPlan` for the process's memory limit: the settings it sizes take the
 * planned values unless the environment or an override sets them.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Partial<AppConfig> = {}): DynamicModule {
    let loaded: { config: AppConfig; plan: MemoryPlan } | undefined;
    const load = () => (loaded ??= plannedConfig(overrides));
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useFactory: () => load().config },
        { provide: MemoryPlan, useFactory: () => load().plan },
        ...CONFIG_SECTIONS.map((section) => ({
          provide: section,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => pick(config, section.keys),
        })),
      ],
      exports: [MemoryPlan, ...CONFIG_SECTIONS],
    };
  }
}

/** The configuration with the memory plan's sizes where no setting was given. */
function plannedConfig(overrides: Partial<AppConfig>): { config: AppConfig; plan: MemoryPlan } {
  const config = Object.assign(loadConfig(), overrides);
  const given = settingsGiven();
  for (const key of Object.keys(overrides)) given.add(key);
  const explicit: Partial<Record<PlannedSetting, number>> = {};
  for (const key of PLANNED_SETTINGS) if (given.has(key)) explicit[key] = config[key];
  const plan = planMemory(readMemoryLimit(config.MEMORY_LIMIT_MB)).withSettings(explicit);
  Object.assign(config, plan.settings);
  return { config, plan };
}

/** The settings `keys` names, copied from the validated configuration. */
function pick(config: AppConfig, keys: readonly (keyof AppConfig)[]): Partial<AppConfig> {
  return Object.freeze(Object.fromEntries(keys.map((key) => [key, config[key]])));
}
