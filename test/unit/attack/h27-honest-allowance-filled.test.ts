/**
 * Attack (hostile review 2026-12-07): since 1c5d5ae an expiry superseded without its carried floor
 * is kept as evidence charged to its own author (docs/security.md, "Twins and evidence"). A member's
 * expiry whose rest marker covers an honest author's floor-carrying expiry supersedes it without
 * carrying its floor: the honest expiry is kept, charged to the honest author, and the member's own
 * expiry is a head, charged to nobody. So the member fills an honest author's evidence allowance
 * (MAX_EVIDENCE_PER_AUTHOR) at no cost to its own (not fixed: the documented price of charging a
 * dropped head to its author). Past it, that author's next such expiry must still be taken where a
 * replica with room keeps it: an expiry that carries the entity's floor further is never refused at
 * the bounds (EntityState.raisesCarried). Refused "before anything is learned" instead (a fix tried
 * first for h27-carried-floor-unserved.test.ts), the node showed what the other hid, after any
 * anti-entropy; main took the floor and refused the expiry, which agreed here only because the other
 * replica served it.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_AUTHOR } from '../../../src/core/store/evidence';
import { dump } from '../core/support/merge-sim';
import { settle } from '../core/store/model/replica-sync';

const EXPIRY = 'expiry' as ComponentKind;
const POSITION = 'position' as ComponentKind;
const T0 = 1_700_000_000_000;
const FAR = T0 + 100_000_000;
const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });
const v = (entity: string, kind: ComponentKind, value: unknown, t: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: entity as EntityId,
  kind,
  value: value as Version['value'],
  ts: t,
  seen,
});
/** p1's expiry of `e` carrying the floor its earlier one fired, and m's that covers it with a rest marker. */
const honest = (e: string): Version => v(e, EXPIRY, { at: T0 + 3_000, floor: T0 + 1_000 }, ts(T0 + 2_000, 'p1'));
const cover = (e: string): Version => v(e, EXPIRY, { at: FAR }, ts(T0 + 2_100, 'm'), [ts(T0 + 2_000, 'm')]);

describe('attack suite: a member fills an honest author’s evidence allowance with expiries that cover it', () => {
  it('at no cost of its own; the honest author’s next covered expiry is still taken, and replicas agree', () => {
    const a = new EntityStore();
    for (let i = 0; i < MAX_EVIDENCE_PER_AUTHOR; i++) {
      a.apply(honest(`e${i}`));
      a.apply(cover(`e${i}`));
    }
    const stats = a.evidenceStats();
    // All of it charged to p1, the honest author; m, whose deliveries made the node keep it, has its whole allowance.
    expect(stats).toMatchObject({ held: MAX_EVIDENCE_PER_AUTHOR, authors: 1 });
    // Entity x: an honest position under the floor, m's covering expiry, then p1's expiry.
    const b = new EntityStore();
    for (const s of [a, b]) {
      s.apply(v('x', POSITION, { lat: 1, lon: 2 }, ts(T0 + 500, 'p3')));
      s.apply(cover('x'));
      s.apply(honest('x'));
    }
    const sync = (): void => {
      for (const x of [...a.retained()]) b.apply(structuredClone(x));
      for (const x of [...b.retained()]) a.apply(structuredClone(x));
    };
    settle(
      [
        { id: 'a' as NodeId, store: a },
        { id: 'b' as NodeId, store: b },
      ],
      sync,
    );
    const x = (s: EntityStore): string =>
      dump(s, true)
        .split('\n')
        .filter((l, i, all) => all.slice(0, i + 1).some((m) => m.startsWith('x ')) || l.startsWith('x '))
        .join('\n');
    expect(x(a)).toBe(x(b));
  });
});
