import { closeAllTabs, inTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitConverged, waitFullMesh, waitInTab, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const BUDGET = 8000;

/**
 * Two tabs over real WebRTC, each link budgeted to 8,000 B/s (a 64 kbit/s hop, docs/budgeter.md)
 * while 1,000 simulated tracks move at 1 Hz on one of them: a HIGH threat still crosses at once,
 * the link stays within its budget, and the pictures are identical once the flood stops.
 */
describe('the bandwidth budget between two tabs (real WebRTC)', function () {
  this.timeout(240_000);
  after(() => closeAllTabs());

  it('gets a HIGH threat through a saturated 8,000 B/s link, stays within budget, converges after', async () => {
    const [a, b] = await openNodes(2, `?lattice=${uniqueLattice('budget')}`);
    await waitFullMesh([a!, b!]);
    for (const tab of [a!, b!])
      await inTab(tab, (rate: number) => window.lattice.setBudget('*', { bytesPerSecond: rate }), BUDGET);
    await inTab(a!, () => window.lattice.create({ id: 'alarm', components: { zz_note: { n: 1 } } }));
    await waitInTab(b!, 'the alarm entity', async () => (await window.lattice.get('alarm')) !== undefined, null);

    await inTab(a!, () => window.lattice.simulate({ radar: { tracks: 1000, hz: 1 }, seed: 7 }));
    // Let the flood fill the link's queue.
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
    await new Promise((r) => setTimeout(r, 5000));

    // b notes when the HIGH threat shows, through its change feed.
    await inTab(b!, () => {
      const w = window as unknown as { alarmSeenAt?: number };
      window.lattice.watch((batch) => {
        const v = batch.changed.find((x) => x.id === 'alarm');
        if (w.alarmSeenAt === undefined && (v?.components.threat as { level?: string } | undefined)?.level === 'HIGH')
          w.alarmSeenAt = Date.now();
      });
    });
    const setAt = await inTab(a!, async () => {
      const at = Date.now();
      await window.lattice.update('alarm', { threat: { level: 'HIGH' } });
      return at;
    });
    await waitInTab(
      b!,
      'the HIGH threat from a',
      () => (window as unknown as { alarmSeenAt?: number }).alarmSeenAt !== undefined,
      null,
      30_000,
    );
    const seenAt = await inTab(b!, () => (window as unknown as { alarmSeenAt: number }).alarmSeenAt);
    const stats = await inTab(a!, (peer: string) => window.lattice.budgetStats(peer), b!.nodeId);
    console.log(
      `budget: HIGH threat crossed in ${seenAt - setAt} ms; link ${Math.round(stats.sentBytesPerSecond)} B/s of ${BUDGET}; ` +
        `positions sent ${stats.classes.position.sent}, coalesced ${stats.classes.position.coalesced}, ` +
        `deferred ${stats.classes.position.deferred}; HIGH queue-to-wire p99 ${stats.classes.high.latencyP99Ms} ms; ` +
        JSON.stringify(stats.classes),
    );
    expect(stats.bytesPerSecond).toBe(BUDGET);
    // The budget is a ceiling, which holds on any machine. How much of it the link fills is a rate
    // that depends on how busy the machine keeps the sending worker, so it is measured by scenario 3
    // (docs/benchmarks.md: wire bytes/s within ±5 % of the budget), not asserted here; a lower
    // bound here failed under a loaded CI run (2,702 B/s) and passed alone (5,740 B/s).
    expect(stats.sentBytesPerSecond).toBeLessThan(BUDGET * 1.05);
    expect(stats.classes.high.sent).toBeGreaterThan(0);
    expect(stats.classes.position.coalesced).toBeGreaterThan(0);

    await inTab(a!, () => window.lattice.stopSimulation());
    await waitConverged([a!, b!], 150_000, true);
  });
});
