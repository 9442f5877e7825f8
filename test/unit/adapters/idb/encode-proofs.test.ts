import { describe, expect, it } from 'vitest';
import { encodeSegments } from '../../../../src/adapters/idb/encode';
import { MAX_BATCH_LEAVES, pathBytes, splitPath } from '../../../../src/core/signing/merkle';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { encodeStoredProof, type LeafProof } from '../../../../src/core/signing/leaf-proof';
import { storedSignature, signatureFields } from '../../support/stored-signature';

const node = 'n1' as NodeId;
const version = (i: number, extra: Partial<Version>): Version => ({
  entity: `e${i.toString()}` as EntityId,
  kind: 'position' as ComponentKind,
  value: { lat: i, lon: 1 },
  ts: { ms: 1_000 + i, c: 0, node },
  seen: [],
  ...extra,
});
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const proof = (count: number, index: number): LeafProof => ({
  kind: 'path',
  form: 2,
  sig: bytes(64, (index % 250) + 1),
  count,
  index,
  path: splitPath(bytes(pathBytes(count, index), 200 + (index % 50))),
});

describe('encodeSegments: the stored signatures', () => {
  it('keeps each version’s storedSignature bytes, proofs written straight into the segment', () => {
    const versions = [
      version(0, { proof: proof(300, 0) }),
      version(1, {}),
      version(2, { sig: bytes(64, 7) }),
      version(3, { proof: proof(300, 299) }),
      version(4, { proof: proof(1, 0) }),
      version(5, { proof: proof(MAX_BATCH_LEAVES, 130) }),
    ];
    const [seg] = encodeSegments(versions, []);
    let at = 0;
    versions.forEach((v, i) => {
      const want = storedSignature(v);
      if (want === undefined) return expect(seg!.gl[i]).toBe(-1);
      expect(seg!.gl[i]).toBe(want.length);
      const got = seg!.g.subarray(at, at + want.length);
      expect([...got]).toEqual([...want]);
      if (v.proof !== undefined) expect(signatureFields(got)).toEqual({ proof: v.proof });
      at += want.length;
    });
    expect(seg!.g.length).toBe(at);
    expect([...seg!.g.subarray(0, seg!.gl[0])]).toEqual([...encodeStoredProof(versions[0]!.proof as LeafProof)]);
  });

  it('refuses a version still under a frame proof, as storedSignature does', () => {
    const frame = {
      kind: 'frame',
      form: 2,
      sig: bytes(64, 1),
      count: 2,
      index: 0,
      group: { indices: [0], proof: [], members: [] },
    } as const;
    expect(() => encodeSegments([version(0, { proof: frame })], [])).toThrow(/unchecked frame proof/);
  });
});
