import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// Four pages, built to dist/client: the kiosk page (served at `/`), the enrollment page (served
// at `/enroll`), the fleet view (admin/kiosks.html, served at `/admin/kiosks` behind Basic
// auth) and the API docs (api-docs.html, served at `/api/docs`). Scripts and styles go to files only: the Content-Security-Policy allows nothing inline.
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  build: {
    outDir: path.resolve(here, '../dist/client'),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: true,
    // No inlined assets as data: URLs in scripts or styles; everything is a file from 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Swagger UI (the API docs page only) is one 1.4 MB bundle; every other page stays small.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        kiosk: path.resolve(here, 'index.html'),
        enroll: path.resolve(here, 'enroll.html'),
        fleet: path.resolve(here, 'admin/kiosks.html'),
        docs: path.resolve(here, 'api-docs.html'),
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/admin': 'http://localhost:3000',
      '/socket.io': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
