// Build of the browser app: `npm run build:ui` writes webmail/ui/dist, served by webmail/ui-route.ts.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Browsers we support preload modules natively; the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    // Keep everything in files: the CSP forbids inline scripts and data: fonts are not needed.
    assetsInlineLimit: 0,
  },
});
