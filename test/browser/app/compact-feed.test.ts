import { waitInTab, type MochaContext } from '../mesh/mesh-support';
import { closeAllTabs, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=cf${Math.floor(Math.random() * 1e9).toString(36)}`;

/** What the tab found: the page's picture against the node's list, and the compact feed's rows. */
interface Compared {
  node: number;
  page: number;
  differ: string[];
  rows: number;
  whole: number;
}

describe("the page's picture from the compact feed (built app, real worker)", function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('holds exactly the views the node lists, while tracks move, fuse, change and go, mostly from rows alone', async () => {
    const tab = await openTab({ query: lattice() });
    await inTab(tab, async () => {
      const w = window as unknown as { lmFeed: { rows: number; whole: number }; lmCompare: () => Promise<unknown> };
      w.lmFeed = { rows: 0, whole: 0 };
      // A second compact watcher, as the page's picture has: counts rows and views sent whole.
      window.lattice.watchCompact((b) => {
        w.lmFeed.rows += new Uint32Array(b.buffer, 4, 1)[0]!;
        w.lmFeed.whole += b.views.length;
      });
      const canon = (x: unknown): string =>
        JSON.stringify(x, (_k, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
            : v,
        );
      w.lmCompare = async () => {
        const shell = document.querySelector('lm-app') as unknown as {
          node: { picture: { views: ReadonlyMap<string, unknown> } };
        };
        const held = shell.node.picture.views;
        const truth = await window.lattice.list();
        const differ = truth.filter((v) => held.get(v.id) === undefined || canon(held.get(v.id)) !== canon(v));
        return {
          node: truth.length,
          page: held.size,
          differ: differ.map((v) => v.id),
          rows: w.lmFeed.rows,
          whole: w.lmFeed.whole,
        };
      };
      await window.lattice.create({
        id: 'hand-made',
        components: { position: { lat: 59.3, lon: 18.1 }, threat: { level: 'LOW' } },
      });
      await window.lattice.create({ id: 'goes-away', components: { position: { lat: 59.31, lon: 18.11 } } });
      await window.lattice.simulate({ eo: { tracks: 20, hz: 2 }, radar: { tracks: 20, hz: 2 }, seed: 11 });
    });
    const compare = (): Promise<Compared> =>
      inTab(tab, () => (window as unknown as { lmCompare: () => Promise<Compared> }).lmCompare());
    // Let tracks move and fuse; change what a row does not hold, and take an entity away.
    await new Promise((r) => setTimeout(r, 4000));
    await inTab(tab, async () => {
      await window.lattice.update('hand-made', { threat: { level: 'HIGH' }, velocity: { east: 3, north: 1 } });
      await window.lattice.remove('goes-away');
    });
    await new Promise((r) => setTimeout(r, 2000));
    await inTab(tab, () => window.lattice.stopSimulation());
    // Once the feed has caught up, every view on the page is the node's, and nothing more.
    await waitInTab(
      tab,
      'the page holding exactly the node views',
      async () => {
        const c = await (window as unknown as { lmCompare: () => Promise<Compared> }).lmCompare();
        return c.differ.length === 0 && c.page === c.node;
      },
      undefined,
    );
    const c = await compare();
    expect(c.node).toBeGreaterThan(20);
    // Most reports crossed as rows: a view went whole only when more than its position and velocity changed.
    expect(c.whole).toBeLessThan(c.rows / 2);
  });
});
