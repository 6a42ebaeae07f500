// In development Vite serves the page and forwards API calls to a running `nexus serve`.
// `test` is the unit tests' setting (vitest): the pure modules, in a small DOM (happy-dom).
import { defineConfig } from 'vitest/config';

const api = process.env.NEXUS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  server: {
    proxy: { '/api': api, '/health': api, '/tiles': api, '/collections': api, '/export': api },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ['unit/**/*.test.ts'],
    environment: 'happy-dom',
  },
});
