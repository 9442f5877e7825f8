/**
 * A database written before the binary leaf form (docs/security.md, "Leaf forms") still loads and
 * verifies: its batches were signed over text leaves (SHA-256 of 0x00 and the version's signing
 * text) under "lattice-mesh batch root v1", and its stored proofs begin with the byte 1. The old
 * batch is rebuilt here from those definitions alone (not from the code under test), stored as
 * IndexedDB segments, replayed, sent over the wire beside a new batch of the same author, and
 * verified at a receiver with one Ed25519 check per batch.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { replaySegments } from '../../../../src/adapters/idb/replay';
import { encodeSegments } from '../../../../src/adapters/idb/segment';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { encodeStoredProof, type LeafProof } from '../../../../src/core/signing/leaf-proof';
import { buildTree, pathOf } from '../../../../src/core/signing/merkle';
import { versionSigningBytes } from '../../../../src/core/signing/version-signing';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { KeyRing, VersionVerifier } from '../../../../src/node/security/version-verifier';
import { testIdentity } from '../../support/test-keys';

const author = testIdentity('old-writer');
const crypto = webCryptoVerifier();

const position = (i: number): Version => ({
  entity: `track-${i}` as EntityId,
  kind: 'position' as ComponentKind,
  value: { lat: 50 + i / 1000, lon: 4.5, alt: i } as unknown as ComponentValue,
  ts: { ms: 1_700_000_000_000 + i, c: 0, node: author.id },
  seen: i % 3 === 0 ? [{ ms: 1_600_000_000_000, c: 1, node: testIdentity('other').id }] : [],
});

/** A batch exactly as nodes signed it before the binary form, and its stored proof bytes. */
async function oldBatch(versions: readonly Version[]): Promise<{ versions: Version[]; stored: Uint8Array[] }> {
  const leaves = versions.map((v) => sha256(Uint8Array.from([0x00, ...versionSigningBytes(v)])));
  const levels = buildTree(leaves);
  const root = levels[levels.length - 1]![0]!;
  const head = new TextEncoder().encode(`lattice-mesh batch root v1\n${author.id}\n${versions.length}\n`);
  const sig = await author.signer.sign(Uint8Array.from([...head, ...root]));
  const stored: Uint8Array[] = [];
  const out = versions.map((v, index) => {
    const path = pathOf(versions.length, index, (l, i) => levels[l]?.[i])!;
    // The old layout: u8 1, varint count, varint index, 64-byte signature, path.
    stored.push(Uint8Array.from([1, versions.length, index, ...sig, ...path.flatMap((h) => [...h])]));
    const proof: LeafProof = { kind: 'path', form: 1, sig, count: versions.length, index, path };
    return { ...v, proof };
  });
  return { versions: out, stored };
}

describe('batches signed before the binary leaf form', () => {
  it('load from an old database and verify at a receiver beside new batches', async () => {
    const old = await oldBatch(Array.from({ length: 40 }, (_, i) => position(i)));
    // The stored proof bytes are what the old code wrote.
    old.versions.forEach((v, k) => expect(encodeStoredProof(v.proof as LeafProof)).toEqual(old.stored[k]));
    const segments = encodeSegments(old.versions, []);
    const loaded = replaySegments(segments).versions;
    expect(loaded).toHaveLength(40);
    for (const v of loaded) expect(v.proof).toMatchObject({ kind: 'path', form: 1 });

    const fresh = await signedBatch(author.signer, author.id, [position(100), position(101)]);
    expect(fresh.map((v) => v.proof?.form)).toEqual([2, 2]);

    const keys = new KeyRing(crypto);
    await keys.learn(author.publicKey);
    const verifier = new VersionVerifier('f'.repeat(32) as NodeId, crypto, keys);
    // The whole old batch, a subset of it (multiproof from the stored paths) and the new batch.
    const whole = await verifier.verifyBatch(decodeVersions(encodeVersions([...loaded, ...fresh])));
    expect(whole.rejected).toEqual([]);
    expect(whole.accepted).toHaveLength(42);
    expect(verifier.checked).toBe(2);
    const other = new VersionVerifier('f'.repeat(32) as NodeId, crypto, keys);
    const some = await other.verifyBatch(decodeVersions(encodeVersions(loaded.filter((_, i) => i % 7 === 0))));
    expect(some.rejected).toEqual([]);
    expect(some.accepted).toHaveLength(6);
    // Verified versions keep their form, so they are stored and served as they were signed.
    for (const v of some.accepted) expect(v.proof).toMatchObject({ kind: 'path', form: 1 });
  });

  it('refuse a tree whose form tag was changed in transit', async () => {
    const old = await oldBatch([position(1), position(2), position(3)]);
    const retagged = old.versions.map((v) => ({ ...v, proof: { ...(v.proof as LeafProof), form: 2 as const } }));
    const keys = new KeyRing(crypto);
    await keys.learn(author.publicKey);
    const verifier = new VersionVerifier('f'.repeat(32) as NodeId, crypto, keys);
    const out = await verifier.verifyBatch(decodeVersions(encodeVersions(retagged)));
    expect(out.accepted).toEqual([]);
    expect(out.rejected.map((r) => r.reason)).toEqual(['bad-signature', 'bad-signature', 'bad-signature']);
  });
});
