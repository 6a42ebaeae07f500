// In development Vite serves the page and forwards API calls to a running `nexus serve`.
// `test` is the unit tests' setting (vitest): the pure modules, in a small DOM (happy-dom).
import { defineConfig } from 'vitest/config';

const api = process.env.NEXUS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  server: {
    proxy: { '/api': api, '/health': api, '/tiles': api, '/collections': api, '/export': api },
  },
  // Relative asset addresses: the same build serves from `nexus serve` and, copied by
  // `nexus export-site`, from any folder of any static host.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        // MapLibre's worker is a module named .mjs, a type many static hosts (Debian's nginx
        // among them) do not know: served as octet-stream, browsers refuse to run it.
        assetFileNames: (asset) =>
          asset.names.some((n) => n.endsWith('.mjs')) ? 'assets/[name]-[hash].js' : 'assets/[name]-[hash][extname]',
      },
    },
  },
  test: {
    include: ['unit/**/*.test.ts'],
    environment: 'happy-dom',
  },
});
