/**
 * Issue 8 ("zero divergence"): a withdrawal (a removed member's writes, or restored records whose
 * stored proofs no longer verify: EntityStore.withdrawWhere) that takes out the expiry a floor
 * fired with lets a later expiry fire a higher floor, which drops a tombstone between the two. The
 * tombstone's time is not kept below that floor (EntityState.forgetCoveredTombstone), as on a
 * replica that never held the withdrawn expiry. Found by test/unit/node/restart-vs-twin.test.ts
 * (SEED=699659191).
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../../src/core/ids';
import { sameContent } from '../../../../src/core/merge/version-content';
import { compareTs } from '../../../../src/core/clock/timestamp';
import { dump } from '../support/merge-sim';
import { node } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

describe('a withdrawn expiry whose floor a later expiry replaces', () => {
  it('leaves no tombstone time below the new floor, as a replica that never held it', () => {
    const n0 = node('n0', T0);
    const n1 = node('n1', T0 + 6);
    const n2 = node('n2', T0 + 5);
    const first = n0.write(X, 'expiry', { at: T0 + 5 });
    const tombstone = n1.delete(X);
    const later = n2.write(X, 'expiry', { at: T0 + 10 });
    // One replica held the first expiry and fired its floor, under the tombstone.
    const held = node('held', T0 + 5);
    held.receive(first);
    held.store.purgeExpired(T0 + 5);
    held.receive(tombstone, later);
    expect(held.store.state(X as EntityId)?.deletedAt).toEqual(tombstone.ts);
    // Its record is withdrawn at T0 + 10: the later expiry fires and drops the tombstone.
    const out = held.store.withdrawWhere(
      [X as EntityId],
      (v) => compareTs(v.ts, first.ts) === 0 && sameContent(v, first),
      T0 + 10,
    );
    expect(out.size).toBe(1);
    // The other never held it, and fired the later floor.
    const never = node('never', T0 + 10);
    never.receive(tombstone, later);
    never.store.purgeExpired(T0 + 10);
    expect(held.store.state(X as EntityId)?.deletedAt).toBeUndefined();
    expect(dump(held.store, true)).toBe(dump(never.store, true));
  });
});
