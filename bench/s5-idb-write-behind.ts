/**
 * Scenario 5 of docs/performance.md: IndexedDB write-behind in Chromium. The measuring happens in a page
 * (bench/browser/s5-page.ts), bundled here with esbuild, served from 127.0.0.1 (IndexedDB and crypto
 * want a real origin, not about:blank) and driven with puppeteer-core in headless Chromium.
 *
 *   1. persisted component writes/s through WriteBehind + IdbStorage (bursts of 1,000 per task)
 *   2. persistence lag p50/p99 under a steady offered 20k writes/s, mostly superseding updates
 *   3. cold load: a fresh IdbStorage's loadVersions(), and LatticeNode.open over it
 *   4. baseline: the same storage with one transaction per write, for the group-commit ratio
 *
 * Run alone: `node --import tsx bench/s5-idb-write-behind.ts` (BENCH_QUICK=1 for 1k and 10k only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROME_ARGS, chromiumPath } from '../scripts/chromium';
import { bundlePage, servePage } from './lib/bench-page';
import type {
  CpuSample,
  LagSample,
  LoadSample,
  NaiveSample,
  NodeOpenSample,
  S5Api,
  ThroughputSample,
} from './browser/s5-page';

// ---------------------------------------------------------------- result shape and statistics

export interface Metric {
  readonly scenario: '5';
  readonly metric: string;
  /** The sweep's input size (component versions), when the metric has one. */
  readonly size?: number;
  readonly unit: string;
  /** The median over runs (for a percentile metric: the median of the per-run percentiles). */
  readonly value: number;
  readonly target?: string;
  /** Whether `value` meets `target`; absent when the metric has no target. */
  readonly met?: boolean;
  readonly runs: number;
  /** One value per run, in run order. */
  readonly samples: readonly number[];
  readonly notes?: string;
}

export interface ScenarioResult {
  readonly scenario: '5';
  readonly title: string;
  readonly quick: boolean;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly metrics: readonly Metric[];
  readonly notes: readonly string[];
  readonly seconds: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const round3 = (x: number): number => Number(x.toPrecision(3));

// ---------------------------------------------------------------- plan

export interface S5Options {
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
}

interface Plan {
  readonly sizes: readonly number[];
  readonly runs: number;
  /** Runs at 100k for the slow parts (lag, node open); said in the notes. */
  readonly runsLarge: number;
  readonly burst: number;
  readonly lagRate: number;
  readonly lagSeconds: (live: number) => number;
  readonly naiveWrites: number;
  /** Browser restarts for the cold load of the largest size from a fresh browser process. */
  readonly restarts: number;
}

function plan(quick: boolean): Plan {
  return {
    sizes: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000],
    runs: 5,
    runsLarge: 3,
    burst: 1_000,
    lagRate: 20_000,
    // Long enough that the default compaction policy (log up to 3x live) compacts at least once.
    lagSeconds: (live) => (live >= 100_000 ? 6 : 3),
    naiveWrites: 1_000,
    restarts: quick ? 0 : 3,
  };
}

const TARGET_WRITES = 200_000;
const TARGET_LAG_P99_MS = 100;
const TARGET_LOAD_MS = 300;

// ---------------------------------------------------------------- browser plumbing

interface Session {
  readonly browser: Browser;
  readonly page: Page;
}

async function launch(url: string, userDataDir: string, log: (line: string) => void): Promise<Session> {
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir,
    args: CHROME_ARGS,
    protocolTimeout: 600_000,
  });
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'warn' || m.type() === 'error') log(`  [page ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => log(`  [page error] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  await page.waitForFunction(() => window.s5 !== undefined, { timeout: 30_000 });
  return { browser, page };
}

/** Calls one page API function with JSON arguments and returns its JSON result. */
function call<K extends keyof S5Api>(
  page: Page,
  fn: K,
  ...args: Parameters<S5Api[K]>
): Promise<Awaited<ReturnType<S5Api[K]>>> {
  return page.evaluate(
    (name, a) => (window.s5![name] as (...xs: unknown[]) => unknown)(...a),
    fn,
    args as unknown[],
  ) as Promise<Awaited<ReturnType<S5Api[K]>>>;
}

// ---------------------------------------------------------------- the scenario

export async function runS5(options: S5Options = {}): Promise<ScenarioResult> {
  const quick = options.quick ?? process.env.BENCH_QUICK === '1';
  const log = options.log ?? ((line: string) => console.log(line));
  const p = plan(quick);
  const started = performance.now();
  const loadBefore = round3(loadavg()[0]!);
  const dir = await mkdtemp(join(tmpdir(), 'lattice-s5-'));
  const userDataDir = join(dir, 'profile');
  const { server, url } = await (async () => {
    await bundlePage(dir, 's5-page');
    return servePage(dir, 's5-page');
  })();
  let session: Session | undefined;
  const metrics: Metric[] = [];
  const notes: string[] = [];
  const add = (m: Omit<Metric, 'scenario'>): void => {
    metrics.push({ scenario: '5', ...m });
    log(
      `  ${m.metric}${m.size === undefined ? '' : ` @${m.size.toString()}`}: ${m.value.toString()} ${m.unit}` +
        (m.target === undefined ? '' : ` (target ${m.target}: ${m.met === true ? 'met' : 'MISSED'})`),
    );
  };
  const runsAt = (n: number): number => (n >= 100_000 ? p.runsLarge : p.runs);
  try {
    session = await launch(url, userDataDir, log);
    const userAgent = await call(session.page, 'userAgent');
    log(
      `scenario 5: IndexedDB write-behind in ${userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? userAgent}, load average ${loadBefore.toString()}`,
    );
    // One untimed round first: JIT, the IndexedDB backing store and the profile's first writes.
    await call(session.page, 'throughput', p.sizes[0]!, p.burst, 1);

    // 1. throughput, and the commit/compaction picture behind it
    const groupAt = new Map<number, number>();
    for (const n of p.sizes) {
      const s: ThroughputSample[] = await call(session.page, 'throughput', n, p.burst, p.runs);
      const rates = s.map((x) => round3((n / x.ms) * 1000));
      const rate = median(rates);
      groupAt.set(n, rate);
      add({
        metric: 'persisted writes/s (WriteBehind + IdbStorage)',
        size: n,
        unit: 'writes/s',
        value: rate,
        target: `>= ${TARGET_WRITES.toString()}`,
        met: rate >= TARGET_WRITES,
        runs: s.length,
        samples: rates,
        notes:
          `bursts of ${p.burst.toString()} per task, not awaited; median ${median(s.map((x) => x.commits)).toString()} commits ` +
          `(largest ${median(s.map((x) => x.maxBatch)).toString()} versions), ${round3(median(s.map((x) => x.commitMs / x.ms)) * 100).toString()} % of wall time inside commit(), ` +
          `${median(s.map((x) => x.compactions)).toString()} background compactions started in the window (${round3(median(s.map((x) => x.compactionMs))).toString()} ms of them finished inside it)`,
      });
    }

    // main-thread CPU inside a commit and a load, without IndexedDB
    const cpuN = p.sizes[p.sizes.length - 1]!;
    const c: CpuSample[] = await call(session.page, 'cpu', cpuN, p.runs);
    for (const [metric, pick] of [
      ['CPU: encodeSegments (validate + columns + JSON)', (x: CpuSample) => x.encodeMs],
      ['CPU: structuredClone of the segments', (x: CpuSample) => x.cloneMs],
      ['CPU: replaySegments (JSON.parse + Version objects)', (x: CpuSample) => x.replayMs],
    ] as const) {
      const rates = c.map((x) => round3((cpuN / pick(x)) * 1000));
      add({
        metric,
        size: cpuN,
        unit: 'versions/s',
        value: median(rates),
        runs: c.length,
        samples: rates,
        notes: `main-thread work alone (no IndexedDB); median ${round3(median(c.map(pick))).toString()} ms for ${cpuN.toString()}`,
      });
    }

    // 4. naive baseline (one transaction per write), beside the group commit of the same run
    const nv: NaiveSample[] = await call(session.page, 'naive', p.naiveWrites, p.runs);
    const seq = median(nv.map((x) => round3((x.writes / x.sequentialMs) * 1000)));
    const par = median(nv.map((x) => round3((x.writes / x.concurrentMs) * 1000)));
    add({
      metric: 'naive: one transaction per write, each awaited',
      size: p.naiveWrites,
      unit: 'writes/s',
      value: seq,
      runs: nv.length,
      samples: nv.map((x) => round3((x.writes / x.sequentialMs) * 1000)),
      notes: `${round3(median(nv.map((x) => x.sequentialMs / x.writes))).toString()} ms per transaction`,
    });
    add({
      metric: 'naive: one transaction per write, all issued at once',
      size: p.naiveWrites,
      unit: 'writes/s',
      value: par,
      runs: nv.length,
      samples: nv.map((x) => round3((x.writes / x.concurrentMs) * 1000)),
    });
    const bestNaive = Math.max(seq, par);
    for (const n of p.sizes) {
      add({
        metric: 'ratio: group commit / naive (the faster naive variant)',
        size: n,
        unit: 'x',
        value: round3(groupAt.get(n)! / bestNaive),
        runs: nv.length,
        samples: [],
        notes:
          `group commit at ${n.toString()} writes vs ${p.naiveWrites.toString()} naive writes ` +
          `(${seq >= par ? 'each awaited' : 'all issued at once'}, ${bestNaive.toString()} writes/s), same browser and run`,
      });
    }

    // 2. persistence lag under a steady stream
    for (const live of p.sizes) {
      const runs = runsAt(live);
      const seconds = p.lagSeconds(live);
      const s: LagSample[] = await call(session.page, 'lag', live, p.lagRate, seconds, runs);
      const p50 = s.map((x) => round3(percentile(x.lags, 50)));
      const p99 = s.map((x) => round3(percentile(x.lags, 99)));
      const max = s.map((x) => round3(Math.max(...x.lags)));
      const detail =
        `${p.lagRate.toString()} writes/s offered for ${seconds.toString()} s over ${live.toString()} live versions ` +
        `(95 % superseding updates, each removing the old key); ${median(s.map((x) => x.lags.length)).toString()} enqueues, ` +
        `${median(s.map((x) => x.commits)).toString()} commits (largest ${median(s.map((x) => x.maxBatch)).toString()} entries), ` +
        `${median(s.map((x) => x.compactions)).toString()} compactions of ${round3(median(s.map((x) => (x.compactions > 0 ? x.compactionMs / x.compactions : 0)))).toString()} ms each, ` +
        `delivered ${round3(median(s.map((x) => x.writes / x.seconds))).toString()} writes/s, worst lag ${median(max).toString()} ms`;
      add({
        metric: 'persistence lag p50',
        size: live,
        unit: 'ms',
        value: median(p50),
        runs,
        samples: p50,
        notes: detail,
      });
      const v99 = median(p99);
      add({
        metric: 'persistence lag p99',
        size: live,
        unit: 'ms',
        value: v99,
        target: `< ${TARGET_LAG_P99_MS.toString()}`,
        met: v99 < TARGET_LAG_P99_MS,
        runs,
        samples: p99,
        notes: detail,
      });
      const clear = s.map((x) => round3(percentile(x.clearLags, 99)));
      add({
        metric: 'persistence lag p99, enqueues that overlapped no compaction',
        size: live,
        unit: 'ms',
        value: median(clear),
        runs,
        samples: clear,
        notes: `${median(s.map((x) => x.clearLags.length)).toString()} of ${median(s.map((x) => x.lags.length)).toString()} enqueues; where the p99 goes without the compaction stalls`,
      });
    }

    // 3. cold load: a compact log, and the largest log the compaction policy lets stand
    const restartDbs: string[] = [];
    for (const n of p.sizes) {
      for (const shape of ['compact', 'threshold'] as const) {
        const name = await call(session.page, 'buildDb', n, shape);
        const s: LoadSample[] = await call(session.page, 'coldLoad', name, p.runs);
        if (s.some((x) => x.versions !== n))
          throw new Error(`cold load returned ${s[0]!.versions.toString()} of ${n.toString()}`);
        const load = s.map((x) => round3(x.loadMs));
        const v = median(load);
        add({
          metric:
            shape === 'compact'
              ? 'cold load: loadVersions(), compact log'
              : 'cold load: loadVersions(), log at compaction threshold',
          size: n,
          unit: 'ms',
          value: v,
          target: `< ${TARGET_LOAD_MS.toString()} (at 100k)`,
          met: v < TARGET_LOAD_MS,
          runs: s.length,
          samples: load,
          notes:
            (shape === 'compact'
              ? `${Math.ceil(n / 4096).toString()} segments`
              : `${n.toString()} live + ${n.toString()} superseded puts + ${n.toString()} removals in 1,000-write commits`) +
            `; openIdbStorage itself ${round3(median(s.map((x) => x.openMs))).toString()} ms more; same browser process as the writes`,
        });
        if (shape === 'compact') {
          const o: NodeOpenSample[] = await call(session.page, 'nodeOpen', name, runsAt(n));
          const ms = o.map((x) => round3(x.ms));
          add({
            metric: 'cold start: openIdbStorage + LatticeNode.open (load + merge into the store)',
            size: n,
            unit: 'ms',
            value: median(ms),
            runs: o.length,
            samples: ms,
            notes: `store holds ${o[0]!.versions.toString()} versions after open`,
          });
          if (n === p.sizes[p.sizes.length - 1] && p.restarts > 0) {
            restartDbs.push(name);
            continue;
          }
        }
        await call(session.page, 'deleteDb', name);
      }
    }

    // cold load from a browser process that has never touched the database (OS caches stay warm)
    for (const name of restartDbs) {
      const n = p.sizes[p.sizes.length - 1]!;
      const load: number[] = [];
      for (let r = 0; r < p.restarts; r++) {
        await session.browser.close();
        session = await launch(url, userDataDir, log);
        const s = await call(session.page, 'loadOnce', name);
        load.push(round3(s.loadMs));
      }
      const v = median(load);
      add({
        metric: 'cold load: loadVersions(), compact log, first load after a browser restart',
        size: n,
        unit: 'ms',
        value: v,
        target: `< ${TARGET_LOAD_MS.toString()}`,
        met: v < TARGET_LOAD_MS,
        runs: load.length,
        samples: load,
        notes: 'Chromium relaunched on the same profile before each run; the OS page cache stays warm',
      });
      await call(session.page, 'deleteDb', name);
    }

    notes.push(
      `medians of ${p.runs.toString()} runs; at 100k the lag and node-open figures are medians of ${p.runsLarge.toString()} runs (each lag run is ${p.lagSeconds(100_000).toString()} s)`,
      'versions: entities with position, velocity and threat, 50 authors, HLC stamps, 10 % with a one-entry causal context, unsigned (versions a node stores are signed; these carry no proofs, so the check of stored proofs after the open judges none of them)',
      "IdbStorage at Chromium's default durability (relaxed); each run on a fresh database",
      "percentile metrics: the median over runs of each run's percentile (nearest rank) over its enqueues",
      'Stored proofs on load (docs/security.md, "Stored proofs on load") and the cold start. The 183 ms cold start above was measured without the check of stored proofs; merged on 2026-12-06 inside `LatticeNode.open`, that check added about 0.7 s per 100k components stored in batches of 1,024 (about 9 s for one-version batches) to the open, in Node (bench/stored-proofs.ts). Since 2026-12-06 10:10 UTC it runs right after the open (`LatticeNode.storedChecked`; views unverified and no peer linked until it settles): in bench/stored-proofs.ts (Node, memory storage, `BENCH_QUICK=1`, medians of 3, load average 4.3–6.4) the open of 100k components took 2,329 ms without the check and 2,301 ms with it, the check settling 3,064 ms after the open began; so the open\'s time is again what the table shows. This scenario\'s own cold-start case was not rerun: its quick sweep has no 100k size, and its versions are unsigned, so the check would judge none of them.',
      "Re-run of 2026-12-07 08:18 UTC (full sweep, load average 3.2 at start, other agents' jobs beside it), the first since 2026-11-22 23:09 UTC; since then the write-behind has two lanes (docs/c2-pipeline.md), the store is columnar and stored proofs are checked after the open. Against that run: persisted writes/s 147k → 127k at 1k, 370k → 311k at 10k and 487k → 449k at 100k (the target met at 10k and 100k, missed at 1k as before; the runs of each pair overlap); persistence lag p99 at 100k 40.7 → 21.1 ms (met); the cold load of a log at its compaction threshold at 100k 367 → 196 ms, now within its 300 ms target; but the cold start (openIdbStorage + LatticeNode.open, load and merge into the store) went 5.7 → 27.1 ms at 1k, 14.6 → 71.8 ms at 10k and 183 → 822 ms at 100k, about 4.5× slower at every size, outside the load's noise (its runs 820–898 ms): being looked into.",
      "2026-12-07 09:05 UTC, the cold start cut (branch h26-open): the 4.5\u00d7 came from what LatticeNode.open did after the merge, not from the merge. In Node (MemoryStorage holding this scenario's 100k versions, `node --cpu-prof`), the approval gate's restart built every entity's view (`store.list`) to find those with a threat, then settled every threat whatever its level (a view read each), and fusion's fresh engine built every entity's view again to find its tracks (this workload has none: no `source`); with the restore (~130 ms), re-validation (~80 ms) and GC, that was the open. Now the gate resumes only `gateCandidates` (an approval or task head, or a HIGH threat head, read from the registers without views; a threat below HIGH alone settles to nothing, docs/c2-pipeline.md) and fusion views only entities `mayBeTrack` allows; re-validation, floors and evidence restored, and the check of stored proofs after the open are unchanged. Node, fresh processes alternated old/new under the heavy lock, medians of 5 per process: 100k 1,214 / 1,079 / 1,092 \u2192 638 / 589 / 669 ms (about 1.7\u00d7; ~300 ms of each is MemoryStorage.loadVersions, absent in Chromium), 10k 110 / 194 / 225 \u2192 66 / 133 / 68 ms. This sweep (09:05 UTC, load average 1.9 at start, not alternated with the old build): cold start 27.1 \u2192 12.3 ms at 1k, 71.8 \u2192 38.0 ms at 10k, 822 \u2192 292 ms at 100k (runs 266\u2013311), still above the 183 ms of 2026-11-22; where the rest goes at 100k: the restore's merge, re-validation of every stored record, and the settles of the gate's HIGH threats (a quarter of the entities here).",
    );
    return {
      scenario: '5',
      title: 'IndexedDB write-behind in Chromium',
      quick,
      environment: {
        browser: userAgent,
        cores: cpus().length,
        loadavgBefore: loadBefore,
        loadavgAfter: round3(loadavg()[0]!),
      },
      metrics,
      notes,
      seconds: round3((performance.now() - started) / 1000),
    };
  } finally {
    await session?.browser.close().catch(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

export default runS5;

// Run alone: prints the result as JSON after the progress lines.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runS5({ log: (line) => console.error(line) });
  console.log(JSON.stringify(result, null, 2));
}
