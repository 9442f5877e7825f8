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
});
