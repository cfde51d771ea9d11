import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the web console and GraphiQL into dist/web, which the service serves at /console and
 * /graphiql (assets under /console/assets/). No CDN: everything the pages load is in there.
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // GraphiQL's editor (Monaco) is large by nature; it loads only on /graphiql.
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries' "use client" markers mean nothing outside server components.
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        graphiql: fileURLToPath(new URL('graphiql.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
});
