/**
 * A benchmark page in Chromium: one TypeScript entry from bench/browser bundled by esbuild into a
 * folder, and served from http://127.0.0.1 (a secure context, so IndexedDB and WebCrypto work).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type CDPSession, type Page } from 'puppeteer-core';
import { CHROME_ARGS, chromiumPath } from '../../scripts/chromium';

const BROWSER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser');

/**
 * The module workers the app's code starts with `new Worker(new URL('./x.ts', import.meta.url))`:
 * esbuild leaves that URL as written, so each is bundled on its own under its file name, next to
 * the page, where the URL points.
 */
const WORKERS = [join(BROWSER_DIR, '..', '..', 'src', 'ui', 'map', 'sprite-worker.ts')];

/**
 * Bundles bench/browser/<name>.ts into dir/<name>.js with an index.html that loads it, and the app's
 * workers and the page's own (`workers`: file names in bench/browser), each beside it under its name.
 */
export async function bundlePage(
  dir: string,
  name: string,
  bodyStyle = '',
  workers: readonly string[] = [],
): Promise<void> {
  for (const worker of [...WORKERS, ...workers.map((w) => join(BROWSER_DIR, w))]) {
    await build({
      entryPoints: [worker],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: join(dir, basename(worker)),
      logLevel: 'warning',
    });
  }
  await build({
    entryPoints: [join(BROWSER_DIR, `${name}.ts`)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, `${name}.js`),
    logLevel: 'warning',
  });
  const body = bodyStyle === '' ? '' : `<body style="${bodyStyle}">`;
  await writeFile(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,">` +
      `${body}<script type="module" src="/${name}.js"></script>\n`,
  );
}

/** Serves the bundle of bundlePage and nothing else, on a free port. */
export async function servePage(
  dir: string,
  name: string,
  pageWorkers: readonly string[] = [],
): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', ts: 'text/javascript' };
  const workers = new Set([...WORKERS.map((w) => `/${basename(w)}`), ...pageWorkers.map((w) => `/${w}`)]);
  const server = createServer((req, res) => {
    const path = req.url === '/' || req.url === undefined ? '/index.html' : req.url.split('?')[0]!;
    const file = path === '/index.html' || path === `/${name}.js` || workers.has(path) ? path.slice(1) : undefined;
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, file)).then(
      (body) => res.writeHead(200, { 'content-type': types[file.split('.').pop()!]! }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port.toString()}/` };
}

/** A bench page open in headless Chromium, with what the browser scenarios read of it. */
export interface BenchPage {
  readonly page: Page;
  readonly cdp: CDPSession;
  /** Seconds the page's main thread has been busy: Chromium's TaskDuration (thread time) so far. */
  taskSeconds(): Promise<number>;
  /** Opens the page again (a fresh page state and fresh workers), waiting for `ready` to hold in it. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchPageOptions {
  /** The page's own workers, file names in bench/browser (bundled beside it). */
  readonly workers?: readonly string[];
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly bodyStyle?: string;
  /** A page expression that is true once the page is ready to be driven (e.g. `window.s6 !== undefined`). */
  readonly ready: string;
  /** Where the page's errors go. */
  readonly log: (line: string) => void;
}

/**
 * Bundles and serves bench/browser/<name>.ts, launches the system Chromium (scripts/chromium.ts) on
 * a fresh profile and opens the page, with a DevTools session on it whose Performance metrics count
 * thread time. The one set-up of the browser benchmarks that drive a bundled page (s6 and its profile).
 */
export async function openBenchPage(name: string, options: BenchPageOptions): Promise<BenchPage> {
  const workers = options.workers ?? [];
  const dir = await mkdtemp(join(tmpdir(), `lattice-${name}-`));
  await bundlePage(dir, name, options.bodyStyle ?? 'margin:0', workers);
  const { server, url } = await servePage(dir, name, workers);
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir: join(dir, 'profile'),
    args: CHROME_ARGS,
    protocolTimeout: 600_000,
  });
  const page = await browser.newPage();
  await page.setViewport(options.viewport ?? { width: 1024, height: 768 });
  page.on('pageerror', (e) => options.log(`  [page error] ${e instanceof Error ? e.message : String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') options.log(`  [page ${m.type()}] ${m.text()}`);
  });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const reload = async (): Promise<void> => {
    await page.goto(url);
    await page.waitForFunction(options.ready, { timeout: 30_000 });
  };
  await reload();
  return {
    page,
    cdp,
    taskSeconds: async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value,
    reload,
    close: async () => {
      await browser.close().catch(() => undefined);
      server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
