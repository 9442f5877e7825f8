/**
 * Many authors writing the same registers without seeing each other (scenario 1 of
 * docs/performance.md: 50 authors, no contexts). EntityState.applyLatestOwn decides an author's next
 * write there without scanning the heads: it must give what the general rules give. Without
 * contexts the heads are each author's latest write, in the kind's order (rules.ts), whatever the
 * delivery order; a write that saw them all then replaces them.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { orderFor } from '../../../../src/core/merge/rules';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore, type StoreSnapshot } from '../../../../src/core/store/entity-store';

const T0 = 1_700_000_000_000;
const E = 'track-1' as EntityId;
const AUTHORS = Array.from({ length: 12 }, (_, i) => `author-${String(i).padStart(2, '0')}` as NodeId);
const KINDS = ['position', 'threat', 'classification', 'expiry', 'speed'] as ComponentKind[];
const LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'];

function valueOf(kind: string, i: number): ComponentValue {
  switch (kind) {
    case 'position':
      return { lat: 52 + i * 1e-4, lon: 4, alt: 100 };
    case 'threat':
      return { level: LEVELS[(i * 7) % 4]! } as ComponentValue;
    case 'classification':
      return {
        label: 'vehicle',
        disposition: 'UNKNOWN',
        environment: 'LAND',
        confidence: (i % 5) / 5,
      } as ComponentValue;
    case 'expiry':
      return { at: T0 + 60_000 + ((i * 13) % 29) };
    default:
      return { v: i } as unknown as ComponentValue;
  }
}

/** Writes by every author to every kind, several each, some in one millisecond (counters). */
function writes(): Version[] {
  const out: Version[] = [];
  let i = 0;
  for (let round = 0; round < 6; round++) {
    for (const [a, node] of AUTHORS.entries()) {
      for (const kind of KINDS) {
        const ms = T0 + round * 10 + (a % 3);
        out.push({ entity: E, kind, value: valueOf(kind, i++), ts: { ms, c: kind.length % 2, node }, seen: [] });
      }
    }
  }
  return out;
}

/** A deterministic shuffle (xorshift). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const stampTs = (t: Timestamp): string => `${t.ms}.${t.c}.${t.node}`;
const stamp = (v: Version): string => stampTs(v.ts);

describe('many authors without contexts', () => {
  const all = writes();

  it("keeps each author's latest write as a head, in the kind's order, whatever the delivery order", () => {
    for (const seed of [1, 7, 42, 1234, 99_991]) {
      const store = new EntityStore();
      for (const v of shuffled(all, seed)) store.apply(v);
      for (const kind of KINDS) {
        const latest = AUTHORS.map(
          (node) =>
            all
              .filter((v) => v.kind === kind && v.ts.node === node)
              .sort((a, b) => b.ts.ms - a.ts.ms || b.ts.c - a.ts.c)[0]!,
        );
        const order = orderFor(kind);
        const expected = latest.sort((a, b) => order(b, a)).map(stamp);
        expect(store.heads(E, kind).map(stamp), `${kind}, seed ${seed}`).toEqual(expected);
      }
      expect(store.size).toBe(AUTHORS.length * KINDS.length);
    }
  });

  it('ends in the same state for every delivery order, in order and re-delivered', () => {
    const inOrder = new EntityStore();
    for (const v of all) inOrder.apply(v);
    const snap = JSON.stringify(sorted(inOrder.snapshot()));
    for (const seed of [3, 11, 2024]) {
      const s = new EntityStore();
      for (const v of shuffled(all, seed)) s.apply(v);
      // Every version again: duplicates and superseded writes change nothing.
      for (const v of shuffled(all, seed + 1)) expect(s.apply(v).kind).not.toBe('applied');
      expect(JSON.stringify(sorted(s.snapshot())), `seed ${seed}`).toBe(snap);
    }
  });

  it('a write that saw every head replaces them all', () => {
    const store = new EntityStore();
    for (const v of all) store.apply(v);
    const kind = 'threat' as ComponentKind;
    const heads = store.heads(E, kind);
    const seen = heads.filter((h) => h.ts.node !== AUTHORS[0]).map((h) => h.ts);
    const w: Version = {
      entity: E,
      kind,
      value: { level: 'NONE' } as ComponentValue,
      ts: { ms: T0 + 1000, c: 0, node: AUTHORS[0]! },
      seen: seen.sort((a, b) => a.ms - b.ms || a.c - b.c || (a.node < b.node ? -1 : 1)),
    };
    const out = store.apply(w);
    expect(out.kind).toBe('applied');
    expect(store.heads(E, kind)).toEqual([w]);
    // An author's next write without context after it stays beside it only if later than what w saw of that author.
    const late: Version = {
      ...w,
      value: { level: 'LOW' } as ComponentValue,
      ts: { ...w.ts, node: AUTHORS[1]! },
      seen: [],
    };
    expect(store.apply(late).kind).toBe('applied');
    expect(store.heads(E, kind).map(stamp).sort()).toEqual([stamp(w), stamp(late)].sort());
    const stale: Version = { ...late, ts: { ms: T0, c: 0, node: AUTHORS[2]! } };
    expect(store.apply(stale).kind).toBe('obsolete');
  });
});

/** The snapshot as compared: versions and each register's knowledge in a fixed order (arrival order aside). */
function sorted(s: StoreSnapshot): StoreSnapshot {
  const byStamp = (a: Timestamp, b: Timestamp): number => (stampTs(a) < stampTs(b) ? -1 : 1);
  return {
    versions: [...s.versions].sort((a, b) => (stamp(a) < stamp(b) ? -1 : 1)),
    entities: s.entities.map((e) => ({
      ...e,
      knowledge: e.knowledge.map((k) => ({ ...k, own: [...k.own].sort(byStamp), seen: [...k.seen].sort(byStamp) })),
    })),
  };
}
