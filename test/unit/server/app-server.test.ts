import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createAppServer, DistMissingError, type AppServer } from '../../../server/app-server';

const MAIN = fileURLToPath(new URL('../../../server/main.ts', import.meta.url));
const SECRET = 'top secret outside dist';

let base: string;
let dist: string;
let app: AppServer;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lm-server-'));
  dist = join(base, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await mkdir(join(base, 'dist-sibling'));
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(base, 'dist-sibling', 'secret.txt'), SECRET);
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>lm</title><lm-app></lm-app>');
  await writeFile(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(dist, 'manifest.webmanifest'), '{"name":"lattice-mesh"}');
  await writeFile(join(dist, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dist, 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'export {};');
  await writeFile(join(dist, 'assets', 'index-abc123.css'), 'body{}');
  app = await createAppServer({ distDir: dist, port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await rm(base, { recursive: true, force: true });
});

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw request: unlike fetch, it sends the path exactly as written (no `..` normalisation). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const NAVIGATE = { 'sec-fetch-mode': 'navigate', accept: 'text/html' };

describe('createAppServer', () => {
  it('reports its url with the chosen port', () => {
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(app.url).not.toContain(':0/');
  });

  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/sw.js', 'text/javascript; charset=utf-8'],
    ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml'],
    ['/icon-192.png', 'image/png'],
    ['/assets/index-abc123.js', 'text/javascript; charset=utf-8'],
    ['/assets/index-abc123.css', 'text/css; charset=utf-8'],
  ])('serves %s as %s', async (path, type) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('never lets the service worker or the page be cached without revalidation', async () => {
    expect((await get('/sw.js')).headers['cache-control']).toBe('no-cache');
    expect((await get('/')).headers['cache-control']).toBe('no-cache');
    expect((await get('/assets/index-abc123.js')).headers['cache-control']).toContain('immutable');
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await get('/sw.js');
    const again = await get('/sw.js', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('falls back to index.html for navigations only', async () => {
    const nav = await get('/some/route', NAVIGATE);
    expect(nav.status).toBe(200);
    expect(nav.body).toContain('<lm-app>');
    expect((await get('/some/route', { accept: 'text/html' })).status).toBe(200);
    expect((await get('/some/route', { 'sec-fetch-mode': 'cors', accept: '*/*' })).status).toBe(404);
  });

  it('answers 404 for missing assets, even to a navigation', async () => {
    for (const path of ['/assets/missing-123.js', '/missing.css', '/missing.png', '/assets/nothing']) {
      const res = await get(path, NAVIGATE);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    }
  });

  it('never answers /sw.js with HTML', async () => {
    const bare = join(base, 'dist-no-sw');
    await mkdir(bare);
    await writeFile(join(bare, 'index.html'), '<!doctype html>');
    const other = await createAppServer({ distDir: bare, port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(new URL('sw.js', other.url), { headers: NAVIGATE });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).not.toContain('html');
    } finally {
      await other.close();
    }
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/../dist-sibling/secret.txt',
    '/%2e%2e%5csecret.txt',
    '/..\\secret.txt',
    '/index.html%00.png',
    '/%ff',
  ])('refuses traversal %s', async (path) => {
    const res = await get(path, NAVIGATE);
    expect([400, 403]).toContain(res.status);
    expect(res.body).not.toContain(SECRET);
  });

  it('allows only GET and HEAD', async () => {
    const post = await get('/', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await get('/sw.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves https and wss signaling with a certificate, for devices other than this one', async () => {
    const fixtures = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
    const tls = { cert: await readFile(join(fixtures, 'cert.pem')), key: await readFile(join(fixtures, 'key.pem')) };
    const secure = await createAppServer({ distDir: dist, port: 0, host: '127.0.0.1', tls });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`${secure.url}index.html`, { ca: tls.cert }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toContain('<');
      const ws = new WebSocket(`${secure.url.replace(/^https/, 'wss')}signal`, { ca: tls.cert });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.close();
    } finally {
      await secure.close();
    }
  });

  it('refuses to start without a built app', async () => {
    await expect(createAppServer({ distDir: join(base, 'nope'), port: 0, host: '127.0.0.1' })).rejects.toBeInstanceOf(
      DistMissingError,
    );
  });
});

describe('server/main.ts', () => {
  function run(env: Record<string, string>): ReturnType<typeof spawn> {
    return spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
    return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  it('prints the url with a free port, serves, and exits cleanly on SIGTERM', async () => {
    const child = run({ PORT: '0', DIST_DIR: dist });
    const exited = exitOf(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /lattice-mesh serving (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`exited before printing: ${out}`)));
    });
    expect(url).not.toContain(':0/');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('tells the user to build when dist is missing', async () => {
    const child = run({ PORT: '0', DIST_DIR: join(base, 'nope') });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(err).toContain('npm run build');
  });

  it('says in one line that the port is taken, and how to pick another', async () => {
    const taken = await createAppServer({ distDir: dist, port: 0, host: '127.0.0.1', signaling: false });
    try {
      const child = run({ PORT: String(new URL(taken.url).port), DIST_DIR: dist });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      expect(await exitOf(child)).toBe(1);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toContain('already in use');
      expect(err).toContain('PORT=');
    } finally {
      await taken.close();
    }
  });
});
