/**
 * Signed versions: a round trip through WebCrypto Ed25519 (Node's, the same API the worker uses in
 * Chromium), and every kind of tampering refused with its reason and counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { VERIFIED_VERSION_MAX_ENTRY_BYTES, VerifiedVersions } from '../../../../src/core/signing/verified-versions';
import { batchSigningBytes } from '../../../../src/core/signing/version-signing';
import { generateNodeKey, type NodeKey } from '../../../../src/adapters/identity/node-key';
import { signerOf } from '../../../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import {
  KeyRing,
  VersionVerifier,
  signBatch,
  signVersion,
  type RejectReason,
} from '../../../../src/node/security/version-verifier';

const crypto = webCryptoVerifier();
let alice: NodeKey;
let bob: NodeKey; // the receiving node
let mallory: NodeKey;
let stranger: NodeKey; // a key nobody has learned

beforeAll(async () => {
  [alice, bob, mallory, stranger] = await Promise.all([1, 2, 3, 4].map((n) => generateNodeKey(n)));
});

async function receiver(): Promise<{ verifier: VersionVerifier; keys: KeyRing }> {
  const keys = new KeyRing(crypto);
  for (const k of [alice, bob, mallory]) await keys.learn(k.publicKey);
  return { verifier: new VersionVerifier(bob.nodeId, crypto, keys), keys };
}

function version(author: NodeId, entity = 'trk-1', value: unknown = { lat: 1.5, lon: 2.5 }, ms = 1000): Version {
  return {
    entity: entity as EntityId,
    kind: 'position' as ComponentKind,
    value: value as ComponentValue,
    ts: { ms, c: 0, node: author },
    seen: [{ ms: 900, c: 3, node: 'ffff' as NodeId }],
  };
}

const sign = (k: NodeKey, v: Version): Promise<Version> => signVersion(signerOf(k), v);

async function reasonsOf(vs: Version[], from?: NodeId): Promise<RejectReason[]> {
  const { verifier } = await receiver();
  const out = await verifier.verifyBatch(vs, from);
  expect(out.accepted).toEqual([]);
  return out.rejected.map((r) => r.reason);
}

describe('signed versions', () => {
  it('a node id is the hash of its key, and the key ring files a key under that id only', async () => {
    const keys = new KeyRing(crypto);
    expect(await keys.learn(alice.publicKey)).toBe(alice.nodeId);
    expect(keys.keyOf(alice.nodeId)).toEqual(alice.publicKey);
    expect(keys.keyOf(mallory.nodeId)).toBeUndefined();
  });

  it('round trip: signed versions verify, once; copies come from the cache', async () => {
    const { verifier } = await receiver();
    const vs = await Promise.all([
      sign(alice, version(alice.nodeId)),
      sign(alice, version(alice.nodeId, 'trk-2')),
      sign(mallory, version(mallory.nodeId, 'trk-3', null)),
    ]);
    const first = await verifier.verifyBatch(vs, alice.nodeId);
    expect(first.rejected).toEqual([]);
    expect(first.accepted).toEqual(vs);
    expect(verifier.checked).toBe(3);
    // The same versions relayed by another link, as new objects (decoded again from the wire).
    const copies = vs.map((v) => ({ ...v, seen: v.seen.map((s) => ({ ...s })) }));
    const again = await verifier.verifyBatch(copies, mallory.nodeId);
    expect(again.accepted).toEqual(copies);
    expect(verifier.checked).toBe(3);
    expect(verifier.cacheHits).toBe(3);
  });

  it('our own write echoed back by a peer is accepted', async () => {
    const { verifier } = await receiver();
    const own = await sign(bob, version(bob.nodeId));
    expect((await verifier.verifyBatch([own], alice.nodeId)).accepted).toEqual([own]);
  });

  it('refuses unsigned versions and malformed signatures', async () => {
    const v = version(alice.nodeId);
    expect(await reasonsOf([v, { ...v, sig: new Uint8Array(10) }])).toEqual(['unsigned', 'malformed-signature']);
  });

  it('refuses a write in another node’s name (forged author), signed by the sending link', async () => {
    const forged = await sign(mallory, version(alice.nodeId));
    expect(await reasonsOf([forged], mallory.nodeId)).toEqual(['forged-author']);
    // Relayed by a third node, the forgery is still refused: it does not verify as alice's.
    expect(await reasonsOf([forged], alice.nodeId)).toEqual(['bad-signature']);
  });

  it('refuses a write in our own name (self-author)', async () => {
    const forged = await sign(mallory, version(bob.nodeId));
    expect(await reasonsOf([forged], mallory.nodeId)).toEqual(['self-author']);
  });

  it('refuses a write by an author whose key is unknown', async () => {
    const v = await sign(stranger, version(stranger.nodeId));
    expect(await reasonsOf([v], alice.nodeId)).toEqual(['unknown-author']);
  });

  it('refuses altered value, context, clock and author, and a replay under another entity or kind', async () => {
    const good = await sign(alice, version(alice.nodeId));
    const tampered: Version[] = [
      { ...good, value: { lat: 1.5, lon: 2.6 } as unknown as ComponentValue },
      { ...good, seen: [] },
      { ...good, seen: [{ ms: 900, c: 4, node: 'ffff' as NodeId }] },
      { ...good, ts: { ...good.ts, ms: good.ts.ms + 1 } },
      { ...good, ts: { ...good.ts, c: 1 } },
      { ...good, ts: { ...good.ts, node: mallory.nodeId } },
      { ...good, entity: 'trk-9' as EntityId },
      { ...good, kind: 'velocity' as ComponentKind },
      { ...good, sig: good.sig!.map((b, i) => (i === 0 ? b ^ 1 : b)) },
    ];
    expect(await reasonsOf(tampered, alice.nodeId)).toEqual(Array<RejectReason>(tampered.length).fill('bad-signature'));
  });

  it('refuses an equivocation (one author, one timestamp, two contents), across batches and within one', async () => {
    const a = await sign(alice, version(alice.nodeId, 'trk-1', { lat: 1, lon: 1 }));
    const b = await sign(alice, version(alice.nodeId, 'trk-1', { lat: 2, lon: 2 }));
    const { verifier } = await receiver();
    expect((await verifier.verifyBatch([a])).accepted).toEqual([a]);
    expect((await verifier.verifyBatch([b])).rejected).toEqual([{ version: b, reason: 'equivocation' }]);
    const fresh = await receiver();
    const both = await fresh.verifier.verifyBatch([a, b]);
    expect(both.accepted).toEqual([a]);
    expect(both.rejected.map((r) => r.reason)).toEqual(['equivocation']);
  });

  it('counts every refusal by reason', async () => {
    const { verifier } = await receiver();
    const good = await sign(alice, version(alice.nodeId));
    const batch = [
      version(alice.nodeId, 'trk-5'),
      await sign(mallory, version(alice.nodeId, 'trk-6')),
      await sign(mallory, version(bob.nodeId, 'trk-7')),
      { ...good, value: 7 as unknown as ComponentValue },
      { ...good, entity: 'trk-8' as EntityId },
      good,
      await sign(alice, version(alice.nodeId, 'trk-1', { other: true })),
      await sign(stranger, version(stranger.nodeId)),
    ];
    const out = await verifier.verifyBatch(batch, mallory.nodeId);
    expect(out.accepted).toEqual([good]);
    expect(verifier.rejectedByReason).toEqual({
      unsigned: 1,
      'malformed-signature': 0,
      'unknown-author': 1,
      'self-author': 1,
      'forged-author': 1,
      'bad-signature': 2,
      equivocation: 1,
    });
  });
});

describe('VerifiedVersions', () => {
  it('is bounded, forgetting the least recently used first', () => {
    const cache = new VerifiedVersions(2);
    const [a, b, c] = ['e1', 'e2', 'e3'].map((e, i) => ({
      ...version('aa' as NodeId, e),
      sig: new Uint8Array(64).fill(i + 1),
    }));
    cache.remember(a!);
    cache.remember(b!);
    expect(cache.recall(a!)).toBe('verified'); // a is now the most recent
    cache.remember(c!);
    expect(cache.size).toBe(2);
    expect(cache.recall(b!)).toBe('unknown');
    expect(cache.recall(a!)).toBe('verified');
    expect(cache.recall({ ...c!, value: 1 as unknown as ComponentValue })).toBe('conflict');
    // The same content under another signature is not what verified: checked again.
    expect(cache.recall({ ...c!, sig: new Uint8Array(64) })).toBe('unknown');
  });

  it('holds a bounded number of bytes and never remembers a large version', () => {
    const big = (e: string, n: number): Version => ({
      ...version('aa' as NodeId, e),
      value: { text: 'x'.repeat(n) } as unknown as ComponentValue,
      sig: new Uint8Array(64).fill(7),
    });
    const cache = new VerifiedVersions(100, 3 * 1200);
    for (let i = 0; i < 10; i++) cache.remember(big(`e${i}`, 1000));
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.recall(big('e9', 1000))).toBe('verified');
    cache.remember(big('huge', VERIFIED_VERSION_MAX_ENTRY_BYTES));
    expect(cache.recall(big('huge', VERIFIED_VERSION_MAX_ENTRY_BYTES))).toBe('unknown');
  });
});

describe('one signature per batch of one author’s writes', () => {
  const batchOf = (author: NodeKey, n: number): Version[] =>
    Array.from({ length: n }, (_, i) => version(author.nodeId, `trk-${i}`, { lat: i, lon: -i }));

  it('round trip: one verification for the batch, none for an intact copy', async () => {
    const { verifier } = await receiver();
    const vs = batchOf(alice, 50);
    const sig = await signBatch(signerOf(alice), alice.nodeId, vs);
    expect((await verifier.verifyAuthorBatch(alice.nodeId, vs, sig, mallory.nodeId)).accepted).toEqual(vs);
    expect(verifier.checked).toBe(1);
    expect((await verifier.verifyAuthorBatch(alice.nodeId, vs, sig)).accepted).toEqual(vs);
    expect(verifier.checked).toBe(1);
    // Its versions are remembered one by one: an anti-entropy copy of one of them is a cache hit.
    expect((await verifier.verifyBatch([{ ...vs[7]!, sig }])).accepted).toHaveLength(1);
    expect(verifier.checked).toBe(1);
  });

  it('refuses the whole batch, by reason, when anything in it is tampered with', async () => {
    const { verifier } = await receiver();
    const vs = batchOf(alice, 4);
    const sig = await signBatch(signerOf(alice), alice.nodeId, vs);
    const altered = vs.map((v, i) => (i === 2 ? { ...v, value: 0 as unknown as ComponentValue } : v));
    const reasons = async (...args: Parameters<VersionVerifier['verifyAuthorBatch']>): Promise<string[]> =>
      (await verifier.verifyAuthorBatch(...args)).rejected.map((r) => r.reason);
    expect(await reasons(alice.nodeId, altered, sig)).toEqual(Array(4).fill('bad-signature'));
    expect(await reasons(alice.nodeId, vs.slice(1), sig)).toEqual(Array(3).fill('bad-signature'));
    expect(await reasons(alice.nodeId, [...vs].reverse(), sig)).toEqual(Array(4).fill('bad-signature'));
    const mine = batchOf(mallory, 2).map((v) => ({ ...v, ts: { ...v.ts, node: alice.nodeId } }));
    const forged = await signerOf(mallory).sign(batchSigningBytes(alice.nodeId, mine));
    expect(await reasons(alice.nodeId, mine, forged, mallory.nodeId)).toEqual(['forged-author', 'forged-author']);
    const inOurName = mine.map((v) => ({ ...v, ts: { ...v.ts, node: bob.nodeId } }));
    const selfSig = await signerOf(mallory).sign(batchSigningBytes(bob.nodeId, inOurName));
    expect(await reasons(bob.nodeId, inOurName, selfSig, mallory.nodeId)).toEqual(['self-author', 'self-author']);
    expect(verifier.rejectedByReason).toMatchObject({ 'bad-signature': 11, 'forged-author': 2, 'self-author': 2 });
  });

  it('refuses the equivocating versions of a good batch', async () => {
    const { verifier } = await receiver();
    const first = await sign(alice, version(alice.nodeId, 'trk-1', { lat: 9, lon: 9 }));
    await verifier.verifyBatch([first]);
    const vs = batchOf(alice, 3); // holds trk-1 at the same timestamp with another value
    const out = await verifier.verifyAuthorBatch(alice.nodeId, vs, await signBatch(signerOf(alice), alice.nodeId, vs));
    expect(out.accepted.map((v) => v.entity)).toEqual(['trk-0', 'trk-2']);
    expect(out.rejected).toEqual([{ version: vs[1], reason: 'equivocation' }]);
  });
});
