/**
 * Signed versions: a round trip through WebCrypto Ed25519 (Node's, the same API the worker uses in
 * Chromium), and every kind of tampering refused with its reason and counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { VerifiedVersions } from '../../../../src/core/signing/verified-versions';
import { LEAF_FORM_BINARY, LEAF_FORM_TEXT, versionContentDigest } from '../../../../src/core/signing/leaf-form';
import { batchRootSigningBytes, versionLeafHash } from '../../../../src/core/signing/batch-signing';
import { encodeStoredProof, type FrameProof, type LeafProof } from '../../../../src/core/signing/leaf-proof';
import { buildTree, concatPath } from '../../../../src/core/signing/merkle';
import { versionSigningBytes } from '../../../../src/core/signing/version-signing';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { generateNodeKey, type NodeKey } from '../../../../src/adapters/identity/node-key';
import { signerOf } from '../../../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import {
  KeyRing,
  VersionVerifier,
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
const proofOf = (v: Version): LeafProof => v.proof as LeafProof;

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
    const good = await sign(alice, v);
    const shortSig: Version = { ...v, proof: { ...(good.proof as LeafProof), sig: new Uint8Array(10) } };
    expect(await reasonsOf([v, { ...v, sig: new Uint8Array(10) }, shortSig])).toEqual([
      'unsigned',
      'malformed-signature',
      'malformed-signature',
    ]);
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
      { ...good, proof: { ...proofOf(good), sig: proofOf(good).sig.map((b, i) => (i === 0 ? b ^ 1 : b)) } },
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

  it('refuses an equivocation across leaf forms and signatures of their own, either order (one digest of the content whatever the form)', async () => {
    // Alice signs one timestamp with two values: one in a batch of text leaves (form 1, as nodes
    // signed before the binary form), one in a batch of binary leaves (form 2), one alone.
    const signIn = async (form: 1 | 2, value: unknown): Promise<Version> =>
      (await signedBatch(signerOf(alice), alice.nodeId, [version(alice.nodeId, 'trk-1', value)], form))[0]!;
    const text = await signIn(LEAF_FORM_TEXT, { lat: 1, lon: 1 });
    const binary = await signIn(LEAF_FORM_BINARY, { lat: 2, lon: 2 });
    const alone: Version = {
      ...version(alice.nodeId, 'trk-1', { lat: 3, lon: 3 }),
      sig: await signerOf(alice).sign(versionSigningBytes(version(alice.nodeId, 'trk-1', { lat: 3, lon: 3 }))),
    };
    for (const [first, second] of [
      [text, binary],
      [binary, text],
      [alone, binary],
      [binary, alone],
      [alone, text],
      [text, alone],
    ] as const) {
      const { verifier } = await receiver();
      expect((await verifier.verifyBatch([first])).accepted).toEqual([first]);
      expect((await verifier.verifyBatch([second])).rejected).toEqual([{ version: second, reason: 'equivocation' }]);
      // In one call too.
      const fresh = await receiver();
      const both = await fresh.verifier.verifyBatch([first, second]);
      expect(both.rejected.map((r) => r.reason)).toEqual(['equivocation']);
    }
    // The same content signed in both forms (before and after the binary form) is no equivocation.
    const sameText = await signIn(LEAF_FORM_TEXT, { lat: 2, lon: 2 });
    const { verifier } = await receiver();
    expect((await verifier.verifyBatch([binary])).accepted).toHaveLength(1);
    expect((await verifier.verifyBatch([sameText])).accepted).toHaveLength(1);
    expect(verifier.rejectedByReason.equivocation).toBe(0);
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
    const remember = (v: Version): void => cache.remember(v, v.sig, versionContentDigest(v));
    const recall = (v: Version): string => cache.recall(v, v.sig, versionContentDigest(v));
    remember(a!);
    remember(b!);
    expect(recall(a!)).toBe('verified'); // a is now the most recent
    remember(c!);
    expect(cache.size).toBe(2);
    expect(recall(b!)).toBe('unknown');
    expect(recall(a!)).toBe('verified');
    expect(recall({ ...c!, value: 1 as unknown as ComponentValue })).toBe('conflict');
    // The same content under another signature is not what verified: checked again.
    expect(recall({ ...c!, sig: new Uint8Array(64) })).toBe('unknown');
  });

  it('keeps a 32-byte digest per version, however large, and copies a signature that is a view into a frame', () => {
    const frame = new Uint8Array(1000).fill(7);
    const big: Version = {
      ...version('aa' as NodeId, 'e1'),
      value: { text: 'x'.repeat(20_000) } as unknown as ComponentValue,
      sig: frame.subarray(100, 164),
    };
    const cache = new VerifiedVersions(4);
    cache.remember(big, big.sig, versionContentDigest(big));
    frame.fill(0); // the frame's buffer reused: the remembered signature is a copy
    expect(cache.recall(big, new Uint8Array(64).fill(7), versionContentDigest(big))).toBe('verified');
    expect(versionContentDigest(big)).toHaveLength(32);
  });
});

describe('versions stored before batch signing (a signature of their own)', () => {
  const signAlone = async (k: NodeKey, v: Version): Promise<Version> => ({
    ...v,
    sig: await signerOf(k).sign(versionSigningBytes(v)),
  });

  it('verify once, then come from the cache; tampering, forgery and self-author are refused', async () => {
    const { verifier } = await receiver();
    const good = await signAlone(alice, version(alice.nodeId));
    expect((await verifier.verifyBatch([good])).accepted).toEqual([good]);
    expect((await verifier.verifyBatch([{ ...good }])).accepted).toHaveLength(1);
    expect(verifier.checked).toBe(1);
    expect(verifier.cacheHits).toBe(1);
    expect(
      await reasonsOf(
        [
          { ...good, value: { lat: 0, lon: 0 } as unknown as ComponentValue },
          await signAlone(mallory, version(alice.nodeId, 'trk-2')),
          await signAlone(mallory, version(bob.nodeId, 'trk-3')),
        ],
        mallory.nodeId,
      ),
    ).toEqual(['bad-signature', 'forged-author', 'self-author']);
  });
});

describe('one signature per batch of one author’s writes', () => {
  const batchOf = (author: NodeKey, n: number): Version[] =>
    Array.from({ length: n }, (_, i) => version(author.nodeId, `trk-${i}`, { lat: i, lon: -i }));
  /** Over the wire and back: versions under their frame's multiproof, as a peer receives them. */
  const wire = (vs: readonly Version[]): Version[] => decodeVersions(encodeVersions(vs));

  it('a whole batch over the wire: one verification; each version leaves with its own path', async () => {
    const { verifier } = await receiver();
    const vs = await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 50));
    const got = wire(vs);
    expect(got.every((v) => v.proof?.kind === 'frame')).toBe(true);
    const out = await verifier.verifyBatch(got, mallory.nodeId);
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toHaveLength(50);
    expect(verifier.checked).toBe(1);
    // Verified versions carry their own path, the same as the author's: forwardable alone.
    for (const v of out.accepted) {
      const mine = vs.find((x) => x.entity === v.entity)!;
      expect(v.proof).toEqual(mine.proof);
    }
    // A relayed copy of some of them: hashing only, no signature check.
    const relayed = wire(out.accepted.filter((_, i) => i % 7 === 3));
    expect(relayed.every((v) => v.proof?.kind === 'frame')).toBe(true);
    const again = await verifier.verifyBatch(relayed, alice.nodeId);
    expect(again.accepted).toHaveLength(relayed.length);
    expect(verifier.checked).toBe(1);
    expect(verifier.cacheHits).toBe(relayed.length);
  });

  it("a verified version's path is the tree's own hashes, shared within its batch; a malformed lone path is refused", async () => {
    const { verifier } = await receiver();
    const vs = await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 8));
    const out = await verifier.verifyBatch(wire(vs));
    expect(out.accepted).toHaveLength(8);
    const paths = out.accepted.map((v) => proofOf(v).path);
    // Leaves 0 and 1 are siblings: each names the other's leaf, and both name the same two nodes above.
    expect(paths[0]).toHaveLength(3);
    expect(paths[0]![1]).toBe(paths[1]![1]);
    expect(paths[0]![2]).toBe(paths[1]![2]);
    // Stored as the bytes a concatenated path was (the hashes one after the other).
    expect(encodeStoredProof(proofOf(out.accepted[0]!))).toEqual(encodeStoredProof(proofOf(vs[0]!)));
    // A lone path whose hash is short, a hash too many, or the bytes instead of a list: refused, no check made.
    const lone = proofOf(vs[0]!);
    const short = [lone.path[0]!.subarray(0, 31), ...lone.path.slice(1)];
    const extra = [...lone.path, lone.path[0]!];
    for (const path of [short, extra, concatPath(lone.path) as unknown as Uint8Array[]]) {
      const fresh = (await receiver()).verifier;
      const got = await fresh.verifyBatch([{ ...vs[0]!, proof: { ...lone, path } }]);
      expect(got.rejected.map((r) => r.reason)).toEqual(['bad-signature']);
      expect(fresh.checked).toBe(0);
    }
    // The well-formed lone path still verifies.
    expect((await (await receiver()).verifier.verifyBatch([vs[0]!])).accepted).toHaveLength(1);
  });

  it('a subset forwarded by a node that holds only part of the batch verifies at a fresh receiver', async () => {
    const vs = await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 37));
    const relay = await receiver();
    const held = (await relay.verifier.verifyBatch(wire(vs.filter((_, i) => i % 3 === 0)))).accepted;
    expect(held).toHaveLength(13);
    const fresh = await receiver();
    const sub = wire(held.filter((_, i) => i % 2 === 1));
    const out = await fresh.verifier.verifyBatch(sub);
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toHaveLength(6);
  });

  it('a frame group is checked whole even when only some of its versions are passed on', async () => {
    const { verifier } = await receiver();
    const got = wire(await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 9)));
    const out = await verifier.verifyBatch(got.slice(0, 4));
    expect(out.accepted).toHaveLength(4);
    expect(out.accepted.every((v) => v.proof?.kind === 'path')).toBe(true);
  });

  it('refuses the batch, by reason, when a leaf, index, count, proof hash or order is tampered with', async () => {
    const vs = await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 6));
    const group = (members: Version[], indices: number[], proof: Uint8Array[] = []): Version[] => {
      const g = { indices, proof, members: [] as Version[] };
      for (const [k, m] of members.entries()) {
        const p = m.proof!;
        g.members.push({
          ...m,
          proof: { kind: 'frame', form: p.form, sig: p.sig, count: p.count, index: indices[k]!, group: g },
        });
      }
      return g.members;
    };
    const all = [0, 1, 2, 3, 4, 5];
    const reasons = async (got: Version[], from?: NodeId): Promise<RejectReason[]> => reasonsOf(got, from);
    const altered = vs.map((v, i) => (i === 2 ? { ...v, value: { lat: 0, lon: 0 } as unknown as ComponentValue } : v));
    expect(await reasons(group(altered, all))).toEqual(Array(6).fill('bad-signature'));
    expect(await reasons(group([vs[1]!, vs[0]!, ...vs.slice(2)], all))).toEqual(Array(6).fill('bad-signature'));
    // Another leaf index, a proof hash flipped, another count: each under the same signature.
    const sub = wire([vs[1]!, vs[4]!]);
    const proof = (sub[0]!.proof as FrameProof).group.proof;
    expect(await reasons(group(sub, [1, 5], [...proof]))).toEqual(['bad-signature', 'bad-signature']);
    const flipped = proof.map((h, j) => (j === 0 ? h.map((x, b) => (b === 0 ? x ^ 1 : x)) : h));
    expect(await reasons(group(sub, [1, 4], flipped))).toEqual(['bad-signature', 'bad-signature']);
    const lone = proofOf(vs[0]!);
    expect(await reasons([{ ...vs[0]!, proof: { ...lone, count: 5 } }])).toEqual(['bad-signature']);
    expect(await reasons([{ ...vs[0]!, proof: { ...lone, index: 1 } }])).toEqual(['bad-signature']);
    // Signed by mallory in alice's and in our own name.
    const forge = async (author: NodeId): Promise<Version[]> => {
      const mine = batchOf(mallory, 2).map((v) => ({ ...v, ts: { ...v.ts, node: author } }));
      const levels = buildTree(mine.map((v) => versionLeafHash(v, LEAF_FORM_BINARY)));
      const sig = await signerOf(mallory).sign(batchRootSigningBytes(author, 2, levels[1]![0]!, LEAF_FORM_BINARY));
      return mine.map((v, i) => ({
        ...v,
        proof: {
          kind: 'path',
          form: LEAF_FORM_BINARY,
          sig,
          count: 2,
          index: i,
          path: [levels[0]![1 - i]!],
        } satisfies LeafProof,
      }));
    };
    expect(await reasons(await forge(alice.nodeId), mallory.nodeId)).toEqual(['forged-author', 'forged-author']);
    expect(await reasons(await forge(alice.nodeId), bob.nodeId)).toEqual(['bad-signature', 'bad-signature']);
    expect(await reasons(await forge(bob.nodeId), mallory.nodeId)).toEqual(['self-author', 'self-author']);
    const stranger2 = await signedBatch(signerOf(stranger), stranger.nodeId, batchOf(stranger, 2));
    expect(await reasons(wire(stranger2))).toEqual(['unknown-author', 'unknown-author']);
  });

  it('refuses the equivocating versions of a good batch, and gives them their own path all the same', async () => {
    const { verifier } = await receiver();
    const first = await sign(alice, version(alice.nodeId, 'trk-1', { lat: 9, lon: 9 }));
    await verifier.verifyBatch([first]);
    const vs = wire(await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 3))); // trk-1, same clock
    const out = await verifier.verifyBatch(vs);
    expect(out.accepted.map((v) => v.entity)).toEqual(['trk-0', 'trk-2']);
    expect(out.rejected.map((r) => [r.version.entity, r.reason])).toEqual([['trk-1', 'equivocation']]);
    expect(out.rejected[0]!.version.proof?.kind).toBe('path');
  });

  it('counts each refusal and remembers a bounded number of roots', async () => {
    const { verifier } = await receiver();
    await verifier.verifyBatch(wire(await signedBatch(signerOf(alice), alice.nodeId, batchOf(alice, 2))));
    expect(verifier.checked).toBe(1);
  });
});
