/**
 * Attack (hostile review 2026-12-07, follow-up of h27-honest-allowance-filled.test.ts): a member
 * fills an honest author's evidence allowance (MAX_EVIDENCE_PER_AUTHOR) with expiries whose rest
 * markers cover that author's floor-carrying expiries, each kept as evidence (docs/security.md,
 * "Twins and evidence"). What the honest author then loses: its next expiry of an entity whose floor
 * it carries on (an honest gate re-arming a track's expiry: the same floor, a later deadline) is kept
 * as evidence where it arrives after the member's cover, and so is refused at its author's bound,
 * "before anything is learned from it", while a replica that had it before the cover keeps it. Two
 * replicas given the same versions in different orders then serve different evidence (one p1's first
 * expiry, the other its second) and learned different knowledge, after any anti-entropy: the honest
 * expiry is fetched and refused at every hold-back, for as long as the member keeps the allowance
 * full (each cover costs it nothing: the evidence was charged to p1).
 *
 * Fixed: an expiry kept only for the floor it carries (everything else it teaches is taught by the
 * versions weighed before it) is charged to the author of the version that covers it (evidence.ts,
 * chargedFor), and a delivery is refused at the bound only for its own author's versions charged to
 * it, so the member's covers count against the member, not against p1.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { expectSameReplicas, replicasInEveryOrder } from '../core/store/model/replica-sync';
import { cover, EXPIRY, F, honest, POSITION, T0, ts, v } from './covered-expiry-fixtures';

const X = 'x' as EntityId;
/** The author bound, lowered (StoreOptions.evidence) so the member fills it with a few covers. */
const PER_AUTHOR = 4;

/** On x: a position under F, p1's expiry carrying F, p1's next (a later deadline, F carried on), m's cover of both. */
const groups: Version[][] = [
  [v(X, POSITION, { lat: 1, lon: 2 }, ts(T0 + 500, 'p3'))],
  [honest(X)],
  [v(X, EXPIRY, { at: T0 + 9_000, floor: F }, ts(T0 + 2_500, 'p1'))],
  [cover(X, T0 + 2_500)],
];

/** A store where m has filled p1's allowance with covers of p1's expiries on other entities. */
function filled(): EntityStore {
  const s = new EntityStore({ evidence: { perAuthor: PER_AUTHOR } });
  for (let i = 0; i < PER_AUTHOR; i++) {
    s.apply(honest(`e${i}`));
    s.apply(cover(`e${i}`));
  }
  expect(s.evidenceStats().held).toBe(PER_AUTHOR);
  return s;
}

describe('attack suite: an honest author’s allowance filled by a member’s covering expiries', () => {
  it('its next expiry of a floored entity is kept on every replica, in any order: replicas agree', () => {
    const replicas = replicasInEveryOrder(groups, filled);
    expectSameReplicas(replicas, { entities: [X], kinds: [EXPIRY, POSITION] });
    for (const r of replicas) {
      // p1's latest expiry is served everywhere, and no honest delivery was refused at the bound.
      expect(
        [...r.store.retained()].some((x) => x.entity === X && x.ts.node === 'p1' && x.ts.ms === T0 + 2_500),
        r.id,
      ).toBe(true);
      expect(r.store.evidenceStats().refused, r.id).toBe(0);
      // F holds: the position written under it is gone.
      expect(r.store.heads(X, POSITION), r.id).toEqual([]);
    }
  });
});
