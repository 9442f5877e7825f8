import { closeAllTabs, crashTab, inTab, openTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

describe('a tab killed during a burst of writes', () => {
  after(() => closeAllTabs());

  it('keeps every write that had resolved', async () => {
    const q = `?lattice=crash${Math.floor(Math.random() * 1e9).toString(36)}`;
    const tab = await openTab({ query: q });
    await inTab(tab, () => {
      const w = window as unknown as { resolved: string[] };
      w.resolved = [];
      void (async () => {
        for (let i = 0; i < 100_000; i++) {
          const batch = Array.from({ length: 20 }, (_, j) => `b${i}-${j}`);
          await Promise.all(
            batch.map((id) =>
              window.lattice
                .create({ id, components: { position: { lat: i % 90, lon: j(id) }, threat: { level: 'LOW' } } })
                .then(() => w.resolved.push(id)),
            ),
          );
        }
        function j(id: string): number {
          return Number(id.split('-')[1]);
        }
      })();
    });
    let resolved: string[] = [];
    for (let i = 0; i < 100 && resolved.length < 400; i++) {
      await new Promise((r) => setTimeout(r, 50));
      resolved = await inTab(tab, () => [...(window as unknown as { resolved: string[] }).resolved]);
    }
    expect(resolved.length >= 400).toBe(true);
    await crashTab(tab);
    const reopened = await openTab({ query: `${q}&node=${tab.nodeId}` });
    expect(reopened.nodeId).toBe(tab.nodeId);
    const check = await inTab(
      reopened,
      async (ids: string[]) => {
        const missing: string[] = [];
        for (const id of ids) if ((await window.lattice.get(id)) === undefined) missing.push(id);
        const all = await window.lattice.list();
        // A batch is all or nothing: every stored entity has both of its components.
        const torn = all.filter((e) => !('position' in e.components) || !('threat' in e.components)).length;
        return { missing, torn, total: all.length };
      },
      resolved,
    );
    expect(check.missing).toEqual([]);
    expect(check.torn).toBe(0);
    expect(check.total >= resolved.length).toBe(true);
  });
});
