/**
 * A benchmark page in Chromium: one TypeScript entry from bench/browser bundled by esbuild into a
 * folder, and served from http://127.0.0.1 (a secure context, so IndexedDB and WebCrypto work).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BROWSER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser');

/**
 * The module workers the app's code starts with `new Worker(new URL('./x.ts', import.meta.url))`:
 * esbuild leaves that URL as written, so each is bundled on its own under its file name, next to
 * the page, where the URL points.
 */
const WORKERS = [join(BROWSER_DIR, '..', '..', 'src', 'ui', 'map', 'sprite-worker.ts')];

/** Bundles bench/browser/<name>.ts into dir/<name>.js with an index.html that loads it (and the app's workers). */
export async function bundlePage(dir: string, name: string, bodyStyle = ''): Promise<void> {
  for (const worker of WORKERS) {
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
export async function servePage(dir: string, name: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', ts: 'text/javascript' };
  const workers = new Set(WORKERS.map((w) => `/${basename(w)}`));
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
