/**
 * Versions that an honest node never produces (a context naming a write from its own future)
 * must still merge to the same state in every delivery order: the store is never split.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { MAX_CONTEXT_ENTRIES } from '../../../../src/core/merge/context-limits';
import { hasHonestContext } from '../../../../src/core/merge/knowledge';
import { dominates, type Version } from '../../../../src/core/merge/version';
import { dump, replica } from '../support/merge-sim';

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
   * Whether a write was seen is decided by every context a replica was ever delivered, not by its
   * heads, so a context that is not causally closed (c saw b, b saw a, c omits a) still gives one
   * result for one set of versions. A context entry from the writer's own future (a here) is refused
   * by every node alike.
   */
  it('a non-closed context chain (c saw b, b saw a, c omits a) converges in every order', () => {
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
    expect(replica([a, b, c]).heads(a.entity, a.kind)).toEqual([c]);
    // Without b, nothing says a was seen: a and c are both heads, in both orders.
    expect(dump(replica([c, { ...a, seen: [] }]))).toBe(dump(replica([{ ...a, seen: [] }, c])));
    expect(replica([c, { ...a, seen: [] }]).heads(a.entity, a.kind)).toHaveLength(2);
  });

  it('refuses, on every node alike, a context naming its future, one author twice, or more than MAX_CONTEXT_ENTRIES', () => {
    const ok = ver(ts(20, 'b'), [ts(10, 'a')]);
    expect(replica([ok]).size).toBe(1);
    const tooMany = Array.from({ length: MAX_CONTEXT_ENTRIES + 1 }, (_, i) => ts(10, `made-up-${i}`));
    expect(hasHonestContext(ver(ts(20, 'b'), tooMany.slice(1)))).toBe(true);
    for (const seen of [[ts(20, 'c')], [ts(30, 'a')], [ts(5, 'a'), ts(10, 'a')], [ts(20, 'b')], tooMany]) {
      const bad = ver(ts(20, 'b'), seen);
      const r = replica([bad]);
      expect(r.apply(bad).kind).toBe('obsolete');
      expect(r.size).toBe(0);
      // and it teaches nothing: an older write it claims to have seen stays a head
      expect(replica([bad, ver(ts(1, 'a'), [])]).size).toBe(1);
    }
  });

  it("reads an entry naming the writer itself as its rest marker: every write at or before its time, any author's", () => {
    const marker = ver(ts(20, 'b'), [ts(12, 'b')]);
    for (const old of [ver(ts(12, 'a'), []), ver(ts(11, 'c'), []), ver(ts(12, 'zz'), [])]) {
      expect(dominates(marker, old)).toBe(true);
      expect(dump(replica([marker, old]))).toBe(dump(replica([old, marker])));
      expect(replica([old, marker]).heads(marker.entity, marker.kind)).toEqual([marker]);
    }
    const later = ver(ts(13, 'a'), []);
    expect(dominates(marker, later)).toBe(false);
    expect(replica([later, marker]).heads(marker.entity, marker.kind)).toHaveLength(2);
  });
});
