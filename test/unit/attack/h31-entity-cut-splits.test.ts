/**
 * Attack (issue 8, "zero divergence"; docs/security.md "Twins and evidence"): the entity's evidence
 * bound cuts the member's version that alone superseded an honest expiry kept for its floor, and the
 * replicas split for good.
 *
 * p1 writes an expiry carrying the floor F (`honest`). m writes an expiry whose rest marker covers
 * it without its floor (`cover`): p1's expiry leaves the heads and is kept as evidence for the floor
 * it carries (evidence.ts, chargedFor: charged to m). m then writes 64 later expiries, each with a
 * rest marker below the one before (so each one m writes drops the one before without teaching
 * what it named, and that one is kept as evidence) and below p1's expiry (none covers it). The
 * entity would keep 65 items, one past MAX_EVIDENCE_PER_ENTITY: p1's expiry carries the entity's
 * largest floor and is never cut (topCarrier), so the cut takes the earliest, m's cover.
 *
 * - Delivered as written, the cover entered first, dropped p1's expiry to the evidence, then was cut
 *   when m's last expiry came: relearn took back what the cover taught, but p1's expiry stayed in the
 *   evidence, superseded by nothing the store still knew.
 * - Delivered latest first, the cover came last and was refused at the entity's bound: p1's expiry
 *   stayed a head.
 *
 * Both stores then serve the same versions, every one a duplicate at the other, and on main they
 * kept different heads for good (one showed p1's deadline, the other did not). Now a register the
 * bound cut is merged again from what the entity holds (EntityState.remergeCut): p1's expiry is a
 * head in both. The same with three versions at an entity bound of 1, in all six orders.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../src/core/store/evidence';
import { expectSameReplicas, replicasInEveryOrder, syncAll } from '../core/store/model/replica-sync';
import { EXPIRY, F, FAR, POSITION, T0, honest, ts, v } from './covered-expiry-fixtures';

const E = 'e';
const registers = { entities: [E] as never[], kinds: [EXPIRY, POSITION] };

/** m's cover of p1's expiry (rest marker at p1's write), then `n` later expiries with falling markers. */
function history(n: number): { readonly p1: Version; readonly cover: Version; readonly later: Version[] } {
  const p1 = honest(E);
  const cover = v(E, EXPIRY, { at: FAR }, ts(T0 + 2_500, 'm'), [ts(T0 + 2_000, 'm')]);
  const later = Array.from({ length: n }, (_, i) =>
    v(E, EXPIRY, { at: FAR + i + 1 }, ts(T0 + 2_501 + i, 'm'), [ts(T0 + 1_900 - i, 'm')]),
  );
  return { p1, cover, later };
}

describe('attack suite: the entity bound cuts the version that superseded an expiry kept for its floor', () => {
  it('at the production bound: 66 versions in two orders, then anti-entropy, are one store', () => {
    const { p1, cover, later } = history(MAX_EVIDENCE_PER_ENTITY);
    const written = new EntityStore();
    for (const x of [p1, cover, ...later]) written.apply(structuredClone(x));
    const latestFirst = new EntityStore();
    for (const x of [...[...later].reverse(), p1, cover]) latestFirst.apply(structuredClone(x));
    for (const s of [written, latestFirst]) {
      // m's 63 expiries after its cover and before its last: the cover was cut or refused.
      expect(s.state(E as never)!.evidenceCount).toBe(MAX_EVIDENCE_PER_ENTITY - 1);
      // p1's expiry is a head: nothing either store keeps covers it.
      expect(s.heads(E as never, EXPIRY).map((h) => h.ts.node)).toContain('p1');
      expect(s.state(E as never)!.meta().carried).toBe(F);
    }
    syncAll([written, latestFirst]);
    expectSameReplicas(
      [
        { id: 'written' as NodeId, store: written },
        { id: 'latestFirst' as NodeId, store: latestFirst },
      ],
      registers,
    );
    // The store's count of heads follows the head that came back.
    for (const s of [written, latestFirst]) expect(s.size).toBe([...s.state(E as never)!.versions()].length);
  });

  it('at an entity bound of 1: the three versions in every order, then anti-entropy, are one store', () => {
    const { p1, cover, later } = history(1);
    const replicas = replicasInEveryOrder(
      [[p1], [cover], later],
      () => new EntityStore({ evidence: { perEntity: 1 } }),
    );
    expectSameReplicas(replicas, registers);
    for (const r of replicas) expect(r.store.heads(E as never, EXPIRY).map((h) => h.ts.node)).toContain('p1');
  });
});
