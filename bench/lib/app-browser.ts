/**
 * Shared launcher for scenarios that drive tabs of the built app (s7, s11): checks the build,
 * serves dist/ with `createAppServer` (static PWA + WebSocket signaling), launches the system
 * Chromium with puppeteer-core on a fresh profile and opens app tabs that wait for
 * `window.lattice.ready`.
 *
 * Build check: dist/ is served when it is newer than every file in src/ and workers/. Otherwise the
 * app is built with `vite build` into a private directory (os.tmpdir()/lattice-bench-dist-<hash of
 * the repo root>, reused while it is newer than the sources), never into the shared dist/: other
 * engineers may be serving or rebuilding it. The directory is keyed by the checkout, so benches run
 * from two working trees at once never serve each other's build. BENCH_BUILD=1 forces a fresh private build. The served directory and whether
 * it was built now are reported, so a scenario can say what it measured.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { createAppServer, type AppServer } from '../../server/app-server';
import { log } from './measure';
import { CHROME_ARGS, chromiumPath } from '../../scripts/chromium';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export interface BuildState {
  /** The directory served. */
  readonly dir: string;
  /** Built by this run (vite build into the private directory). */
  readonly built: boolean;
}

const PRIVATE_DIST = join(
  tmpdir(),
  `lattice-bench-dist-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
);

function sourcesMtime(): number {
  return Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'workers')),
    statSync(join(ROOT, 'vite.config.ts')).mtimeMs,
  );
}

const builtAt = (dir: string): number => {
  const index = join(dir, 'index.html');
  return existsSync(index) ? statSync(index).mtimeMs : 0;
};

/** Returns a directory holding a build of the current sources, building one when needed. */
export function ensureBuild(): BuildState {
  const src = sourcesMtime();
  const force = process.env.BENCH_BUILD === '1';
  if (!force && builtAt(DIST) > src) return { dir: DIST, built: false };
  if (!force && builtAt(PRIVATE_DIST) > src) return { dir: PRIVATE_DIST, built: false };
  log(`app-browser: dist/ is missing or older than src/; vite build into ${PRIVATE_DIST}`);
  const r = spawnSync('npx', ['vite', 'build', '--outDir', PRIVATE_DIST, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${String(r.status ?? r.signal)})`);
  return { dir: PRIVATE_DIST, built: true };
}

export interface AppBrowser {
  readonly server: AppServer;
  readonly browser: Browser;
  readonly url: string;
  readonly build: BuildState;
  /** Console lines of warn/error type from every tab, for error checks. */
  readonly consoleErrors: string[];
  /** Opens one app tab (`?lattice=...&signal=...`) in `context` (default: the browser's default context). */
  openApp(query: string, context?: BrowserContext): Promise<AppPage>;
  /** Opens a tab without app code on the server's origin (for raw baselines), in a fresh context. */
  openPlain(context: BrowserContext): Promise<Page>;
  close(): Promise<void>;
}

export interface AppPage {
  readonly page: Page;
  readonly nodeId: string;
}

export async function launchApp(): Promise<AppBrowser> {
  const build = ensureBuild();
  const server = await createAppServer({ distDir: build.dir, port: 0, host: '127.0.0.1' });
  const profile = mkdtempSync(join(tmpdir(), 'lattice-bench-profile-'));
  const consoleErrors: string[] = [];
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      userDataDir: profile,
      args: CHROME_ARGS,
      protocolTimeout: 300_000,
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const watch = (page: Page, name: string): void => {
    page.on('console', (m) => {
      if (m.type() === 'warn' || m.type() === 'error') consoleErrors.push(`[${name} ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) =>
      consoleErrors.push(`[${name} pageerror] ${e instanceof Error ? e.message : String(e)}`),
    );
  };
  let tabs = 0;
  return {
    server,
    browser,
    url: server.url,
    build,
    consoleErrors,
    async openApp(query, context) {
      const page = await (context ?? browser.defaultBrowserContext()).newPage();
      watch(page, `tab${(++tabs).toString()}`);
      await page.goto(`${server.url}?${query}`);
      await page.waitForFunction(() => window.lattice !== undefined, { timeout: 30_000 });
      const nodeId = await page.evaluate(async () => (await window.lattice.ready).nodeId);
      return { page, nodeId };
    },
    async openPlain(context) {
      const page = await context.newPage();
      watch(page, `plain${(++tabs).toString()}`);
      // A same-origin document with no app code (no worker, no mesh, no service worker).
      await page.goto(`${server.url}manifest.webmanifest`);
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls `check` (run in the tab) every 100 ms until it is true or `timeoutMs` passes. */
export async function waitFor<A>(
  page: Page,
  what: string,
  check: (a: A) => boolean | Promise<boolean>,
  args: A,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if (await page.evaluate(check as (a: unknown) => boolean | Promise<boolean>, args as unknown)) return;
    } catch {
      // The mesh still starting.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until `page` has a connected link to `peerId`. */
export function waitConnected(page: Page, peerId: string, timeoutMs = 30_000): Promise<void> {
  return waitFor(
    page,
    `a connected link to ${peerId.slice(0, 8)}`,
    async (id: string) => (await window.lattice.peers()).some((l) => l.id === id && l.state === 'connected'),
    peerId,
    timeoutMs,
  );
}

/** Opens two app tabs of one fresh lattice in one browser context (BroadcastChannel signaling) and links them. */
export async function openPair(app: AppBrowser, prefix: string): Promise<[AppPage, AppPage]> {
  const lattice = `${prefix}${Math.floor(Math.random() * 1e9).toString(36)}`;
  const query = `lattice=${lattice}&signal=broadcast`;
  const a = await app.openApp(query);
  const b = await app.openApp(query);
  await waitConnected(a.page, b.nodeId);
  await waitConnected(b.page, a.nodeId);
  return [a, b];
}
