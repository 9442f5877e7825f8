import type { Expiry } from '../entity/component-types';
import type { ComponentKind } from '../ids';
import type { Heads } from '../merge/register';
import { DELETED, type Version } from '../merge/version';

/**
 * The rules of expiry and its floor, as plain functions over an entity's expiry heads (see
 * EntityState for how they combine with tombstones and docs/architecture.md for why).
 */
export const EXPIRY = 'expiry' as ComponentKind;

export const deadlineOf = (v: Version): number => (v.value as Expiry).at;

/** The reason counted (`stats().rejected`) for an expiry refused by expiryRefusal. */
export const EXPIRY_IN_PAST_REASON = 'expiry-in-past';

/**
 * Why `v` is refused for what it is, or undefined: an expiry whose deadline is not after its own
 * write's time (its timestamp's ms). Such a deadline fires at once and, taken, splits floors: a
 * replica that had fired an earlier expiry keeps that floor when the past deadline below it
 * supersedes it, one that had not takes the past deadline (test/unit/core/store/expiry-in-past.test.ts).
 * It reads the version alone, so every node refuses the same ones (the store, the node's ingest,
 * the mesh's, stored versions on load) and the local door refuses the same against the stamp the
 * write carries (docs/architecture.md, "Expiry").
 */
export function expiryRefusal(v: Version): string | undefined {
  if (v.kind !== EXPIRY) return undefined;
  const at = (v.value as Partial<Expiry> | null)?.at;
  if (typeof at === 'number' && at > v.ts.ms) return undefined;
  return `expiry.at ${String(at)} is not after the write's own time (${v.ts.ms})`;
}

/**
 * What a tombstone removes: every component but the tombstones themselves and the expiry, whose
 * deadline still applies to the id (so a replica that saw the delete purges at the same time, and
 * to the same floor, as one that did not).
 */
export const deletable = (kind: ComponentKind): boolean => kind !== DELETED && kind !== EXPIRY;

/** The earliest deadline among the expiry heads: when purge next has work. */
export function earliestDeadline(expiryHeads: Heads | undefined): number | undefined {
  let min: number | undefined;
  for (const h of expiryHeads ?? []) if (min === undefined || deadlineOf(h) < min) min = deadlineOf(h);
  return min;
}

/**
 * The expiry head that has fired by `now`: the one with the latest deadline at or before it.
 * Concurrent expiries (none saw the other) each hold, so the earliest deadline removes the entity
 * first; an expiry superseded by a write made before its deadline never fires.
 */
export function firedBy(expiryHeads: Heads | undefined, now: number): Version | undefined {
  let fired: Version | undefined;
  for (const h of expiryHeads ?? []) {
    if (deadlineOf(h) <= now && (fired === undefined || deadlineOf(h) > deadlineOf(fired))) fired = h;
  }
  return fired;
}

/**
 * Whether a floor at `floor` removes (or refuses) `v`: everything written at or before it, except
 * expiries. The fired one is the floor's marker and later ones still have to fire, so every replica
 * keeps the same markers and fires the same expiries. One whose deadline is below the floor never
 * fires again, but it is kept too: the expiry's register is never pruned by a floor (its later
 * deadlines outlive it, context-bound.ts), so what it learns must be taught by versions it holds and
 * serves. Dropping such an expiry kept what it taught (that its author's earlier, longer expiry is
 * superseded) on the replicas that had held it and nowhere else: that earlier expiry, delivered
 * again by a late peer, was then refused by some replicas and fired by others, which dropped the
 * writes that had revived the entity (test/unit/core/store/expiry-lift-evidence.test.ts). An
 * author's expiries supersede each other, so the register holds one per concurrent author.
 */
export function belowFloor(v: Version, floor: number | undefined): boolean {
  return floor !== undefined && v.ts.ms <= floor && v.kind !== EXPIRY;
}
