import { closeAllTabs, inTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitInTab, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const TABS = 20;

describe('twenty tabs (docs/requirements.md §5: bounded connections so 20+ nodes work)', function () {
  this.timeout(180_000);
  after(() => closeAllTabs());

  it('form one connected partial mesh of at most 8 links each, and a write reaches every tab', async () => {
    const tabs = await openNodes(TABS, `?lattice=${uniqueLattice('scale')}`);
    // Poll until the tabs form one connected mesh (or the deadline passes), then check the last sample.
    // Twenty tabs (each a worker, a map and a mesh) share 2 cores with whatever else the machine
    // runs: on a quiet machine they connect in under a minute; in one CI run (2026-12-03), with
    // other jobs on the machine, 9 of 20 were connected at 60 s.
    const deadline = Date.now() + 120_000;
    let links = await connectedLinks(tabs);
    // No tab may exceed 8 links at any sample, not only at the last one.
    let most = Math.max(...links.map((l) => l.length));
    while (reachable(tabs, links) < TABS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      links = await connectedLinks(tabs);
      most = Math.max(most, ...links.map((l) => l.length));
    }
    expect(most <= 8).toBe(true);
    // One component: every tab reachable from the first over open links.
    expect(reachable(tabs, links)).toBe(TABS);

    await inTab(tabs[TABS - 1]!, () =>
      window.lattice.create({ id: 'to-all', components: { threat: { level: 'HIGH' } } }),
    );
    for (const t of tabs) {
      await waitInTab(t, 'the write', async () => (await window.lattice.get('to-all')) !== undefined, null, 15_000);
    }
  });
});

/** Each tab's connected peers, in tab order. */
function connectedLinks(tabs: readonly AppTab[]): Promise<string[][]> {
  return Promise.all(
    tabs.map((t) =>
      inTab(t, async () =>
        (await window.lattice.peers()).filter((p) => p.state === 'connected').map((p) => p.id as string),
      ),
    ),
  );
}

/** How many tabs the first reaches over open links. */
function reachable(tabs: readonly AppTab[], links: readonly string[][]): number {
  const byId = new Map(tabs.map((t, i) => [t.nodeId, links[i]!]));
  const seen = new Set([tabs[0]!.nodeId]);
  const queue = [tabs[0]!.nodeId];
  while (queue.length > 0) {
    for (const next of byId.get(queue.shift()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen.size;
}
