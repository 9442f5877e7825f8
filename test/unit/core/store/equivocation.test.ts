/** Issue 8: one timestamp with two contents is not a duplicate, and every replica keeps the same one. */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { compareContent, sameContent } from '../../../../src/core/merge/version-content';
import { EntityStore } from '../../../../src/core/store/entity-store';

const ts = (ms: number, node: string) => ({ ms, c: 0, node: node as NodeId });

function version(value: unknown, seen: Version['seen'] = [], node = 'z', ms = 100): Version {
  return { entity: 'x' as EntityId, kind: 'note' as ComponentKind, value: value as never, ts: ts(ms, node), seen };
}

describe('one timestamp, two contents', () => {
  it('tells contents apart by value and context, not by key order or context order', () => {
    expect(sameContent(version({ a: 1, b: 2 }), version({ b: 2, a: 1 }))).toBe(true);
    const seen = [ts(5, 'p'), ts(7, 'q')];
    expect(sameContent(version(1, seen), version(1, [...seen].reverse()))).toBe(true);
    expect(sameContent(version({ a: 1 }), version({ a: 2 }))).toBe(false);
    expect(sameContent(version(1, seen), version(1, seen.slice(1)))).toBe(false);
    expect(Math.sign(compareContent(version({ a: 1 }), version({ a: 2 })))).toBe(-1);
  });

  // Two values with one context teach the same: the loser is refused and nothing is kept. A loser
  // whose context names what the winner's does not is kept as evidence (evidence.ts), in either
  // order, so a replica that syncs with this one learns that context too.
  for (const [label, make, evidence] of [
    ['values', (i: number) => version({ v: i }), false],
    ['contexts', (i: number) => version({ v: 0 }, i === 0 ? [] : [ts(50, 'p')]), true],
  ] as const) {
    it(`keeps the same one of two ${label} in either order, on the general and the sole-author path`, () => {
      for (const prior of [[], [version({ v: -1 }, [], 'z', 90)]]) {
        const [first, second] = [make(0), make(1)];
        const winner = compareContent(first, second) < 0 ? first : second;
        const loser = winner === first ? second : first;
        const results = [
          [first, second],
          [second, first],
        ].map((order) => {
          const store = new EntityStore();
          for (const v of [...prior, ...order]) store.apply(v);
          expect(store.apply(winner).kind).toBe('duplicate');
          expect(store.apply(loser).kind).toBe(evidence ? 'duplicate' : 'obsolete');
          return store;
        });
        for (const store of results) {
          expect(store.heads('x' as EntityId, 'note' as ComponentKind)).toEqual([winner]);
          expect(store.size).toBe(1);
          expect([...store.evidence()]).toEqual(evidence ? [loser] : []);
          // The register's heads and its evidence, read back by the sync index to answer a want.
          expect([...store.retainedOf('x' as EntityId, 'note' as ComponentKind)]).toEqual(
            evidence ? [winner, loser] : [winner],
          );
          expect([...store.retainedOf('x' as EntityId, 'other' as ComponentKind)]).toEqual([]);
          // Counted per delivery: the refused loser delivered again counts again, evidence is a duplicate.
          expect(store.evidenceStats()).toMatchObject({ equivocations: evidence ? 1 : 2, held: evidence ? 1 : 0 });
        }
      }
    });
  }

  it('reports the replaced one as removed, and the twin', () => {
    const store = new EntityStore();
    const [a, b] = [version({ v: 'b' }), version({ v: 'a' })];
    store.apply(a);
    expect(store.apply(b)).toEqual({ kind: 'applied', removed: [a], twin: true });
  });
});
