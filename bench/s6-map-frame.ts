/**
 * Scenario 6 (docs/performance.md): main-thread time per display frame of the tactical map with 1k
 * and 10k moving tracks, end to end from the node's worker, in headless Chromium. The page
 * (bench/browser/s6-map-page.ts, bundled here with its worker bench/browser/s6-node-worker.ts) runs
 * the production path: the worker API with its relay and compact feed (src/core/feed) posting
 * batches through comlink with their buffer transferred, the app's `window.lattice` handle, the
 * shell's NodeController decoding them into the page's Picture, and `<lattice-map>` drawing from the
 * picture's rows (symbols on the map's WebGL layer in its own worker, SwiftShader on this GPU-less
 * machine). Every track reports once a second in the worker; the change feed batches them every
 * 16 ms, as in the app. Main-thread time is Chromium's TaskDuration (DevTools Performance metrics)
 * over the moving part of the run divided by the page's animation frames.
 *
 * Run alone: `node --import tsx bench/s6-map-frame.ts` (BENCH_QUICK=1 for shorter runs).
 */
import type { FrameSample } from './browser/s6-map-page';
import { openBenchPage } from './lib/bench-page';
import { QUICK, log, machine } from './lib/measure';
import type { Row, Stat } from './lib/result';
import { saveResult } from './lib/save';
import { median, stat } from './lib/stats';

const SIZES = [1000, 10_000] as const;
const RUNS = QUICK ? 2 : 5;
const SECONDS = QUICK ? 3 : 6;
const TARGET_MS = 2;

interface RunFigures {
  readonly mainMsPerFrame: number;
  /** Main-thread ms per second of moving tracks: the same work, whatever the frame rate. */
  readonly mainMsPerSecond: number;
  readonly fps: number;
  readonly drawsPerSecond: number;
  readonly batchesPerSecond: number;
  readonly feedMs: number;
  readonly updateMs: number;
  readonly rows: number;
  /** Share of the rows whose view went whole, %. */
  readonly wholePct: number;
  readonly bytes: number;
  /** Share of the reports that changed a threat, % (the workload's own rate of whole views). */
  readonly threatPct: number;
}

const startedAt = new Date();
const bench = await openBenchPage('s6-map-page', {
  workers: ['s6-node-worker.ts'],
  ready: 'window.s6 !== undefined',
  log,
});
const figures = new Map<number, RunFigures[]>();
/** Main-thread ms per frame of the same page at 10k with nothing moving: its frames' own floor. */
const floor: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    for (const n of SIZES) {
      // A fresh page and worker per run: one feed, one picture, one map.
      await bench.reload();
      await bench.page.evaluate((k) => window.s6!.prepare(k), n);
      if (n === 10_000) {
        const t0 = await bench.taskSeconds();
        const still = (await bench.page.evaluate((s) => window.s6!.measure(s, true), SECONDS / 2)) as FrameSample;
        floor.push((((await bench.taskSeconds()) - t0) * 1000) / Math.max(1, still.frames));
      }
      const before = await bench.taskSeconds();
      const sample = (await bench.page.evaluate((s) => window.s6!.measure(s), SECONDS)) as FrameSample;
      const busy = (await bench.taskSeconds()) - before;
      const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
      const f: RunFigures = {
        mainMsPerFrame: (busy * 1000) / Math.max(1, sample.frames),
        mainMsPerSecond: (busy * 1000) / sample.seconds,
        fps: sample.frames / sample.seconds,
        drawsPerSecond: sample.symbolDraws / sample.seconds,
        batchesPerSecond: sample.feedMs.length / sample.seconds,
        feedMs: median(sample.feedMs),
        updateMs: median(sample.updateMs),
        rows: median(sample.rows),
        wholePct: (100 * sum(sample.whole)) / Math.max(1, sum(sample.rows)),
        bytes: median(sample.bytes),
        threatPct: (100 * sample.threatChanges) / Math.max(1, sample.reports),
      };
      log(
        `s6: ${n.toString()} tracks, run ${(run + 1).toString()}: ${f.mainMsPerFrame.toFixed(2)} ms main thread per frame, ` +
          `${f.fps.toFixed(1)} fps, ${f.batchesPerSecond.toFixed(1)} batches/s of ${f.rows.toString()} rows (${f.wholePct.toFixed(1)} % whole, ${f.bytes.toString()} B), ` +
          `feed ${f.feedMs.toFixed(2)} ms, map update ${f.updateMs.toFixed(2)} ms, ${f.drawsPerSecond.toFixed(1)} symbol redraws/s`,
      );
      figures.set(n, [...(figures.get(n) ?? []), f]);
    }
  }
} finally {
  await bench.close();
}

const label = (n: number): string => `${(n / 1000).toString()}k`;
const of = (n: number, pick: (r: RunFigures) => number): Stat => stat(figures.get(n)!.map(pick));
const rows: Row[] = [];
for (const n of SIZES) {
  const target = n === 10_000 ? { target: { text: '< 2 ms', value: TARGET_MS } } : {};
  const c = `${label(n)} moving tracks`;
  rows.push(
    {
      case: `${c}: main-thread time per frame, from the node's worker to the map`,
      unit: 'ms',
      better: 'lower',
      ours: of(n, (r) => r.mainMsPerFrame),
      ...target,
    },
    { case: `${c}: main-thread time per second`, unit: 'ms', better: 'lower', ours: of(n, (r) => r.mainMsPerSecond) },
    { case: `${c}: frames per second`, unit: 'fps', better: 'higher', ours: of(n, (r) => r.fps) },
    {
      case: `${c}: the page reading a batch (decode, check, rows into the picture), median`,
      unit: 'ms',
      better: 'lower',
      ours: of(n, (r) => r.feedMs),
    },
    {
      case: `${c}: the map's update per frame, median`,
      unit: 'ms',
      better: 'lower',
      ours: of(n, (r) => r.updateMs),
    },
    { case: `${c}: batches per second`, unit: '/s', better: 'higher', ours: of(n, (r) => r.batchesPerSecond) },
    { case: `${c}: rows per batch, median`, unit: 'rows', better: 'lower', ours: of(n, (r) => r.rows) },
    {
      case: `${c}: rows whose view crossed whole (${of(n, (r) => r.threatPct).median.toFixed(1)} % of reports changed a threat)`,
      unit: '%',
      better: 'lower',
      ours: of(n, (r) => r.wholePct),
    },
    { case: `${c}: bytes per batch (transferred), median`, unit: 'B', better: 'lower', ours: of(n, (r) => r.bytes) },
    {
      case: `${c}: symbol layer redraws per second`,
      unit: '/s',
      better: 'higher',
      ours: of(n, (r) => r.drawsPerSecond),
    },
  );
}

rows.push({
  case: '10k tracks standing still: main-thread time per frame (the page’s frames alone, the floor)',
  unit: 'ms',
  better: 'lower',
  ours: stat(floor),
});

const at10k = of(10_000, (r) => r.mainMsPerFrame);
const at1k = of(1000, (r) => r.mainMsPerFrame);
const ms = (s: Stat): string => `${s.median.toFixed(2)} ms (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
await saveResult({
  id: 's6',
  scenario: 6,
  title: 'Tactical map: main-thread time per frame with moving tracks, from the node worker',
  target: 'UI update for 10k moving tracks < 2 ms of main-thread time per frame',
  reference: 'postMessage of ≤ 10 KiB is safe within a frame even on slow phones (docs/performance.md)',
  quick: QUICK,
  runs: RUNS,
  peers: [],
  rows,
  notes: [
    `The production path end to end, in headless Chromium (1024×768), ${SECONDS.toString()} s per run, a fresh page and worker per run. A module worker serves the node's worker API (src/node/create-worker-api.ts: one WatchRelay per watcher, at most one batch in flight) over a stand-in node: the node's ChangeFeed on the worker's 16 ms timer, fed by N tracks that each report once a second (position and velocity, new view objects per report as the store makes them; one report in 100 also changes the track's threat, so its view crosses whole). The page wraps the worker with the app's \`window.lattice\` handle (src/app/lattice-handle.ts); a host element holds the picture as the shell does (NodeController over \`watchCompact\`: the feed's first batch is the whole picture, then each compact batch is decoded and checked, src/core/feed/feed-decoder.ts, and its rows taken into the Picture) and the approval prompt (\`<lm-approvals>\`, whose feed watches the approvals cue alone), and renders \`<lattice-map>\` with the picture's frame, which draws the moved tracks from the picture's rows (src/ui/map/track-features.ts). The track list, inspector and panels are not mounted: not counted. Left out of the node: the store, storage and signatures, which are the worker's, not the page's. Main-thread time is Chromium's TaskDuration (thread time) over the moving part of the run divided by the page's animation frames: everything on the main thread, receiving the messages (structured-clone reads of the batches), comlink, decoding, the map's update, Lit and Chromium's own frame work. Feed: the compact batch's callback on the page (decode, checks, rows into the Picture, the host's update asked), per batch (performance.now() is coarsened to 0.1 ms in a page without cross-origin isolation, so these medians are quantised). Map update: the host's Lit update handing the map the new frame, then the map's own update at its next animation frame (its \`updateTime\`), per frame. Symbol redraws are the map's WebGL layer drawing in its worker (SwiftShader: bound by software WebGL on 2 shared cores, not the page).`,
    `Target ${at10k.median < TARGET_MS ? 'met' : 'missed'}: ${ms(at10k)} of main-thread time per display frame at 10k moving tracks, end to end from the node's worker, against < 2 ms; ${ms(at1k)} at 1k. Before the compact feed the map alone cost 1.1 ms (1.0–1.2) at 10k with the views made on the page, and the crossing, measured apart (a worker posting 167 cloned views every 5 ms), 0.8–1.6 ms per batch on top: about 2–2.7 ms end to end, missed; and the app's approval prompt watched the same feed, so every view crossed twice.`,
    `Where the time goes at 10k (bench/profile-s6.ts 10000 4: the page's main thread under the CPU profiler, 2026-12-03 20:08 UTC, load ~2, 1.43 ms a frame under the profiler, 191 batches of 200 rows in 4 s; self time per frame): Chromium's own work outside JavaScript ("(program)": the frame's style, layout and commit, message dispatch) 0.90 ms; the map's update (the moved tracks' slots from the rows, the projection, the journal, the order to the symbol worker) 0.41 ms; the page reading the batches (decode and checks, rows copied into the picture, its slots) 0.21 ms; garbage collection 0.12 ms; requestAnimationFrame 0.12 ms (this page's sampling loop and the map's); other JavaScript (Lit, comlink) 0.10 ms; reading the messages themselves (structured-clone reads, the buffer transferred) 0.08 ms, about 0.1 ms a batch, where 167 cloned views took about 1.1 ms a batch (the same Chromium, a worker posting each kind 300 times). With the 10k tracks standing still the same page costs the floor row above: most of a frame is the browser's own, and moving 10k tracks adds about 0.7 ms to it. Not in this figure: the rest of the shell. The built app with its simulators at 1k tracks (500 EO, 500 radar, fused in pairs, approvals pending; 5 s measurements, 2026-12-03 20:14–20:36 UTC) took 12.5–18.4 ms of main thread a frame in three measurements, against 21.2 ms in one of the commit before the compact feed: most of it is OpenLayers drawing the whole map again (the graticule's labels alone about 15 % of the page's samples) whenever a pending approval's mark moves (map-annotations.ts replaces the marks' features), and the track list, which filters and sorts the whole picture and makes a view of each moved track at every batch. Neither is the crossing from the worker, and the target as this scenario states it is met; the app as a whole is not yet under 2 ms a frame.`,
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s6: saved');
