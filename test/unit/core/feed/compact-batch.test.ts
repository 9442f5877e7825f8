import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTs } from '../../../../src/core/clock/timestamp';
import { ValidationError } from '../../../../src/core/errors';
import { allocateBatch, MAGIC, type CompactViews } from '../../../../src/core/feed/compact-batch';
import { CompactDecoder, type DecodedViews } from '../../../../src/core/feed/feed-decoder';
import { CompactEncoder } from '../../../../src/core/feed/feed-encoder';
import { ROW, viewOfRow } from '../../../../src/core/feed/track-row';
import type { NodeId } from '../../../../src/core/ids';
import type { ComponentMeta, EntityView } from '../../../../src/core/store/entity-view';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('compact-batch seed', seed);
const numRuns = Number(process.env.NUM_RUNS ?? 300);

const A = 'authorAAAAAAAAAAAAAAAAAAAAAAAAAA' as NodeId;
const B = 'authorBBBBBBBBBBBBBBBBBBBBBBBBBB' as NodeId;

const metaOf = (ms: number, c: number, node: NodeId, extra: Partial<ComponentMeta> = {}): ComponentMeta => ({
  version: encodeTs({ ms, c, node }),
  author: node,
  time: ms,
  conflict: false,
  heads: 1,
  ...extra,
});

/** Across a thread as the app sends it: the buffer transferred, the rest cloned. */
const cross = (m: CompactViews): unknown => structuredClone(m, { transfer: [m.buffer] });

/** The page's reading of a decoded batch: each row's view, sent whole or made from its base and columns. */
function apply(held: Map<string, EntityView>, d: DecodedViews): void {
  for (const id of d.removed) held.delete(id);
  for (let i = 0; i < d.rows; i++) {
    const whole = (d.columns.flags[i]! & ROW.FULL) !== 0;
    held.set(d.ids[i]!, whole ? d.bases[i]! : viewOfRow(d.bases[i]!, d.columns, i, (k) => d.authors[k]!));
  }
}

function track(id: string, at: number, lat: number, author = A): EntityView {
  return {
    id,
    components: {
      position: { lat, lon: 18, alt: 120, accuracy: 25 },
      velocity: { east: 3, north: -4 },
      classification: { label: id, disposition: 'HOSTILE', environment: 'AIR', confidence: 0.9 },
      threat: { level: 'HIGH' },
      source: { sensorId: 'eo-1', sensorType: 'eo' },
    },
    meta: {
      position: metaOf(at, 1, author),
      velocity: metaOf(at, 1, author),
      classification: metaOf(1000, 0, B),
      threat: metaOf(1000, 0, B),
      source: metaOf(1000, 0, author),
    },
    conflicts: [],
    updatedAt: at,
  } as unknown as EntityView;
}

describe('compact change batches', () => {
  it('sends a view whole the first time, then a position report as its row alone', () => {
    const enc = new CompactEncoder();
    const dec = new CompactDecoder();
    const held = new Map<string, EntityView>();
    const first = enc.encode([track('t1', 2000, 59), track('t2', 2000, 60)], []);
    expect(first.ids).toEqual(['t1', 't2']);
    expect(first.views).toHaveLength(2);
    apply(held, dec.decode(cross(first)));
    const moved = track('t1', 3000, 59.01);
    const second = enc.encode([moved], []);
    expect(second.ids).toEqual([]);
    expect(second.authors).toEqual([]);
    expect(second.views).toEqual([]);
    const d = dec.decode(cross(second));
    expect(d.columns.flags[0]! & ROW.FULL).toBe(0);
    apply(held, d);
    expect(held.get('t1')).toEqual(moved);
    // A changed threat is not a row's: the view goes whole.
    const escalated = { ...moved, components: { ...moved.components, threat: { level: 'LOW' } } } as EntityView;
    const third = enc.encode([escalated], []);
    expect(third.views).toEqual([escalated]);
    apply(held, dec.decode(cross(third)));
    expect(held.get('t1')).toEqual(escalated);
  });

  it('sends a new entity that is no more than a row (a position, a velocity) as its row alone', () => {
    const enc = new CompactEncoder();
    const dec = new CompactDecoder();
    const held = new Map<string, EntityView>();
    const bare = (id: string, at: number, lat: number): EntityView =>
      ({
        id,
        components: { position: { lat, lon: 9 }, velocity: { east: 1, north: 2 } },
        meta: { position: metaOf(at, 0, A), velocity: metaOf(at, 3, A) },
        conflicts: [],
        updatedAt: at,
      }) as unknown as EntityView;
    // Anything a row does not hold sends the view whole as before: a conflict, a mark, another component.
    const conflicted = { ...bare('c', 5, 3), conflicts: ['position'] } as EntityView;
    const unverified = bare('u', 5, 4);
    (unverified.meta as Record<string, ComponentMeta>).position = metaOf(5, 0, A, { unverified: true });
    const labelled = bare('l', 5, 5);
    (labelled.components as Record<string, unknown>).classification = { label: 'x' };
    (labelled.meta as Record<string, ComponentMeta>).classification = metaOf(5, 0, A);
    const first = enc.encode([bare('n1', 2000, 40), bare('n2', 2001, 41), conflicted, unverified, labelled], []);
    expect(first.ids).toEqual(['n1', 'n2', 'c', 'u', 'l']);
    expect(first.views.map((v) => v.id)).toEqual(['c', 'u', 'l']);
    const d = dec.decode(cross(first));
    expect(d.columns.flags[0]! & ROW.FULL).toBe(0);
    apply(held, d);
    for (const v of [bare('n1', 2000, 40), bare('n2', 2001, 41), conflicted, unverified, labelled])
      expect(held.get(v.id)).toEqual(v);
    // Its next report builds on the same fresh base on both sides.
    const moved = bare('n1', 3000, 40.5);
    apply(held, dec.decode(cross(enc.encode([moved], []))));
    expect(held.get('n1')).toEqual(moved);
  });

  it('frees a removed id: named again, it travels as text and whole', () => {
    const enc = new CompactEncoder();
    const dec = new CompactDecoder();
    dec.decode(cross(enc.encode([track('a', 1, 1), track('b', 1, 2)], [])));
    const gone = enc.encode([], ['a', 'never-seen']);
    expect(dec.decode(cross(gone)).removed).toEqual(['a', 'never-seen']);
    // The freed index goes to the next new id, which travels as text.
    const next = enc.encode([track('c', 2, 3), track('a', 2, 4)], []);
    expect(next.ids).toEqual(['c', 'a']);
    expect(next.views.map((v) => v.id)).toEqual(['c', 'a']);
    const d = dec.decode(cross(next));
    expect(d.ids).toEqual(['c', 'a']);
  });

  it('round-trips any history of changes and removals: the page holds exactly the node views', () => {
    const ids = ['t1', 't2', 't3', 'fused:00000000000000aa', 'x'];
    const position = fc.record(
      {
        lat: fc.double({ min: -89, max: 89, noNaN: true }),
        lon: fc.double({ min: -180, max: 180, noNaN: true }),
        alt: fc.double({ min: -100, max: 1e4, noNaN: true }),
        accuracy: fc.double({ min: 0, max: 1e3, noNaN: true }),
        covariance: fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.double({ noNaN: true })),
      },
      { requiredKeys: ['lat', 'lon'] },
    );
    const velocity = fc.record(
      { east: fc.double({ noNaN: true }), north: fc.double({ noNaN: true }), up: fc.double({ noNaN: true }) },
      { requiredKeys: ['east', 'north'] },
    );
    const author = fc.constantFrom(A, B);
    const stamp = fc.record({
      ms: fc.integer({ min: 0, max: 2 ** 47 }),
      c: fc.integer({ min: 0, max: 0xffff }),
      node: author,
    });
    const rest = fc.record({
      threat: fc.option(fc.constantFrom('NONE', 'LOW', 'HIGH', 'SEVERE')),
      disposition: fc.option(fc.constantFrom('HOSTILE', 'FRIENDLY', 'ALIEN')),
      expiry: fc.option(fc.integer({ min: 0, max: 2 ** 40 })),
      conflict: fc.boolean(),
      unverified: fc.boolean(),
      fusionStale: fc.option(fc.boolean()),
    });
    const change = fc.record({
      id: fc.constantFrom(...ids),
      position: fc.option(position, { freq: 10 }),
      velocity: fc.option(velocity, { freq: 10 }),
      // Now and then a position with a field of a newer release: no row holds it, so the view must go whole.
      future: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      positionAt: stamp,
      velocityAt: stamp,
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      rest: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: rest, weight: 1 }),
      updatedAt: fc.integer({ min: 0, max: 2 ** 47 }),
    });
    const step = fc.record({
      changes: fc.array(change, { maxLength: 6 }),
      removed: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.subarray(ids), weight: 1 }),
    });
    type Change = typeof change extends fc.Arbitrary<infer C> ? C : never;
    type Rest = NonNullable<Change['rest']>;

    const viewOf = (ch: Change, r: Rest): EntityView => {
      const components: Record<string, unknown> = {};
      const meta: Record<string, ComponentMeta> = {};
      const fused = ch.id.startsWith('fused:');
      const m = (s: Change['positionAt'], extra: Partial<ComponentMeta> = {}): ComponentMeta =>
        metaOf(s.ms, s.c, s.node, { ...(r.unverified ? { unverified: true as const } : {}), ...extra });
      if (ch.position !== null) {
        components.position = { ...ch.position, ...(ch.future ? { future: 'x' } : {}) };
        meta.position = m(ch.positionAt, fused ? { derived: { by: 'fusion', authors: [A, B] } } : {});
      }
      if (ch.velocity !== null) {
        components.velocity = { ...ch.velocity };
        meta.velocity = m(ch.velocityAt, { conflict: r.conflict, heads: r.conflict ? 2 : 1 });
      }
      if (fused && ch.position !== null) {
        components.fusion = {
          sources: ['t1', 't2'],
          position: components.position,
          confidence: ch.confidence,
          ...(r.fusionStale === null ? {} : { stale: r.fusionStale }),
        };
        meta.fusion = meta.position!;
      }
      if (r.threat !== null) {
        components.threat = { level: r.threat };
        meta.threat = metaOf(5, 0, B);
      }
      if (r.disposition !== null) {
        components.classification = { label: 'c', disposition: r.disposition, environment: 'LAND', confidence: 1 };
        meta.classification = metaOf(6, 0, A);
      }
      if (r.expiry !== null) {
        components.expiry = { at: r.expiry };
        meta.expiry = metaOf(7, 0, A);
      }
      const conflicts = r.conflict && ch.velocity !== null ? ['velocity'] : [];
      return { id: ch.id, components, meta, conflicts, updatedAt: ch.updatedAt } as unknown as EntityView;
    };

    const rows = { all: 0, whole: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const enc = new CompactEncoder();
        const dec = new CompactDecoder();
        const truth = new Map<string, EntityView>();
        const rests = new Map<string, Rest>();
        const held = new Map<string, EntityView>();
        for (const s of steps) {
          const removed = (s.removed as string[]).filter((id) => !s.changes.some((c) => c.id === id));
          const changed = new Map<string, EntityView>();
          for (const ch of s.changes) {
            // Most reports keep what is not a row's (the threat, the classification...): reuse it.
            const r = ch.rest ??
              rests.get(ch.id) ?? {
                threat: null,
                disposition: null,
                expiry: null,
                conflict: false,
                unverified: false,
                fusionStale: null,
              };
            rests.set(ch.id, r);
            changed.set(ch.id, viewOf(ch, r));
          }
          for (const id of removed) {
            truth.delete(id);
            rests.delete(id);
          }
          for (const [id, v] of changed) truth.set(id, v);
          const d = dec.decode(cross(enc.encode([...changed.values()], removed)));
          rows.all += d.rows;
          for (let i = 0; i < d.rows; i++) if ((d.columns.flags[i]! & ROW.FULL) !== 0) rows.whole++;
          apply(held, d);
          expect(held).toEqual(truth);
          for (const [id, v] of truth) expect(held.get(id)).toStrictEqual(v);
        }
      }),
      { seed, numRuns },
    );
    // The histories exercise both: rows that stand for their view, and views sent whole.
    expect(rows.whole).toBeGreaterThan(0.1 * rows.all);
    expect(rows.all - rows.whole).toBeGreaterThan(0.2 * rows.all);
  });

  it('takes only the next batch of its feed: a lost one, or one the encoder failed half way, ends the feed', () => {
    const enc = new CompactEncoder();
    const dec = new CompactDecoder();
    dec.decode(cross(enc.encode([track('t1', 1, 59)], [])));
    // A whole view (a changed threat) sent in a batch the page never gets…
    const t1 = track('t1', 2, 59);
    enc.encode([{ ...t1, components: { ...t1.components, threat: { level: 'HIGH' } } } as EntityView], []);
    // …so the next row, which builds on it, must not be read against the old view.
    expect(() => dec.decode(cross(enc.encode([track('t1', 3, 59.01)], [])))).toThrow(/was next/);
    // An encoder that threw half way spent its batch's number: the next batch ends the feed too.
    const enc2 = new CompactEncoder();
    const dec2 = new CompactDecoder();
    dec2.decode(cross(enc2.encode([track('t1', 1, 59)], [])));
    expect(() => enc2.encode([null as unknown as EntityView], [])).toThrow();
    expect(() => dec2.decode(cross(enc2.encode([track('t1', 2, 59)], [])))).toThrow(/was next/);
  });

  it('frees any number of removed ids in one batch (a mass delete)', () => {
    const enc = new CompactEncoder();
    const many = Array.from({ length: 150_000 }, (_, i) => `t${i.toString()}`);
    enc.encode(
      many.map((id) => track(id, 1, 59)),
      [],
    );
    expect(() => enc.encode([], many)).not.toThrow();
  });

  it('refuses a malformed batch where it is decoded, and then the feed', () => {
    const good = (): CompactViews => new CompactEncoder().encode([track('t1', 1, 59)], []);
    const refused = (m: unknown): void => expect(() => new CompactDecoder().decode(m)).toThrow(ValidationError);
    refused(null);
    refused({ ...good(), buffer: new ArrayBuffer(8) });
    refused({ ...good(), ids: [42] });
    refused({ ...good(), views: [{ id: 't1' }] });
    // Another layout, or a length that does not match the header.
    const other = good();
    new Uint32Array(other.buffer, 0, 1)[0] = MAGIC + 1;
    refused(other);
    refused({ ...good(), buffer: new ArrayBuffer(good().buffer.byteLength + 8) });
    // A new id that is not an entity id; a view under another row's id; a view without a row.
    refused({ ...good(), ids: ['not an id!'] });
    refused({ ...good(), views: [{ ...good().views[0]!, id: 't9' }] });
    refused({ ...good(), views: [...good().views, good().views[0]] });
    // Unknown flags; a position that is not finite; a code out of range. (A new id's row alone stands
    // on the id's fresh base: it is read, not refused.)
    const rowOnly = (edit: (p: ReturnType<typeof allocateBatch>) => void): CompactViews => {
      const p = allocateBatch(1, 1, 0);
      p.newIds[0] = 0;
      p.columns.flags[0] = ROW.POSITION;
      p.columns.updatedAt[0] = 1;
      p.columns.positionTime[0] = 1;
      p.columns.positionAuthor[0] = 0;
      edit(p);
      return { buffer: p.buffer, ids: ['t1'], authors: [A], views: [], removed: [] };
    };
    const alone = new CompactDecoder().decode(rowOnly(() => undefined));
    expect(alone.bases[0]).toEqual({ id: 't1', components: {}, meta: {}, conflicts: [], updatedAt: 0 });
    const full = (edit: (p: ReturnType<typeof allocateBatch>) => void): CompactViews => ({
      ...rowOnly((p) => {
        p.columns.flags[0] = p.columns.flags[0]! | ROW.FULL;
        edit(p);
      }),
      views: [track('t1', 1, 59)],
    });
    expect(() => new CompactDecoder().decode(full(() => undefined))).not.toThrow();
    refused(full((p) => (p.columns.flags[0] = p.columns.flags[0]! | (1 << 20))));
    refused(full((p) => (p.columns.lat[0] = Infinity)));
    refused(full((p) => (p.columns.threat[0] = 9)));
    refused(full((p) => (p.columns.positionAuthor[0] = 7)));
    refused(full((p) => (p.columns.index[0] = 3)));
    // After a refusal, the feed is refused too: the reader starts a new one.
    const dec = new CompactDecoder();
    expect(() => dec.decode(full((p) => (p.columns.lat[0] = NaN)))).toThrow(ValidationError);
    expect(() => dec.decode(full(() => undefined))).toThrow(/start a new feed/);
  });
});
