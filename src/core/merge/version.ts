import { compareTs, type Timestamp } from '../clock/timestamp';
import type { ComponentValue } from '../entity/component-types';
import type { ComponentKind, EntityId } from '../ids';
import type { BatchProof } from '../signing/leaf-proof';

/** The reserved kind of an entity's tombstone. */
export const DELETED = '$deleted' as ComponentKind;

/**
 * One write of one component: the unit that is stored, replicated, merged and reconciled.
 * Its author is `ts.node`. `seen` is the writer's causal context for this component: for each
 * other author whose writes to it the writer had seen, the latest such timestamp. A writer's own
 * earlier writes are implied (one node issues strictly increasing timestamps), so a sensor that
 * is the only writer of its tracks sends an empty context.
 */
export interface Version {
  readonly entity: EntityId;
  readonly kind: ComponentKind;
  /** null only for the tombstone kind. */
  readonly value: ComponentValue | null;
  readonly ts: Timestamp;
  readonly seen: readonly Timestamp[];
  /**
   * A per-version Ed25519 signature over versionSigningBytes: what nodes wrote before batch signing
   * (docs/security.md, "One signature per batch"); still verified and served for the versions
   * stored then. New writes carry `proof` instead.
   */
  readonly sig?: Uint8Array;
  /** Its place in a batch its author signed once (filled by the security layer). */
  readonly proof?: BatchProof;
}

/**
 * True when the writer of `a` had seen `b` (so `a` supersedes it). A writer's clock has observed
 * everything it saw, so `a` must also be later than `b`: a context naming a write from the
 * writer's own future is malformed and ignored, which keeps dominance acyclic (two versions can
 * never supersede each other, which would make the merge result depend on arrival order).
 */
export function dominates(a: Version, b: Version): boolean {
  const bt = b.ts;
  const at = a.ts;
  if (at.node === bt.node) return at.ms > bt.ms || (at.ms === bt.ms && at.c > bt.c);
  if (compareTs(at, bt) <= 0) return false;
  for (const s of a.seen) {
    // An entry naming a's writer is its rest marker: every write at or before its time (knowledge.ts).
    if (s.node === at.node && (s.ms > bt.ms || (s.ms === bt.ms && s.c >= bt.c))) return true;
  }
  for (const s of a.seen) {
    if (s.node === bt.node) return s.ms > bt.ms || (s.ms === bt.ms && s.c >= bt.c);
  }
  return false;
}
