/**
 * Who each evidence item is charged to (core/store/evidence.ts, chargedFor; docs/security.md, "Twins
 * and evidence"), worked out in the weighing's own pass (weighEvidence) and by chargedFor's single
 * pass (a stack per author and one of rest markers in place of a walk back to the cover per item):
 * both equal the rule as first written (`reference` below, the walk back of commit c53bb5d), on
 * random registers: heads and items of a few authors under a handful of timestamps (twins, and
 * copies of one version), random contexts with rest markers, expiries with and without a floor, a
 * floor subsuming some timestamps, and registers keeping the first of each value (a roster's).
 *
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer registers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { chargedFor, weighEvidence, weighOrder } from '../../../../src/core/store/evidence';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 500);

const T0 = 1_700_000_000_000;
const FAR = T0 + 1_000_000;
const AUTHORS = ['a', 'b', 'c', 'd'] as NodeId[];
/** Charged to no author: every item's charge differs from it, so chargedFor returns them all. */
const NOBODY = '?' as NodeId;

interface Item {
  readonly version: Version;
  readonly by: NodeId;
}

/**
 * chargedFor as c53bb5d wrote it, with d29c7706's fallback: for each item with no version of its
 * author above it, a walk back to its cover; with none, the version weighed just before it.
 */
function reference(heads: readonly Version[], items: readonly Item[]): Map<Item, NodeId> {
  const moved = new Map<Item, NodeId>();
  const all: { readonly v: Version; readonly e: Item | undefined }[] = [];
  for (const h of heads) all.push({ v: h, e: undefined });
  for (const e of items) all.push({ v: e.version, e });
  all.sort((a, b) => weighOrder(a.v, b.v));
  const above = new Set<NodeId>();
  for (let i = 0; i < all.length; i++) {
    const { v, e } = all[i]!;
    const author = v.ts.node;
    if (e !== undefined) {
      let by = author;
      if (!above.has(author)) {
        let other: NodeId | undefined;
        for (let j = i - 1; j >= 0; j--) {
          const c = all[j]!.v;
          if (coversTimestamp(c, v)) {
            other = c.ts.node;
            break;
          }
          other ??= c.ts.node;
        }
        if (other !== undefined) by = other;
      }
      if (by !== e.by) moved.set(e, by);
    }
    above.add(author);
  }
  return moved;
}

function coversTimestamp(c: Version, v: Version): boolean {
  if (c === v) return false;
  const author = c.ts.node;
  if (author === v.ts.node && compareTs(c.ts, v.ts) >= 0) return true;
  for (const s of c.seen) {
    if (s.node === author ? atOrBefore(v.ts, s) : s.node === v.ts.node && compareTs(s, v.ts) >= 0) return true;
  }
  return false;
}

function atOrBefore(a: Timestamp, b: Timestamp): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.c <= b.c);
}

const stamp = fc.record({
  ms: fc.integer({ min: 0, max: 4 }).map((d) => T0 + d),
  c: fc.integer({ min: 0, max: 1 }),
  node: fc.constantFrom(...AUTHORS),
});

/** A version of `kind`: a context of distinct authors (its own: a rest marker), a value of a few. */
const version = (kind: ComponentKind): fc.Arbitrary<Version> =>
  fc
    .record({
      ts: stamp,
      seen: fc.uniqueArray(stamp, { maxLength: 5, selector: (s) => s.node }),
      value: fc.integer({ min: 0, max: 2 }),
      floor: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    })
    .map(({ ts, seen, value, floor }) => ({
      entity: 'x' as EntityId,
      kind,
      ts,
      seen,
      value: kind === 'expiry' ? { at: FAR + value, ...(floor === undefined ? {} : { floor: T0 + floor }) } : { value },
    }));

/** A register: its versions (some copies of others), which are heads, a floor, first-of-value. */
const register = fc
  .constantFrom('position', 'expiry')
  .chain((kind) =>
    fc.record({
      versions: fc.array(version(kind as ComponentKind), { minLength: 1, maxLength: 14 }),
      copies: fc.array(fc.nat(), { maxLength: 3 }),
      heads: fc.array(fc.boolean(), { minLength: 17, maxLength: 17 }),
      gone: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
      first: fc.boolean(),
    }),
  )
  .map(({ versions, copies, heads, gone, first }) => {
    const all = [...versions, ...copies.map((k) => structuredClone(versions[k % versions.length]!))];
    return {
      heads: all.filter((_, i) => heads[i] === true),
      pool: all.filter((_, i) => heads[i] !== true).map((version) => ({ version, by: NOBODY })),
      gone: gone === undefined ? undefined : (t: Timestamp) => t.ms <= T0 + gone,
      first,
    };
  });

const asObject = (m: Map<Item, NodeId>, items: readonly Item[]): (NodeId | undefined)[] => items.map((e) => m.get(e));

describe('charges worked out in one pass equal the walk back to each cover', () => {
  it('chargedFor, and the charges weighEvidence returns for what it keeps, on random registers', () => {
    console.log(`charges-fold seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(register, ({ heads, pool, gone, first }) => {
        // Over any heads and items (what a register keeps after the entity's bound cut some).
        expect(asObject(chargedFor(heads, pool), pool)).toEqual(asObject(reference(heads, pool), pool));
        // Over what the weighing keeps, in its own pass.
        const { kept, by } = weighEvidence(heads, pool, gone, first);
        expect(by).toEqual(asObject(reference(heads, kept), kept));
      }),
      { seed, numRuns },
    );
  });
});
