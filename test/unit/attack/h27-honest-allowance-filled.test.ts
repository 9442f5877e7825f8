/**
 * Attack (hostile review 2026-12-07): since 1c5d5ae an expiry superseded without its carried floor
 * is kept as evidence (docs/security.md, "Twins and evidence"). A member's expiry whose rest marker
 * covers an honest author's floor-carrying expiry supersedes it without carrying its floor: the
 * honest expiry is kept, and the member's own expiry is a head. Charged to its own author, as any
 * dropped head was, that let the member fill an honest author's evidence allowance
 * (MAX_EVIDENCE_PER_AUTHOR) at no cost to its own, and past it the honest author's next expiry
 * delivered after a cover was refused at one replica and kept at another, which then served
 * different evidence for good (test/unit/attack/h28-covered-expiry-refused.test.ts).
 *
 * Fixed (h28): an expiry kept only for the floor it carries is charged to the author of the version
 * that covers it (evidence.ts, chargedFor): here the member. Past any bound, an expiry that carries
 * the entity's floor further is still never refused (EntityState.raisesCarried): refused "before
 * anything is learned" instead (a fix tried first for h27-carried-floor-unserved.test.ts), the node
 * showed what the other hid, after any anti-entropy.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import { EntityStore } from '../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_AUTHOR } from '../../../src/core/store/evidence';
import { dump } from '../core/support/merge-sim';
import { syncAll } from '../core/store/model/replica-sync';
import { cover, honest, POSITION, T0, ts, v } from './covered-expiry-fixtures';

describe('attack suite: a member’s expiries that cover an honest author’s are charged to the member', () => {
  it('the honest author keeps its allowance; its next covered expiry is taken, and replicas agree', () => {
    const a = new EntityStore();
    for (let i = 0; i < MAX_EVIDENCE_PER_AUTHOR; i++) {
      a.apply(honest(`e${i}`));
      a.apply(cover(`e${i}`));
    }
    const stats = a.evidenceStats();
    // All of it charged to m, whose covers made the node keep it; p1, the honest author, has its whole allowance.
    expect(stats).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, authors: 1 });
    for (let i = 0; i < MAX_EVIDENCE_PER_AUTHOR; i++) {
      expect(
        a
          .state(`e${i}` as EntityId)
          ?.meta()
          .evidence?.map((e) => e.by),
      ).toEqual(['m']);
    }
    // Entity x: an honest position under the floor, m's covering expiry, then p1's expiry.
    const b = new EntityStore();
    for (const s of [a, b]) {
      s.apply(v('x', POSITION, { lat: 1, lon: 2 }, ts(T0 + 500, 'p3')));
      s.apply(cover('x'));
      s.apply(honest('x'));
    }
    syncAll([a, b]);
    const x = (s: EntityStore): string =>
      dump(s, true)
        .split('\n')
        .filter((l, i, all) => all.slice(0, i + 1).some((m) => m.startsWith('x ')) || l.startsWith('x '))
        .join('\n');
    expect(x(a)).toBe(x(b));
  });
});
