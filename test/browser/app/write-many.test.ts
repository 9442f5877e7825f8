import { closeAllTabs, inTab, openTab, reloadTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=t${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('writeMany and the skew limit in a real tab (worker + IndexedDB)', () => {
  after(() => closeAllTabs());

  it('writes a batch in one call, refuses a bad item by name, and keeps both across a reload', async () => {
    const tab = await openTab({ query: lattice() });
    const result = await inTab(tab, async () => {
      const l = window.lattice;
      const items = [];
      for (let i = 0; i < 500; i++) {
        items.push({
          id: `b${i.toString()}`,
          components: { position: { lat: 50, lon: i / 1000 }, threat: { level: 'LOW' } },
        });
      }
      const views = await l.writeMany(items);
      let refused = '';
      try {
        await l.writeMany([
          { id: 'ok', components: { threat: { level: 'LOW' } } },
          { id: 'no', components: { threat: { level: 'NOPE' } } },
        ]);
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      let badLimit = '';
      try {
        await l.setSkewLimit(5);
      } catch (e) {
        badLimit = (e as Error).name;
      }
      await l.setSkewLimit(300_000);
      return {
        ids: views.map((v): string => v.id),
        refused,
        badLimit,
        ok: await l.get('ok'),
        versions: new Set(views.map((v) => v.meta.position?.version)).size,
      };
    });
    expect(result.ids.length).toBe(500);
    expect(result.ids[499]).toBe('b499');
    expect(result.versions).toBe(1);
    expect(result.refused).toContain('ValidationError: writeMany[1] (id "no")');
    expect(result.badLimit).toBe('ValidationError');
    expect(result.ok).toBe(undefined);
    await reloadTab(tab);
    const again = await inTab(tab, async () => ({
      count: (await window.lattice.list({ kind: 'position' })).length,
      limit: (await window.lattice.info()).skewLimitMs,
    }));
    expect(again.count).toBe(500);
    expect(again.limit).toBe(300_000);
  });
});
