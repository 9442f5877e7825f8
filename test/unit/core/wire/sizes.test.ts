import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { pathBytes, splitPath } from '../../../../src/core/signing/merkle';
import { encodeVersions } from '../../../../src/core/wire';

/** The layout's byte counts for the scenario-2 shapes (docs/performance.md row 2); the bench measures the rest. */
const NODE = 'x'.repeat(43) as NodeId; // a base64url Ed25519 public key is 43 characters
const update = (i: number, sig?: Uint8Array): Version[] => {
  const ts = { ms: 1_700_000_000_000 + i * 3, c: 0, node: NODE };
  const entity = `radar-1:track-${String(i).padStart(4, '0')}` as EntityId;
  const a = i * 0.7;
  const common = { entity, ts, seen: [], ...(sig ? { sig } : {}) };
  return [
    {
      ...common,
      kind: 'position' as ComponentKind,
      value: { lat: 52.1 + 0.05 * Math.sin(a), lon: 4.3 + 0.05 * Math.cos(a), alt: 120 },
    },
    { ...common, kind: 'velocity' as ComponentKind, value: { east: 12.3 * Math.cos(a), north: -7.5 * Math.sin(a) } },
  ];
};

describe('wire sizes', () => {
  it('a moving track update (entity id, clock, position, velocity) takes ≤ 24 bytes in a packed batch', () => {
    const vs = Array.from({ length: 1000 }, (_, i) => update(i)).flat();
    expect(encodeVersions(vs).length / 1000).toBeLessThanOrEqual(24);
  });

  it('a whole signed batch adds its table entry once: author, count, 64-byte signature, members', () => {
    const vs = Array.from({ length: 1000 }, (_, i) => update(i)).flat();
    const sig = new Uint8Array(64).fill(9);
    const signed = vs.map((v, index): Version => ({
      ...v,
      proof: {
        kind: 'path',
        form: 2,
        sig,
        count: vs.length,
        index,
        path: splitPath(new Uint8Array(pathBytes(vs.length, index))),
      },
    }));
    // 1 (author's node index) + 1 (leaf form) + 2 (count 2000) + 64 + 2 (2000 members); the entry count was
    // already there.
    expect(encodeVersions(signed).length - encodeVersions(vs).length).toBe(70);
    expect(encodeVersions(signed).length / 1000).toBeLessThanOrEqual(24 + 0.07);
  });

  it('a subset of a batch adds its leaf indices and 32 bytes per multiproof hash', () => {
    const vs = Array.from({ length: 8 }, (_, i) => update(i)).flat();
    const sig = new Uint8Array(64).fill(9);
    const signed = vs.map((v, index): Version => ({
      ...v,
      proof: {
        kind: 'path',
        form: 2,
        sig,
        count: 32,
        index,
        path: splitPath(new Uint8Array(pathBytes(32, index)).fill(index)),
      },
    }));
    // Leaves 0..15 of 32: author, leaf form, count, signature, members, 16 one-byte index gaps, and
    // one hash (the right half's root) proves them.
    expect(encodeVersions(signed).length - encodeVersions(vs).length).toBe(1 + 1 + 1 + 64 + 1 + 16 + 32);
  });

  it('a version stored before batch signing carries its own 64-byte signature', () => {
    const sig = new Uint8Array(64);
    const plain = encodeVersions(update(1));
    const signed = encodeVersions(update(1, sig));
    // Each version: 64 bytes and an extras byte.
    expect(signed.length - plain.length).toBe(130);
  });
});
