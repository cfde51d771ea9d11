import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config.js';

/** Provides the validated `AppConfig` everywhere. Tests pass overrides to `forRoot`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Partial<AppConfig> = {}): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useFactory: () => Object.assign(loadConfig(), overrides) }],
      exports: [AppConfig],
    };
  }
}
