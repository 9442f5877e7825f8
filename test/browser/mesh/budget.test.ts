import { closeAllTabs, inTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitConverged, waitFullMesh, waitInTab, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

/** A 64 kbit/s hop (issue 9; docs/budgeter.md). */
const RATE = 8000;
/** `setBudget`'s default burst at that rate: one frame at the latency target (rate × 250 ms + 93 B). */
const BURST = RATE / 4 + 93;
/** `sentBytesPerSecond` is counted over the last 10 s (docs/budgeter.md, "LinkBudgeter"). */
const WINDOW_S = 10;
/** The hop each tab's sends cross: the rate, plus a radio's latency and jitter. */
const SHAPE = { bytesPerSecond: RATE, latencyMs: 100, jitterMs: 20, seed: 9 };
/**
 * The least share of the budget the flooded direction must fill over the window: a working budgeter
 * fills ≥ 90 % of a saturated link (scenario 3, docs/benchmarks.md); 60 % leaves room for a loaded CI
 * machine slowing the sending worker, and still fails a budgeter that holds frames back.
 */
const MIN_FILL = 0.6;
/** How long a HIGH threat may take to show on the other tab (issue 9, "Tests and benchmarks"). */
const HIGH_WITHIN_MS = 1000;

interface Seen {
  /** When b's change feed (watch) first had the alarm at HIGH, and when b's get() first read it so. */
  watchAt?: number;
  getAt?: number;
}

/**
 * Two tabs over real WebRTC, each tab's links shaped to 8,000 B/s (`shapeLinks`: the worker's link
 * shaper below the budgeter, a real thin hop for what each tab sends) and budgeted to the same rate,
 * while 1,000 simulated tracks move at 1 Hz on one of them (issue 9): a HIGH threat set on one tab
 * shows on the other within 1 s, the link's sent bytes/s stay within the budget, and the pictures
 * are identical once the flood stops. The budget at the shaper's rate keeps the shaper's queue to
 * about one burst (docs/budgeter.md, "The link shaper"): without the budget the session's flow
 * control fills it, and a HIGH change waits behind that backlog.
 */
describe('the bandwidth budget between two tabs over real WebRTC shaped to 8,000 B/s', function () {
  this.timeout(240_000);
  after(() => closeAllTabs());

  it('gets a HIGH threat across a saturated link within 1 s, stays within budget, converges after', async () => {
    const [a, b] = await openNodes(2, `?lattice=${uniqueLattice('budget')}`);
    await waitFullMesh([a!, b!]);
    const rtt = (tab: typeof a) =>
      inTab(tab!, async () => (await window.lattice.peers()).map((p) => Math.round(p.rttMs ?? -1)).join(','));
    const rttBefore = [await rtt(a), await rtt(b)];
    for (const tab of [a!, b!])
      await inTab(
        tab,
        async (shape: typeof SHAPE) => {
          await window.lattice.shapeLinks(shape);
          await window.lattice.setBudget('*', { bytesPerSecond: shape.bytesPerSecond });
        },
        SHAPE,
      );
    // The shapers are in the path: the heartbeat's round trip (a moving average) takes the hop's latency.
    for (const tab of [a!, b!])
      await waitInTab(
        tab,
        'a round trip over the shaped hop',
        async (latency: number) => (await window.lattice.peers()).every((p) => (p.rttMs ?? 0) >= latency),
        SHAPE.latencyMs,
      );
    const rttShaped = [await rtt(a), await rtt(b)];
    await inTab(a!, () => window.lattice.create({ id: 'alarm', components: { zz_note: { n: 1 } } }));
    await waitInTab(b!, 'the alarm entity', async () => (await window.lattice.get('alarm')) !== undefined, null);

    await inTab(a!, () => window.lattice.simulate({ radar: { tracks: 1000, hz: 1 }, seed: 7 }));
    // Let the flood fill the link's queue, then run saturated for a whole rate window.
    await waitInTab(
      a!,
      'a saturated link',
      async (peer: string) => {
        const s = await window.lattice.budgetStats(peer);
        return s.classes.position.queued > 100 && s.sentBytesPerSecond > 0;
      },
      b!.nodeId,
      60_000,
    );
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000 + 1000));

    // b notes when the HIGH threat shows: in its change feed, and by reading it every few ms.
    await inTab(b!, () => {
      const w = window as unknown as { alarmSeen: Seen };
      const seen: Seen = {};
      w.alarmSeen = seen;
      const high = (v: { components: Record<string, unknown> } | undefined) =>
        (v?.components.threat as { level?: string } | undefined)?.level === 'HIGH';
      window.lattice.watch((batch) => {
        if (seen.watchAt === undefined && high(batch.changed.find((x) => x.id === 'alarm'))) seen.watchAt = Date.now();
      });
      const poll = async () => {
        const end = Date.now() + 30_000;
        while (seen.getAt === undefined && Date.now() < end) {
          if (high(await window.lattice.get('alarm'))) seen.getAt = Date.now();
          else await new Promise((r) => setTimeout(r, 5));
        }
      };
      void poll();
    });
    const setAt = await inTab(a!, async () => {
      await window.lattice.update('alarm', { threat: { level: 'HIGH' } });
      return Date.now();
    });
    await waitInTab(
      b!,
      'the HIGH threat from a',
      () => {
        const s = (window as unknown as { alarmSeen: Seen }).alarmSeen;
        return s.watchAt !== undefined && s.getAt !== undefined;
      },
      null,
      30_000,
    );
    const seen = await inTab(b!, () => (window as unknown as { alarmSeen: Seen }).alarmSeen);
    const [sentA, sentB] = await Promise.all([
      inTab(a!, (peer: string) => window.lattice.budgetStats(peer), b!.nodeId),
      inTab(b!, (peer: string) => window.lattice.budgetStats(peer), a!.nodeId),
    ]);
    const rttFlood = [await rtt(a), await rtt(b)];
    const viaWatch = seen.watchAt! - setAt;
    const viaGet = seen.getAt! - setAt;
    console.log(
      `budget: HIGH threat on b ${viaWatch} ms (watch), ${viaGet} ms (get) after a's update returned; ` +
        `a→b ${Math.round(sentA.sentBytesPerSecond)} B/s, b→a ${Math.round(sentB.sentBytesPerSecond)} B/s of ${RATE}; ` +
        `positions sent ${sentA.classes.position.sent}, coalesced ${sentA.classes.position.coalesced}, ` +
        `deferred ${sentA.classes.position.deferred}; HIGH queue-to-wire p99 ${sentA.classes.high.latencyP99Ms} ms; ` +
        `rtt ms a,b: unshaped ${rttBefore.join(' ')}, shaped ${rttShaped.join(' ')}, in the flood ${rttFlood.join(' ')}; ` +
        JSON.stringify(sentA.classes),
    );

    expect(viaWatch).toBeLessThan(HIGH_WITHIN_MS);
    expect(viaGet).toBeLessThan(HIGH_WITHIN_MS);
    expect(sentA.classes.high.sent).toBeGreaterThan(0);
    // Within budget: the long run within 5 % of it (scenario 3, docs/benchmarks.md), plus what the
    // bucket lets out beyond the rate inside one 10-s window, its burst.
    for (const s of [sentA, sentB]) {
      expect(s.bytesPerSecond).toBe(RATE);
      expect(s.sentBytesPerSecond).toBeLessThan(RATE * 1.05 + BURST / WINDOW_S);
    }
    // And it uses the budget: a→b is saturated by the flood for the whole window, so a budgeter that
    // held frames back (or sent nothing) fails here. Measured 7,560–8,025 B/s (docs/budgeter.md,
    // "Tests"); the floor leaves room for a loaded machine slowing the sending worker.
    expect(sentA.sentBytesPerSecond).toBeGreaterThan(RATE * MIN_FILL);
    expect(sentA.classes.position.coalesced).toBeGreaterThan(0);

    await inTab(a!, () => window.lattice.stopSimulation());
    await waitConverged([a!, b!], 150_000, true);
  });
});
