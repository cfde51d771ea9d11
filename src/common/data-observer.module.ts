import { Module } from '@nestjs/common';
import { DATA_OBSERVER, DataObserverRegistry } from './data-observer.js';

/**
 * The `DATA_OBSERVER` (a `DataObserverRegistry`) for the modules that report to it (the core and
 * the data features) and the one that fills it (observability): each imports this module.
 */
@Module({
  providers: [DataObserverRegistry, { provide: DATA_OBSERVER, useExisting: DataObserverRegistry }],
  exports: [DataObserverRegistry, DATA_OBSERVER],
})
export class DataObserverModule {}
