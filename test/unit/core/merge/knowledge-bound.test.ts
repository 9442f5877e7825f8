/**
 * The bounded register knowledge (core/merge/knowledge.ts: MAX_REGISTER_AUTHORS, the cut, rest
 * markers) against the laws the merge needs, over random versions whose contexts name many made-up
 * authors (fast-check). Replay a failure with SEED=<printed seed> (and NUM_RUNS=...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { MAX_CONTEXT_ENTRIES, MAX_REGISTER_AUTHORS } from '../../../../src/core/merge/context-limits';
import { CUT_NODE, hasHonestContext, Knowledge } from '../../../../src/core/merge/knowledge';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { dump, replica } from '../support/merge-sim';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 60);
const params = (name: string): fc.Parameters<unknown> => {
  console.log(`knowledge-bound seed ${seed} (${name}); replay with SEED=${seed}`);
  return { seed, numRuns };
};

const ENTITY = 'e1' as EntityId;
const KIND = 'threat' as ComponentKind;
const WRITERS = ['a', 'b', 'c', 'd', 'e'] as NodeId[];
const madeUp = (i: number): NodeId => `x${String(i).padStart(3, '0')}` as NodeId;

/** One version: a writer, a time, and a context naming made-up and real authors, maybe a rest marker. */
const arbVersion = fc
  .record({
    writer: fc.constantFrom(...WRITERS),
    ms: fc.integer({ min: 20, max: 400 }),
    c: fc.integer({ min: 0, max: 2 }),
    level: fc.constantFrom('LOW', 'MEDIUM', 'HIGH'),
    fakes: fc.uniqueArray(fc.integer({ min: 0, max: 299 }), { maxLength: 40 }),
    real: fc.subarray(WRITERS),
    back: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 45, maxLength: 45 }),
    marker: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  })
  .map(({ writer, ms, c, level, fakes, real, back, marker }): Version => {
    const ts: Timestamp = { ms, c, node: writer };
    const seen: Timestamp[] = [];
    const authors = [...fakes.map(madeUp), ...real.filter((r) => r !== writer)];
    authors.forEach((node, i) => seen.push({ ms: ms - back[i % back.length]!, c: i % 3, node }));
    if (marker !== undefined) seen.push({ ms: ms - marker, c: 0, node: writer });
    return { entity: ENTITY, kind: KIND, value: { level }, ts, seen: seen.slice(0, MAX_CONTEXT_ENTRIES) };
  });

/** A delete of the entity: its tombstone prunes what the register learned at or before it. */
const arbTombstone = fc
  .record({
    writer: fc.constantFrom(...WRITERS),
    ms: fc.integer({ min: 20, max: 400 }),
    c: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ writer, ms, c }): Version => ({
    entity: ENTITY,
    kind: DELETED,
    value: null,
    ts: { ms, c, node: writer },
    seen: [],
  }));

/** Versions with distinct timestamps (one content per timestamp: equivocation has its own tests). */
const arbVersions = fc
  .tuple(
    fc.uniqueArray(arbVersion, { minLength: 1, maxLength: 14, selector: (v) => `${v.ts.ms}.${v.ts.c}.${v.ts.node}` }),
    fc.array(arbTombstone, { maxLength: 2 }),
  )
  .map(([writes, deletes]) => {
    const taken = new Set(writes.map((v) => `${v.ts.ms}.${v.ts.c}.${v.ts.node}`));
    return [...writes, ...deletes.filter((d) => !taken.has(`${d.ts.ms}.${d.ts.c}.${d.ts.node}`))];
  });

const permutation = (g: fc.GeneratorValue, xs: readonly Version[]): Version[] =>
  g(fc.shuffledSubarray, xs as Version[], { minLength: xs.length, maxLength: xs.length });

function authorsKept(versions: Iterable<Version>): number {
  const k = replica(versions).state(ENTITY)?.knowledgeOf(KIND);
  if (k === undefined) return 0;
  return new Set([...k.own, ...k.seen].map((t) => t.node).filter((n) => n !== CUT_NODE)).size;
}

describe('bounded register knowledge', () => {
  it('is a function of the set of delivered versions: any order, with duplicates', () => {
    fc.assert(
      fc.property(arbVersions, fc.gen(), (versions, g) => {
        const expected = dump(replica(versions), true);
        const again = [...permutation(g, versions), ...g(fc.subarray, versions)];
        expect(dump(replica(again), true)).toBe(expected);
        // applying a replica's versions after another's: the union, in any split
        const cut = g(fc.integer, { min: 0, max: versions.length });
        const shuffled = permutation(g, versions);
        expect(dump(replica([...shuffled.slice(cut), ...shuffled.slice(0, cut)]), true)).toBe(expected);
      }),
      params('order'),
    );
  });

  it(`keeps at most ${MAX_REGISTER_AUTHORS} authors per register, and a local write names at most ${MAX_CONTEXT_ENTRIES}`, () => {
    let folded = 0;
    fc.assert(
      fc.property(arbVersions, (versions) => {
        expect(authorsKept(versions)).toBeLessThanOrEqual(MAX_REGISTER_AUTHORS);
        const store = replica(versions);
        const context = store.contextFor(ENTITY, KIND, 'w' as NodeId);
        if (context.some((t) => t.node === 'w')) folded += 1;
        expect(context.length).toBeLessThanOrEqual(MAX_CONTEXT_ENTRIES);
      }),
      params('bound'),
    );
    // the generator does reach the bound (fifteen versions of up to 45 authors each)
    expect(folded).toBeGreaterThan(0);
  });

  it('a local write tells every replica all its writer had seen: what it superseded stays superseded beside it', () => {
    fc.assert(
      fc.property(arbVersions, fc.gen(), (versions, g) => {
        const a = replica(versions);
        const latest = versions.reduce((m, v) => (compareTs(v.ts, m) > 0 ? v.ts : m), versions[0]!.ts);
        const w: Version = {
          entity: ENTITY,
          kind: KIND,
          value: { level: 'NONE' },
          ts: { ms: latest.ms + 1, c: 0, node: 'w' as NodeId },
          seen: a.contextFor(ENTITY, KIND, 'w' as NodeId),
        };
        expect(hasHonestContext(w)).toBe(true);
        expect(a.apply(w).kind).toBe('applied');
        expect(a.heads(ENTITY, KIND)).toEqual([w]);
        // another replica holding w and any part of what a was delivered shows w alone too (with the
        // tombstones: a write leaves out what its writer holds deleted, context-bound.ts)
        const part = [...g(fc.subarray, versions), ...versions.filter((v) => v.kind === DELETED)];
        const b = replica([...part, w]);
        expect(b.heads(ENTITY, KIND)).toEqual([w]);
        expect(dump(replica([w, ...part]))).toBe(dump(b));
      }),
      params('conveyed'),
    );
  });

  it('a snapshot keeps the cut: a restored store equals the original, and so does what it takes next', () => {
    fc.assert(
      fc.property(arbVersions, arbVersions, (versions, later) => {
        const original = replica(versions);
        const snapshot = JSON.parse(JSON.stringify(original.snapshot())) as ReturnType<typeof original.snapshot>;
        const restored = EntityStore.restore(snapshot);
        expect(dump(restored, true)).toBe(dump(original, true));
        for (const v of later) {
          original.apply(v);
          restored.apply(v);
        }
        expect(dump(restored, true)).toBe(dump(original, true));
      }),
      params('snapshot'),
    );
  });

  it('a flood of versions naming made-up authors leaves the register writable and its knowledge bounded', () => {
    const store = replica([]);
    for (let i = 0; i < 200; i++) {
      const seen = Array.from({ length: MAX_CONTEXT_ENTRIES }, (_, j) => ({
        ms: 1_000 + i,
        c: 0,
        node: madeUp(i * MAX_CONTEXT_ENTRIES + j),
      }));
      store.apply({
        entity: ENTITY,
        kind: KIND,
        value: { level: 'HIGH' },
        ts: { ms: 2_000 + i, c: 0, node: 'm' as NodeId },
        seen,
      });
    }
    const k = store.state(ENTITY)!.knowledgeOf(KIND)!;
    expect(k.own.length + k.seen.length).toBeLessThanOrEqual(2 * MAX_REGISTER_AUTHORS + 1);
    const context = store.contextFor(ENTITY, KIND, 'me' as NodeId);
    expect(context.length).toBeLessThanOrEqual(MAX_CONTEXT_ENTRIES);
  });
});

/**
 * Twins of some of `versions`: one timestamp, another context (part of the original's, or one
 * entry more, naming an author the writer may never have seen), as an equivocating member signs.
 */
const arbWithTwins = arbVersions.chain((versions) =>
  fc
    .array(
      fc.record({ of: fc.nat(), keep: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), extra: fc.nat() }),
      { maxLength: 5 },
    )
    .map((twins) => {
      const out = [...versions];
      const named = versions.flatMap((v) => [v.ts, ...v.seen]);
      for (const { of, keep, extra } of twins) {
        const w = versions[of % versions.length]!;
        let seen = w.seen.filter((_, i) => keep[i]!);
        const x = named[extra % named.length]!;
        if (compareTs(x, w.ts) < 0 && !seen.some((s) => s.node === x.node)) seen = [...seen, x];
        out.push({ ...w, seen: seen.sort(compareTs) });
      }
      return out.filter(hasHonestContext);
    }),
);

/** What the store does to a register: learns every version, pruning once the floor or tombstone has come (`gone`). */
function learnAll(versions: readonly Version[], gone?: (t: Timestamp) => boolean): Knowledge {
  const k = new Knowledge();
  for (const v of versions) {
    if (gone === undefined) k.learn(v);
    else k.learnAbove(v, gone);
  }
  return k;
}

describe('canonical register knowledge (issue 8: equal delivered sets, equal state)', () => {
  it('learning any permutation of the same versions, twins and hostile contexts included, with the floor or tombstone arriving at any point, gives equal state', () => {
    fc.assert(
      fc.property(arbWithTwins, fc.integer({ min: 0, max: 420 }), fc.gen(), (versions, floor, g) => {
        const gone = (t: Timestamp): boolean => t.ms <= floor;
        const expected = learnAll(versions, gone).canonical();
        // the same, learned before the floor and pruned when it comes
        const all = learnAll(versions);
        all.prune(gone);
        expect(all.canonical()).toBe(expected);
        for (let i = 0; i < 3; i++) {
          const order = [...permutation(g, versions), ...g(fc.subarray, versions)];
          const at = g(fc.integer, { min: 0, max: order.length });
          const k = learnAll(order.slice(0, at));
          k.prune(gone);
          for (const v of order.slice(at)) k.learnAbove(v, gone);
          expect(k.canonical()).toBe(expected);
        }
      }),
      params('canonical order'),
    );
  });

  it('a version whose every timestamp the knowledge already covers changes nothing: a register learned again from fewer versions that teach the same holds the same state', () => {
    let redundant = 0;
    fc.assert(
      fc.property(arbWithTwins, fc.gen(), (versions, g) => {
        const k = learnAll(versions);
        const expected = k.canonical();
        // every timestamp the versions name that k covers: a write of its author, a context entry
        const covered = [
          ...new Map(versions.flatMap((v) => [v.ts, ...v.seen]).map((t) => [`${t.ms}.${t.c}.${t.node}`, t])).values(),
        ].filter((t) => t.node !== CUT_NODE && k.supersedes({ ts: t } as Version));
        if (covered.length === 0) return;
        for (let i = 0; i < 4; i++) {
          const ts = g(fc.constantFrom, ...covered);
          const seen = new Map<NodeId, Timestamp>();
          for (const t of g(fc.subarray, covered)) if (compareTs(t, ts) < 0 && t.node !== ts.node) seen.set(t.node, t);
          const w: Version = {
            entity: ENTITY,
            kind: KIND,
            value: { level: 'LOW' },
            ts,
            seen: [...seen.values()].sort(compareTs),
          };
          if (!hasHonestContext(w)) continue;
          const again = k.clone();
          expect(again.learn(w)).toBe(0);
          expect(again.canonical()).toBe(expected);
          redundant += 1;
        }
      }),
      params('canonical covered'),
    );
    expect(redundant).toBeGreaterThan(0);
  });
});
