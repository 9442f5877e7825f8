/**
 * Scenario 7 (docs/performance.md): WebRTC between two tabs on one machine. Two tabs of the built app in
 * one Chromium context (BroadcastChannel signaling), linked over simple-peer data channels bridged
 * to each worker's MeshNode.
 *
 *   (a) bulk sync: B is partitioned, A writes N components, B heals; timed from B's link reporting
 *       `connected` again to B's store holding all N (stats().versions), and from heal() too.
 *       MB/s counts the link's wire bytes into B (peers().bytesIn of the new link).
 *   (b) small messages: A creates single-component entities as fast as its page can issue them;
 *       rate = count / (B's watch seeing the last − A's first call).
 *   (c) errors: send-queue overflows (peers().lastError), link restarts, console warnings/errors.
 *   baseline: a raw RTCPeerConnection data channel between two plain same-origin tabs (no app code)
 *       sending 64 KiB ArrayBuffers with bufferedAmount flow control (1 MiB high / 256 KiB low, the
 *       app's own water marks): our MB/s as a ratio to it, same run.
 */
import type { Page } from 'puppeteer-core';
import { launchApp, openPair, waitConnected, type AppPage } from './lib/app-browser';
import { openAllowance, openCharge } from '../src/core/sync/open-allowances';
import { QUICK, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { stat } from './lib/stats';

const startedAt = new Date();
const SIZES = QUICK ? [1_000, 10_000] : [1_000, 10_000, 40_000];
const RUNS_AT = (n: number): number => (n >= 40_000 ? 1 : n >= 10_000 ? (QUICK ? 1 : 3) : 3);
/** The bulk row with larger components: tracks carrying a 1 KiB annotation (bytes, not version count, dominate). */
const NOTE_SIZES = QUICK ? [4_000] : [4_000, 20_000];
const NOTE_CHARS = 1000;
const SMALL = QUICK ? 2_000 : 5_000;
const SMALL_RUNS = QUICK ? 2 : 3;
const RAW_MIB = QUICK ? 32 : 64;
const RAW_RUNS = 3;
const RAW = 'raw RTCDataChannel';
const MB = 1e6;
/**
 * New registers one author may make a node hold at once: its share of the node budget and its burst
 * (32,768 + 16,384, src/node/security/new-entity-limit.ts); beyond, 100 a second. Every version of
 * this bench is a new register of A's, so a pair is replaced by a fresh one (new lattice, new
 * nodes) before B would pass this, with a margin: the bench measures the sync, not that limit
 * (which throttled the 50k and 20k runs of the first full sweep to ~100 versions/s, past 110 s).
 */
const REGISTER_ALLOWANCE = 45_000;
/**
 * The reconcile-open allowance a peer has with the other, mirrored here: each heal is a new link
 * whose first round is an open, charged by the set it makes the responder walk (openCharge,
 * docs/security.md, "Per-link limits"), RECONCILE_OPEN_BURST whole opens at once, then
 * RECONCILE_OPENS_PER_MINUTE, kept across links. A heal waits only when a field link healed as
 * often would have its open refused, so a run times the sync, not the allowance; every wait is logged.
 */
const opens = openAllowance(Date.now());

/** A bulk run still short of its versions this long after heal() is recorded as it stands. */
const LIMIT_MS = 110_000;
const r3 = (x: number): number => Number(x.toPrecision(3));

interface Bulk {
  n: number;
  /** Versions B received: n, or fewer in a run that hit the deadline (its rates count these). */
  got: number;
  /** The run hit the deadline: recorded with what arrived, and listed in the notes. */
  slow: boolean;
  fromConnectMs: number;
  fromHealMs: number;
  bytes: number;
  writeMs: number;
}

/**
 * A writes `tracks` entities, 2 components each, up to 500 calls in flight: position + velocity, or
 * (`note`) position + an `annotation` of NOTE_CHARS characters of text (a kind the node does not
 * know, carried as JSON: an operator's note or a small attachment on the track), different per track.
 */
async function writeTracks(page: Page, prefix: string, tracks: number, note = false): Promise<number> {
  return page.evaluate(
    async ({ prefix, tracks, note, chars }) => {
      const t0 = performance.now();
      // Text that differs per track (no run the wire or storage could shorten). No inner named
      // functions: the bundler's name helper does not exist in the page.
      const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'.split(' ');
      for (let i = 0; i < tracks; i += 500) {
        const batch: Promise<unknown>[] = [];
        for (let k = i; k < Math.min(tracks, i + 500); k++)
          batch.push(
            window.lattice.create({
              id: `${prefix}-${k.toString()}`,
              components: {
                position: { lat: 50 + (k % 1000) * 1e-4, lon: 8 + Math.floor(k / 1000) * 1e-4, alt: 100 },
                ...(note
                  ? {
                      annotation: {
                        text: Array.from(
                          { length: 200 },
                          (_, i) => `${words[(k * 7 + i * 13) % words.length]!}${((k + i) % 97).toString()}`,
                        )
                          .join(' ')
                          .slice(0, chars),
                      },
                    }
                  : { velocity: { east: 10 + (k % 7), north: -5 } }),
              },
            }),
          );
        await Promise.all(batch);
      }
      return performance.now() - t0;
    },
    { prefix, tracks, note, chars: NOTE_CHARS },
  );
}

/** Versions/s and wire MB/s from connected, over what arrived (0 for a run that never connected). */
const vps = (x: Bulk): number => (x.fromConnectMs > 0 ? (x.got / x.fromConnectMs) * 1000 : 0);
const mbps = (x: Bulk): number => (x.fromConnectMs > 0 ? x.bytes / MB / (x.fromConnectMs / 1000) : 0);
/** Wire bytes per component received. */
const perVersion = (x: Bulk): number => x.bytes / Math.max(1, x.got);

async function bulk(a: AppPage, b: AppPage, n: number, tag: string, note = false): Promise<Bulk> {
  await b.page.evaluate(() => window.lattice.partition());
  await b.page.waitForFunction(
    async (id: string) => !(await window.lattice.peers()).some((l) => l.id === id && l.state === 'connected'),
    { polling: 100, timeout: 20_000 },
    a.nodeId,
  );
  const before = await b.page.evaluate(async () => (await window.lattice.stats()).versions);
  const aBefore = await a.page.evaluate(async () => (await window.lattice.stats()).versions);
  const writeMs = await writeTracks(a.page, tag, n / 2, note);
  const aAfter = await a.page.evaluate(async () => (await window.lattice.stats()).versions);
  if (aAfter - aBefore !== n)
    log(`  (A's versions grew by ${(aAfter - aBefore).toString()}, expected ${n.toString()})`);
  const want = before + (aAfter - aBefore);
  // Either side may open: charge the larger set, as the larger responder would.
  const charge = openCharge(Math.max(before, aAfter));
  const waitFrom = Date.now();
  while (!opens.take(Date.now(), charge)) await new Promise((res) => setTimeout(res, 100));
  if (Date.now() - waitFrom >= 100)
    log(`  (heal waited ${(Date.now() - waitFrom).toString()} ms for the open allowance)`);
  const r = await b.page.evaluate(
    async ({ peer, want, base, limitMs }) => {
      // bytesIn is counted per peer across its connections: take the difference.
      const bytes0 = (await window.lattice.peers()).find((l) => l.id === peer)?.bytesIn ?? 0;
      const tHeal = performance.now();
      await window.lattice.heal();
      let tConnected = NaN;
      let bytes = 0;
      const deadline = tHeal + limitMs;
      for (;;) {
        const links = await window.lattice.peers();
        const link = links.find((l) => l.id === peer && l.state === 'connected');
        if (link !== undefined && Number.isNaN(tConnected)) tConnected = performance.now();
        const late = performance.now() > deadline;
        if (link !== undefined || late) {
          const v = (await window.lattice.stats()).versions;
          if (v >= want || late) {
            // A run past the deadline is kept with what arrived (never dropped with the scenario).
            const t = performance.now();
            bytes = ((await window.lattice.peers()).find((l) => l.id === peer)?.bytesIn ?? 0) - bytes0;
            const fromConnect = Number.isNaN(tConnected) ? 0 : t - tConnected;
            return { fromHeal: t - tHeal, fromConnect, bytes, got: v - base, slow: v < want };
          }
        }
        // Until connected, peers() every 5 ms. Then stats(), which counted B's shown entities by a
        // walk of the store (~1.4 ms at 10k) until it kept running totals: polled every 5 ms it took
        // a quarter of B's worker; every 2 % of the time since connected (5–50 ms) bounds the cost
        // and the timing error to ~2 %.
        const since = Number.isNaN(tConnected) ? 0 : performance.now() - tConnected;
        await new Promise((res) => setTimeout(res, Math.min(50, Math.max(5, since / 50))));
      }
    },
    { peer: a.nodeId, want, base: before, limitMs: LIMIT_MS },
  );
  if (r.slow)
    log(
      `  (slow run: B holds ${r.got.toString()} of ${n.toString()} versions ${r3(r.fromHeal).toString()} ms after heal(), ` +
        `connected for ${r3(r.fromConnect).toString()} ms)`,
    );
  return { n, got: r.got, slow: r.slow, fromConnectMs: r.fromConnect, fromHealMs: r.fromHeal, bytes: r.bytes, writeMs };
}

/** A creates `count` single-component entities; returns messages/s seen on B and A's own write rate. */
async function small(a: AppPage, b: AppPage, count: number, tag: string): Promise<{ rate: number; local: number }> {
  await b.page.evaluate(
    ({ tag, count }) => {
      const w = window as unknown as { s7done: Promise<number> };
      w.s7done = new Promise<number>((resolve) => {
        const seen = new Set<string>();
        const stop = window.lattice.watch((batch) => {
          for (const v of batch.changed) if (v.id.startsWith(tag)) seen.add(v.id);
          if (seen.size >= count) {
            stop();
            resolve(performance.timeOrigin + performance.now());
          }
        });
      });
    },
    { tag: `${tag}-`, count },
  );
  const sent = await a.page.evaluate(
    async ({ tag, count }) => {
      const start = performance.timeOrigin + performance.now();
      const inflight = new Set<Promise<unknown>>();
      for (let k = 0; k < count; k++) {
        const p: Promise<unknown> = window.lattice
          .create({ id: `${tag}-${k.toString()}`, components: { position: { lat: 40 + k * 1e-6, lon: 9 } } })
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= 256) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      return { start, end: performance.timeOrigin + performance.now() };
    },
    { tag, count },
  );
  const end = await b.page.evaluate(() =>
    Promise.race([
      (window as unknown as { s7done: Promise<number> }).s7done,
      new Promise<number>((_, rej) => setTimeout(() => rej(new Error('B did not see every message in 60 s')), 60_000)),
    ]),
  );
  return { rate: (count / (end - sent.start)) * 1000, local: (count / (sent.end - sent.start)) * 1000 };
}

/** How the raw channel is driven: message size and the bufferedAmount water marks. */
interface RawSettings {
  readonly name: string;
  readonly messageBytes: number;
  readonly high: number;
  readonly low: number;
}
const KIB = 1024;
/**
 * The app's own settings (64 KiB frames, 1 MiB high / 256 KiB low: src/adapters/webrtc/flow-sender.ts),
 * and the most a plain channel can be driven with here: 256 KiB messages (Chrome's limit, capped to
 * the channel's maxMessageSize) with 8 MiB high / 4 MiB low (under the ~16 MiB that closes it).
 */
const RAW_SETTINGS: readonly RawSettings[] = [
  { name: '64 KiB messages, 1 MiB high / 256 KiB low', messageBytes: 64 * KIB, high: 1024 * KIB, low: 256 * KIB },
  { name: '256 KiB messages, 8 MiB high / 4 MiB low', messageBytes: 256 * KIB, high: 8192 * KIB, low: 4096 * KIB },
];

/**
 * Two plain tabs, one raw data channel, signaled by hand (non-trickle) through this process; for
 * each of `settings`, one warm-up and `runs` measured runs of `mib` MiB. Returns MB/s per setting.
 */
async function rawBaseline(
  pa: Page,
  pb: Page,
  mib: number,
  runs: number,
  settings: readonly RawSettings[],
): Promise<number[][]> {
  const offer = await pa.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('raw', { ordered: true });
    dc.binaryType = 'arraybuffer';
    Object.assign(window, { rawPc: pc, rawDc: dc });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
      setTimeout(r, 3000);
    });
    return JSON.stringify(pc.localDescription);
  });
  const answer = await pb.evaluate(async (o: string) => {
    const pc = new RTCPeerConnection();
    const w = window as unknown as { rawPc: RTCPeerConnection; rawDc: Promise<RTCDataChannel> };
    w.rawPc = pc;
    w.rawDc = new Promise((r) =>
      pc.addEventListener('datachannel', (e) => {
        e.channel.binaryType = 'arraybuffer';
        r(e.channel);
      }),
    );
    await pc.setRemoteDescription(JSON.parse(o) as RTCSessionDescriptionInit);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
      setTimeout(r, 3000);
    });
    return JSON.stringify(pc.localDescription);
  }, offer);
  await pa.evaluate(async (s: string) => {
    const w = window as unknown as { rawPc: RTCPeerConnection; rawDc: RTCDataChannel };
    await w.rawPc.setRemoteDescription(JSON.parse(s) as RTCSessionDescriptionInit);
    if (w.rawDc.readyState !== 'open')
      await new Promise<void>((r, j) => {
        w.rawDc.addEventListener('open', () => r());
        setTimeout(() => j(new Error('raw channel did not open in 15 s')), 15_000);
      });
  }, answer);
  const all: number[][] = [];
  for (const set of settings) {
    const out: number[] = [];
    for (let run = 0; run < runs + 1; run++) {
      const total = mib * 1024 * 1024;
      const done = pb.evaluate(async (total: number) => {
        const dc = await (window as unknown as { rawDc: Promise<RTCDataChannel> }).rawDc;
        return new Promise<number>((resolve) => {
          let got = 0;
          dc.onmessage = (e: MessageEvent<ArrayBuffer>) => {
            got += e.data.byteLength;
            if (got >= total) {
              dc.onmessage = null;
              resolve(performance.timeOrigin + performance.now());
            }
          };
        });
      }, total);
      await new Promise((r) => setTimeout(r, 50));
      const start = await pa.evaluate(
        async ({ total, set }) => {
          const w = window as unknown as { rawDc: RTCDataChannel; rawPc: RTCPeerConnection };
          const dc = w.rawDc;
          const chunk = new ArrayBuffer(Math.min(set.messageBytes, w.rawPc.sctp?.maxMessageSize ?? set.messageBytes));
          new Uint8Array(chunk).fill(7);
          dc.bufferedAmountLowThreshold = set.low;
          const t0 = performance.timeOrigin + performance.now();
          let sent = 0;
          while (sent < total) {
            while (sent < total && dc.bufferedAmount < set.high) {
              dc.send(chunk);
              sent += chunk.byteLength;
            }
            if (sent < total)
              await new Promise<void>((r) => dc.addEventListener('bufferedamountlow', () => r(), { once: true }));
          }
          return t0;
        },
        { total, set },
      );
      const end = await done;
      const mbs = total / MB / ((end - start) / 1000);
      if (run > 0) out.push(r3(mbs)); // the first run warms the channel up
    }
    all.push(out);
  }
  await pa.evaluate(() => (window as unknown as { rawPc: RTCPeerConnection }).rawPc.close());
  await pb.evaluate(() => (window as unknown as { rawPc: RTCPeerConnection }).rawPc.close());
  return all;
}

const app = await launchApp();
const bulkRuns = new Map<number, Bulk[]>();
const smallRuns: { rate: number; local: number }[] = [];
let rawRuns: number[] = [];
let rawBigRuns: number[] = [];
const noteRuns = new Map<number, Bulk[]>();
let errorReport = { overflows: 0, restarts: 0, lastErrors: [] as string[], console: [] as string[] };
try {
  // Baseline first, in its own context (no service worker, no app tabs competing for the cores).
  const ctx = await app.browser.createBrowserContext();
  const [pa, pb] = [await app.openPlain(ctx), await app.openPlain(ctx)];
  [rawRuns = [], rawBigRuns = []] = await rawBaseline(pa, pb, RAW_MIB, RAW_RUNS, RAW_SETTINGS);
  log(`s7: raw data channel ${rawRuns.join(', ')} MB/s (${RAW_SETTINGS[0]!.name}, ${RAW_MIB.toString()} MiB per run)`);
  log(`s7: raw data channel ${rawBigRuns.join(', ')} MB/s (${RAW_SETTINGS[1]!.name})`);
  await ctx.close();

  let pair: { a: AppPage; b: AppPage; used: number } | undefined;
  /** The pair to run `registers` more of A's new registers on: a fresh one if B would pass its allowance. */
  const pairFor = async (registers: number): Promise<[AppPage, AppPage]> => {
    if (pair === undefined || pair.used + registers > REGISTER_ALLOWANCE) {
      if (pair !== undefined) for (const t of [pair.a, pair.b]) await t.page.close();
      const [a, b] = await openPair(app, 's7-');
      log(`s7: linked ${a.nodeId.slice(0, 8)} ↔ ${b.nodeId.slice(0, 8)}`);
      // Warm-up: a small sync through the same path.
      await bulk(a, b, 200, 'warm');
      await waitConnected(a.page, b.nodeId);
      pair = { a, b, used: 200 };
    }
    pair.used += registers;
    return [pair.a, pair.b];
  };

  let seq = 0;
  for (const n of SIZES) {
    const runs: Bulk[] = [];
    for (let r = 0; r < RUNS_AT(n); r++) {
      const [a, b] = await pairFor(n);
      const x = await bulk(a, b, n, `bulk${(seq++).toString()}`);
      runs.push(x);
      log(
        `s7: bulk ${n.toString()}: ${r3(x.fromConnectMs).toString()} ms from connected (${r3(x.fromHealMs).toString()} from heal), ` +
          `${r3(x.bytes / 1024).toString()} KiB in, ${r3(mbps(x)).toString()} MB/s, ` +
          `${r3(vps(x)).toString()} versions/s; A wrote them in ${r3(x.writeMs).toString()} ms`,
      );
    }
    bulkRuns.set(n, runs);
  }
  for (const n of NOTE_SIZES) {
    const runs: Bulk[] = [];
    for (let r = 0; r < RUNS_AT(n); r++) {
      const [a, b] = await pairFor(n);
      const x = await bulk(a, b, n, `note${(seq++).toString()}`, true);
      runs.push(x);
      log(
        `s7: bulk ${n.toString()} with 1 KiB notes: ${r3(x.fromConnectMs).toString()} ms from connected, ` +
          `${r3(x.bytes / 1024).toString()} KiB in, ${r3(mbps(x)).toString()} MB/s, ` +
          `${r3(vps(x)).toString()} versions/s`,
      );
    }
    noteRuns.set(n, runs);
  }
  const [a, b] = await pairFor(SMALL * (SMALL_RUNS + 1));
  await waitConnected(a.page, b.nodeId);
  await waitConnected(b.page, a.nodeId);
  const before = await Promise.all([a, b].map((t) => t.page.evaluate(() => window.lattice.peers())));
  for (let r = 0; r < SMALL_RUNS + 1; r++) {
    const x = await small(a, b, SMALL, `small${r.toString()}`);
    log(
      `s7: small ${SMALL.toString()}: ${r3(x.rate).toString()} msg/s on B; A issues ${r3(x.local).toString()} writes/s`,
    );
    if (r > 0) smallRuns.push(x); // the first round is a warm-up
  }
  const after = await Promise.all([a, b].map((t) => t.page.evaluate(() => window.lattice.peers())));
  const allLinks = [...before.flat(), ...after.flat()];
  errorReport = {
    overflows: allLinks.filter((l) => /overflow/i.test(l.lastError ?? '')).length,
    restarts: after.flat().reduce((s, l) => s + l.attempts, 0) - before.flat().reduce((s, l) => s + l.attempts, 0),
    lastErrors: [...new Set(allLinks.map((l) => l.lastError).filter((e): e is string => e !== undefined))],
    console: app.consoleErrors.filter((l) => /overflow|queue.?full|send queue/i.test(l)),
  };
  log(`s7: errors ${JSON.stringify(errorReport).slice(0, 400)}`);
} finally {
  await app.close();
}

const rawMed = stat(rawRuns);
const rawBigMed = stat(rawBigRuns);
function bulkNote(): string {
  const [n, runs] = [...bulkRuns.entries()].at(-1)!;
  const perComponent = stat(runs.map(perVersion)).median;
  const rate = stat(runs.map(vps)).median;
  return (
    `Bulk: at ${(n / 1000).toString()}k components the sync carries ${r3(perComponent).toString()} wire bytes per component ` +
    `and applies ${r3(rate).toString()} versions/s, so it moves ${r3((perComponent * rate) / MB).toString()} MB/s; filling ` +
    `30 MB/s at that density would take ${r3((30 * MB) / perComponent).toString()} versions/s. The data channel is not the ` +
    `limit (the raw channel does ${rawMed.median.toString()} MB/s here with the app's settings, ${rawBigMed.median.toString()} MB/s ` +
    "at most): the versions/s of the sync path (encode in A's worker, page bridge, decode + merge + persist in B's worker) is. " +
    `The 30 MB/s target is beyond this machine's data channel itself: a plain channel between two tabs carried ` +
    `${Math.max(rawMed.median, rawBigMed.median).toString()} MB/s at most in this run (its 256 KiB row lists the target ` +
    'beside it); it carried ~15 MB/s at a load average of 2.5 earlier the same day, so the figures move with the load.'
  );
}
function slowNote(): string {
  const slow = [...bulkRuns.values(), ...noteRuns.values()].flat().filter((x) => x.slow);
  if (slow.length === 0) return `Every bulk run completed within ${(LIMIT_MS / 1000).toString()} s of heal().`;
  return `Runs past the ${(LIMIT_MS / 1000).toString()} s deadline: ${slow
    .map((x) => `${x.got.toString()} of ${x.n.toString()} versions, connected ${r3(x.fromConnectMs).toString()} ms`)
    .join('; ')}.`;
}
function smallNote(): string {
  const rate = stat(smallRuns.map((x) => x.rate)).median;
  const local = stat(smallRuns.map((x) => x.local)).median;
  const head = `Small messages: B sees ${r3(rate).toString()}/s while A completes ${r3(local).toString()} create() calls/s`;
  return rate >= 0.8 * local
    ? `${head}: the producer (one page → worker create() call per write) is the limit, not the link.`
    : `${head}: the receiving side lags the producer (see where the time goes).`;
}
const rows: Row[] = [];
for (const [n, runs] of bulkRuns) {
  const mbs = runs.map((x) => r3(mbps(x)));
  rows.push({
    case: `bulk sync after heal, ${(n / 1000).toString()}k components: wire MB/s (from link connected)`,
    unit: 'MB/s',
    better: 'higher',
    ours: stat(mbs),
    peers: { [RAW]: rawMed },
    target: { text: '≥ 30 MB/s', value: 30 },
    note: `${r3(stat(runs.map(perVersion)).median).toString()} wire B per component; ${stat(runs.map((x) => r3(x.fromConnectMs))).median.toString()} ms from connected, ${stat(runs.map((x) => r3(x.fromHealMs))).median.toString()} ms from heal(); ours/raw = ${r3(stat(mbs).median / rawMed.median).toString()}`,
  });
  rows.push({
    case: `bulk sync after heal, ${(n / 1000).toString()}k components: versions/s (from link connected)`,
    unit: 'versions/s',
    better: 'higher',
    ours: stat(runs.map((x) => r3(vps(x)))),
  });
  rows.push({
    case: `bulk sync after heal, ${(n / 1000).toString()}k components: ms from heal() (reconnect included)`,
    unit: 'ms',
    better: 'lower',
    ours: stat(runs.map((x) => r3(x.fromHealMs))),
  });
}
for (const [n, runs] of noteRuns) {
  const mbs = runs.map((x) => r3(mbps(x)));
  const what = `bulk sync after heal, ${(n / 1000).toString()}k components, tracks with a ${NOTE_CHARS.toString()}-character annotation`;
  rows.push({
    case: `${what}: wire MB/s (from link connected)`,
    unit: 'MB/s',
    better: 'higher',
    ours: stat(mbs),
    peers: { [RAW]: rawMed },
    target: { text: '≥ 30 MB/s', value: 30 },
    note: `${r3(stat(runs.map(perVersion)).median).toString()} wire B per component; ${stat(runs.map((x) => r3(x.fromConnectMs))).median.toString()} ms from connected; ours/raw = ${r3(stat(mbs).median / rawMed.median).toString()}, ours/raw at 256 KiB = ${r3(stat(mbs).median / rawBigMed.median).toString()}`,
  });
  rows.push({
    case: `${what}: versions/s (from link connected)`,
    unit: 'versions/s',
    better: 'higher',
    ours: stat(runs.map((x) => r3(vps(x)))),
  });
}
rows.push({
  case: `small messages: single-component writes on A seen on B (${SMALL.toString()} per run)`,
  unit: 'msg/s',
  better: 'higher',
  ours: stat(smallRuns.map((x) => r3(x.rate))),
  target: { text: '≥ 20k/s', value: 20_000 },
  note: `A's page issues create() calls at ${r3(stat(smallRuns.map((x) => x.local)).median).toString()}/s (≤ 256 in flight): the producer's own ceiling`,
});
rows.push({
  case: 'small messages: writes/s A itself completes (create() round trips, 256 in flight)',
  unit: 'writes/s',
  better: 'higher',
  ours: stat(smallRuns.map((x) => r3(x.local))),
});
rows.push({
  case: 'send-queue overflows (queue-full errors) during the run',
  unit: 'errors',
  better: 'lower',
  ours: stat([errorReport.overflows + errorReport.console.length]),
  target: { text: '0', value: 0 },
  note: `link reconnect attempts during the small-message phase: ${errorReport.restarts.toString()}; link lastError values seen: ${errorReport.lastErrors.join(', ') || 'none'}`,
});
rows.push({
  case: `raw RTCDataChannel, 64 KiB messages, bufferedAmount flow control (${RAW_MIB.toString()} MiB per run)`,
  unit: 'MB/s',
  better: 'higher',
  peers: { [RAW]: rawMed },
  note: RAW_SETTINGS[0]!.name,
});
rows.push({
  case: `raw RTCDataChannel, 256 KiB messages, large bufferedAmount marks (${RAW_MIB.toString()} MiB per run)`,
  unit: 'MB/s',
  better: 'higher',
  peers: { [RAW]: rawBigMed },
  target: { text: '≥ 30 MB/s', value: 30 },
  note: `${RAW_SETTINGS[1]!.name}: what this machine's channel carries at most`,
});

await saveResult({
  id: 's7',
  scenario: 7,
  title: 'WebRTC between two tabs on one machine',
  target: '≥ 30 MB/s bulk sync with bufferedAmount flow control; zero queue-full errors; ≥ 20k small messages/s',
  reference:
    "Chrome's data-channel message limit 256 KiB (libwebrtc); published tab-to-tab throughput 23–44 MB/s; the channel closes if its send buffer passes ~16 MiB (docs/performance.md)",
  quick: QUICK,
  runs: Math.max(...[...bulkRuns.values()].map((r) => r.length), smallRuns.length, rawRuns.length),
  peers: [RAW],
  rows,
  notes: [
    'Two tabs of the built app in one headless Chromium context, linked by the app itself (BroadcastChannel signaling, ' +
      'simple-peer, frames bridged to the worker). Bulk: tab B `partition()`s, tab A creates N/2 tracks (position + velocity = N ' +
      "components), B `heal()`s; the clock runs from B's link reporting `connected` (polled every ~5 ms) until B's `stats().versions` " +
      "has grown by N; MB/s = the growth of B's `bytesIn` for A over that time (all frames: sync protocol, pings, payload). " +
      'Medians of 3 runs at 1k and 10k, 1 run at 40k. Each version is a new register of A’s, and a node takes ' +
      'about 49k of one author’s at once, the rest at 100 a second (docs/security.md, “New registers per author”): ' +
      `the runs move to a fresh pair (new lattice, new tabs) before B would pass ${REGISTER_ALLOWANCE.toString()}, so no ` +
      'run measures that limit. The ms from heal() include the reconnect: the lower node id ' +
      'opens the link (src/app/mesh/reconnect.ts); when that is A, whose retries backed off while B refused it, B’s ' +
      'announce on heal() makes A open at once (until commit d9c1b93 A waited for its next backoff retry, up to 45 s, ' +
      'and a run could pass the deadline). The MB/s and versions/s rows run from connected. A run still short of its ' +
      `versions ${(LIMIT_MS / 1000).toString()} s after heal() is kept with what had arrived (its rates count those) and listed below.`,
    slowNote(),
    `Small messages: A creates ${SMALL.toString()} single-component entities (≤ 256 create() calls in flight); rate = count / ` +
      "(B's watch seeing the last one − A's first call), on one machine clock. A's own create() rate is listed: a figure on B " +
      'cannot exceed it. Median of ' +
      `${SMALL_RUNS.toString()} runs after one warm-up.`,
    `Baseline (${RAW}): two plain tabs on the same origin without app code, one ordered channel, hand-signaled non-trickle; ` +
      `(1) the app's settings: 64 KiB ArrayBuffers, send while bufferedAmount < 1 MiB, resume on bufferedamountlow (256 KiB); ` +
      `(2) the most a plain channel takes: 256 KiB ArrayBuffers (Chrome's message limit), send while bufferedAmount < 8 MiB, ` +
      `resume at 4 MiB (the channel closes past ~16 MiB); ${RAW_MIB.toString()} MiB per run, median of ${RAW_RUNS.toString()} ` +
      `after one warm-up each, on one channel. Ours/raw (the column) is against (1); the 1 KiB rows' notes give it against (2) too.`,
    `Bulk with larger components: as the bulk rows, but each track is a position and an \`annotation\` of ${NOTE_CHARS.toString()} ` +
      "characters of text (a kind the node does not know, carried as JSON: an operator's note or a small attachment), " +
      'different per track, so bytes rather than version count dominate.',
    bulkNote(),
    smallNote(),
    "Re-run of 2026-12-07 (issue 9), the first since a link's ingest is paced (16,384 versions a second after a burst of 16,384, docs/security.md, \"Versions applied per second\") and a peer's reconcile opens are counted across its links (commit ec7225a). A first quick sweep at 03:15 UTC (load average 2.4, other agents' tests beside it) found the 4k components with 1 KiB notes at 1.1k versions/s (0.57 MB/s) against 6.0k before; bisected over the commits since the last run (2026-12-06 04:20 UTC, 52bd627, which gave 4.9k–5.8k versions/s in the same conditions) to ec7225a. The workers' logs showed why: the bench heals the pair every 1–2 s, each heal is a new link whose first round is a reconcile open, and after the burst of 6 (the warm-ups and the 1k and 10k runs) each heal's open was refused until the allowance refilled (one every 5 s), with the initiator's backoff on top: 3.6–7.9 s from connected for a catch-up that takes under a second. The bench now spaces its heals by the refill (HEAL_SPACING_MS), so it times the sync, not the allowance; what the allowance costs a link that flaps that fast is stated in docs/security.md beside the limit. With the spacing (03:47 UTC, load average 4.8 at start): the 4k components with 1 KiB notes 6.2k versions/s (3.27 MB/s, runs 4.2k–7.4k), 10k bulk 11.7k versions/s (17.4k in the run before, 15.3k in the unspaced run of 03:15 at load 2.4), small messages 7.1k msg/s on B; the plain channel carried 17–18 MB/s in this run against 25–28 MB/s at 03:15, so this run met a busier machine. The ingest pace does not bind in these runs: each bulk case (1k, 10k, 4k) fits within the burst. The targets stay missed: 30 MB/s is above what this machine's plain channel carries (17–29 MB/s over today's runs), and ≥ 20k small messages/s is above one link's ingest pace as well (16,384 a second once a burst is spent) as above what A's create() path issues (5–9k a second).",
    "Re-run of 2026-12-07 07:15 UTC (issue 9), after reconcile opens are charged by the set they make the responder walk (openCharge: min(max(n, 4,096), 65,536)/65,536 of a whole open, docs/security.md, \"Per-link limits\"). The bench's heals no longer wait on a fixed 5.25 s spacing: they wait only when a mirror of the allowance (the production TokenBucket and openCharge, charged the larger of the two sets) would refuse, and log it; in this run no heal waited, the seven heals coming back to back (about 1–2 s apart) as a field link that flaps that fast would. Against the spaced run of 03:47 UTC (load average 4.8 at start; this one 2.25, the plain channel 14–24 MB/s against 17–18): 10k bulk 11.7k → 14.5k versions/s from connected (688 ms), the 1k bulk 5.3k → 7.5k (runs 4.6k–11.7k), the 4k components with 1 KiB notes 6.2k → 5.7k versions/s (3.0 MB/s, runs 5.5k–6.1k), small messages 7.8k → 6.3k msg/s on B with A issuing 6.9k create() calls a second (runs 4.9k–6.8k against 5.2k–8.1k: the producer's rate moved with the load as much as B's). So the heals that needed the spacing at 03:15 (3.6–7.9 s from connected) now sync in under a second with no wait, and the rates are within the runs' spread of the spaced run. Targets still missed, for the reasons stated above: 30 MB/s is above what this machine's plain channel carries, and ≥ 20k small messages/s is above A's create() rate and one link's ingest pace.",
    "Re-run of 2026-12-07 10:01 UTC (quick sweep), after the day's merges (a responder paces its own sync requests, a bulk commit carries the priority lane's pending versions of the entities whose metas it stores, entities whose heads restore their knowledge store no meta, the merge's many-author path, the encoder keeps its hidden class). Three quick sweeps within eight minutes, other agents' tests beside them (load average 1.3–3.9): this build at 09:54 UTC gave 12.0k versions/s for the 10k bulk, 4.8k for the 1 KiB notes and 4.3k small messages/s on B; the build of the morning (fb14c4e) at 10:00 gave 14.7k, 6.9k and 5.8k; this build again at 10:01 (the table) 17.9k, 7.9k and 6.2k. The runs move with the machine more than between the builds. Targets still missed, for the reasons stated above.",
    "The round before (against commit 5865d39, quick sweeps back to back, 2026-12-05; old at 04:51 UTC, load average 10.5, new at 04:54 UTC, load average 10.5 → 9.4, in the table this page showed until this round's replaced it, with the stored proofs and the 64-call messages but before bab095e): 10k bulk 6.4k → 7.0k versions/s from connected, 1k bulk 3.7k → 4.6k versions/s (medians of 3), 4k components with 1 KiB notes 1.28 → 1.42 MB/s (2.4k → 2.7k versions/s), small messages 3.4k → 3.0k msg/s on B (medians of 2 runs of 2,000: 4,170 and 2,720 before, 3,230 and 2,680 after; at this load the two tabs, their workers and the browser share 2 cores with other work, so the spread is wider than the change). This quick sweep has no 40k nor 20k rows: the last full sweep (2026-12-04 23:02 UTC, load average 9.6, before this round) had 40k bulk at 6.4k versions/s and 20k components with 1 KiB notes at 1.70 MB/s (3.2k versions/s).",
    'Where the time went (bench/profile-s7.ts 10000 2000 at commit 5865d39, two rounds ago, 2026-12-05 04:39 UTC, load average 0.3–1.0: CDP profiles of both tabs’ page and worker sampled every 200 µs, inclusive times through the build’s source maps, per version). Bulk, 10k versions, 3.6 s from heal(): B’s worker is idle 30 % and busy ~280 µs a version against ~16 µs for decode + verify + merge in Node (scenario 1), spread with no single cause. Handling a received frame ~117 µs: decoding 13; the frame’s reconciliation ids (MurmurHash3 over each version’s canonical content) 12; the checks 46 (leaf hashes 23, of it writing the binary leaf form 12 and SHA-256 ~10; the tree and each version’s own path 11; the new-register limit 10; the content cache 3); merging 39 (the store 8; the listeners 17: fusion’s view of each new track 12, the sync index 8; the write-behind taking each version ~5). Then the IndexedDB commit 32 (encoding the rows 20, of it each stored proof encoded again 12), the change feed to the page 16, garbage collection 22 and the benchmark’s stats() polls 31 (each counts the shown entities of the whole store). B’s page is idle 46 %; its frame relay could not be told apart in this profile (most of the page’s time did not map to source), and the last mapped profile (commit d48bb57) put the bridge under 1 %: one transferred buffer per 64 KiB frame, nothing done per version. A’s worker, answering anti-entropy, is 79 % idle at ~66 µs a version: reading versions back from the store and encoding them into frames 27, lookups 14, reconciliation 13, id lists 9. Small messages (2,000 in 0.64 s): A’s worker is busy ~245 µs a create(): its commit 73 (signing 21, the store adopting the proof 16), telling the listeners 31 (of it checking that each write is still a head, two canonical JSON texts compared, 13), the live push to B 29 (wire encoding 16), the IndexedDB commit 26 (of it encoding the stored proof 12), the compact feed to its own page 18, the watch relay 15; and it sits idle about a fifth of the phase, between one 256-call message’s commit and the next message. B’s worker is 67 % idle: it keeps up, and the small-message rate is set by A. The protocol is not round-trip bound (bench/trace-sync-sim.ts: 1 round trip when the holder initiates, 4 when the lacking side does, then 64 KiB frames back to back). So ≥ 20k messages/s would need both workers near 50 µs a version, and 30 MB/s of ~12-B versions over 2 M versions/s: not reachable by cutting overheads on this path; with 1 KiB components the bytes per version grow ~40× while the per-version work grows far less (see the 1 KiB rows).',
    'The round before (commits 3bb901e, bab095e, 6a4852b). A commit writes each version’s proof straight into its segment’s signature bytes instead of encoding a byte string per proof first (12 µs a version on each side above; measured with the first form of this cut, which made the stored bytes at signing or verification and cost a copy of the batch signature per held proof, replaced at merge by the segment writer of the scenario 6 round: same bytes, nothing more held). The new-register limit no longer makes a Map, a Set and a closure per entity of every received frame, twice. The page sends a burst of writes as callMany messages of at most 64 instead of one of 256, so A’s worker starts on the next message while the first one’s commit is in flight. Profiles back to back (bench/profile-s7.ts 1000 4000, old then new, 05:00–05:03 UTC, load average 10.3 → 7.3): 4,000 small messages 2,173 → 1,861 ms (1.8k → 2.1k/s under the profiler), the 1k bulk 856 → 614 ms; encoding stored proofs 76 → 3 ms on B and 39 → 2 ms on A, the new-register limit 45 → 13 ms on B, A’s commit per create() ~140 → ~93 µs. Verification of every version, the pure core and “nothing leaves before durable” are unchanged. Left: the ≥ 20k messages/s and 30 MB/s targets stay missed (above); next per version are the leaf hash (the binary leaf form written per version, ~12 µs in Chromium), the reconciliation ids hashed from canonical JSON (12 µs), fusion’s view per new track (12 µs), the check that a local write is still a head (13 µs on A, two canonical JSON texts) and the stats() count over the whole store.',
    "An earlier round (commits 596a7c1, 5acfdc4, 4442a68, e4ce250): the receiving worker's own work per version. A profile first (bench/profile-s7.ts 10000 2000 at f077b11, 07:49 UTC, load average 6–9): B's worker was busy 1.5 s for the 10k versions (~150 µs a version, 38 % idle), of it verification 12 % (leaf hashes, tree, each version's path), the reconciliation ids 8.7 %, the bench's stats() polls 7.8 %, the IndexedDB commit 7.3 %, garbage collection 10.8 %, the watch relay to the page 5.8 %, the change feed 5.0 %, the version listeners 6.4 % (of it fusion building the view of every changed entity 2.4 %). Four cuts: stats() counts the shown entities from running totals (src/core/store/shown-count.ts: each call summarises only the entities changed since the last, and those whose expiry fired since, so its cost follows what changed, not the store; a fast-check property compares it with a walk of list() after random writes, deletes, expiries, purges, restores and clock steps back); fusion and the classifier tell an entity with no `source` or `position` register from a track without building its view, and one the fusion engine never held asks for no scan; the reconciliation id writes the content's canonical text straight into its hash buffer (the same bytes, a property test compares them with the documented layout; 2.7 → 1.6 µs a position version in Node); and the commit's check of which entities need a stored meta no longer makes a Version of every register held in the columns. Verification of every version on ingest (relayed and anti-entropy ones included), the limits and the wire format are unchanged. Measured against f077b11 (quick sweeps, old and new alternated back to back, 2026-12-05): old1 at 08:29 UTC (load average 4.9 → 6.4), new1 at 08:34 (7.0 → 7.1), old2 at 08:56 (1.5 → 3.8), new2 at 09:00 (4.4 → 6.6, the table above); old → new, medians: 1k bulk 4.5k → 4.7k and 8.0k → 2.4k versions/s, 10k bulk 9.4k → 9.1k and 10.3k → 8.9k versions/s, 4k components with 1 KiB notes 2.59 → 1.85 and 2.25 → 1.63 MB/s, small messages 4.7k → 3.4k and 4.6k → 2.5k msg/s on B; the raw channel in the same runs 14.9 → 10.3 and 15.8 → 8.7 MB/s. Both new runs met a busier machine than the old ones (the plain channel, which runs none of this code, carried 31 % and 45 % less), and every rate fell with it: these runs do not show the cuts, and do not rule out a loss on the small-message path either (A's create() path was not changed; its share of these cuts is the ids and fusion's skipped views); a back-to-back pair at low load is still owed. Where the time goes now (the same profile after the cuts, 08:10 UTC, load average 9–10, so ~1.8× slower throughout; shares of B's busy time): verification 18 %, the version listeners 9 % (the sync index's add 7 %, 3 % in the profile before, not explained: the two ran at different loads), the IndexedDB commit 8 %, garbage collection 7 %, the reconciliation ids 6.5 %, the watch relay to the page 6 %, the new-register limit 6 %, the merge's commit queueing 4 %, the change feed 3 %, decoding 3 %, the store's merge 3 %; the stats() polls 1.7 % (from 7.8 %), fusion and the classifier under 1 % (from 2.4 %). Left: the ≥ 20k messages/s and 30 MB/s targets stay missed for the reasons above (the sending side's one RPC per create() in 64-call messages, and no single cost on either worker above a fifth of its time); next on B are the leaf hashes (SHA-256 per version, needed for the proof walk), the sync index's per-version WeakMaps, the new-register limit's split per frame and the IndexedDB row encoding.",
    "This round (2026-12-06, commits 2847eeb, 8e82970, bb4831b): the small messages' producer, A's worker. Where a create() went first (bench/profile-s7.ts 1000 4000 at 792138e, 03:10 UTC, load average 1.3–2.4; per write, inclusive, under the profiler, which about doubles every figure; summarised with bench/lib/cpu-profile-tree.ts): A's worker was busy ~275 µs a write and idle only between phases (its idle stretches inside the phase were ~11 %): it is CPU-bound, the page → worker calls already travel 64 per message and the frames several per port message. Of it: taking the calls in 40 (comlink 8, the checks 10, stamp and merge 6, queueing for the signature 13), signing 24 + 8 (the tree's paths), the commit's continuation 41 (the sync index taking each version 19, of it the reconciliation id 5), the change feed to the own page 37 (of it cloning each new entity's whole view 14), the IndexedDB commit 28, the replies to the page 25 (17 of it cloning each create()'s whole view back), the live push to B 23 (wire encoding 12), the port to the page 9, garbage collection 13. B's worker was ~50 % idle: the rate is set by A. Two cuts, the same idea: a new entity that is no more than a row (a position and a velocity of one head each) crosses to the page as a row of the compact layout instead of a cloned object graph. (1) The compact feed starts a new id from a fresh base both ends make (src/core/feed/track-row.ts, freshBase), so a new track's view goes as its row alone when the row completes that base into exactly the view (the encoder's existing check); anything more (a conflict, an unverified mark, a classification) still goes whole. (2) callMany answers its views (create's, update's) packed the same way, one moved buffer per message (src/core/feed/packed-views.ts), instead of a cloned view per call; each view the page gets equals the node's (the same check). Measured alone in Chromium (a worker's postMessage call, 64 position-only views as create() answers them): 437 µs at 03:12 UTC (JSON text of the same 360 µs, an empty message 29 µs), 182–186 µs at 04:10 against 27–34 µs for the packed answer (its outcomes, 64 ids and the moved rows); packing costs ~1.3 µs a view in Node (structuredClone of the views 3.2 µs). So each cut takes a few µs off a write on the bottleneck worker, more when the machine is busy, out of ~130 (unprofiled) to ~200 (profiled). Back to back against 792138e (quick sweeps, base then new, 03:56–03:58 UTC, load average 2.5 → 3.8; the plain channel carried 22–25 MB/s in the base run and 16 MB/s in the new one, so the new run met the busier machine): small messages 5.0k → 6.8k msg/s on B (runs of 2,000: 3,750 and 6,270 before, 7,470 and 6,140 after), A's create() calls 5.7k → 8.0k/s; the 10k bulk 13.7k → 14.8k versions/s; the next pair the other way round (new then base, 04:17–04:18 UTC, load average 2.8 → 4.7, the plain channel 22–25 then 14–15 MB/s) gave 7.8k msg/s new against 8.5k base (7,470 and 8,050; 8,410 and 8,590), A's calls 9.0k against 9.7k/s. Earlier pairs this session at load averages 4–8 moved with the load more than with the change (the plain channel between 10 and 25 MB/s): 4.9k → 7.2k, 4.4k → 3.7k and 4.7k → 4.6k msg/s with the first cut alone. Profiles back to back (1000 4000, base then new): at 03:34 UTC (load average 8, the first cut alone) 4,000 small messages 994 → 759 ms under the profiler, A busy 201 → 153 µs a write, of it the change feed 23 → 14 and the replies 24 → 9, the rest moving with the load; at 04:05 UTC (load average 2, both cuts) 805 → 746 ms, A busy 155 → 157 µs a write, the change feed 25 → 23, the replies 16 → 20 plus 2 packing them: the sampled postMessage times move with the load by more than these cuts, and the first pair of quick sweeps above gained more than the cuts can explain while the second lost: at this machine's load the sweeps cannot resolve a change of a few per cent. Verification, durability before announce, the wire format and the page's views are unchanged. Left: ≥ 20k messages/s needs A's worker near 50 µs a write; what is left per write is spread over a dozen stages of 5–25 µs (above; in Node over memory storage a create() is ~36 µs against ~33 µs a version in writeMany batches of 64, so per-call overhead is not where it goes): the browser-only part (IndexedDB, the two postMessages, comlink, the live push) is about half of it.",
    ...(errorReport.console.length > 0 ? [`Console lines seen: ${errorReport.console.slice(0, 5).join(' | ')}`] : []),
    `App build served: ${app.build.dir.includes('lattice-bench-dist') === false ? 'dist/' : 'a private vite build of the working tree (dist/ was older than src/)'}.`,
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s7: saved');
