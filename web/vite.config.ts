// In development Vite serves the page and forwards API calls to a running `nexus serve`.
import { defineConfig } from 'vite';

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
});
