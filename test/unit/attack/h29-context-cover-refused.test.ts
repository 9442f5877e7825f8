/**
 * Attack (named 2026-12-07, docs/security.md "Twins and evidence"): the covered-expiry attack
 * (h28-covered-expiry-refused) through contexts. A member's write names an honest author's head but
 * leaves out what that head named, so every node keeps the head as evidence once the member's write
 * drops it. It used to be charged to the honest author (the version's own author), so a member could
 * fill an honest author's MAX_EVIDENCE_PER_AUTHOR for free, and then that author's late version was
 * refused at its bound "before anything is learned from it" where it arrived after the member's
 * write, and kept where it came before: what it supersedes stayed a head on one replica only, after
 * any anti-entropy (heads [m] on one replica, [m, r] on the other).
 *
 * Fixed: an item whose own author holds no version weighed before it in its register (no later write
 * of its author, no twin ahead of it) was not made evidence by its author: it is charged to the author
 * of the version covering it (evidence.ts, chargedFor), so the honest author's room is untouched and
 * no honest delivery is refused.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { expectSameReplicas, replicasInEveryOrder } from '../core/store/model/replica-sync';
import { T0, ts, v } from './covered-expiry-fixtures';

const POSITION = 'position' as ComponentKind;
const X = 'x' as EntityId;
/** The author bound, lowered (StoreOptions.evidence) so the member fills it with a few writes. */
const PER_AUTHOR = 4;

/** On `e`: p2's head r, p1's write q that saw it, and m's write naming q but not what q named. */
const r = (e: string): Version => v(e, POSITION, { lat: 1, lon: 1 }, ts(T0 + 100, 'p2'));
const q = (e: string): Version => v(e, POSITION, { lat: 2, lon: 2 }, ts(T0 + 200, 'p1'), [ts(T0 + 100, 'p2')]);
const m = (e: string): Version => v(e, POSITION, { lat: 3, lon: 3 }, ts(T0 + 300, 'm'), [ts(T0 + 200, 'p1')]);

/** A store where m has dropped p1's heads on other entities, each kept as evidence. */
function filled(): EntityStore {
  const s = new EntityStore({ evidence: { perAuthor: PER_AUTHOR } });
  for (let i = 0; i < PER_AUTHOR; i++) for (const x of [r(`e${i}`), q(`e${i}`), m(`e${i}`)]) s.apply(x);
  expect(s.evidenceStats().held).toBe(PER_AUTHOR);
  return s;
}

describe('attack suite: an honest author’s allowance filled by a member’s contexts', () => {
  it('what the member makes every node keep is charged to the member, not to the honest author', () => {
    const s = filled();
    const stats = s.evidenceStats();
    expect(stats.authors).toBe(1);
    // p1's late write to another entity, after m's: kept (charged to m), not refused.
    for (const x of [r('y'), m('y'), q('y')]) s.apply(x);
    expect(s.evidenceStats().refused).toBe(0);
    expect(s.heads('y' as EntityId, POSITION).map((h) => h.ts.node)).toEqual(['m']);
  });

  it('the honest late write is kept on every replica, in any order: replicas agree', () => {
    const groups = [[r(X)], [q(X)], [m(X)]];
    const replicas = replicasInEveryOrder(groups, filled);
    expectSameReplicas(replicas, { entities: [X], kinds: [POSITION] });
    for (const rep of replicas) {
      expect(
        rep.store.heads(X, POSITION).map((h) => h.ts.node),
        rep.id,
      ).toEqual(['m']);
      expect(rep.store.evidenceStats().refused, rep.id).toBe(0);
    }
  });
});
