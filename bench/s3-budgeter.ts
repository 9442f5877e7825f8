import { LinkBudgeter } from '../src/core/budget/link-budgeter';
import { LinkShaper } from '../src/core/budget/link-shaper';
import { isBorrowing } from '../src/core/budget/priority-classes';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../src/core/budget/wire-overhead';
import { MAX_FRAME_BYTES } from '../src/ports/transport';
import { QUICK, RUNS, gc, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { exact, percentile, stat } from './lib/stats';

/**
 * Scenario 3: the bandwidth budgeter on a simulated 64 kbit/s link (8,000 B/s) flooded by 1,000
 * tracks moving at 1 Hz, plus a HIGH threat change every 500 ms. The budgeter's pure core
 * (src/core/budget, LinkBudgeter) feeds a seeded LinkShaper on a simulated clock: frames are
 * charged payload + 93 B of headers, the shaper serialises them at 8,000 B/s with 300 ms latency
 * and up to 50 ms jitter. The budgeter is not wired into the node yet, so items are opaque sizes:
 * 24 B per position update (scenario 2's packed median at batches of 1,000) and, for comparison,
 * 26 B (its median at batches of 100, about what a 2,000-B frame holds). Every figure but the CPU
 * cost is an exact count of a deterministic simulation.
 */
const startedAt = new Date();
const RATE = 8000;
const BURST = 4000;
const TRACKS = 1000;
const SECONDS = QUICK ? 40 : 120;
const WARM_UP_MS = 10_000;
const HIGH_BYTES = 40;
const SEED = 0x5eed_0003;
const rows: Row[] = [];

interface Outcome {
  readonly freshPerSecond: number;
  readonly payloadShare: number;
  readonly highQueueP99: number;
  readonly highDeliveryP99: number;
  readonly bytesPerSecond: number;
  readonly positionAgeP99: number;
  readonly coalesced: number;
  readonly deferred: number;
  readonly items: number;
  readonly cpuMs: number;
}

interface Payload {
  readonly track: number;
  readonly at: number;
}

/**
 * The budgeter and shaper of the last run, kept until the next run has its own: a link's budgeter
 * lives as long as the link, so the classes of a live budgeter (its queues, its plan) are never
 * without an instance in a running node. Without this, the forced GC before each run found none
 * alive, V8 dropped their hidden classes and deoptimized the budgeter built on them (the reason
 * "weak objects"), and each run timed code warming up again (docs/benchmarks.md, scenario 3, "The
 * budgeter after a full GC").
 */
const held: unknown[] = [];

/** One simulated run: tracks report at t, t + 1000, … ms (track t at offset t ms); the clock jumps between events. */
function simulate(positionBytes: number): Outcome {
  const t0 = performance.now();
  const shaper = new LinkShaper({ bytesPerSecond: RATE, latencyMs: 300, jitterMs: 50, loss: 0, seed: SEED });
  const b = new LinkBudgeter<Payload>(
    { maxFrameBytes: MAX_FRAME_BYTES, budget: { bytesPerSecond: RATE, burstBytes: BURST } },
    0,
  );
  const end = SECONDS * 1000;
  let delivered = 0;
  let payload = 0;
  let charged = 0;
  let items = 0;
  const highQueue: number[] = [];
  const highDelivery: number[] = [];
  const ages: number[] = [];
  let wake = 0; // Infinity: idle
  for (let now = 0; now <= end; now += 1) {
    // Arrivals of this millisecond: track `now % 1000` reports, and a HIGH change every 500 ms.
    const track = now % TRACKS;
    b.enqueue({ cls: 'position', bytes: positionBytes, key: `track-${track}`, payload: { track, at: now } }, now);
    items += 1;
    if (wake === Infinity) wake = now;
    if (now % 500 === 0) {
      b.enqueue({ cls: 'high', bytes: HIGH_BYTES, key: `threat-${now}`, payload: { track: -1, at: now } }, now);
      items += 1;
      wake = now;
    }
    if (now < wake) continue;
    for (;;) {
      const r = b.poll(now);
      if (r.type !== 'frame') {
        wake = r.type === 'wait' ? r.until : Infinity;
        break;
      }
      const fate = shaper.send(r.payloadBytes, now);
      if (now >= WARM_UP_MS) {
        payload += r.payloadBytes;
        charged += r.chargedBytes;
      }
      if (fate.type === 'drop') continue;
      for (const { cls, item, enqueuedAt } of r.items) {
        if (isBorrowing(cls)) {
          highQueue.push(now - enqueuedAt);
          highDelivery.push(fate.at - enqueuedAt);
          continue;
        }
        const t = item.payload.track;
        if (item.payload.at !== t + 1000 * Math.floor((now - t) / 1000)) throw new Error('a stale position was sent');
        if (fate.at >= WARM_UP_MS && fate.at < end - 2_000) delivered += 1;
        ages.push(fate.at - item.payload.at);
      }
    }
  }
  const stats = b.stats(end).classes;
  held[0] = b;
  held[1] = shaper;
  return {
    freshPerSecond: delivered / ((end - 2_000 - WARM_UP_MS) / 1000),
    payloadShare: (100 * payload) / charged,
    highQueueP99: percentile(highQueue, 0.99),
    highDeliveryP99: percentile(highDelivery, 0.99),
    bytesPerSecond: charged / ((end - WARM_UP_MS) / 1000),
    positionAgeP99: percentile(ages, 0.99),
    coalesced: stats.position.coalesced,
    deferred: stats.position.deferred,
    items,
    cpuMs: performance.now() - t0,
  };
}

for (const size of [24, 26]) {
  const runs: Outcome[] = [];
  for (let r = 0; r < RUNS; r++) {
    gc();
    runs.push(simulate(size));
  }
  const o = runs[0]!;
  log(`s3: ${size} B: ${o.freshPerSecond.toFixed(1)} fresh/s, ${o.payloadShare.toFixed(1)} % payload`);
  const c = `${size}-B position updates`;
  const deviation = (100 * Math.abs(o.bytesPerSecond - RATE)) / RATE;
  rows.push(
    {
      case: `${c}: fresh positions delivered`,
      unit: '/s',
      better: 'higher',
      ours: exact(o.freshPerSecond),
      target: { text: '≥ 300/s', value: 300 },
      note: `${o.coalesced.toLocaleString('en-US')} coalesced, ${o.deferred} deferred`,
    },
    {
      case: `${c}: share of the charged bytes carrying payload`,
      unit: '%',
      better: 'higher',
      ours: exact(o.payloadShare),
      target: { text: '≥ 90 %', value: 90 },
    },
    {
      case: `${c}: HIGH queue-to-wire p99`,
      unit: 'ms',
      better: 'lower',
      ours: exact(o.highQueueP99),
      target: { text: '< 250 ms', value: 249.999 },
      note: `enqueue to delivery through the shaped link: p99 ${Math.round(o.highDeliveryP99)} ms`,
    },
    {
      case: `${c}: charged bytes/s off the 8,000 B/s budget`,
      unit: '%',
      better: 'lower',
      ours: exact(deviation),
      target: { text: '≤ ±5 %', value: 5 },
      note: `${Math.round(o.bytesPerSecond).toLocaleString('en-US')} B/s`,
    },
    {
      case: `${c}: age of a position when delivered, p99`,
      unit: 'ms',
      better: 'lower',
      ours: exact(o.positionAgeP99),
    },
    {
      case: `${c}: budgeter + shaper CPU cost per enqueued item`,
      unit: 'µs',
      better: 'lower',
      ours: stat(runs.map((x) => (1000 * x.cpuMs) / x.items)),
    },
  );
}

await saveResult({
  id: 's3',
  scenario: 3,
  title: 'budgeter on a simulated 64 kbit/s link',
  target:
    '≥ 300 fresh track positions delivered/s (needs packing + coalescing: ≥ 90 % of the budget carrying payload); HIGH threat queue-to-wire p99 < 250 ms; measured bytes/s within ±5 % of the budget',
  reference: `one message per packet costs ~${PER_MESSAGE_OVERHEAD_BYTES} B of IP/UDP/DTLS/SCTP headers: ~15 CoT XML or ~58 compact reports/s; payload-only arithmetic gives ~190 compact reports/s`,
  quick: QUICK,
  runs: RUNS,
  peers: [],
  rows,
  notes: [
    `The budgeter's pure core (LinkBudgeter, src/core/budget; design in docs/budgeter.md) on a simulated clock, ` +
      `not yet the wired node: ${TRACKS.toLocaleString('en-US')} tracks each enqueue a position every second ` +
      `(track t at t ms past each second), coalesced per track; a ${HIGH_BYTES}-B HIGH change every 500 ms borrows. ` +
      `Budget ${RATE.toLocaleString('en-US')} B/s, burst ${BURST.toLocaleString('en-US')} B; frames are packed up ` +
      `to rate × 250 ms = 2,000 B and charged payload + ${PER_MESSAGE_OVERHEAD_BYTES} B. A seeded LinkShaper ` +
      `(seed ${SEED}) carries them at ${RATE.toLocaleString('en-US')} B/s (headers included) with 300 ms latency ` +
      'and 0–50 ms jitter, no loss. Figures are measured after a 10 s warm-up; delivered positions are counted ' +
      'until 2 s before the end. Each sent position is checked to be the newest its track had when the frame left.',
    'At 24 B per update the payload ceiling is 333/s; at 26 B it is 308/s, so 300/s would need ≥ 97.5 % ' +
      'payload: the target rests on the packed encoding staying near 24 B per update.',
    'HIGH goes to the wire at once (it borrows), but on a link whose rate equals the budget, the wire itself ' +
      'holds a standing backlog of up to the burst (plus any debt): what the bucket lets out faster than the ' +
      `link drains. Here that is ${BURST.toLocaleString('en-US')} B = ${(BURST * 1000) / RATE} ms, hence the delivery p99 ` +
      'beside the queue-to-wire one; a burst of one frame (2,093 B) measured ~610 ms, most of it the 300 ms latency.',
    'Every figure but the CPU cost is an exact count of a deterministic simulation (the first run); the CPU ' +
      'cost is the median over the runs of the simulation wall time per enqueued item.',
    "The budgeter after a full GC, 2026-12-07 12:19 UTC (quick sweep, load average 2.0 at start). Each run made its budgeter and shaper and dropped them before the forced GC of the next run (bench/lib/measure.ts), which a node never does (a link's budgeter lives as long as the link): with none alive V8 dropped the hidden classes of the budgeter and what it holds (its class queues and their bands, the scheduler, the byte bucket) and of the shaper, and deoptimized the code built on them (node --trace-deopt: reason \"weak objects\", enqueue, poll's planWeighted and commit, the queues' peek and take, canSend, available, send and the rest, 133 in a quick run), so the CPU cost row timed a budgeter warming up again. Each run now keeps the last run's budgeter and shaper until it has its own (`held` in this script); the quick run has no weak-object deopt left. The counts are unchanged (the same deterministic simulation). CPU cost per enqueued item, quick sweeps of the code before (11:47 and 12:05 UTC, load 2.3 and 2.4) and after (11:56 and 12:19 UTC, load 2.9 and 2.0): 24 B 1.82 / 3.14 → 1.80 / 0.96 µs, 26 B 1.84 / 2.74 → 1.33 / 0.63 µs; alternated in fresh processes (12:22–12:24 UTC, load average 2.0–2.5, 3 pairs), 24 B 1.66 / 1.48 / 1.75 → 0.85 / 1.25 / 1.23 µs and 26 B 1.26 / 1.59 / 1.83 → 0.67 / 1.10 / 0.75 µs (×0.74 and ×0.47 at the medians). A quick run is short (about 40,000 items, under 0.1 s) and its wall time takes in the other jobs on this shared machine, so single sweeps swing by 2× or more; this row has no target.",
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s3: saved');
