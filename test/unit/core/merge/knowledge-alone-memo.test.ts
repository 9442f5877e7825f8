/**
 * Knowledge.taughtByAlone keeps the heads array it last held true for until the knowledge changes
 * (persisting a received frame asks it of every register of each entity touched: EntityState.
 * restoredByVersions, src/node/entity-meta.ts), and raiseLatestOwn carries it to the heads an
 * author's next context-free write leaves. Whatever the changes in between, its answer is the one
 * a copy that never answered before (clone()) works out. Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { Knowledge, NOT_LATEST } from '../../../../src/core/merge/knowledge';
import type { Version } from '../../../../src/core/merge/version';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const AUTHORS = ['a', 'b', 'c', 'd'] as NodeId[];

const at = (ms: number, author: number, seen: Timestamp[] = []): Version => ({
  entity: 'e' as EntityId,
  kind: 'speed' as ComponentKind,
  value: { v: ms },
  ts: { ms, c: 0, node: AUTHORS[author]! },
  seen,
});

/** Heads as applyLatestOwn leaves them: `v` in place of its author's head, or beside them. */
function withLatest(heads: readonly Version[], v: Version): Version[] {
  return [...heads.filter((h) => h.ts.node !== v.ts.node), v];
}

type Op =
  | { readonly op: 'latest'; readonly author: number; readonly ms: number }
  | {
      readonly op: 'learn';
      readonly author: number;
      readonly ms: number;
      readonly seen: number;
      readonly seenMs: number;
    }
  | {
      readonly op: 'learnAbove';
      readonly author: number;
      readonly ms: number;
      readonly seen: number;
      readonly gone: number;
    }
  | { readonly op: 'prune'; readonly below: number }
  | { readonly op: 'ask'; readonly which: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('latest' as const), author: fc.nat(3), ms: fc.nat(40) }) },

  fc.record({
    op: fc.constant('learn' as const),
    author: fc.nat(3),
    ms: fc.nat(40),
    seen: fc.nat(4),
    seenMs: fc.nat(40),
  }),
  fc.record({
    op: fc.constant('learnAbove' as const),
    author: fc.nat(3),
    ms: fc.nat(140),
    seen: fc.nat(4),
    gone: fc.nat(140),
  }),
  // Writes of the `latest` op start at ms 100: thresholds reach past them.
  fc.record({ op: fc.constant('prune' as const), below: fc.nat(140) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('ask' as const), which: fc.nat(8) }) },
);

describe('Knowledge.taughtByAlone, kept between changes', () => {
  it(`answers as a fresh copy does after any changes (seed ${seed})`, () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => {
        const k = new Knowledge();
        // Heads arrays met so far (asked again by reference, as a register's are).
        const pool: (readonly Version[])[] = [[]];
        let heads: readonly Version[] = [];
        let clock = 100;
        for (const o of ops) {
          if (o.op === 'latest') {
            // An author's next context-free write, as EntityState.applyLatestOwn applies it.
            const v = at(clock++, o.author);
            if (k.latestOwnBefore(v.ts) === NOT_LATEST) continue;
            const after = withLatest(heads, v);
            // The register's heads before (raiseLatestOwn's contract); an answer kept for another
            // array of the pool (asked below) is not carried (the example test pins that guard).
            k.raiseLatestOwn(v.ts, heads, after);
            heads = after;
            pool.push(heads);
          } else if (o.op === 'learn') {
            const seen = o.seen === o.author || o.seen >= AUTHORS.length ? [] : [at(o.seenMs, o.seen).ts];
            k.learn(at(o.ms, o.author, seen));
          } else if (o.op === 'learnAbove') {
            const seen = o.seen === o.author || o.seen >= AUTHORS.length ? [] : [at(o.ms - 1, o.seen).ts];
            k.learnAbove(at(o.ms, o.author, seen), (t) => t.ms <= o.gone);
          } else if (o.op === 'prune') {
            k.prune((t) => compareTs(t, { ms: o.below, c: 0, node: 'a' as NodeId }) <= 0);
          }
          for (const h of [heads, pool[o.op === 'ask' ? o.which % pool.length : 0]!]) {
            expect(k.taughtByAlone(h)).toBe(k.clone().taughtByAlone(h));
          }
        }
      }),
      { seed, numRuns: 500 },
    );
  });

  it('forgets its answer when what it knows changes under the same heads', () => {
    const heads = [at(100, 0), at(101, 1)];
    const fresh = (): Knowledge => {
      const k = new Knowledge();
      for (const h of heads) k.learn(h);
      expect(k.taughtByAlone(heads)).toBe(true);
      return k;
    };
    // A refused write (older than a's head) whose context names d: one entry more than heads.
    const learned = fresh();
    learned.learn(at(50, 0, [at(40, 3).ts]));
    expect(learned.taughtByAlone(heads)).toBe(false);
    const above = fresh();
    above.learnAbove(at(50, 0, [at(40, 3).ts]), () => false);
    expect(above.taughtByAlone(heads)).toBe(false);
    const pruned = fresh();
    pruned.prune((t) => t.node === AUTHORS[1]);
    expect(pruned.taughtByAlone(heads)).toBe(false);
    // a's next write learned, its head not yet replaced.
    const raised = fresh();
    raised.raiseLatestOwn(at(102, 0).ts);
    expect(raised.taughtByAlone(heads)).toBe(false);
    // Carried to the heads that write leaves, and only from the heads it held true for.
    const carried = fresh();
    const after = withLatest(heads, at(102, 0));
    carried.raiseLatestOwn(at(102, 0).ts, heads, after);
    expect(carried.taughtByAlone(after)).toBe(true);
    const notFrom = fresh();
    notFrom.raiseLatestOwn(at(102, 0).ts, [heads[1]!], after);
    expect(notFrom.clone().taughtByAlone(after)).toBe(true);
    expect(notFrom.taughtByAlone(after)).toBe(true);
    // Carried only from the heads it held true for: an answer for other heads is not carried.
    const k = new Knowledge();
    k.learn(at(100, 0));
    const p = [at(100, 0)];
    expect(k.taughtByAlone(p)).toBe(true);
    const t = [at(100, 0), at(50, 2), at(101, 1)];
    k.raiseLatestOwn(at(101, 1).ts, [at(100, 0), at(50, 2)], t);
    expect(k.taughtByAlone(t)).toBe(false);
  });
});
