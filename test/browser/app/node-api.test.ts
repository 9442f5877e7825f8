import { closeAllTabs, inTab, openTab, reloadTab } from '../support/app-pages';
import { expect } from '../support/expect';

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

const lattice = () => `?lattice=t${Math.floor(Math.random() * 1e9).toString(36)}`;

describe('the node in a real tab (worker + IndexedDB)', () => {
  after(() => closeAllTabs());

  it('round-trips create, get, list, update and heads through the worker', async () => {
    const tab = await openTab({ query: lattice() });
    const result = await inTab(tab, async () => {
      const l = window.lattice;
      const created = await l.create({
        id: 'trk-1',
        components: { position: { lat: 51.5, lon: -0.12 }, threat: { level: 'LOW' } },
      });
      const got = await l.get('trk-1');
      const updated = await l.update('trk-1', { threat: { level: 'HIGH' } }, { basedOn: created.meta.threat!.version });
      let conflict = '';
      try {
        await l.update('trk-1', { threat: { level: 'NONE' } }, { basedOn: created.meta.threat!.version });
      } catch (e) {
        conflict = (e as Error).name;
      }
      let invalid = '';
      try {
        await l.create({ id: 'bad', components: { position: { lat: 200, lon: 0 } } });
      } catch (e) {
        invalid = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const heads = await l.heads('trk-1', 'threat');
      const list = await l.list({ minThreat: 'HIGH' });
      return { created, got, updated, conflict, invalid, heads, list: list.map((e) => e.id), bad: await l.get('bad') };
    });
    expect(result.got?.components.position).toEqual({ lat: 51.5, lon: -0.12 });
    expect(result.got?.meta.position?.author as string | undefined).toBe(tab.nodeId);
    expect(result.updated.components.threat).toEqual({ level: 'HIGH' });
    expect(result.conflict).toBe('ConflictError');
    expect(result.invalid).toContain('ValidationError');
    expect(result.invalid).toContain('position.lat');
    expect(result.bad).toBe(undefined);
    expect(result.heads.length).toBe(1);
    expect(result.list).toEqual(['trk-1']);
  });

  it('delivers changes to watch() in batches', async () => {
    const tab = await openTab({ query: lattice() });
    const batches = await inTab(tab, async () => {
      const seen: number[] = [];
      const stop = window.lattice.watch((b) => seen.push(b.changed.length));
      await new Promise((r) => setTimeout(r, 100));
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          window.lattice.create({ id: `w${i}`, components: { threat: { level: 'LOW' } } }),
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      stop();
      return seen;
    });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(batches.length < 200).toBe(true);
  });

  it('keeps data and identity across a reload', async () => {
    const tab = await openTab({ query: lattice() });
    await inTab(tab, async () => {
      await window.lattice.create({
        id: 'keep',
        components: { position: { lat: 1, lon: 2, alt: 3 }, speed: { kts: 250 } },
      });
      await window.lattice.remove((await window.lattice.create({ components: { threat: { level: 'NONE' } } })).id);
    });
    const again = await reloadTab(tab);
    expect(again).toBe(tab.nodeId);
    const after = await inTab(tab, async () => ({
      keep: await window.lattice.get('keep'),
      count: (await window.lattice.list()).length,
    }));
    expect(after.keep?.components).toEqual({ position: { lat: 1, lon: 2, alt: 3 }, speed: { kts: 250 } });
    expect(after.count).toBe(1);
  });

  it('gives two tabs two identities', async () => {
    const q = lattice();
    const a = await openTab({ query: q });
    const b = await openTab({ query: q });
    expect(a.nodeId === b.nodeId).toBe(false);
    expect(/^[0-9a-f]{32}$/.test(a.nodeId)).toBe(true);
  });
});
