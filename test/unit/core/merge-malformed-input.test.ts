/**
 * Versions that an honest node never produces (a context naming a write from its own future)
 * must still merge to the same state in every delivery order: the store is never split.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { dominates, type Version } from '../../../src/core/merge/version';
import { dump, replica } from './merge-sim';

const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const ver = (t: Timestamp, seen: Timestamp[], level = 'LOW'): Version => ({
  entity: 'e1' as EntityId,
  kind: 'threat' as ComponentKind,
  value: { level },
  ts: t,
  seen,
});

describe('malformed causal contexts', () => {
  it('two versions that each claim to have seen the other converge in both orders', () => {
    const a = ver(ts(10, 'a'), [ts(20, 'b')], 'HIGH');
    const b = ver(ts(20, 'b'), [ts(10, 'a')], 'LOW');
    expect(dump(replica([a, b]))).toBe(dump(replica([b, a])));
  });

  it("a context entry from the writer's own future does not let an older write supersede a newer one", () => {
    const newer = ver(ts(50, 'b'), []);
    const older = ver(ts(10, 'a'), [ts(50, 'b')]);
    expect(dominates(older, newer)).toBe(false);
  });

  /**
   * KNOWN LIMITATION (reported, not fixed): the register keeps only its heads, so it relies on
   * contexts being causally closed (if c saw b and b saw a, c's context covers a), which every
   * honest writer's contexts are. A peer that sends a non-closed context (c saw b, b saw a, c's
   * context omits a) makes the result depend on arrival order. `it.fails` pins the current
   * behaviour: when the merge becomes robust to this, drop `.fails`.
   */
  it.fails('a non-closed context chain (c saw b, b saw a, c omits a) converges in every order', () => {
    const a = ver(ts(10, 'a'), [ts(30, 'c')]);
    const b = ver(ts(20, 'b'), [ts(10, 'a')]);
    const c = ver(ts(30, 'c'), [ts(20, 'b')]);
    const orders = [
      [a, b, c],
      [a, c, b],
      [b, a, c],
      [b, c, a],
      [c, a, b],
      [c, b, a],
    ];
    const first = dump(replica(orders[0]!));
    for (const o of orders) expect(dump(replica(o))).toBe(first);
  });
});
