/**
 * The one place that says how this project starts Chromium: Debian's system browser (nothing may
 * download a browser of its own), headless, with the flags that keep it off the closed network.
 * Used by the browser tests (web-test-runner.config.ts), the benchmarks and the screenshot script.
 */
import { execFileSync } from 'node:child_process';

/**
 * Without the background-networking flags Chromium floods a closed network with refused connections.
 * `--disable-gpu` turns off the GPU process' hardware paths only: WebGL still runs, on SwiftShader.
 */
export const CHROME_ARGS: string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL through SwiftShader (the map's GPU layer) with no GPU: headless Chromium falls back to it
  // today, and these flags keep it so once Chromium stops doing so unasked.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** CHROME_PATH, else `which chromium`. */
export function chromiumPath(): string {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch (cause) {
    throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROME_PATH', { cause });
  }
}
