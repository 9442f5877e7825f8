/**
 * Scenario 6 (docs/performance.md), the worker ↔ UI boundary as scripts and simulators use it: how
 * many component writes per second `window.lattice.writeMany` persists from the page (each call
 * resolves once its one group commit is durable in IndexedDB), beside `update()` one by one, and
 * the round trip of one small call (page → worker → page). One tab of the built app in headless
 * Chromium, its own fresh lattice, no peers.
 */
import { launchApp } from './lib/app-browser';
import { QUICK, RUNS, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { percentile, stat } from './lib/stats';

const startedAt = new Date();
const ITEMS = QUICK ? 1_000 : 2_000;
const CALLS = QUICK ? 5 : 10;
const COMPONENTS = 4;
const ONE_BY_ONE = QUICK ? 200 : 500;
const ROUND_TRIPS = QUICK ? 500 : 2_000;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Run {
  /** Component writes per second, writeMany, calls one after another. */
  manyRate: number;
  /** p50 of one writeMany call's time, ms. */
  manyCallMs: number;
  /** Component writes per second, update() awaited one by one. */
  singleRate: number;
  /** p50 and p99 of get() of one small entity, ms. */
  rttP50: number;
  rttP99: number;
}

const app = await launchApp();
const runs: Run[] = [];
try {
  const lattice = `s6w-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const { page } = await app.openApp(`lattice=${lattice}&signal=broadcast`);
  for (let run = 0; run < RUNS; run++) {
    const r = await page.evaluate(
      async ({ items, calls, oneByOne, roundTrips, run }) => {
        // No named helper functions in here: tsx would wrap them in a __name() the page does not have.
        const l = window.lattice;
        const batches: { id: string; components: Record<string, unknown> }[][] = [];
        for (let c = 0; c < calls + 1; c++) {
          const k = run * calls + c;
          const batch = [];
          for (let i = 0; i < items; i++) {
            batch.push({
              id: `w${i.toString()}`,
              components: {
                position: { lat: 50 + (i % 1000) * 1e-4 + k * 1e-6, lon: 8 + Math.floor(i / 1000) * 1e-4 },
                velocity: { east: (k % 7) - 3, north: 2 },
                threat: { level: k % 2 === 0 ? 'LOW' : 'MEDIUM' },
                classification: { label: 'vessel', disposition: 'UNKNOWN', environment: 'SURFACE', confidence: 0.5 },
              },
            });
          }
          batches.push(batch);
        }
        const callMs: number[] = [];
        const t0 = performance.now();
        for (let c = 0; c < calls; c++) {
          const s = performance.now();
          await l.writeMany(batches[c]!);
          callMs.push(performance.now() - s);
        }
        const manyMs = performance.now() - t0;
        const t1 = performance.now();
        // The components of the extra batch, one entity at a time.
        for (let i = 0; i < oneByOne; i++) await l.update(`w${i.toString()}`, batches[calls]![i % items]!.components);
        const singleMs = performance.now() - t1;
        const rtt: number[] = [];
        for (let i = 0; i < roundTrips; i++) {
          const s = performance.now();
          await l.get('w1');
          rtt.push(performance.now() - s);
        }
        return { callMs, manyMs, singleMs, rtt };
      },
      { items: ITEMS, calls: CALLS, oneByOne: ONE_BY_ONE, roundTrips: ROUND_TRIPS, run },
    );
    const components = ITEMS * CALLS * COMPONENTS;
    runs.push({
      manyRate: Math.round(components / (r.manyMs / 1000)),
      manyCallMs: Math.round(percentile(r.callMs, 0.5) * 10) / 10,
      singleRate: Math.round((ONE_BY_ONE * COMPONENTS) / (r.singleMs / 1000)),
      rttP50: r3(percentile(r.rtt, 0.5)),
      rttP99: r3(percentile(r.rtt, 0.99)),
    });
    const last = runs.at(-1)!;
    log(
      `s6 writeMany run ${(run + 1).toString()}: ${last.manyRate.toString()} component writes/s ` +
        `(call p50 ${last.manyCallMs.toString()} ms), update() one by one ${last.singleRate.toString()}/s, ` +
        `get() round trip p50 ${last.rttP50.toString()} ms, p99 ${last.rttP99.toString()} ms`,
    );
  }
  const errors = app.consoleErrors.filter((line) => !/favicon/i.test(line));
  if (errors.length > 0) log(`s6 writeMany: console: ${errors.slice(0, 5).join(' | ')}`);
} finally {
  await app.close();
}

const per = (f: (r: Run) => number): number[] => runs.map(f);
const rows: Row[] = [
  {
    case: `writeMany: ${ITEMS.toString()} entities × ${COMPONENTS.toString()} components a call, persisted (calls in sequence)`,
    unit: 'component writes/s',
    better: 'higher',
    ours: stat(per((r) => r.manyRate)),
    target: { text: '≥ 100k/s', value: 100_000 },
  },
  {
    case: 'writeMany: one call, page → worker → durable → page, p50',
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r.manyCallMs)),
  },
  {
    case: `reference: update() of one entity × ${COMPONENTS.toString()} components, awaited one by one`,
    unit: 'component writes/s',
    better: 'higher',
    ours: stat(per((r) => r.singleRate)),
  },
  {
    case: 'RPC round trip: get() of one entity (page → worker → page), p50',
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r.rttP50)),
    target: { text: '< 0.2 ms', value: 0.2 },
  },
  {
    case: 'RPC round trip: get(), p99',
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r.rttP99)),
  },
];

await saveResult({
  id: 's6-write-many',
  scenario: 6,
  title: 'worker ↔ UI: writeMany persisted from the page, and the RPC round trip',
  target: '`writeMany` ≥ 100k component writes/s persisted from the page; RPC round trip p50 < 0.2 ms',
  reference:
    'postMessage of ≤ 10 KiB is safe within a frame (surma.dev, 2019); ~1.7k small writes/s one RPC each (issue 8)',
  quick: QUICK,
  runs: runs.length,
  peers: [],
  rows,
  notes: [
    'Before and after the cuts of 2026-12-05 (announce’s held check and the proof’s adoption comparing copies member by member, stored proofs written straight into the segment, the put keys compared only when a removal shares a put’s ms), back to back, quick sweep, the old build first: 13.5k component writes/s (8.9k–13.9k), a call 298 ms p50, load 1.95 at start; then 15.7k/s (10.1k–17.2k), 265 ms, load 2.68: about 16 % more, target missed. get() p50 was 0.2–0.3 ms in both runs of the pair (0.1 ms in the full sweep of 2026-12-03): the machine, not these changes, which do not touch the call path.',
    `One tab of the built app in headless Chromium (IndexedDB, default durability), a fresh lattice, no peers. ` +
      `Each run: ${CALLS.toString()} writeMany calls in sequence, each of ${ITEMS.toString()} entities with position, velocity, ` +
      `threat and classification (the same ${ITEMS.toString()} entities every call, so calls after the first are updates); a call ` +
      `resolves once its one group commit is durable, so the rate counts persisted writes. Then ${ONE_BY_ONE.toString()} update() ` +
      `calls awaited one by one, and ${ROUND_TRIPS.toString()} get() calls of one small entity, timed on performance.now() in the page. ` +
      `Each figure is the median over ${runs.length.toString()} runs.`,
    'Chromium coarsens performance.now() to 0.1 ms in a page without cross-origin isolation, so a round trip of 0.1 ms ' +
      'means at most about 0.2 ms; the p99 is the machine (other processes) more than the call.',
    'Where a writeMany call goes (bench/profile-write-many-browser.ts: the page and the worker under the DevTools ' +
      'profiler over 6 calls of 2000 × 4 components, 2026-12-05 04:55 UTC, load ~10 on 2 cores, 1,166 ms a call p50 ' +
      'under the profiler; µs per component of the worker’s 155): idle 32 (waiting for the IndexedDB commit and for ' +
      'the page); the sync index 23 (adding: the reconciliation id, a hash of the canonical content, 9 per version; ' +
      'removing: the superseded version read back from the columns is hashed again, 6); the signature 14 (leaf ' +
      'SHA-256 6, tree 3, paths 4; one Ed25519 signature per call); GC 11; the change feed and its views to the page ' +
      '10; the log’s compaction 9; the IndexedDB commit 8 (its encoding 5) and idb’s request callbacks 4; the ' +
      'views writeMany returns, built 3 and posted 4, and the request read 5; validation 5; persist and the ' +
      'write-behind 5; the merge 3; stamping 2; announce’s check that each write is still held 2 (5 before ' +
      'sameContent compared copies member by member) and adopting the proof into the columns 1 (3 before). The ' +
      'page reads the 2000 returned views in 104 ms a call (13 µs a component, in line with the call) and spends ' +
      'the rest of its time on the change feed and Lit. The floor on this path: the sync index, the feed, the ' +
      'crossing and GC are 56 of the worker’s 155 µs, so with everything else free a call would still take about a ' +
      'third of its time today (~45k/s in the quick run above), missed: the target needs a writeMany that returns no ' +
      'views, the sync index keeping each head’s id instead of hashing it again on removal, and fewer objects per ' +
      'component.',
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
