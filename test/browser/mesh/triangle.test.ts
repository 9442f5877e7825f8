import { closeAllTabs, inTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { openNodes, uniqueLattice, waitFullMesh, waitInTab, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const after: (fn: () => Promise<unknown>) => void;

describe('three tabs of one browser (BroadcastChannel signaling, real WebRTC)', function () {
  this.timeout(90_000);
  after(() => closeAllTabs());

  it('connect in a triangle and replicate a write to the others', async () => {
    // BroadcastChannel signaling only: with every path on, whichever signals first labels the link,
    // and under load the WebSocket path sometimes won (a CI run saw ["websocket", "broadcast"]).
    const [a, b, c] = await openNodes(3, `?lattice=${uniqueLattice('tri')}&signal=broadcast`);
    await waitFullMesh([a!, b!, c!]);
    const links = await inTab(a!, () => window.lattice.peers());
    expect(links.map((l) => l.via)).toEqual(['broadcast', 'broadcast']);
    expect(links.every((l) => l.rttMs !== undefined && l.bytesIn > 0 && l.bytesOut > 0)).toBe(true);

    await inTab(a!, () =>
      window.lattice.create({
        id: 'trk-tri',
        components: { position: { lat: 10, lon: 20 }, threat: { level: 'LOW' } },
      }),
    );
    for (const tab of [b!, c!]) {
      await waitInTab(tab, 'trk-tri', async () => (await window.lattice.get('trk-tri')) !== undefined, null);
    }
    await inTab(c!, () => window.lattice.update('trk-tri', { threat: { level: 'HIGH' } }));
    for (const tab of [a!, b!]) {
      await waitInTab(
        tab,
        'the HIGH threat from c',
        async () => JSON.stringify((await window.lattice.get('trk-tri'))?.components.threat) === '{"level":"HIGH"}',
        null,
      );
    }
    // Exactly one head each: live replication, no spurious conflict.
    const heads = await inTab(b!, () => window.lattice.heads('trk-tri', 'threat'));
    expect(heads.length).toBe(1);
    const status = await inTab(b!, () => window.lattice.syncStatus());
    expect(status.links.connected).toBe(2);
  });

  it('never connects nodes of different lattices', async () => {
    const [x] = await openNodes(1, `?lattice=${uniqueLattice('iso')}`);
    const [y] = await openNodes(1, `?lattice=${uniqueLattice('iso')}`);
    await new Promise((r) => setTimeout(r, 3000));
    for (const tab of [x!, y!]) expect(await inTab(tab, () => window.lattice.peers())).toEqual([]);
  });
});
