/**
 * The binary leaf form (docs/security.md, "Leaf forms"): deterministic (equal versions, however
 * built, give equal bytes), and two versions of one author share a form exactly when they share
 * a signing text (the JSON the text form hashes), so the binary form tells apart every content
 * the text form did and nothing more. The reused SHA-256 state hashes as @noble/hashes' sha256.
 * fast-check; replay a failure with SEED=<printed seed>.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  LEAF_FORM_BINARY,
  LEAF_FORM_TEXT,
  versionLeafBytes,
  versionLeafHash,
} from '../../../../src/core/signing/leaf-form';
import { leafHash } from '../../../../src/core/signing/merkle';
import { sha256Parts } from '../../../../src/core/signing/sha256';
import { versionSigningBytes, versionSigningText } from '../../../../src/core/signing/version-signing';
import { reordered } from '../../support/reordered';
import { seededParams, timestampOf } from '../../support/test-keys';

const params = seededParams('leaf-form', 300);

const AUTHOR = 'ab'.repeat(16) as NodeId;
const nodeId = fc.stringMatching(/^[0-9a-f]{2}$/).map((s) => s.repeat(16) as NodeId);
const ts = timestampOf(nodeId, 3);
// Small alphabets so that equal contents come up often, and numbers such as -0, 0.1 + 0.2, 1e21.
const scalar = fc.oneof(
  fc.constantFrom(0, -0, 1, 0.30000000000000004, 1e21, -2.5, 'a', 'é', '', true, false, null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const value = fc
  .oneof(
    scalar,
    fc.dictionary(fc.constantFrom('a', 'b', 'lat', 'é'), fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), {
      maxKeys: 3,
    }),
    fc.array(scalar, { maxLength: 3 }),
  )
  .map((x) => x as unknown as ComponentValue);
const version: fc.Arbitrary<Version> = fc.record({
  entity: fc.constantFrom('t1', 't2', 'é1') as fc.Arbitrary<EntityId>,
  kind: fc.constantFrom('position', 'radio') as fc.Arbitrary<ComponentKind>,
  value,
  ts: fc.record({ ms: fc.integer({ min: 0, max: 3 }), c: fc.integer({ min: 0, max: 2 }), node: fc.constant(AUTHOR) }),
  seen: fc.uniqueArray(ts, { maxLength: 3, selector: (t) => t.node }),
});

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const binary = (v: Version): string => hex(versionLeafBytes(v, LEAF_FORM_BINARY));

describe('the binary leaf form', () => {
  it('is the same for equal versions, whatever the key order, context order or signature', () => {
    fc.assert(
      fc.property(version, fc.uint8Array({ minLength: 64, maxLength: 64 }), (v, sig) => {
        const copy: Version = {
          ...v,
          value: reordered(v.value) as ComponentValue,
          seen: [...v.seen].reverse().map((s) => ({ ...s })),
          sig,
        };
        expect(binary(copy)).toBe(binary(v));
      }),
      params('equal'),
    );
  });

  it('is shared by two versions of one author exactly when their signing texts are equal', () => {
    fc.assert(
      fc.property(version, version, (v, w) => {
        expect(binary(v) === binary(w)).toBe(versionSigningText(v) === versionSigningText(w));
      }),
      params('as-text'),
    );
  });

  it('writes -0 as 0 and a value the JSON text would not tell apart alike', () => {
    const v = (value: unknown): Version => ({
      entity: 't' as EntityId,
      kind: 'radio' as ComponentKind,
      value: value as ComponentValue,
      ts: { ms: 1, c: 0, node: AUTHOR },
      seen: [],
    });
    expect(binary(v({ east: -0 }))).toBe(binary(v({ east: 0 })));
    expect(binary(v({ a: 1, b: undefined }))).toBe(binary(v({ a: 1 })));
    expect(binary(v({ a: [undefined] }))).toBe(binary(v({ a: [null] })));
    expect(binary(v({ a: '1' }))).not.toBe(binary(v({ a: 1 })));
    expect(binary(v({ a: [1, 2] }))).not.toBe(binary(v({ a: [[1], 2] })));
  });

  it('is written in the same bytes as before (a fixed version, with multi-byte varints)', () => {
    const v = {
      entity: 'trk-1',
      kind: 'position',
      value: { lat: 1.5, lon: -2.25, alt: 300 },
      ts: { ms: 1_700_000_000_123, c: 300, node: AUTHOR },
      seen: [{ ms: 1_699_999_999_000, c: 0, node: 'cd'.repeat(16) }],
    } as unknown as Version;
    expect(binary(v)).toBe(
      '020574726b2d3108706f736974696f6efbd095ffbc31ac020198c895ffbc3100206364636463646364636463646364636463646364636463646364636463646364' +
        '060303616c74030000000000c07240036c617403000000000000f83f036c6f6e0300000000000002c0',
    );
  });

  it("writes an object's members in the default sort's key order, for any keys (up to 24, digits and astral included)", () => {
    const key = fc.string({
      unit: fc.constantFrom('a', 'B', 'z', '1', '10', '2', '_', 'é', '\u{1F600}', 'ÿ'),
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 24 }), (keys) => {
        const record: Record<string, null> = {};
        for (const k of keys) record[k] = null;
        const v = {
          entity: 'e',
          kind: 'k',
          value: record,
          ts: { ms: 0, c: 0, node: AUTHOR },
          seen: [],
        } as unknown as Version;
        // The members as the general sort orders them: tag 6, count, then each key (length, UTF-8) and null (tag 0).
        const utf8 = new TextEncoder();
        const members = Object.keys(record)
          .sort()
          .flatMap((k) => [utf8.encode(k).length, ...utf8.encode(k), 0]);
        expect(binary(v).endsWith(hex(Uint8Array.from([6, keys.length, ...members])))).toBe(true);
      }),
      params('key-order'),
    );
  });

  it("counts an object's defined members alike whatever its size (the count written after the members, or before)", () => {
    // Sizes around the one-byte varint's end (127, 128) and past it; every third member undefined, left out.
    for (const size of [0, 1, 127, 128, 130, 200, 300]) {
      const record: Record<string, number | undefined> = {};
      const keys = Array.from({ length: size }, (_, i) => `k${String(i).padStart(3, '0')}`);
      keys.forEach((k, i) => (record[k] = i % 3 === 2 ? undefined : i));
      const defined = keys.filter((k) => record[k] !== undefined);
      const v = { entity: 'e', kind: 'k', value: record, ts: { ms: 0, c: 0, node: AUTHOR }, seen: [] };
      const count = defined.length < 128 ? [defined.length] : [(defined.length & 127) | 128, defined.length >> 7];
      const members = defined.flatMap((k) => {
        const f = new Uint8Array(8);
        new DataView(f.buffer).setFloat64(0, record[k]!, true);
        return [k.length, ...new TextEncoder().encode(k), 3, ...f];
      });
      expect(binary(v as unknown as Version).endsWith(hex(Uint8Array.from([6, ...count, ...members])))).toBe(true);
    }
  });

  it('is a short leaf: a position update takes two SHA-256 blocks, the text form three', () => {
    const p: Version = {
      entity: 'sensor-1.track-0041' as EntityId,
      kind: 'position' as ComponentKind,
      value: { alt: 2992.9, lat: 52.1745143, lon: 4.1246484 } as unknown as ComponentValue,
      ts: { ms: 1_700_000_001_000, c: 0, node: AUTHOR },
      seen: [],
    };
    // 0x00, the leaf, 0x80 and the 8-byte length, in 64-byte blocks.
    const blocks = (n: number): number => Math.ceil((1 + n + 9) / 64);
    expect(versionLeafBytes(p, LEAF_FORM_BINARY).length).toBe(79);
    expect(blocks(versionLeafBytes(p, LEAF_FORM_BINARY).length)).toBe(2);
    expect(blocks(versionSigningBytes(p).length)).toBe(3);
    expect(versionLeafBytes(p, LEAF_FORM_TEXT)).toEqual(versionSigningBytes(p));
    // The hash of each form is the leaf hash of its bytes; the two never coincide.
    expect(versionLeafHash(p, LEAF_FORM_BINARY)).toEqual(leafHash(versionLeafBytes(p, LEAF_FORM_BINARY)));
    expect(versionLeafHash(p, LEAF_FORM_TEXT)).toEqual(sha256(Uint8Array.from([0, ...versionSigningBytes(p)])));
  });
});

describe('the binary leaf form and text UTF-8 cannot carry', () => {
  it('refuses a lone surrogate instead of turning it into U+FFFD (two contents, one leaf)', () => {
    const note = (text: string): Version => ({
      entity: 'n' as EntityId,
      kind: 'zz_note' as ComponentKind,
      value: { text } as unknown as ComponentValue,
      ts: { ms: 1_700_000_001_000, c: 0, node: AUTHOR },
      seen: [],
    });
    expect(() => versionLeafBytes(note('a\ud800'), LEAF_FORM_BINARY)).toThrow(/lone surrogate/);
    expect(() => versionLeafBytes(note('a\ufffd'), LEAF_FORM_BINARY)).not.toThrow();
    expect(() => versionLeafBytes(note('a\ud83d\ude00'), LEAF_FORM_BINARY)).not.toThrow();
  });
});

describe('sha256Parts (one reused state)', () => {
  it('hashes as sha256 of the concatenation, call after call', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 130 }), { minLength: 1, maxLength: 3 }), (parts) => {
        const all = Uint8Array.from(parts.flatMap((p) => [...p]));
        const [a, b, c] = parts;
        expect(hex(sha256Parts(a!, b, c))).toBe(hex(sha256(all)));
      }),
      params('sha256'),
    );
  });
});
