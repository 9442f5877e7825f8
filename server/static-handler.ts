import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { mimeType } from './mime';
import { resolveInRoot } from './resolve-path';

/** Paths that must always be revalidated: the service worker decides when the app updates. */
const NO_CACHE = new Set(['/sw.js', '/registerSW.js', '/index.html', '/manifest.webmanifest']);

/**
 * Serves the built PWA from `root` (an absolute real path). A missing path falls back to
 * index.html only for a page navigation without a file extension; a missing asset or /sw.js is
 * a 404, because answering a script request with HTML makes the browser fail with a MIME error.
 */
export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    serve(root, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'Method Not Allowed');
  }
  const pathname = pathOf(req.url);
  if (pathname === undefined) return send(res, 400, 'Bad Request');
  let found = await resolveInRoot(root, pathname);
  if (found.kind === 'missing' && isNavigation(req, pathname)) found = await resolveInRoot(root, '/index.html');
  switch (found.kind) {
    case 'bad-request':
      return send(res, 400, 'Bad Request');
    case 'forbidden':
      return send(res, 403, 'Forbidden');
    case 'missing':
      return send(res, 404, 'Not Found');
    case 'file': {
      const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
      res.setHeader('Content-Type', mimeType(found.path));
      res.setHeader('Cache-Control', cacheControl(pathname, found.path));
      res.setHeader('ETag', etag);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('Content-Length', found.size);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await pipe(found.path, res);
      return;
    }
    default: {
      const never: never = found;
      throw new Error(`unhandled ${String(never)}`);
    }
  }
}

function pathOf(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith('/')) return undefined;
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** A page load: fetch metadata says so, or (older clients) it asks for HTML. Never a file-like path. */
function isNavigation(req: IncomingMessage, pathname: string): boolean {
  if (extname(pathname) !== '' || pathname.startsWith('/assets/')) return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
}

function cacheControl(pathname: string, file: string): string {
  if (NO_CACHE.has(pathname) || file.endsWith('.html')) return 'no-cache';
  // Vite puts content-hashed files under /assets/: a new build gets new names.
  if (pathname.startsWith('/assets/')) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

function pipe(path: string, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(path);
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(`${status} ${text}\n`);
}
