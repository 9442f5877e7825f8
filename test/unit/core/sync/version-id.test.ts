/**
 * versionId writes the content's canonical text straight into its buffer: the bytes hashed must be
 * those of the layout over UTF-8(canonicalContent(v)) exactly, or replicas of two builds would never
 * look synced (version-id.ts).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import { canonicalContent } from '../../../../src/core/merge/version-content';
import type { Version } from '../../../../src/core/merge/version';
import {
  idKey,
  noteVersionKey,
  preparedId,
  preparedKey,
  prepareVersionIds,
  versionId,
  versionIdKey,
  writeIdOfKey,
} from '../../../../src/core/sync/version-id';

/** UTF-8 as version-id.ts writes it: a lone surrogate as its three-byte form (not U+FFFD). */
function utf8(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
        continue;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

/** The documented layout, built from the canonical text. */
function reference(v: Version): Uint8Array {
  const hi = Math.floor(v.ts.ms / 0x1_0000_0000);
  const lo = v.ts.ms >>> 0;
  const bytes = [
    ...utf8(v.entity),
    0,
    ...utf8(v.kind),
    0,
    (hi >>> 8) & 0xff,
    hi & 0xff,
    lo >>> 24,
    (lo >>> 16) & 0xff,
    (lo >>> 8) & 0xff,
    lo & 0xff,
    (v.ts.c >>> 8) & 0xff,
    v.ts.c & 0xff,
    ...utf8(v.ts.node),
    0,
    ...utf8(canonicalContent(v)),
  ];
  return new Uint8Array(createHash('sha256').update(Uint8Array.from(bytes)).digest().subarray(0, 16));
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const leaf = fc.oneof(
  text,
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 0.1 + 0.2, 1e21, 5e-324, 123456789.123),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('sparse'), tie('obj')),
  arr: fc.array(tie('any'), { maxLength: 4 }),
  sparse: fc.sparseArray(tie('any'), { maxLength: 5 }),
  obj: fc.dictionary(text, tie('any'), { maxKeys: 5 }),
})).any;
const ts = fc.record({ ms: fc.integer({ min: 0, max: 2 ** 47 }), c: fc.nat(65_535), node: text });

describe('versionId', () => {
  it('hashes the documented layout over UTF-8(canonicalContent) for any content (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('version-id seed', seed);
    fc.assert(
      fc.property(text, text, ts, value, fc.array(ts, { maxLength: 4 }), (entity, kind, t, v, seen) => {
        const version = {
          entity: entity as EntityId,
          kind: kind as ComponentKind,
          ts: { ...t, node: t.node as NodeId },
          value: v as ComponentValue,
          seen: seen.map((s) => ({ ...s, node: s.node as NodeId })),
        } satisfies Version;
        expect(versionId(version)).toEqual(reference(version));
      }),
      { seed, numRuns: 2_000 },
    );
  });

  it('takes contents far larger than its first buffer', () => {
    const big = {
      entity: 'e' as EntityId,
      kind: 'annotation' as ComponentKind,
      ts: { ms: 1, c: 0, node: 'n' as NodeId },
      value: {
        text: 'ü'.repeat(5_000),
        list: Array.from({ length: 300 }, (_, i) => i / 7),
      } as unknown as ComponentValue,
      seen: [],
    } satisfies Version;
    expect(versionId(big)).toEqual(reference(big));
  });

  it('versionIdKey is the key of versionId, what prepareVersionIds keeps and writeIdOfKey writes back (property)', () => {
    const seed = Number(process.env.SEED ?? Date.now());
    console.log('version-id key seed', seed);
    fc.assert(
      fc.property(text, text, ts, value, fc.nat(4), (entity, kind, t, v, off) => {
        const version = {
          entity: entity as EntityId,
          kind: kind as ComponentKind,
          ts: { ...t, node: t.node as NodeId },
          value: v as ComponentValue,
          seen: [],
        } satisfies Version;
        const id = versionId(version);
        const key = versionIdKey(version);
        expect(key).toBe(idKey(id));
        const out = new Uint8Array(16 + off);
        writeIdOfKey(key, out, off);
        expect(out.subarray(off)).toEqual(id);
        prepareVersionIds([version]);
        expect(preparedKey(version)).toBe(key);
        expect(preparedId(version, true)).toEqual(id);
        expect(preparedKey(version)).toBeUndefined();
        noteVersionKey(version, key);
        expect(preparedKey(version, true)).toBe(key);
      }),
      { seed, numRuns: 500 },
    );
  });
});
