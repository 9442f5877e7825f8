/**
 * Scenario 11 (docs/performance.md): end to end, a write on node A → visible on node B. Two tabs of the
 * built app in one Chromium, linked over WebRTC (BroadcastChannel signaling). Tab A updates one
 * track at a modest rate, each update carrying its sequence number; tab B's `watch` callback
 * records when each arrives. Both tabs read one machine clock (`performance.timeOrigin +
 * performance.now()`), so latency = B's arrival − A's write call start.
 *
 * Beside it, the parts: A's own `watch` seeing its own write (the local notification path: worker
 * write + ≤ 16 ms batching + postMessage), and A's `update()` round trip. The difference between the
 * end-to-end and the local figure is the mesh: encode, send, data channel, B's merge and notification.
 */
import { launchApp, openPair } from './lib/app-browser';
import { QUICK, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { stat } from './lib/stats';

const startedAt = new Date();
const SAMPLES = QUICK ? 100 : 300;
const RATE = 20;
const ROUNDS = QUICK ? 1 : 2;

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const r2 = (x: number): number => Math.round(x * 100) / 100;

interface Round {
  e2e: number[];
  local: number[];
  rpc: number[];
  lost: number;
}

const app = await launchApp();
const rounds: Round[] = [];
try {
  const [a, b] = await openPair(app, 's11-');
  log(`s11: linked ${a.nodeId.slice(0, 8)} ↔ ${b.nodeId.slice(0, 8)}`);
  const arrivals = async (): Promise<void> => {
    await b.page.evaluate(() => {
      const w = window as unknown as { s11: Map<number, number> };
      w.s11 = new Map();
      window.lattice.watch((batch) => {
        const now = performance.timeOrigin + performance.now();
        for (const v of batch.changed) {
          const seq = (v.components.probe as { seq?: number } | undefined)?.seq;
          if (v.id.startsWith('probe-') && typeof seq === 'number' && !w.s11.has(seq)) w.s11.set(seq, now);
        }
      });
    });
  };
  await arrivals();
  for (let round = 0; round < ROUNDS; round++) {
    const id = `probe-${round.toString()}`;
    await a.page.evaluate(async (i) => {
      await window.lattice.create({ id: i, components: { probe: { seq: -1 }, position: { lat: 50, lon: 8 } } });
    }, id);
    await new Promise((r) => setTimeout(r, 1500)); // B has the entity; the stream starts from steady state
    const base = round * 100_000;
    const sent = await a.page.evaluate(
      async ({ i, n, rate, base }) => {
        const starts = new Map<number, number>();
        const local = new Map<number, number>();
        const rpc: number[] = [];
        const stop = window.lattice.watch((batch) => {
          const now = performance.timeOrigin + performance.now();
          for (const v of batch.changed) {
            const seq = (v.components.probe as { seq?: number } | undefined)?.seq;
            if (v.id === i && typeof seq === 'number' && !local.has(seq)) local.set(seq, now);
          }
        });
        const t0 = performance.now();
        const pending: Promise<void>[] = [];
        for (let k = 0; k < n; k++) {
          const due = t0 + (k * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const seq = base + k;
          const s = performance.timeOrigin + performance.now();
          starts.set(seq, s);
          pending.push(
            window.lattice
              .update(i, { probe: { seq }, position: { lat: 50 + k * 1e-5, lon: 8 } })
              .then(() => void rpc.push(performance.timeOrigin + performance.now() - s)),
          );
        }
        await Promise.all(pending);
        await new Promise((r) => setTimeout(r, 1000));
        stop();
        return {
          starts: [...starts.entries()],
          local: [...local.entries()].map(([seq, t]) => [seq, t - starts.get(seq)!]),
          rpc,
        };
      },
      { i: id, n: SAMPLES, rate: RATE, base },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const arrived = new Map(
      await b.page.evaluate(() => [...(window as unknown as { s11: Map<number, number> }).s11.entries()]),
    );
    const e2e: number[] = [];
    let lost = 0;
    for (const [seq, s] of sent.starts) {
      const t = arrived.get(seq);
      if (t === undefined) lost++;
      else e2e.push(t - s);
    }
    rounds.push({ e2e, local: sent.local.map(([, d]) => d!), rpc: sent.rpc, lost });
    log(
      `s11 round ${(round + 1).toString()}: e2e p50 ${r2(pct(e2e, 50)).toString()} ms, p99 ${r2(pct(e2e, 99)).toString()} ms, ` +
        `local notify p50 ${r2(pct(rounds.at(-1)!.local, 50)).toString()} ms, update() p50 ${r2(pct(sent.rpc, 50)).toString()} ms, ` +
        `${e2e.length.toString()}/${SAMPLES.toString()} seen (${lost.toString()} superseded before B's batch)`,
    );
  }
  const errors = app.consoleErrors.filter((l) => !/favicon/i.test(l));
  if (errors.length > 0) log(`s11: console: ${errors.slice(0, 5).join(' | ')}`);
} finally {
  await app.close();
}

const per = (f: (r: Round) => number): number[] => rounds.map(f);
const e2eAll = rounds.flatMap((r) => r.e2e);
const rows: Row[] = [
  {
    case: `write on A → B's watch callback, p50 (${RATE.toString()} updates/s)`,
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.e2e, 50)))),
    target: { text: '< 50 ms', value: 50 },
  },
  {
    case: `write on A → B's watch callback, p99`,
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.e2e, 99)))),
    target: { text: '< 200 ms', value: 200 },
  },
  {
    case: `write on A → B's watch callback, max`,
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(Math.max(...r.e2e)))),
  },
  {
    case: "part: write on A → A's own watch callback (local notification), p50",
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.local, 50)))),
  },
  {
    case: "part: write on A → A's own watch callback, p99",
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.local, 99)))),
  },
  {
    case: 'part: update() round trip on A (page → worker → page), p50',
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.rpc, 50)))),
  },
  {
    case: 'part: mesh (end-to-end p50 − local notification p50)',
    unit: 'ms',
    better: 'lower',
    ours: stat(per((r) => r2(pct(r.e2e, 50) - pct(r.local, 50)))),
  },
  {
    case: 'updates superseded before B saw them (B shows only the newest)',
    unit: 'updates',
    better: 'lower',
    ours: stat(per((r) => r.lost)),
  },
];

await saveResult({
  id: 's11',
  scenario: 11,
  title: 'end to end: write on node A → visible on node B',
  target: 'p50 < 50 ms, p99 < 200 ms (unconstrained link)',
  reference: '— (docs/performance.md gives none)',
  quick: QUICK,
  runs: rounds.length,
  peers: [],
  rows,
  notes: [
    `Two tabs of the built app in one headless Chromium, linked over WebRTC with BroadcastChannel signaling. ` +
      `Tab A updates one track (a \`probe: {seq}\` component and its position) ${RATE.toString()} times a second, ` +
      `${SAMPLES.toString()} updates per round; tab B's \`window.lattice.watch\` callback stamps each sequence number on arrival. ` +
      `Both tabs read one clock (performance.timeOrigin + performance.now()). Each figure is the median over ${rounds.length.toString()} ` +
      `round(s) of that round's percentile (nearest rank); ${e2eAll.length.toString()} samples in all.`,
    'Parts: the local notification path (worker write, ≤ 16 ms change batching, postMessage to the page) is measured on A ' +
      "with A's own watch; the rest of the end-to-end figure is the mesh (outbound push of the change, data channel, B's merge, " +
      "B's ≤ 16 ms batching). The worker's mesh tick (200 ms) drives lazy announcements and anti-entropy, not this live push.",
    `Where the time goes (medians): end to end ${stat(per((r) => r2(pct(r.e2e, 50)))).median.toString()} ms, of which A's local ` +
      `notification path is ${stat(per((r) => r2(pct(r.local, 50)))).median.toString()} ms (mostly the ≤ 16 ms change-batching window; ` +
      `the update() round trip alone is ${stat(per((r) => r2(pct(r.rpc, 50)))).median.toString()} ms) and the mesh adds ` +
      `${stat(per((r) => r2(pct(r.e2e, 50) - pct(r.local, 50)))).median.toString()} ms.`,
    `App build served: ${app.build.dir.includes('lattice-bench-dist') === false ? 'dist/' : 'a private vite build of the working tree (dist/ was older than src/)'}.`,
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s11: saved');
