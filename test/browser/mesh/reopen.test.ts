import { closeAllTabs, closeTab, crashTab, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { uniqueLattice, waitConverged, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const TRACKS = 3000;

describe('a tab closed in the middle of a sync', function () {
  this.timeout(180_000);
  after(() => closeAllTabs());

  it('reopens as the same node, uncorrupted, and catches up', async () => {
    const q = `?lattice=${uniqueLattice('reopen')}`;
    const a = await openTab({ query: q });
    // A picture big enough that the first sync takes a while.
    await inTab(
      a,
      async (n: number) => {
        for (let i = 0; i < n; i += 250) {
          await Promise.all(
            Array.from({ length: Math.min(250, n - i) }, (_, j) =>
              window.lattice.create({
                id: `bulk-${i + j}`,
                components: {
                  position: { lat: ((i + j) % 80) + 0.5, lon: j / 10 },
                  threat: { level: 'LOW' },
                  note: { n: i + j },
                },
              }),
            ),
          );
        }
      },
      TRACKS,
    );
    const b = await openTab({ query: q });
    // Close b as soon as part of the picture has arrived.
    const partial = await inTab(
      b,
      async () => {
        const end = Date.now() + 20_000;
        while (Date.now() < end) {
          const count = (await window.lattice.stats()).entities;
          if (count > 0) return count;
          await new Promise((r) => setTimeout(r, 5));
        }
        return -1;
      },
      null,
    );
    await closeTab(b);
    console.log(`b closed holding ${partial} of ${TRACKS} tracks`);
    expect(partial > 0).toBe(true);

    // a keeps working while b is away.
    await inTab(a, () => window.lattice.update('bulk-0', { threat: { level: 'HIGH' } }));
    await inTab(a, () => window.lattice.remove('bulk-1'));

    const reopened = await openTab({ query: `${q}&node=${b.nodeId}` });
    expect(reopened.nodeId).toBe(b.nodeId);
    // No corruption: whatever the reopened node holds (a sync cut off midway may have brought only
    // some components of a track) is exactly what a wrote, value for value.
    const wrong = await inTab(reopened, async () => {
      const bad: string[] = [];
      for (const e of await window.lattice.list()) {
        const i = Number(e.id.slice('bulk-'.length));
        const j = i % 250;
        const want: Record<string, string[]> = {
          position: [JSON.stringify({ lat: (i % 80) + 0.5, lon: j / 10 })],
          threat: [JSON.stringify({ level: 'LOW' }), JSON.stringify({ level: 'HIGH' })],
          note: [JSON.stringify({ n: i })],
        };
        for (const [kind, value] of Object.entries(e.components)) {
          if (!want[kind]?.includes(JSON.stringify(value))) bad.push(`${e.id}.${kind}`);
        }
      }
      return bad;
    });
    expect(wrong).toEqual([]);
    await waitLinked(reopened, [a], 30_000);
    await waitInTab(
      reopened,
      'the whole picture',
      async (n: number) => (await window.lattice.stats()).entities === n - 1,
      TRACKS,
      60_000,
    );
    const high = await inTab(reopened, async () => (await window.lattice.get('bulk-0'))?.components.threat);
    expect(high).toEqual({ level: 'HIGH' });
    expect(await inTab(reopened, async () => (await window.lattice.get('bulk-1')) === undefined)).toBe(true);
    await waitConverged([a, reopened], 60_000, true);
  });

  it('comes back after its renderer crashed, its peer never told, and syncs again', async () => {
    const q = `?lattice=${uniqueLattice('crash')}`;
    const a = await openTab({ query: q });
    const b = await openTab({ query: q });
    await waitLinked(a, [b]);
    await crashTab(b);
    // a writes while b is dead; its link to b's old page is not yet known to be dead.
    await inTab(a, () => window.lattice.create({ id: 'after-crash', components: { threat: { level: 'MEDIUM' } } }));
    const reopened = await openTab({ query: `${q}&node=${b.nodeId}` });
    expect(reopened.nodeId).toBe(b.nodeId);
    // The new incarnation's announce makes a drop the stale link at once rather than after the dead-link timeout.
    await waitLinked(reopened, [a], 15_000);
    await waitInTab(reopened, 'a’s write', async () => (await window.lattice.get('after-crash')) !== undefined, null);
  });
});
