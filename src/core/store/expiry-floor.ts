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
  const value = v.value as Partial<Expiry> | null;
  const at = value?.at;
  if (!(typeof at === 'number' && at > v.ts.ms)) {
    return `expiry.at ${String(at)} is not after the write's own time (${v.ts.ms})`;
  }
  // A carried floor removes only what was written before the write itself (and never past its own
  // deadline): no more than a tombstone its author could write instead (docs/architecture.md, "Expiry").
  const floor = value?.floor;
  if (floor === undefined || (typeof floor === 'number' && floor >= 0 && floor < v.ts.ms && floor <= at)) {
    return undefined;
  }
  return `expiry.floor ${String(floor)} is not before the write's own time (${v.ts.ms})`;
}

/**
 * A batch's expiries ahead of its other versions (each group in the order given; the batch itself
 * when they already are). An expiry in a batch may take a fired floor away (its context supersedes
 * the marker: EntityState.liftUnmarked); a version the floor covers, merged before it, was dropped
 * and stays dropped (a lifted floor brings back only what a peer sends again, docs/architecture.md,
 * "Expiry"), merged after it, is kept. Merging a batch's expiries first makes what it keeps one
 * answer whatever the order inside it: a node reopened from its commits (which store a delivery's
 * versions in another order than they came) holds what it held before the crash
 * (test/unit/node/expiries-first.test.ts).
 */
export function expiriesFirst(versions: readonly Version[]): readonly Version[] {
  let other = false;
  let behind = false;
  for (const v of versions) {
    if (v.kind !== EXPIRY) other = true;
    else if (other) {
      behind = true;
      break;
    }
  }
  if (!behind) return versions;
  const expiries: Version[] = [];
  const rest: Version[] = [];
  for (const v of versions) (v.kind === EXPIRY ? expiries : rest).push(v);
  return [...expiries, ...rest];
}

/**
 * The floor an expiry carries (Expiry.floor): its writer's floor once it purged at the write's own
 * stamp. Every replica raises the entity's floor to it on delivery, whether the expiry is then a
 * head, superseded or a twin, so the floor is one number whatever the order of delivery.
 * Undefined: none (a floor of 0 is none). Trusted only from a version expiryRefusal takes.
 */
export function carriedFloor(v: Version): number | undefined {
  if (v.kind !== EXPIRY) return undefined;
  const floor = (v.value as Partial<Expiry> | null)?.floor;
  return floor === undefined || floor === 0 ? undefined : floor;
}

/**
 * The floor a new expiry written at `ms` carries (Expiry.floor): the entity's floor after a purge at
 * the write's own stamp, from `floor` (the floor held), `carried` (the largest floor carried to it)
 * and the deadlines of its expiry heads. Only what lies before `ms` counts (expiryRefusal): an
 * expiry head whose deadline is the stamp itself is superseded by the write at its deadline, so it
 * never fires (firedBy); a floor at the stamp is one such head's, which the write takes away
 * (EntityState.cancelsFloor). Undefined: none.
 */
export function floorToCarry(
  floor: number | undefined,
  carried: number | undefined,
  expiryHeads: Heads | undefined,
  ms: number,
): number | undefined {
  let out = carried;
  if (floor !== undefined && floor < ms && (out === undefined || floor > out)) out = floor;
  for (const h of expiryHeads ?? []) {
    const at = deadlineOf(h);
    if (at < ms && (out === undefined || at > out)) out = at;
  }
  return out === undefined || out <= 0 ? undefined : out;
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
