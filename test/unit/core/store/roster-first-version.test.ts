/**
 * A roster register keeps the earliest version of each op it was delivered, as evidence
 * (evidence.ts, keepsFirstOfValue; docs/security.md, "An op signed again"): the store keeps a
 * register's latest version as its head, so an op signed again later, or a twin in between, took the
 * first version out of every store that merged it, and the stamp the op counts at with it
 * (test/unit/attack/resigned-admission-voids-history.test.ts). What is kept is a function of the
 * versions delivered: every order gives the same heads and the same evidence.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { ROSTER_OP_KIND } from '../../../../src/core/roster/roster-entity';
import { EntityStore } from '../../../../src/core/store/entity-store';

const E = 'roster:mm:2' as EntityId;
const add = (member: string, ms: number, kind: ComponentKind = ROSTER_OP_KIND): Version => ({
  entity: E,
  kind,
  value: { author: 'mm', seq: 2, lamport: 3, type: 'add', member } as never,
  ts: { ms, c: 0, node: 'mm' as NodeId },
  seen: [],
});

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** The versions in a seeded order (a small LCG, so a failure names its seed). */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const key = (vs: Iterable<Version>): string[] => [...vs].map((v) => `${v.ts.ms}:${JSON.stringify(v.value)}`).sort();

describe('a roster register keeps the first version of each op', () => {
  it('an op signed again later: the head is the later version, the first is kept, in either order', () => {
    for (const order of permutations([add('hh', 100), add('hh', 300)])) {
      const store = new EntityStore();
      for (const v of order) store.apply(v);
      expect(key(store.heads(E, ROSTER_OP_KIND))).toEqual(['300:' + JSON.stringify(add('hh', 0).value)]);
      expect(key(store.retainedOf(E, ROSTER_OP_KIND))).toEqual(key([add('hh', 100), add('hh', 300)]));
    }
  });

  it('a twin in between and the op signed again after it: the same versions kept in every order', () => {
    const all = [add('hh', 100), add('zz', 200), add('hh', 300), add('hh', 50), add('zz', 250)];
    const want = key([add('hh', 50), add('zz', 200), add('hh', 300)]);
    for (const order of permutations(all)) {
      const store = new EntityStore();
      for (const v of order) store.apply(v);
      expect(key(store.heads(E, ROSTER_OP_KIND))).toEqual(key([add('hh', 300)]));
      expect(key(store.retainedOf(E, ROSTER_OP_KIND))).toEqual(want);
    }
  });

  it('other kinds keep only what a later version does not teach, as before', () => {
    const note = 'note' as ComponentKind;
    const store = new EntityStore();
    for (const v of [add('hh', 100, note), add('hh', 300, note)]) store.apply(v);
    expect(key(store.retainedOf(E, note))).toEqual(key([add('hh', 300, note)]));
  });
  it('the first version of every op is kept past the entity bound: 64 other ops under the id and the op again (issue 12)', () => {
    // The bound kept the latest 64: the 64 others pushed the first version of `hh` out, and the op
    // counted at its re-sign's stamp again (docs/security.md, "An op signed again").
    const others = Array.from({ length: 64 }, (_, i) => add(`m${i}`, 200 + i));
    const all = [add('hh', 100), ...others, add('hh', 1_000)];
    for (const seed of [1, 2, 3]) {
      const order = seed === 1 ? all : shuffle(all, seed);
      const store = new EntityStore();
      for (const v of order) store.apply(v);
      expect(key(store.heads(E, ROSTER_OP_KIND))).toEqual(key([add('hh', 1_000)]));
      // Every first version stays, past the bound (each is an admission: docs/security.md, "An
      // admission signed over"): what bounds them is their author's evidence bound.
      expect(key(store.retainedOf(E, ROSTER_OP_KIND))).toEqual(key(all));
    }
  });

  it('first versions stay past a backdated flood: 64 other ops stamped before the first (session 18 attack)', () => {
    // The flood sorted ahead of the first version of `hh` (earliest first) and cut it: the admission
    // ended on every replica (test/unit/attack/twin-admission-attacks.test.ts).
    const others = Array.from({ length: 64 }, (_, i) => add(`m${i}`, 10 + i));
    const all = [add('hh', 100), ...others, add('zz', 1_000)];
    for (const seed of [1, 2, 3]) {
      const order = seed === 1 ? all : shuffle(all, seed);
      const store = new EntityStore();
      for (const v of order) store.apply(v);
      expect(key(store.retainedOf(E, ROSTER_OP_KIND))).toEqual(key(all));
    }
  });

  it('under a small entity bound, first versions stay, the rest are cut, the same in every order', () => {
    // aa@400 is not a first (aa@200 is) but names a write nothing later names: kept as evidence
    // unbounded, and the one the bound cuts.
    const named = { ...add('aa', 400), seen: [{ ms: 10, c: 0, node: 'zz' as NodeId }] };
    const all = [add('hh', 100), add('aa', 200), add('bb', 300), named, add('hh', 500), add('cc', 350)];
    for (const [bound, wanted] of [
      [2, [add('hh', 100), add('aa', 200), add('bb', 300), add('cc', 350), add('hh', 500)]],
      [8, [add('hh', 100), add('aa', 200), add('bb', 300), named, add('cc', 350), add('hh', 500)]],
    ] as const) {
      for (const order of permutations(all)) {
        const store = new EntityStore({ evidence: { perEntity: bound } });
        for (const v of order) store.apply(v);
        expect(key(store.heads(E, ROSTER_OP_KIND))).toEqual(key([add('hh', 500)]));
        // retainedOf lists the head too.
        expect(key(store.retainedOf(E, ROSTER_OP_KIND))).toEqual(key(wanted));
      }
    }
  });

  it('what bounds the first versions is their author’s evidence bound: past it a new op under the id is refused, counted', () => {
    const store = new EntityStore({ evidence: { perAuthor: 8 } });
    const ops = Array.from({ length: 20 }, (_, i) => add(`m${i}`, 1_000 - i));
    for (const v of ops) store.apply(v);
    // The head (the first delivered, latest stamp) and 8 first versions charged to mm; the rest refused.
    expect(store.evidenceStats().held).toBe(8);
    expect([...store.retainedOf(E, ROSTER_OP_KIND)].length).toBe(9);
    expect(store.evidenceStats().refused).toBe(11);
  });
});
