/**
 * Issue 8 ("zero divergence"): when an expiry written before a fired deadline arrives and takes the
 * floor away (EntityState.liftFloor), a tombstone the floor had dropped must not keep acting on the
 * node that dropped it. No node serves it any more, so a peer that never received it keeps the
 * versions it would remove, and the two pictures differ for as long as the new deadline is ahead
 * (docs/architecture.md, "Expiry"). Found by store-vs-model.test.ts (SEED=1250128365).
 */
import { describe, expect, it } from 'vitest';
import { dump } from '../support/merge-sim';
import { node } from '../support/sim-node';

const X = 'x';
const T0 = 1_700_000_000_000;

describe('a tombstone dropped by a floor that is later taken away', () => {
  it('no longer removes what its peers keep, so replicas that were served the same versions agree', () => {
    const n0 = node('n0', T0);
    const n1 = node('n1', T0);
    const expiry = n0.write(X, 'expiry', { at: T0 + 60 });
    n0.wall = T0 + 5;
    const speed = n0.write(X, 'speed', 7);
    n1.wall = T0 + 5;
    n1.receive(expiry, speed);
    // n1 deletes x; n0 meanwhile lengthens the deadline (its write saw the first expiry).
    n1.wall = T0 + 10;
    n1.delete(X);
    n0.wall = T0 + 9;
    const later = n0.write(X, 'expiry', { at: T0 + 10_000 });
    // n1 fires the first deadline: the floor drops the speed and n1's own tombstone.
    n1.wall = T0 + 60;
    n1.store.purgeExpired(T0 + 60);
    expect([...n1.store.retained()].some((v) => v.kind === '$deleted')).toBe(false);
    // The lengthened expiry arrives and takes the floor away; anti-entropy then serves n1 what n0 holds.
    n1.receive(later);
    n1.receive(...n0.store.retained());
    n0.receive(...n1.store.retained());
    expect(dump(n1.store, true)).toBe(dump(n0.store, true));
    for (const n of [n0, n1]) expect(n.store.view(X as never, T0 + 100)?.components.speed).toBe(7);
  });
});
