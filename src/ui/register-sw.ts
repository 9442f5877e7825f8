/// <reference types="vite-plugin-pwa/vanillajs" />
import { registerSW } from 'virtual:pwa-register';

/**
 * Registers the precaching service worker (offline use). `autoUpdate`: a new build takes over on
 * the next load without a prompt, since a stale picture is worse than a reload.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  registerSW({ immediate: true });
}
