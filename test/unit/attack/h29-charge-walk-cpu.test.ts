/**
 * Attack (hostile review, 2026-12-07, docs/security.md "Twins and evidence"): the CPU of working out
 * who is charged (core/store/evidence.ts, chargedFor). Since every kind's items are charged to the
 * version covering them when none of their author's stands above them, each such item walked back
 * over every version weighed before it, reading each one's whole context. Members (95 keys: an open
 * lattice's, or a large roster) fill one register with 64 items by 64 authors, each under a 63-entry
 * context, below 30 heads with 62-entry contexts and one cover at the top: the walk read ~250k
 * context entries per weighing (~6k held), and every delivery to the register (an honest one too)
 * weighs it: ~5.8 ms a delivery against ~0.75 ms before the charges moved for every kind, ~55 ms for
 * the delivery that lifts a floor on the entity against ~9 ms (medians of three fresh processes
 * each, alternated, load 2.1–3.4; a scratch run).
 *
 * Fixed: the charges are worked out in one pass over what the register keeps, each context entry
 * and rest marker that may reach an item stacked once (evidence.ts, Charges), so each context entry
 * is read a bounded number of times per weighing. Counted here by the entries read, not timed; the
 * charges equal the walk's in test/unit/core/store/charges-fold.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { chargedFor, type Evidence } from '../../../src/core/store/evidence';

const B = 1_700_000_000_000;
const K = 'speed' as ComponentKind;
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const write = (ms: number, node: string, seen: Timestamp[]): Version => ({
  entity: 'e' as EntityId,
  kind: K,
  value: { kts: 1 },
  ts: ts(ms, node),
  seen,
});

/** `seen` behind a proxy that counts the entries read into `reads`. */
function counted(v: Version, reads: { n: number }): Version {
  const seen = new Proxy([...v.seen], {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.n += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ...v, seen };
}

describe('attack suite: who is charged, worked out at the cost of a walk per item', () => {
  it('a member’s 64 items by 64 authors under long contexts: each context entry is read once, not once per item', () => {
    const reads = { n: 0 };
    const shared = Array.from({ length: 62 }, (_, j) => ts(B + 1, `w${j}`));
    const items: Evidence[] = Array.from({ length: 64 }, (_, i) => {
      const version = counted(write(B + 100 + i, `a${i}`, [...shared, ts(B + 99 + i, `z${i}`)].sort(compareTs)), reads);
      return { version, by: version.ts.node };
    });
    const heads = [
      ...Array.from({ length: 30 }, (_, k) => counted(write(B + 500 + k, `b${k}`, shared), reads)),
      counted(
        write(
          B + 1_000,
          'h',
          items.map((e) => e.version.ts),
        ),
        reads,
      ),
    ];
    const entries = [...heads, ...items.map((e) => e.version)].reduce((n, v) => n + v.seen.length, 0);
    const moved = chargedFor(heads, items);
    // Every item is charged to h, whose write names them all.
    expect([...moved.values()]).toEqual(items.map(() => 'h'));
    expect(reads.n, `context entries read (${entries} held)`).toBeLessThanOrEqual(2 * entries);
  });
});
