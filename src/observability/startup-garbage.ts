/** The options of V8's `gc()` (exposed by `node --expose-gc`) that this service uses. */
type ExposedGc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * One full, memory-reducing collection once the application is built, before the port opens so
 * that no request waits for it. Start-up (loading NestJS, GraphQL, the OpenAPI document, ...)
 * leaves garbage in a heap that V8 grew without collecting it, and an idle service never allocates
 * enough to make V8 give those pages back; this returns them to the OS (docs/performance.md,
 * "Memory"). Runs only when the process was started with `--expose-gc` (as `npm start`,
 * `start:prod` and the container do); otherwise a no-op.
 */
export function releaseStartupGarbage(): void {
  const gc = (globalThis as { gc?: ExposedGc }).gc;
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
