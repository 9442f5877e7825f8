import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentKind } from '../ids';
import { deletable, EXPIRY } from './expiry-floor';

/**
 * Whether a context entry `t` (an author's latest write a new local write would name as seen) is
 * subsumed by what its writer holds gone for good, so the new write leaves it out. Every write of
 * that author up to `t` is then refused on every node that holds the same floor or tombstone: at or
 * below the entity's expiry floor (not for the expiry kind, whose later deadlines outlive a floor),
 * or, for the kinds a tombstone removes, at or before the latest tombstone.
 *
 * This bounds contexts: a local write names at most the other authors who wrote its component
 * since the entity's last delete or expiry, and never more than MAX_CONTEXT_ENTRIES (trimmed with a
 * rest marker, Knowledge.contextFor), far below the wire's writer cap. The write is then defined as not having seen what it leaves out: a
 * node that holds it without the floor or tombstone shows such an old write beside it, as the
 * reference model does, until the floor or tombstone arrives and removes the old one everywhere.
 */
export function subsumedByFloor(
  kind: ComponentKind,
  t: Timestamp,
  floor: number | undefined,
  deletedAt: Timestamp | undefined,
): boolean {
  if (floor !== undefined && kind !== EXPIRY && t.ms <= floor) return true;
  return deletable(kind) && deletedAt !== undefined && compareTs(t, deletedAt) <= 0;
}
