/**
 * The canonical signing encoding of a version: deterministic (equal versions, however built,
 * encode to equal bytes) and injective on every signed field (any change changes the bytes).
 * fast-check; replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  VERSION_SIGNING_DOMAIN,
  versionSigningBytes,
  versionSigningText,
} from '../../../../src/core/signing/version-signing';
import { reordered } from '../../support/reordered';
import { seededParams, timestampOf } from '../../support/test-keys';

const params = seededParams('version-signing', 300);

const nodeId = fc.stringMatching(/^[0-9a-f]{32}$/).map((s) => s as NodeId);
const ts = timestampOf(nodeId, 0xffff);
const value = fc.jsonValue({ maxDepth: 3 }).map((x) => x as unknown as ComponentValue);
const version: fc.Arbitrary<Version> = fc.record({
  entity: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/).map((s) => s as EntityId),
  kind: fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,10}$/).map((s) => s as ComponentKind),
  value,
  ts,
  seen: fc.uniqueArray(ts, { maxLength: 4, selector: (t) => t.node }),
});

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

describe('versionSigningBytes', () => {
  it('starts with the domain and names entity, kind, clock and author', () => {
    const v: Version = {
      entity: 'trk-1' as EntityId,
      kind: 'position' as ComponentKind,
      value: { lat: 1, lon: 2 } as unknown as ComponentValue,
      ts: { ms: 5, c: 2, node: 'ab' as NodeId },
      seen: [{ ms: 4, c: 0, node: 'cd' as NodeId }],
    };
    expect(versionSigningText(v)).toBe(`${VERSION_SIGNING_DOMAIN}\ntrk-1\nposition\n5.2.ab\n{"lat":1,"lon":2}|4.0.cd`);
  });

  it('encodes equal versions to equal bytes, whatever the key order, context order or signature', () => {
    fc.assert(
      fc.property(version, fc.uint8Array({ minLength: 64, maxLength: 64 }), (v, sig) => {
        const copy: Version = {
          ...v,
          value: reordered(v.value) as ComponentValue,
          seen: [...v.seen].reverse().map((s) => ({ ...s })),
          ts: { ...v.ts },
          sig,
        };
        expect(eq(versionSigningBytes(v), versionSigningBytes(copy))).toBe(true);
      }),
      params('equal'),
    );
  });

  it('changes the bytes when any signed field changes', () => {
    const field = fc.constantFrom('entity', 'kind', 'value', 'ms', 'c', 'author', 'seen');
    fc.assert(
      fc.property(version, version, field, (v, w, f) => {
        let changed: Version;
        switch (f) {
          case 'entity':
            changed = { ...v, entity: `${v.entity}x` as EntityId };
            break;
          case 'kind':
            changed = { ...v, kind: `${v.kind}x` as ComponentKind };
            break;
          case 'value':
            changed = { ...v, value: { was: v.value } as unknown as ComponentValue };
            break;
          case 'ms':
            changed = { ...v, ts: { ...v.ts, ms: v.ts.ms + 1 } };
            break;
          case 'c':
            changed = { ...v, ts: { ...v.ts, c: v.ts.c ^ 1 } };
            break;
          case 'author':
            changed = {
              ...v,
              ts: { ...v.ts, node: (v.ts.node === w.ts.node ? `${w.ts.node}0` : w.ts.node) as NodeId },
            };
            break;
          case 'seen':
            changed = { ...v, seen: [...v.seen, { ms: w.ts.ms, c: w.ts.c, node: `z${w.ts.node}` as NodeId }] };
        }
        expect(eq(versionSigningBytes(v), versionSigningBytes(changed))).toBe(false);
      }),
      params('changed'),
    );
  });

  it('tells apart versions that differ only in how fields would split', () => {
    const base = { value: 1 as unknown as ComponentValue, ts: { ms: 1, c: 0, node: 'ab' as NodeId }, seen: [] };
    const a = versionSigningText({ ...base, entity: 'a.b' as EntityId, kind: 'c' as ComponentKind });
    const b = versionSigningText({ ...base, entity: 'a' as EntityId, kind: 'bc' as ComponentKind });
    expect(a).not.toBe(b);
  });
});
