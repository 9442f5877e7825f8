import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
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

  it('a signature adds exactly 64 bytes per version in an all-signed batch', () => {
    const sig = new Uint8Array(64);
    const plain = encodeVersions(update(1));
    const signed = encodeVersions(update(1, sig));
    expect(signed.length - plain.length).toBe(128);
  });
});
