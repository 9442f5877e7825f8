import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { versionSigningBytes } from '../../../src/core/signing/version-signing';
import { encodeMessage, MessageType } from '../../../src/core/sync';
import { decodeVersions, encodeVersions } from '../../../src/core/wire';
import { CHANNEL, withChannel } from '../../../src/adapters/webrtc/frame-channel';
import { closeAllTabs, inTab, newContext, openTab, type AppTab } from '../support/app-pages';
import { expect } from '../support/expect';
import { snapshot, uniqueLattice, waitInTab, waitLinked, type MochaContext } from './mesh-support';

declare const describe: (name: string, fn: (this: MochaContext) => void) => void;
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const afterEach: (fn: () => Promise<unknown>) => void;

/**
 * A hostile page injects forged writes through its real WebRTC data channel (issue 12, docs/security.md
 * "Signed versions on ingest"). The hostile page is a real app tab of an open lattice: its node
 * completes the link handshake with its own valid key. The test then takes over the page's data
 * channels (the browser's own RTCDataChannel.send, wrapped from the test) and sends `versions`
 * frames built with the protocol's codec: a write in the honest peer's name and a tombstone of
 * the honest peer's entity, both signed with the hostile node's own key (read from its profile's
 * identity database, as any script of the page could), a write in the victim's own name, and one
 * in the honest peer's name under a made-up signature. Nothing in the app is changed for the test.
 */

type Rejected = Record<string, number>;

const rejectedOf = (tab: AppTab): Promise<Rejected> =>
  inTab(tab, async () => (await window.lattice.securityStats()).rejected as Record<string, number>);

/** In the hostile tab: remembers every data channel the page sends on, with the browser's own send. */
function captureChannels(tab: AppTab): Promise<void> {
  return inTab(tab, () => {
    const w = window as unknown as { forge?: { channels: Set<RTCDataChannel>; send: RTCDataChannel['send'] } };
    if (w.forge !== undefined) return;
    const send = RTCDataChannel.prototype.send;
    const channels = new Set<RTCDataChannel>();
    w.forge = { channels, send };
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      channels.add(this);
      return send.call(this, data);
    };
  });
}

/** Open data channels of the hostile page seen so far (its heartbeats send on each within 2 s). */
function openChannels(tab: AppTab): Promise<number> {
  return inTab(tab, () => {
    const w = window as unknown as { forge: { channels: Set<RTCDataChannel> } };
    return [...w.forge.channels].filter((c) => c.readyState === 'open').length;
  });
}

/** Signs each text with the hostile node's own non-extractable key, read from its identity database. */
function signInTab(tab: AppTab, texts: number[][]): Promise<number[][]> {
  return inTab(
    tab,
    async ({ node, texts }: { node: string; texts: number[][] }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('lattice-mesh-identities');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error ?? new Error('identity database'));
      });
      const record = await new Promise<{ privateKey: CryptoKey }>((resolve, reject) => {
        const get = db.transaction('keys').objectStore('keys').get(node);
        get.onsuccess = () => resolve(get.result as { privateKey: CryptoKey });
        get.onerror = () => reject(get.error ?? new Error('key'));
      });
      db.close();
      const out: number[][] = [];
      for (const t of texts) {
        const sig = await crypto.subtle.sign({ name: 'Ed25519' }, record.privateKey, new Uint8Array(t));
        out.push([...new Uint8Array(sig)]);
      }
      return out;
    },
    { node: tab.nodeId, texts },
  );
}

/** Sends one data-channel message on every open channel of the hostile page; returns how many. */
function injectInTab(tab: AppTab, message: Uint8Array): Promise<number> {
  return inTab(
    tab,
    (bytes: number[]) => {
      const w = window as unknown as { forge: { channels: Set<RTCDataChannel>; send: RTCDataChannel['send'] } };
      let sent = 0;
      for (const c of w.forge.channels) {
        if (c.readyState !== 'open') continue;
        w.forge.send.call(c, new Uint8Array(bytes));
        sent++;
      }
      return sent;
    },
    [...message],
  );
}

const at = (ms: number, c: number, node: string): Version['ts'] => ({ ms, c, node: node as NodeId });

describe('a hostile page injecting forged writes through its data channel (separate devices, real WebRTC)', function () {
  this.timeout(150_000);
  afterEach(() => closeAllTabs());

  it('the victim and the honest peer store none of them, count each by reason, and keep syncing', async () => {
    const q = `?lattice=${uniqueLattice('forge')}&open=1`;
    const victim = await openTab({ query: q, context: await newContext() });
    const honest = await openTab({ query: q, context: await newContext() });
    const hostile = await openTab({ query: q, context: await newContext() });
    await waitLinked(victim, [honest, hostile], 40_000);
    await waitLinked(hostile, [victim], 40_000);

    await inTab(honest, () => window.lattice.create({ id: 'trk-honest', components: { speed: { kts: 100 } } }));
    await inTab(victim, () => window.lattice.create({ id: 'trk-victim', components: { speed: { kts: 200 } } }));
    for (const tab of [victim, honest, hostile]) {
      await waitInTab(
        tab,
        'both tracks',
        async () =>
          (await window.lattice.get('trk-honest')) !== undefined &&
          (await window.lattice.get('trk-victim')) !== undefined,
        null,
      );
    }
    const pictureBefore = await snapshot(victim);
    const before = await rejectedOf(victim);

    await captureChannels(hostile);
    // Every link of the hostile page sends a heartbeat within 2 s: wait until each one's channel is seen.
    await waitInTab(
      hostile,
      'a data channel for each of its links',
      async () => {
        const w = window as unknown as { forge: { channels: Set<RTCDataChannel> } };
        const open = [...w.forge.channels].filter((c) => c.readyState === 'open').length;
        const links = (await window.lattice.peers()).filter((l) => l.state === 'connected').length;
        return links > 0 && open >= links;
      },
      null,
    );
    expect(await openChannels(hostile)).toBeGreaterThan(0);

    const now = Date.now();
    const kind = 'speed' as ComponentKind;
    const forged: Version[] = [
      // A write in the honest peer's name, signed with the hostile node's own (valid, linked) key.
      { entity: 'trk-forged' as EntityId, kind, value: { kts: 666 }, ts: at(now, 0, honest.nodeId), seen: [] },
      // A tombstone of the honest peer's track, in its name.
      { entity: 'trk-honest' as EntityId, kind: DELETED, value: null, ts: at(now, 1, honest.nodeId), seen: [] },
      // A write in the victim's own name.
      { entity: 'trk-victim' as EntityId, kind, value: { kts: 1 }, ts: at(now, 2, victim.nodeId), seen: [] },
    ];
    // What the receiver decodes (values quantised) is what it checks, so that is what is signed.
    const wire = decodeVersions(encodeVersions(forged));
    const sigs = await signInTab(
      hostile,
      wire.map((v) => [...versionSigningBytes(v)]),
    );
    const signed: Version[] = wire.map((v, i) => ({ ...v, sig: new Uint8Array(sigs[i]!) }));
    // And one in the honest peer's name under a signature nobody made.
    signed.push({
      entity: 'trk-honest' as EntityId,
      kind,
      value: { kts: 5 },
      ts: at(now, 3, honest.nodeId),
      seen: [],
      sig: crypto.getRandomValues(new Uint8Array(64)),
    });
    const frame = encodeMessage({
      type: MessageType.Versions,
      live: true,
      completes: 0,
      batch: encodeVersions(signed),
    });
    expect(await injectInTab(hostile, withChannel(CHANNEL.sync, frame))).toBeGreaterThan(0);

    const expected = {
      'forged-author': (before['forged-author'] ?? 0) + 2,
      'self-author': (before['self-author'] ?? 0) + 1,
      'bad-signature': (before['bad-signature'] ?? 0) + 1,
    };
    await waitInTab(
      victim,
      'the forged versions refused',
      async (want: Record<string, number>) => {
        const got = (await window.lattice.securityStats()).rejected as Record<string, number>;
        return Object.entries(want).every(([reason, n]) => (got[reason] ?? 0) >= n);
      },
      expected,
    );
    const after = await rejectedOf(victim);
    // Each counted once, by its reason; nothing else refused.
    expect({
      'forged-author': after['forged-author'],
      'self-author': after['self-author'],
      'bad-signature': after['bad-signature'],
    }).toEqual(expected);
    for (const [reason, n] of Object.entries(after)) {
      if (!(reason in expected)) expect([reason, n]).toEqual([reason, before[reason] ?? 0]);
    }

    // None stored: the picture is exactly what it was.
    expect((await inTab(victim, () => window.lattice.get('trk-forged'))) ?? undefined).toBe(undefined);
    const own = await inTab(victim, () => window.lattice.get('trk-victim'));
    expect(own?.components.speed).toEqual({ kts: 200 });
    expect(own?.meta.speed?.author as string | undefined).toBe(victim.nodeId);
    expect(await snapshot(victim)).toBe(pictureBefore);

    // Still usable for honest peers, both ways, over the same mesh.
    await waitLinked(victim, [honest]);
    await inTab(honest, () => window.lattice.create({ id: 'trk-honest-2', components: { speed: { kts: 7 } } }));
    await waitInTab(
      victim,
      'the honest peer’s new track',
      async () => (await window.lattice.get('trk-honest-2')) !== undefined,
      null,
    );
    await inTab(victim, () => window.lattice.create({ id: 'trk-victim-2', components: { speed: { kts: 8 } } }));
    await waitInTab(
      honest,
      'the victim’s new track',
      async () => (await window.lattice.get('trk-victim-2')) !== undefined,
      null,
    );
    // The worker hashed the frames' leaves on WebAssembly (core/signing/sha256.ts), as bundled.
    expect(await inTab(victim, async () => (await window.lattice.securityStats()).sha256)).toBe('wasm');
    // Nothing forged reached the honest peer either (directly, or relayed by the victim).
    expect((await inTab(honest, () => window.lattice.get('trk-forged'))) ?? undefined).toBe(undefined);
    expect((await inTab(honest, () => window.lattice.get('trk-honest')))?.components.speed).toEqual({ kts: 100 });
    expect((await inTab(victim, () => window.lattice.get('trk-honest')))?.components.speed).toEqual({ kts: 100 });
  });
});
