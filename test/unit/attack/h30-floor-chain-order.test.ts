/**
 * Attack (hostile review of 2026-12-07, docs/security.md "Twins and evidence"): floor-raising
 * expiries of one author x keep its earlier ones past its evidence bound. Ten expiries of x on one
 * entity, the k-th carrying the floor T0+10k, written at T0+1000+10k, its context naming a write
 * that does not exist (`made-k`) which the next leaves out: each one x writes drops the one before
 * without teaching what that named, so that one is kept as evidence, charged to x (its own later
 * expiry stands above it, evidence.ts chargedFor).
 *
 * At an author bound of 1, on main, the same ten versions gave two stores that differed for good:
 *
 * - delivered in the order written, each raises the floor, so none is refused at the bound
 *   (EntityState.raisesCarried): nine of x's expiries kept, charged to x, nothing refused;
 * - delivered latest first, the first raises the floor to T0+100 and the nine others raise nothing:
 *   each was weighed against x's room, one kept, eight refused. Anti-entropy then sent those eight
 *   again and again, refused each time, and the two stores knew different writes (`made-1` to
 *   `made-8` on one only): a write of those authors would be a head on one and superseded on the
 *   other.
 *
 * Now an expiry carrying a floor is never refused at its author's or the node's bound, whether or
 * not it raises the floor where it arrives (entity-state.ts, floorCarrier): every order keeps the
 * nine, and the stores are one. Bounding x's expiries below what the weighing keeps cannot be done
 * without splitting replicas (docs/security.md, "Twins and evidence": three of x's expiries at a
 * bound of 1, each order keeping the one it got first): what bounds them is the entity's bound (64).
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { dump, prng, shuffle } from '../core/support/merge-sim';
import { syncAll } from '../core/store/model/replica-sync';
import { EXPIRY, T0, ts, v } from './covered-expiry-fixtures';

const E = 'e' as EntityId;

/** x's k-th expiry (1..10), carrying the floor T0+10k and naming a write that does not exist. */
const expiry = (k: number): Version =>
  v(E, EXPIRY, { at: T0 + 100_000 + k, floor: T0 + 10 * k }, ts(T0 + 1_000 + 10 * k, 'x'), [
    ts(T0 + 500 + k, `made-${k}`),
  ]);
const chain = (): Version[] => Array.from({ length: 10 }, (_, i) => expiry(i + 1));

const open = (): EntityStore => new EntityStore({ evidence: { perAuthor: 1 } });

describe('attack suite: one author’s floor-raising expiries at its evidence bound', () => {
  it('the same ten expiries in any order: the same store, nothing refused', () => {
    const written = open();
    for (const x of chain()) written.apply(x);
    const latestFirst = open();
    for (const x of chain().reverse()) latestFirst.apply(x);
    // The limit that stays (docs/security.md): nine of x's expiries, each charged to x, past its bound of 1.
    for (const s of [written, latestFirst]) {
      expect(s.evidenceStats()).toMatchObject({ held: 9, authors: 1, refused: 0 });
      expect(s.state(E)!.floor).toBe(T0 + 100);
    }
    expect(dump(latestFirst, true)).toBe(dump(written, true));
    const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
    console.log(`h30-floor-chain-order seed ${seed}; replay with SEED=${seed}`);
    const rnd = prng(seed);
    const shuffled = [0, 1, 2].map(() => {
      const s = open();
      for (const x of shuffle(chain(), rnd)) s.apply(x);
      return s;
    });
    for (const s of shuffled) expect(dump(s, true)).toBe(dump(written, true));
    syncAll([written, latestFirst, ...shuffled]);
    for (const s of [latestFirst, ...shuffled]) {
      expect(dump(s, true)).toBe(dump(written, true));
      expect(s.evidenceStats().refused).toBe(0);
    }
  });
});
