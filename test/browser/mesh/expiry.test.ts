import { closeAllTabs, crashTab, inTab, openTab, reloadTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitConverged, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

/**
 * Issue 8's two-device repro in real tabs over real WebRTC: "An expired entity stays gone
 * everywhere unless a write made after its expiry revives it", with a crash (a reload, a killed
 * renderer) between the expiry and the purge (docs/architecture.md, "Expiry").
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The components of x in `tab`, or null when x is not shown. */
function xIn(tab: AppTab): Promise<Record<string, unknown> | null> {
  return inTab(tab, async () => (await window.lattice.get('x'))?.components ?? null);
}

/** A creates x with speed and position (speed overwritten twice), and B shows it. */
async function twoTabsWithX(): Promise<[AppTab, AppTab, string]> {
  const query = `?lattice=${uniqueLattice('exp')}`;
  const [a, b] = await openNodes(2, query);
  await waitLinked(a!, [b!]);
  await inTab(a!, async () => {
    await window.lattice.create({ id: 'x', components: { speed: { kts: 10 }, position: { lat: 1, lon: 1 } } });
    await window.lattice.update('x', { speed: { kts: 11 } });
    await window.lattice.update('x', { speed: { kts: 12 } });
  });
  await waitInTab(
    b!,
    'x at 12 kts',
    async () => JSON.stringify((await window.lattice.get('x'))?.components.speed) === '{"kts":12}',
    null,
  );
  return [a!, b!, query];
}

/** B partitions itself from everyone, and A sees its link go. */
async function partitionB(a: AppTab, b: AppTab): Promise<void> {
  await inTab(b, () => window.lattice.partition());
  await waitInTab(
    a,
    'the link to b down',
    async (id: string) => (await window.lattice.peers()).every((p) => p.id !== id || p.state !== 'connected'),
    b.nodeId,
  );
}

/**
 * How far ahead A sets x's expiry: long enough that a reload (a crash) on a loaded runner still
 * lands before the deadline, which the first test checks rather than assumes.
 */
const EXPIRY_AHEAD_MS = 6_000;

/** A writes x's expiry EXPIRY_AHEAD_MS ahead; answers A's clock when it wrote it. */
function expireXSoon(a: AppTab): Promise<number> {
  return inTab(
    a,
    async (ahead: number) => {
      const now = Date.now();
      await window.lattice.update('x', { expiry: { at: now + ahead } });
      return now;
    },
    EXPIRY_AHEAD_MS,
  );
}

describe('an expired track between real tabs', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('stays gone on both after the heal, A reloaded between its expiry and the purge; a later write revives it', async () => {
    const [a, b] = await twoTabsWithX();
    await partitionB(a, b);
    const wrote = await expireXSoon(a);
    // A crashes before the deadline (a reload: the worker reopens from IndexedDB).
    expect(await reloadTab(a)).toBe(a.nodeId);
    expect(Date.now() < wrote + EXPIRY_AHEAD_MS).toBe(true);
    await sleep(Math.max(0, wrote + EXPIRY_AHEAD_MS + 1_500 - Date.now()));
    expect(await xIn(a)).toBe(null);
    // B, cut off, never heard of the expiry: it still shows x with the old values.
    expect((await xIn(b))?.speed).toEqual({ kts: 12 });

    await inTab(b, () => window.lattice.heal());
    await waitLinked(a, [b], 30_000);
    await waitLinked(b, [a], 30_000);
    await sleep(5_000);
    expect(await xIn(a)).toBe(null);
    expect(await xIn(b)).toBe(null);
    expect(await waitConverged([a, b])).toBe('[]');

    // A write made after the deadline (by B) revives x on both, with only what was written after it.
    await inTab(b, () => window.lattice.create({ id: 'x', components: { position: { lat: 5, lon: 5 } } }));
    await waitInTab(a, 'x revived', async () => (await window.lattice.get('x')) !== undefined, null);
    await waitConverged([a, b]);
    for (const tab of [a, b]) expect(await xIn(tab)).toEqual({ position: { lat: 5, lon: 5 } });
  });

  it('stays gone when B, which never purged, crashes and comes back with the old versions', async () => {
    const [a, b, query] = await twoTabsWithX();
    await partitionB(a, b);
    const wrote = await expireXSoon(a);
    // B's renderer dies holding x's old versions and no expiry.
    await crashTab(b);
    await sleep(Math.max(0, wrote + EXPIRY_AHEAD_MS + 1_500 - Date.now()));
    expect(await xIn(a)).toBe(null);
    // B reopens as the same node (its partition went with the crash) and syncs with A.
    const back = await openTab({ query: `${query}&node=${b.nodeId}` });
    expect(back.nodeId).toBe(b.nodeId);
    await waitLinked(back, [a], 30_000);
    await waitLinked(a, [back], 30_000);
    await sleep(5_000);
    expect(await xIn(a)).toBe(null);
    expect(await xIn(back)).toBe(null);
    expect(await waitConverged([a, back])).toBe('[]');
    // A reload of both changes nothing: the floor is stored.
    await reloadTab(a);
    await reloadTab(back);
    await waitLinked(a, [back], 30_000);
    await sleep(2_000);
    expect(await xIn(a)).toBe(null);
    expect(await xIn(back)).toBe(null);
  });
});
