/**
 * The priority lane's commit latency while a bulk commit of 1,024 versions is in flight, in
 * headless Chromium (bench/browser/priority-commit-page.ts); not a scenario, it saves nothing:
 *   node --import tsx bench/priority-commit.ts [rounds] [busy ms] [source root]
 * With a busy time, the page's thread runs tasks of that length back to back meanwhile (a loaded worker).
 * The source root (default: this checkout) lets the same page run against another revision's
 * src/ (a copy with node_modules linked beside it), for a before/after comparison back to back.
 */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';
import { servePage } from './lib/bench-page';

const ROUNDS = Number(process.argv[2] ?? 40);
const here = dirname(fileURLToPath(import.meta.url));
const BUSY_MS = Number(process.argv[3] ?? 0);
const root = process.argv[4] ?? join(here, '..');
const dir = await mkdtemp(join(tmpdir(), 'lattice-priority-commit-'));
const entry = join(root, 'bench', 'browser', 'priority-commit-page.ts');
if (root !== join(here, '..')) await cp(join(here, 'browser', 'priority-commit-page.ts'), entry);
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(dir, 'priority-commit-page.js'),
  logLevel: 'warning',
});
await writeFile(
  join(dir, 'index.html'),
  '<!doctype html><meta charset="utf-8"><script type="module" src="/priority-commit-page.js"></script>\n',
);
const { server, url } = await servePage(dir, 'priority-commit-page');
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: join(dir, 'profile'),
  args: CHROME_ARGS,
  protocolTimeout: 600_000,
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  await page.waitForFunction('window.pc !== undefined', { timeout: 30_000 });
  const result = (await page.evaluate(
    (n, ms) => (window as unknown as { pc: { run(n: number, ms: number): Promise<unknown> } }).pc.run(n, ms),
    ROUNDS,
    BUSY_MS,
  )) as { priorityMs: number[]; bulkMs: number[]; overtook: number };
  const q = (xs: number[], p: number): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const fmt = (xs: number[]): string =>
    `p50 ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}`;
  console.log(`root ${root}; ${ROUNDS.toString()} rounds; thread busy in tasks of ${BUSY_MS.toString()} ms`);
  console.log(`priority commit (1 approval, bulk of 1,024 in flight): ${fmt(result.priorityMs)}`);
  console.log(`bulk commit of 1,024 (+1,024 removals): ${fmt(result.bulkMs)}`);
  console.log(`approval durable before the bulk commit: ${result.overtook.toString()}/${ROUNDS.toString()}`);
} finally {
  await browser.close();
  server.close();
}
