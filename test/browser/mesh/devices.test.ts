import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { uniqueLattice, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

/** Pairs two tabs by carrying the offer and the answer across as text, as an operator would. */
async function pair(offerer: AppTab, answerer: AppTab): Promise<void> {
  const offer = await inTab(offerer, () => window.lattice.pairing.createOffer());
  expect(offer.startsWith('LM1.')).toBe(true);
  const answer = await inTab(answerer, (text: string) => window.lattice.pairing.acceptOffer(text), offer);
  const peer = await inTab(offerer, (text: string) => window.lattice.pairing.acceptAnswer(text), answer);
  expect(peer as string).toBe(answerer.nodeId);
}

describe('separate devices (browser contexts: no shared BroadcastChannel)', function () {
  this.timeout(120_000);
  afterEach(() => closeAllTabs());

  it('meet through the WebSocket signaling server and replicate', async () => {
    const q = `?lattice=${uniqueLattice('ws')}&open=1`;
    const a = await openTab({ query: q, context: await newContext() });
    const b = await openTab({ query: q, context: await newContext() });
    await waitLinked(a, [b]);
    await waitLinked(b, [a]);
    const [link] = await inTab(a, () => window.lattice.peers());
    expect(link?.via).toBe('websocket');
    const signaling = await inTab(a, () => window.lattice.signaling());
    expect(signaling.find((s) => s.kind === 'websocket')?.state).toBe('open');

    await inTab(b, () => window.lattice.create({ id: 'trk-ws', components: { speed: { kts: 320 } } }));
    await waitInTab(a, 'b’s track', async () => (await window.lattice.get('trk-ws')) !== undefined, null);
  });

  it('pair by text with no signaling path, then reach a third device by relay through the first', async () => {
    const lattice = uniqueLattice('pair');
    // b and c have no server and no shared channel: only pairing and the relay.
    const a = await openTab({ query: `?lattice=${lattice}&open=1&signal=relay`, context: await newContext() });
    const b = await openTab({ query: `?lattice=${lattice}&open=1&signal=relay`, context: await newContext() });
    const c = await openTab({ query: `?lattice=${lattice}&open=1&signal=relay`, context: await newContext() });
    await pair(a, b);
    await waitLinked(a, [b]);
    const [paired] = await inTab(b, () => window.lattice.peers());
    expect(paired?.paired).toBe(true);
    await pair(c, a);
    await waitLinked(a, [b, c]);
    // b and c learn of each other through a, and open their own link by relayed signaling.
    await waitLinked(b, [c], 30_000);
    const viaRelay = await inTab(
      b,
      async (id: string) => (await window.lattice.peers()).find((p) => p.id === id)?.via,
      c.nodeId,
    );
    expect(viaRelay).toBe('relay');

    await inTab(c, () => window.lattice.create({ id: 'trk-relay', components: { threat: { level: 'MEDIUM' } } }));
    await waitInTab(b, 'c’s track', async () => (await window.lattice.get('trk-relay')) !== undefined, null);
  });

  it('refuses a pairing code from another lattice with a clear error', async () => {
    const a = await openTab({ query: `?lattice=${uniqueLattice('pa')}&signal=relay` });
    const b = await openTab({ query: `?lattice=${uniqueLattice('pb')}&signal=relay`, context: await newContext() });
    const offer = await inTab(a, () => window.lattice.pairing.createOffer());
    const error = await inTab(
      b,
      async (text: string) => {
        try {
          await window.lattice.pairing.acceptOffer(text);
          return '';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      },
      offer,
    );
    expect(error).toContain('PairingError');
    expect(error).toContain('lattice');
    const garbage = await inTab(b, async () => {
      try {
        await window.lattice.pairing.acceptOffer('LM1.not-really');
        return '';
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(garbage).toBe('PairingError');
  });
});
