/**
 * Scenario 6 (docs/performance.md), the UI side: main-thread time per frame of the tactical map
 * with 1k and 10k moving tracks, in headless Chromium: symbols on OpenLayers' WebGL layer, which
 * runs on SwiftShader (WebGL in software, in the GPU process) on this GPU-less machine. The page (bench/browser/s6-map-page.ts, bundled here with esbuild) mounts
 * <lattice-map> alone and moves every track once a second, feeding the map as the shell does.
 * Main-thread time is Chromium's own TaskDuration (DevTools Performance metrics) over the run,
 * divided by the frames drawn; the page adds its own split: map update and OpenLayers render.
 *
 * Run alone: `node --import tsx bench/s6-map-frame.ts` (BENCH_QUICK=1 for shorter runs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { FrameSample } from './browser/s6-map-page';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';
import { QUICK, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { bundlePage, servePage } from './lib/bench-page';
import { median, stat } from './lib/stats';

const SIZES = [1000, 10_000] as const;
const RUNS = QUICK ? 2 : 3;
const SECONDS = QUICK ? 3 : 6;
const TARGET_MS = 2;

interface RunFigures {
  readonly mainMsPerFrame: number;
  /** Main-thread ms per second of moving tracks: the same work, whatever the frame rate. */
  readonly mainMsPerSecond: number;
  readonly fps: number;
  readonly updateMs: number;
  readonly renderMs: number;
}

const startedAt = new Date();
const dir = await mkdtemp(join(tmpdir(), 'lattice-s6-'));
await bundlePage(dir, 's6-map-page', 'margin:0');
const { server, url } = await servePage(dir, 's6-map-page');
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  userDataDir: join(dir, 'profile'),
  args: CHROME_ARGS,
  protocolTimeout: 600_000,
});
const figures = new Map<number, RunFigures[]>();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 768 });
  page.on('pageerror', (e) => log(`  [page error] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  await page.waitForFunction(() => window.s6 !== undefined, { timeout: 30_000 });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const taskSeconds = async (): Promise<number> =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
  for (let run = 0; run < RUNS; run++) {
    for (const n of SIZES) {
      await page.evaluate((a) => window.s6!.prepare(a), n);
      const before = await taskSeconds();
      const sample = (await page.evaluate((s) => window.s6!.measure(s), SECONDS)) as FrameSample;
      const busy = (await taskSeconds()) - before;
      const f: RunFigures = {
        mainMsPerFrame: (busy * 1000) / Math.max(1, sample.frames),
        mainMsPerSecond: (busy * 1000) / sample.seconds,
        fps: sample.frames / sample.seconds,
        updateMs: median(sample.updateMs),
        renderMs: median(sample.renderMs),
      };
      log(
        `s6: ${n.toString()} tracks, run ${(run + 1).toString()}: ${f.mainMsPerFrame.toFixed(2)} ms main thread per frame, ` +
          `${f.fps.toFixed(1)} fps, update ${f.updateMs.toFixed(2)} ms, render ${f.renderMs.toFixed(2)} ms`,
      );
      figures.set(n, [...(figures.get(n) ?? []), f]);
    }
  }
} finally {
  await browser.close().catch(() => undefined);
  server.close();
  await rm(dir, { recursive: true, force: true });
}

const label = (n: number): string => `${(n / 1000).toString()}k`;
const rows: Row[] = [];
for (const n of SIZES) {
  const runs = figures.get(n)!;
  rows.push(
    {
      case: `${label(n)} moving tracks: main-thread time per frame (map update + render)`,
      unit: 'ms',
      better: 'lower',
      ours: stat(runs.map((r) => r.mainMsPerFrame)),
      ...(n === 10_000 ? { target: { text: '< 2 ms', value: TARGET_MS } } : {}),
    },
    {
      case: `${label(n)} moving tracks: main-thread time per second`,
      unit: 'ms',
      better: 'lower',
      ours: stat(runs.map((r) => r.mainMsPerSecond)),
    },
    {
      case: `${label(n)} moving tracks: frames per second`,
      unit: 'fps',
      better: 'higher',
      ours: stat(runs.map((r) => r.fps)),
    },
    {
      case: `${label(n)} moving tracks: map update per frame, median`,
      unit: 'ms',
      better: 'lower',
      ours: stat(runs.map((r) => r.updateMs)),
    },
    {
      case: `${label(n)} moving tracks: OpenLayers render per frame, median`,
      unit: 'ms',
      better: 'lower',
      ours: stat(runs.map((r) => r.renderMs)),
    },
  );
}

await saveResult({
  id: 's6',
  scenario: 6,
  title: 'Tactical map: main-thread time per frame with moving tracks',
  target: 'UI update for 10k moving tracks < 2 ms of main-thread time per frame',
  reference: 'postMessage of ≤ 10 KiB is safe within a frame even on slow phones (docs/performance.md)',
  quick: QUICK,
  runs: RUNS,
  peers: [],
  rows,
  notes: [
    `\`<lattice-map>\` alone in headless Chromium (1024×768; symbols on the WebGL layer, rasterised by SwiftShader in the GPU process, so the frame rate is bound by software WebGL on 2 shared cores, not by the main thread), every track reporting once a second (each frame moves its share), ${SECONDS.toString()} s per run. Main-thread time is Chromium's TaskDuration over the moving part of the run (setup excluded) divided by the frames drawn; update and render are the page's own medians per frame.`,
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s6: saved');
