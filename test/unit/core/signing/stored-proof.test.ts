/**
 * The proof a version carries after it was signed here or verified on arrival (a whole batch or a
 * multiproof subset) is what storage keeps: written straight into a commit's segment
 * (writeStoredProof), its bytes are encodeStoredProof's, and they decode back to the same proof.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  decodeStoredProof,
  encodeStoredProof,
  storedProofLength,
  writeStoredProof,
  type LeafProof,
} from '../../../../src/core/signing/leaf-proof';
import { storedSignature } from '../../support/stored-signature';
import { decodeVersions, encodeVersions } from '../../../../src/core/wire';
import { generateNodeKey, type NodeKey } from '../../../../src/adapters/identity/node-key';
import { signerOf } from '../../../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { KeyRing, VersionVerifier } from '../../../../src/node/security/version-verifier';

const crypto = webCryptoVerifier();
let alice: NodeKey;
let bob: NodeKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([21, 22].map((n) => generateNodeKey(n)));
});

function position(author: NodeId, track: number): Version {
  return {
    entity: `t${track}` as EntityId,
    kind: 'position' as ComponentKind,
    value: { lat: 50 + track * 1e-4, lon: 8 } as ComponentValue,
    ts: { ms: 1000 + track, c: 0, node: author },
    seen: [],
  };
}

async function receiver(): Promise<VersionVerifier> {
  const keys = new KeyRing(crypto);
  for (const k of [alice, bob]) await keys.learn(k.publicKey);
  return new VersionVerifier(bob.nodeId, crypto, keys);
}

/** The bytes storage writes for the proof are encodeStoredProof's and decode back to the proof. */
function expectStoredOnce(v: Version): void {
  const p = v.proof as LeafProof;
  expect(p.kind).toBe('path');
  const stored = storedSignature(v)!;
  const written = new Uint8Array(storedProofLength(p) + 3);
  expect(writeStoredProof(p, written, 3)).toBe(written.length);
  expect(written.subarray(3)).toEqual(stored);
  expect(stored).toEqual(encodeStoredProof(p));
  expect(decodeStoredProof(stored)).toEqual(p);
}

describe('stored proofs', () => {
  it('a batch signed here: each version stores the bytes made when it was signed', async () => {
    const signed = await signedBatch(
      signerOf(alice),
      alice.nodeId,
      Array.from({ length: 13 }, (_, i) => position(alice.nodeId, i)),
    );
    signed.forEach(expectStoredOnce);
  });

  it('a whole batch verified on arrival: each accepted version stores the bytes made at verification', async () => {
    const signed = await signedBatch(
      signerOf(alice),
      alice.nodeId,
      Array.from({ length: 13 }, (_, i) => position(alice.nodeId, i)),
    );
    const out = await (await receiver()).verifyBatch(decodeVersions(encodeVersions(signed)), alice.nodeId);
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toHaveLength(13);
    out.accepted.forEach(expectStoredOnce);
    // The same proofs as the author's own.
    out.accepted.forEach((v, i) => expect(v.proof).toEqual(signed[i]!.proof));
  });

  it('a subset of a batch under a multiproof: each accepted version stores the bytes made at verification', async () => {
    const signed = await signedBatch(
      signerOf(alice),
      alice.nodeId,
      Array.from({ length: 13 }, (_, i) => position(alice.nodeId, i)),
    );
    const some = signed.filter((_, i) => i % 3 === 1);
    const out = await (await receiver()).verifyBatch(decodeVersions(encodeVersions(some)), alice.nodeId);
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toHaveLength(some.length);
    out.accepted.forEach(expectStoredOnce);
    out.accepted.forEach((v, i) => expect(v.proof).toEqual(some[i]!.proof));
  });
});
