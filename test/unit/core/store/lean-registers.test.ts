/**
 * The lean register forms of EntityState (a bare head when the head is all a register knows, a
 * Register otherwise; fixed slots for the six common kinds, a Map for the rest): whatever form a
 * register takes, what it holds and knows is what the rules say, whatever the arrival order.
 */
import { describe, expect, it } from 'vitest';
import { compareTs } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { KnowledgeSnapshot } from '../../../../src/core/merge/knowledge';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { FIXED_KINDS, fixedSlot, type EntityMeta } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';

const E = 'trk-1' as EntityId;
const ts = (ms: number, node: string) => ({ ms, c: 0, node: node as NodeId });
const v = (kind: string, value: Version['value'], ms: number, node = 'a', seen: Version['ts'][] = []): Version => ({
  entity: E,
  kind: kind as ComponentKind,
  value,
  ts: ts(ms, node),
  seen,
});
const VALUES: Record<string, Version['value']> = {
  position: { lat: 1, lon: 2 },
  velocity: { north: 1, east: 0 },
  classification: { label: 'uav', confidence: 0.5 },
  threat: { level: 'LOW' },
  source: { sensor: 's1' },
  expiry: { at: 1e9 },
  fusion: { by: 'x' },
};

/** Knowledge lists its authors in arrival order: sorted here, so only what is known is compared. */
const sorted = (k: KnowledgeSnapshot | undefined): KnowledgeSnapshot | undefined =>
  k && { own: [...k.own].sort(compareTs), seen: [...k.seen].sort(compareTs) };
const sortedMeta = (m: EntityMeta | undefined): EntityMeta | undefined =>
  m && {
    ...m,
    knowledge: m.knowledge.map((k) => ({ kind: k.kind, ...sorted(k)! })).sort((a, b) => (a.kind < b.kind ? -1 : 1)),
  };

describe('lean registers', () => {
  it('gives each fixed kind its own slot', () => {
    expect(FIXED_KINDS.map(fixedSlot)).toEqual(FIXED_KINDS.map((_, i) => i));
    expect(fixedSlot('fusion')).toBe(-1);
    expect(fixedSlot(DELETED)).toBe(-1);
  });

  it('keeps a sensor track as its heads alone: what it knows is each latest head, and versions restore it', () => {
    const store = new EntityStore();
    const kinds = Object.keys(VALUES);
    for (let i = 0; i < 20; i++) for (const kind of kinds) store.apply(v(kind, VALUES[kind]!, 100 + i));
    const s = store.state(E)!;
    expect(s.restoredByVersions).toBe(true);
    expect(store.size).toBe(kinds.length);
    for (const kind of kinds) {
      const k = kind as ComponentKind;
      expect(store.heads(E, k).map((h) => h.ts)).toEqual([ts(119, 'a')]);
      expect(s.knowledgeOf(k)).toEqual({ own: [ts(119, 'a')], seen: [] });
    }
    expect(store.contextFor(E, 'position' as ComponentKind, 'me' as NodeId)).toEqual([ts(119, 'a')]);
    expect(store.contextFor(E, 'position' as ComponentKind, 'a' as NodeId)).toEqual([]);
    // An older or repeated write of the same author changes nothing.
    expect(store.apply(v('position', VALUES.position!, 110)).kind).toBe('obsolete');
    expect(store.apply(v('position', VALUES.position!, 119)).kind).toBe('duplicate');
    const restored = EntityStore.restore({ versions: [...store.versions()], entities: [] });
    expect(sortedMeta(restored.state(E)?.meta())).toEqual(sortedMeta(s.meta()));
  });

  it('learns of a second author and keeps knowing it after the first one overwrote it', () => {
    const a1 = v('position', VALUES.position!, 100, 'a');
    const b1 = v('position', VALUES.position!, 101, 'b');
    const a2 = v('position', VALUES.position!, 102, 'a', [ts(101, 'b')]);
    const orders = [
      [a1, b1, a2],
      [a2, b1, a1],
      [b1, a2, a1],
    ];
    const metas = orders.map((order) => {
      const store = new EntityStore();
      for (const x of order) store.apply(x);
      expect(store.heads(E, 'position' as ComponentKind)).toEqual([a2]);
      const s = store.state(E)!;
      expect(s.restoredByVersions).toBe(false);
      // b's own write is covered by a2's context entry naming it: one bound per author (knowledge.ts, Entry)
      expect(sorted(s.knowledgeOf('position' as ComponentKind))).toEqual({
        own: [ts(102, 'a')],
        seen: [ts(101, 'b')],
      });
      return sortedMeta(s.meta());
    });
    expect(metas[1]).toEqual(metas[0]);
    expect(metas[2]).toEqual(metas[0]);
  });

  it('keeps what an expiry head dropped by a later floor taught, in any order and across a restart', () => {
    // Two concurrent expiries: the later deadline fires first at 1,000. The other's deadline is
    // below the floor, so it never fires again, but the floor keeps it: the expiry register knows
    // its author from it, and serves what it knows (expiry-floor.ts, belowFloor).
    const fired = v('expiry', { at: 1_000 }, 100, 'a');
    const other = v('expiry', { at: 500 }, 200, 'b');
    const pos = v('position', VALUES.position!, 1_200, 'c');
    const build = (order: Version[]): EntityStore => {
      const store = new EntityStore();
      for (const x of order) store.apply(x);
      store.purgeExpired(1_000);
      return store;
    };
    const first = build([fired, other, pos]);
    const second = build([pos, other, fired]);
    for (const store of [first, second]) {
      expect(store.heads(E, 'expiry' as ComponentKind)).toEqual([other, fired]);
      expect(store.state(E)!.floor).toBe(1_000);
      expect(sorted(store.state(E)!.knowledgeOf('expiry' as ComponentKind))).toEqual({
        own: [ts(100, 'a'), ts(200, 'b')],
        seen: [],
      });
      expect(store.apply(other).kind).toBe('duplicate');
    }
    expect(sortedMeta(second.state(E)!.meta())).toEqual(sortedMeta(first.state(E)!.meta()));
    const restored = EntityStore.restore(structuredClone(first.snapshot()));
    expect(sortedMeta(restored.state(E)!.meta())).toEqual(sortedMeta(first.state(E)!.meta()));
    expect([...restored.versions()]).toEqual([...first.versions()]);
  });

  it('forgets everything a tombstone removes and keeps the tombstone, then takes a later sole author lean again', () => {
    const store = new EntityStore();
    store.apply(v('position', VALUES.position!, 100, 'a'));
    store.apply(v('fusion', VALUES.fusion!, 100, 'a'));
    store.apply(v(DELETED, null, 200, 'd'));
    const s = store.state(E)!;
    expect(s.live).toBe(false);
    expect(s.knowledgeOf('position' as ComponentKind)).toBeUndefined();
    expect(s.knowledgeOf('fusion' as ComponentKind)).toBeUndefined();
    expect(store.size).toBe(1);
    expect(store.apply(v('position', VALUES.position!, 300, 'e')).kind).toBe('applied');
    expect(s.knowledgeOf('position' as ComponentKind)).toEqual({ own: [ts(300, 'e')], seen: [] });
    expect(store.view(E, 0)?.components).toEqual({ position: VALUES.position });
  });
});

describe('the columns keep a value exactly whatever its keys (lean-columns.ts)', () => {
  it('a key holding the shape separator does not read back as another shape', () => {
    // Before: {'lat\0nlon': 1} took the id of {lat, lon} and read back as {lat: NaN, lon: NaN}.
    const store = new EntityStore({ columns: true });
    store.apply(v('position', { lat: 1, lon: 2 }, 1000));
    const odd = { 'lat\u0000nlon': 1 } as unknown as Version['value'];
    store.apply(v('position', odd, 1001));
    expect(store.heads(E, 'position' as ComponentKind)[0]!.value).toEqual(odd);
  });

  it("a sole author's update reads back with its own keys, in its own order, whatever the row held", () => {
    // An update is stored in the row's shape only when it has that shape (LeanColumns.update).
    const store = new EntityStore({ columns: true });
    const P = 'position' as ComponentKind;
    const C = 'classification' as ComponentKind;
    const updates: [ComponentKind, Version['value']][] = [
      [P, { lat: 1, lon: 2, alt: 3 }],
      [P, { lat: 4, lon: 5, alt: 6 }],
      [P, { lon: 7, lat: 8, alt: 9 }],
      [P, { lat: 1, lon: 2 }],
      [P, { lat: 1, lon: 2, alt: 3, accuracy: 4 }],
      [P, { lat: 1, lon: 2, alt: 'x' } as unknown as Version['value']],
      [P, { lat: 1, lon: 2, alt: 3 }],
      [C, { label: 'uav', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.5 }],
      [C, { label: 'uav', disposition: 'NEUTRAL', environment: 'AIR', confidence: 0.25 }],
      [C, { label: 'boat', disposition: 'NEUTRAL', environment: 'SEA', confidence: 1 }],
      [C, { label: 'boat', disposition: 3, environment: 'SEA', confidence: 1 } as unknown as Version['value']],
      [C, { label: 'boat', disposition: 'NEUTRAL', environment: 'SEA', confidence: 1 }],
    ];
    let ms = 1000;
    for (const [kind, value] of updates) {
      const write = { ...v(kind, value, ms++), ...(ms % 2 === 0 ? { sig: new Uint8Array([ms & 0xff]) } : {}) };
      store.apply(write);
      const [head] = store.heads(E, kind);
      expect(head!.value).toEqual(value);
      expect(Object.keys(head!.value as object)).toEqual(Object.keys(value as object));
      expect(head!.ts).toEqual(write.ts);
      expect(head!.sig).toEqual(write.sig);
    }
    expect(store.size).toBe(2);
  });

  it('holds 20,000 tracks, its columns grown past doubling (by an eighth), each read back as written', () => {
    // The columns double to 4,096 rows, then grow by an eighth (LeanColumns.alloc): every row
    // keeps what was written through each growth, updates and rows written again included.
    const cols = new EntityStore({ columns: true });
    const objs = new EntityStore({ columns: false });
    const values = (e: number, round: number): [string, Version['value']][] => [
      ['position', { lat: e / 7, lon: -e, alt: round }],
      ['velocity', { east: e, north: round / 3 }],
      ['classification', { label: `l${e % 97}`, disposition: 'HOSTILE', environment: 'AIR', confidence: e / 1e5 }],
      ['threat', { level: ['NONE', 'LOW', 'HIGH'][e % 3]! }],
      ['source', { sensorId: `s${e % 300}`, sensorType: e % 2 ? 'eo' : 'radar' }],
      ['expiry', { at: 2e12 + e }],
    ];
    const n = 20_000;
    for (let round = 0; round < 2; round++) {
      // The second round updates every other track: the rest keep rows written before the growths.
      for (let e = round; e < n; e += round + 1) {
        for (const [kind, value] of values(e, round)) {
          const w: Version = {
            entity: `t${e}` as EntityId,
            kind: kind as ComponentKind,
            value,
            ts: ts(1000 + round * n + e, `a${e % 5}`),
            seen: [],
          };
          expect(cols.apply(w).kind).toBe(objs.apply(w).kind);
        }
      }
    }
    for (let e = 0; e < n; e++) {
      for (const kind of FIXED_KINDS) {
        const id = `t${e}` as EntityId;
        expect(cols.heads(id, kind as ComponentKind)).toEqual(objs.heads(id, kind as ComponentKind));
      }
    }
  });
});
