/**
 * Frame batches (docs/security.md, "Frame batches"): a node's own versions, picked from many group
 * commits, signed afresh as one batch for a frame. Over the real wire codec and the real verifier
 * with WebCrypto Ed25519: the frame verifies with one check under the author's key, and every
 * tampering is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { frameBatch, frameBatchSaves, type FrameBatch } from '../../../../src/core/signing/frame-batch';
import { decodeStoredProof, type LeafProof } from '../../../../src/core/signing/leaf-proof';
import { storedSignature } from '../../support/stored-signature';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { generateNodeKey, type NodeKey } from '../../../../src/adapters/identity/node-key';
import { signerOf } from '../../../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { KeyRing, VersionVerifier, type RejectReason } from '../../../../src/node/security/version-verifier';

const crypto = webCryptoVerifier();
let alice: NodeKey; // the author and sender
let bob: NodeKey; // the receiver
let mallory: NodeKey; // a peer

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([11, 12, 13].map((n) => generateNodeKey(n)));
});

async function receiver(): Promise<VersionVerifier> {
  const keys = new KeyRing(crypto);
  for (const k of [alice, bob, mallory]) await keys.learn(k.publicKey);
  return new VersionVerifier(bob.nodeId, crypto, keys);
}

function position(author: NodeId, track: number, ms: number): Version {
  return {
    entity: `t${track}` as EntityId,
    kind: 'position' as ComponentKind,
    value: { lat: 50 + ms * 1e-7, lon: 8 + track * 1e-3 } as ComponentValue,
    ts: { ms, c: 0, node: author },
    seen: [],
  };
}

/** `commits` group commits of `size` versions each by `k` (tracks numbered on), each signed once. */
async function commits(k: NodeKey, count: number, size: number, startMs = 1000): Promise<Version[][]> {
  const out: Version[][] = [];
  for (let c = 0; c < count; c++) {
    const vs = Array.from({ length: size }, (_, i) => position(k.nodeId, c * size + i, startMs + c * size + i));
    out.push(await signedBatch(signerOf(k), k.nodeId, vs));
  }
  return out;
}

/** What the link sends: a frame of `versions`, decoded at the receiver and verified there. */
async function sendAndVerify(
  versions: readonly Version[],
  from: NodeId,
  verifier?: VersionVerifier,
): Promise<{ accepted: Version[]; reasons: RejectReason[]; verifier: VersionVerifier }> {
  const v = verifier ?? (await receiver());
  const out = await v.verifyBatch(decodeVersions(encodeVersions(versions)), from);
  return { accepted: out.accepted, reasons: out.rejected.map((r) => r.reason), verifier: v };
}

async function signedFrame(k: NodeKey, batch: FrameBatch): Promise<Version[]> {
  return batch.signed(await signerOf(k).sign(batch.signingBytes));
}

describe('frame batches', () => {
  it('a sparse pick of own versions from many commits, signed as one batch: smaller, verified with one check', async () => {
    const stored = (await commits(alice, 20, 10)).flatMap((c) => c.filter((_, i) => i % 3 === 0));
    expect(frameBatchSaves(stored)).toBe(true);
    const resigned = await signedFrame(alice, frameBatch(alice.nodeId, stored));
    const asStored = encodeVersions(stored).length;
    const asFrame = encodeVersions(resigned).length;
    // 20 signatures and their multiproofs against one signature and no proof hash.
    expect(asFrame).toBeLessThan(asStored / 4);

    const { accepted, reasons, verifier } = await sendAndVerify(resigned, alice.nodeId);
    expect(reasons).toEqual([]);
    expect(accepted.map((v) => v.entity)).toEqual(stored.map((v) => v.entity));
    expect(verifier.checked).toBe(1);
    // Each version is kept with its own proof in the frame batch, signed by alice, and stores as such.
    const sig = (resigned[0]!.proof as LeafProof).sig;
    accepted.forEach((v, i) => {
      const p = v.proof as LeafProof;
      expect(p.kind).toBe('path');
      expect(p).toMatchObject({ count: stored.length, index: i });
      expect(p.sig).toEqual(sig);
      expect(decodeStoredProof(storedSignature(v)!)).toEqual(p);
    });
    // The store's objects keep the proofs of their group commits.
    expect(stored.every((v) => (v.proof as LeafProof).count === 10)).toBe(true);
  });

  it('a copy under its frame batch and one under its group commit are both the author’s: either verifies', async () => {
    const stored = (await commits(alice, 4, 4)).flatMap((c) => c.slice(0, 2));
    const resigned = await signedFrame(alice, frameBatch(alice.nodeId, stored));
    const verifier = await receiver();
    expect((await sendAndVerify(stored, mallory.nodeId, verifier)).reasons).toEqual([]);
    // The same versions under another proof: re-checked (another root), accepted, no equivocation.
    const again = await sendAndVerify(resigned, mallory.nodeId, verifier);
    expect(again.reasons).toEqual([]);
    expect(again.accepted).toHaveLength(stored.length);
    expect(verifier.rejectedByReason.equivocation).toBe(0);
  });

  it('is signed only when it saves bytes: one whole commit, or one version alone, goes as stored', async () => {
    const [whole, other] = await commits(alice, 2, 5);
    expect(frameBatchSaves(whole!)).toBe(false);
    expect(
      frameBatchSaves(
        whole!.slice(0, 1).map((v) => ({ ...v, proof: { ...(v.proof as LeafProof), count: 1, index: 0, path: [] } })),
      ),
    ).toBe(false);
    expect(frameBatchSaves(whole!.slice(0, 4))).toBe(true); // a part: multiproof hashes
    expect(frameBatchSaves(whole!.slice(2, 3))).toBe(true); // one of five: its path
    expect(frameBatchSaves([...whole!, ...other!])).toBe(true); // two signatures
    expect(frameBatchSaves([])).toBe(false);
  });

  it('refuses to build over a version of another author, or over one version twice', async () => {
    const [mine] = await commits(alice, 1, 3);
    const [theirs] = await commits(mallory, 1, 1, 5000);
    expect(() => frameBatch(alice.nodeId, [...mine!, theirs![0]!])).toThrow(/holds a version by/);
    expect(() => frameBatch(alice.nodeId, [mine![0]!, { ...mine![0]! }])).toThrow(/twice/);
    expect(() => frameBatch(alice.nodeId, [])).toThrow();
  });

  it('refuses a frame batch with two leaves swapped', async () => {
    const stored = (await commits(alice, 5, 4)).flatMap((c) => c.slice(1, 3));
    const resigned = await signedFrame(alice, frameBatch(alice.nodeId, stored));
    // Leaves 2 and 3 trade places in the frame (their indices swapped): the root is not the signed one.
    const swapped = resigned.map((v, i) => {
      const p = v.proof as LeafProof;
      const index = i === 2 ? 3 : i === 3 ? 2 : p.index;
      return { ...v, proof: { ...p, index } };
    });
    const { accepted, reasons } = await sendAndVerify(swapped, alice.nodeId);
    expect(accepted).toEqual([]);
    expect(reasons).toEqual(Array(stored.length).fill('bad-signature'));
    // A value altered in transit: the same.
    const altered = resigned.map((v, i) => (i === 4 ? { ...v, value: { lat: 1, lon: 1 } as ComponentValue } : v));
    expect((await sendAndVerify(altered, alice.nodeId)).reasons).toEqual(Array(stored.length).fill('bad-signature'));
  });

  it('refuses a version of another author slipped into the batch, under either name', async () => {
    const stored = (await commits(alice, 3, 3)).flatMap((c) => c.slice(0, 2));
    const batch = frameBatch(alice.nodeId, stored);
    const resigned = await signedFrame(alice, batch);
    const p = resigned[0]!.proof as LeafProof;
    // Mallory's own version, claimed to be leaf 6 of 7 under alice's frame signature.
    const hers: Version = { ...position(mallory.nodeId, 99, 9000), proof: { ...p, count: 7, index: 6 } };
    const grown = resigned.map((v) => ({ ...v, proof: { ...(v.proof as LeafProof), count: 7 } }));
    // One table entry cannot hold two authors: the encoder refuses to write it.
    expect(() => encodeVersions([...grown, hers])).toThrow(/two batches/);
    // Sent alone with the signature: it verifies under mallory's key or nobody's.
    const lone = (await receiver()).verifyBatch(
      [{ ...hers, proof: { ...p, count: 1, index: 0, path: [] } }],
      mallory.nodeId,
    );
    expect((await lone).rejected.map((r) => r.reason)).toEqual(['bad-signature']);
    // The same version relabelled as alice's, in place of leaf 5: the leaf is not the one signed.
    const relabelled = resigned.map((v, i) => (i === 5 ? { ...position(alice.nodeId, 99, 9000), proof: v.proof } : v));
    expect((await sendAndVerify(relabelled, mallory.nodeId)).reasons).toEqual(Array(6).fill('bad-signature'));
  });

  it('refuses a frame batch signed by anyone but the author (a peer re-signing what it relays)', async () => {
    const stored = (await commits(alice, 4, 2)).flatMap((c) => c.slice(0, 1));
    // Mallory builds the batch over alice's versions and signs it with her own key.
    const batch = frameBatch(alice.nodeId, stored);
    const forged = batch.signed(await signerOf(mallory).sign(batch.signingBytes));
    expect((await sendAndVerify(forged, mallory.nodeId)).reasons).toEqual(Array(4).fill('forged-author'));
    expect((await sendAndVerify(forged, bob.nodeId)).reasons).toEqual(Array(4).fill('bad-signature'));
  });

  it('refuses a signature replayed over another set of the author’s versions', async () => {
    const all = (await commits(alice, 4, 4)).flat();
    const first = await signedFrame(
      alice,
      frameBatch(
        alice.nodeId,
        all.filter((_, i) => i % 2 === 0),
      ),
    );
    const secondSet = all.filter((_, i) => i % 2 === 1);
    const sig = (first[0]!.proof as LeafProof).sig;
    // The same count, the same author, other leaves: the signature is over another root.
    const replayed = frameBatch(alice.nodeId, secondSet).signed(sig);
    expect((await sendAndVerify(replayed, mallory.nodeId)).reasons).toEqual(Array(8).fill('bad-signature'));
    // A part of the signed set passed off as the whole (its count lowered): another tree.
    const part = frameBatch(alice.nodeId, all.filter((_, i) => i % 2 === 0).slice(0, 7)).signed(sig);
    expect((await sendAndVerify(part, mallory.nodeId)).reasons).toEqual(Array(7).fill('bad-signature'));
    // Once verified, the first frame's versions forwarded as a part of it, with their multiproof: fine.
    const { accepted } = await sendAndVerify(first, alice.nodeId);
    const forwarded = await sendAndVerify(accepted.slice(2, 5), bob.nodeId);
    expect(forwarded.reasons).toEqual([]);
    expect(forwarded.accepted).toHaveLength(3);
  });

  it('the same version re-signed in two frames is no equivocation; another value at its timestamp is', async () => {
    const stored = (await commits(alice, 6, 3)).flatMap((c) => c.slice(0, 2));
    const verifier = await receiver();
    // Two frames of the same author, overlapping in versions 4..7 (a track resent on a later frame).
    const one = await signedFrame(alice, frameBatch(alice.nodeId, stored.slice(0, 8)));
    const two = await signedFrame(alice, frameBatch(alice.nodeId, stored.slice(4)));
    expect((one[4]!.proof as LeafProof).sig).not.toEqual((two[0]!.proof as LeafProof).sig);
    expect((await sendAndVerify(one, mallory.nodeId, verifier)).reasons).toEqual([]);
    const again = await sendAndVerify(two, mallory.nodeId, verifier);
    expect(again.reasons).toEqual([]);
    expect(again.accepted).toHaveLength(8);
    expect(verifier.rejectedByReason.equivocation).toBe(0);
    // Alice (a broken or hostile author) signs another value at the very timestamp of version 5:
    // her signature verifies, so it is an equivocation, whichever frame carries it.
    const other = { ...stored[5]!, value: { lat: 1, lon: 2 } as ComponentValue };
    const forked = await signedFrame(alice, frameBatch(alice.nodeId, [stored[9]!, other]));
    const out = await sendAndVerify(forked, mallory.nodeId, verifier);
    expect(out.reasons).toEqual(['equivocation']);
    expect(verifier.rejectedByReason.equivocation).toBe(1);
    // And the other way round: the fork first, then the honest value re-signed in a new frame.
    const fresh = await receiver();
    expect((await sendAndVerify(forked, mallory.nodeId, fresh)).reasons).toEqual([]);
    const honest = await signedFrame(alice, frameBatch(alice.nodeId, [stored[5]!, stored[10]!]));
    expect((await sendAndVerify(honest, mallory.nodeId, fresh)).reasons).toEqual(['equivocation']);
  });

  it('binds every field the receiver takes: author, entity, kind, clock, context, value, order, count', async () => {
    const stored = (await commits(alice, 4, 3)).flatMap((c) => c.slice(0, 2));
    const resigned = await signedFrame(alice, frameBatch(alice.nodeId, stored));
    expect((await sendAndVerify(resigned, alice.nodeId)).reasons).toEqual([]);
    const tampered: [string, (v: Version) => Version][] = [
      ['entity', (v) => ({ ...v, entity: 'other' as EntityId })],
      ['kind', (v) => ({ ...v, kind: 'velocity' as ComponentKind, value: { east: 1, north: 0 } as ComponentValue })],
      ['ms', (v) => ({ ...v, ts: { ...v.ts, ms: v.ts.ms + 1 } })],
      ['counter', (v) => ({ ...v, ts: { ...v.ts, c: 1 } })],
      ['context', (v) => ({ ...v, seen: [{ ms: 1, c: 0, node: mallory.nodeId }] })],
      ['value', (v) => ({ ...v, value: { lat: 50, lon: 9 } as ComponentValue })],
    ];
    for (const [what, change] of tampered) {
      const frame = resigned.map((v, i) => (i === 3 ? change(v) : v));
      const { accepted, reasons } = await sendAndVerify(frame, alice.nodeId);
      expect(accepted, what).toEqual([]);
      expect(reasons, what).toEqual(Array(stored.length).fill('bad-signature'));
    }
    // The order of the frame is the order of the leaves: two versions traded in the frame.
    const reordered = [resigned[1]!, resigned[0]!, ...resigned.slice(2)].map((v, i) => ({
      ...v,
      proof: { ...(v.proof as LeafProof), index: i },
    }));
    expect((await sendAndVerify(reordered, alice.nodeId)).reasons).toEqual(Array(stored.length).fill('bad-signature'));
    // A version dropped from the frame, the count lowered to pass it off as whole: another tree.
    const shorter = resigned
      .slice(1)
      .map((v, i) => ({ ...v, proof: { ...(v.proof as LeafProof), count: 7, index: i } }));
    expect((await sendAndVerify(shorter, alice.nodeId)).reasons).toEqual(Array(7).fill('bad-signature'));
    // The author relabelled (alice's frame claimed as mallory's, under alice's signature): the
    // author is signed with the root.
    const relabelled = resigned.map((v) => ({ ...v, ts: { ...v.ts, node: mallory.nodeId } }));
    expect((await sendAndVerify(relabelled, mallory.nodeId)).reasons).toEqual(
      Array(stored.length).fill('bad-signature'),
    );
  });

  it('bounds what a frame makes the receiver compute: one check per batch, none for a root it verified', async () => {
    const stored = (await commits(alice, 30, 5)).flatMap((c) => c.slice(0, 5));
    const resigned = await signedFrame(alice, frameBatch(alice.nodeId, stored));
    const verifier = await receiver();
    // 150 versions, one batch-table entry: one Ed25519 check (as stored, 30 commits: 30 checks).
    expect((await sendAndVerify(resigned, alice.nodeId, verifier)).reasons).toEqual([]);
    expect(verifier.checked).toBe(1);
    // The same frame replayed: its root is remembered, no check; its versions are duplicates.
    expect((await sendAndVerify(resigned, alice.nodeId, verifier)).reasons).toEqual([]);
    expect(verifier.checked).toBe(1);
    const asStored = await receiver();
    expect((await sendAndVerify(stored, alice.nodeId, asStored)).reasons).toEqual([]);
    expect(asStored.checked).toBe(30);
    // A hostile frame claiming one leaf of a batch of 65,536 under alice's frame signature: the
    // decoder reads exactly the 16 proof hashes the shape calls for, the receiver walks them and
    // makes one check, and refuses.
    const sig = (resigned[0]!.proof as LeafProof).sig;
    const claimed: Version = {
      ...stored[0]!,
      proof: {
        kind: 'path',
        form: 2,
        sig,
        count: 65_536,
        index: 40_000,
        path: Array.from({ length: 16 }, () => new Uint8Array(32).fill(7)),
      },
    };
    const wide = await receiver();
    const out = await sendAndVerify([claimed], mallory.nodeId, wide);
    expect(out.reasons).toEqual(['bad-signature']);
    expect(wide.checked).toBeLessThanOrEqual(2); // under alice's key, then under the sender's
  });
});
