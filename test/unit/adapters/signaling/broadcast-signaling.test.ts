/**
 * Signals between tabs (BroadcastChannel) are signed by their sender and checked by every tab
 * (docs/security.md, "Relayed signals"): any page of the origin can post on the channel, so a bye,
 * offer or announce in another node's name, unsigned, altered, replayed or old is refused and
 * counted, never delivered. Node's own BroadcastChannel, the same API the browser has.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  broadcastChannelName,
  BroadcastSignaling,
  type BroadcastEnvelope,
} from '../../../../src/adapters/signaling/broadcast-signaling';
import { toBase64url } from '../../../../src/core/bytes/base64url';
import type { NodeId } from '../../../../src/core/ids';
import { broadcastSignalBytes, relaySignalBytes } from '../../../../src/ports/relay-signal-proof';
import { parseSignal, type Signal } from '../../../../src/ports/signaling';
import { syncSigner, syncVerifier, testIdentity } from '../../support/test-keys';

const LATTICE = 'bc-test';
let open: { close(): void }[] = [];
afterEach(() => {
  for (const c of open) c.close();
  open = [];
});

function tab(name: string, now = () => Date.now()): { path: BroadcastSignaling; heard: Signal[] } {
  const heard: Signal[] = [];
  const path = new BroadcastSignaling({
    self: name as NodeId,
    lattice: LATTICE,
    log: () => undefined,
    signer: syncSigner(testIdentity(name)),
    verifier: syncVerifier('named'),
    now,
  });
  path.start((s) => heard.push(s));
  open.push(path);
  return { path, heard };
}

/** A hostile page of the same origin, posting on the channel directly. */
function page(): BroadcastChannel {
  const channel = new BroadcastChannel(broadcastChannelName(LATTICE));
  open.push(channel);
  return channel;
}

/** A bye in the one key order parseSignal builds (what a sender signs). */
const bye = (from: string): Signal => {
  const parsed = parseSignal({ type: 'bye', from, to: 'b', lattice: LATTICE, data: { reason: 'left' } });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.signal;
};

function sealed(signer: string, signal: Signal, id = 'envelope01', at = Date.now()): BroadcastEnvelope {
  const key = testIdentity(signer);
  return {
    id,
    signal,
    at,
    key: toBase64url(key.publicKey),
    sig: toBase64url(syncSigner(key).sign(broadcastSignalBytes(id, at, signal)) as Uint8Array),
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
};

describe('BroadcastSignaling: signed signals between tabs', () => {
  it('delivers a signed signal, and refuses forged, unsigned, altered, replayed and old ones', async () => {
    const a = tab('a');
    const b = tab('b');
    a.path.send(bye('a'));
    await settle();
    expect(b.heard).toEqual([bye('a')]);

    const mallory = page();
    // In a's name: unsigned (the signal alone, as tabs posted before), signed by another key,
    // altered after signing, signed for the relay path, two minutes old.
    mallory.postMessage(bye('a'));
    mallory.postMessage(sealed('m', bye('a'), 'forged0001'));
    mallory.postMessage({ ...sealed('a', bye('a'), 'altered001'), signal: { ...bye('a'), data: { reason: 'gone' } } });
    const relayed = sealed('a', bye('a'), 'relayed001');
    const relaySig = syncSigner(testIdentity('a')).sign(relaySignalBytes('relayed001', relayed.at, bye('a')));
    mallory.postMessage({ ...relayed, sig: toBase64url(relaySig as Uint8Array) });
    mallory.postMessage(sealed('a', bye('a'), 'oldone0001', Date.now() - 120_000));
    // A genuine envelope once, then again (a replay).
    const genuine = sealed('a', bye('a'), 'genuine001');
    mallory.postMessage(genuine);
    mallory.postMessage(genuine);
    await settle();
    expect(b.heard).toEqual([bye('a'), bye('a')]);
    expect(b.path.stats().invalid).toMatchObject({ unsigned: 1, forged: 1, 'bad-signature': 2, stale: 2 });
  });
});
