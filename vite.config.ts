import { defineConfig } from 'vite';
import { nodePolyfills } from 'vite-plugin-node-polyfills';
import { VitePWA } from 'vite-plugin-pwa';

const THEME = '#0b1220';

export default defineConfig({
  plugins: [
    // simple-peer (main thread only) expects Node's Buffer, process, events, stream and util.
    nodePolyfills({
      include: ['buffer', 'process', 'events', 'stream', 'util'],
      globals: { Buffer: true, global: true, process: true },
    }),
    VitePWA({
      registerType: 'autoUpdate',
      // src/ui/register-sw.ts registers it through virtual:pwa-register, so the app decides when.
      injectRegister: null,
      // globPatterns below already precache every icon in public/; listing them again would duplicate entries.
      includeManifestIcons: false,
      manifest: {
        name: 'lattice-mesh',
        short_name: 'lattice',
        description: 'Peer-to-peer common operating picture for field teams',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        theme_color: THEME,
        background_color: THEME,
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: 'index.html',
        // The signaling socket and any future API are never the app shell.
        navigateFallbackDenylist: [/^\/signal/],
        cleanupOutdatedCaches: true,
        // The app chunk carries the map engine and every 2525 symbol set (~1.4 MB): workbox's 2 MiB
        // default would silently leave a grown chunk out of the precache, and the app offline without it.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        // The plugin adds the web manifest to the precache itself; drop the globbed copy.
        manifestTransforms: [
          async (entries) => ({ manifest: entries.filter((e) => e.url !== 'manifest.webmanifest'), warnings: [] }),
        ],
      },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
