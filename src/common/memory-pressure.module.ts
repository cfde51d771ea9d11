import { Module } from '@nestjs/common';
import { MemoryPressure } from './memory-pressure.js';

/** The one `MemoryPressure` gate, for the modules that wait on it or report it. */
@Module({ providers: [MemoryPressure], exports: [MemoryPressure] })
export class MemoryPressureModule {}
