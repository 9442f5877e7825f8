import { compareTs, type Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import { hasHonestContext, Knowledge } from './knowledge';
import { orderFor } from './rules';
import type { Version } from './version';

/**
 * A multi-value register per component: the heads are the delivered writes that no delivered write
 * has seen. Whether a write was seen is decided by the register's Knowledge (every context ever
 * delivered, see knowledge.ts), not by the current heads alone, so the heads are a function of the
 * set of delivered versions — the same whatever order they arrive in, even for contexts that are not
 * causally closed (checked against a reference model by property tests). The heads are kept sorted
 * winner-first by the kind's rule; more than one head is a visible conflict.
 */
export type Heads = readonly Version[];

export type MergeResult =
  | { readonly kind: 'applied'; readonly heads: Heads; readonly removed: readonly Version[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'obsolete' };

const DUPLICATE: MergeResult = { kind: 'duplicate' };
const OBSOLETE: MergeResult = { kind: 'obsolete' };

/**
 * Merges `v` into `heads`. `known` must already have learned `v` (and everything delivered before
 * it); the function itself changes nothing. Without `known` it decides from the heads and `v`
 * alone, which is exact only while every context is causally closed and nothing was dropped by a
 * tombstone or expiry (the store always passes its knowledge).
 */
export function mergeVersion(heads: Heads | undefined, v: Version, known = knowledgeOf(heads, v)): MergeResult {
  if (heads !== undefined) for (const h of heads) if (compareTs(h.ts, v.ts) === 0) return DUPLICATE;
  if (known.supersedes(v)) return OBSOLETE;
  if (heads === undefined || heads.length === 0) return { kind: 'applied', heads: [v], removed: [] };
  const kept: Version[] = [];
  const removed: Version[] = [];
  for (const h of heads) (known.supersedes(h) ? removed : kept).push(h);
  kept.push(v);
  if (kept.length > 1) {
    const order = orderFor(v.kind);
    kept.sort((a, b) => order(b, a));
  }
  return { kind: 'applied', heads: kept, removed };
}

/** What the heads and `v` teach; a malformed context teaches nothing (see hasHonestContext). */
function knowledgeOf(heads: Heads | undefined, v: Version): Knowledge {
  const k = new Knowledge();
  for (const h of heads ?? []) if (hasHonestContext(h)) k.learn(h);
  if (hasHonestContext(v)) k.learn(v);
  return k;
}

/**
 * The causal context a new local write carries when all a writer holds is the heads: every head
 * and everything the heads had seen, except the writer's own writes. The store computes it from
 * the register's whole knowledge instead (EntityStore.contextFor).
 */
export function contextOf(heads: Heads | undefined, self: NodeId): Timestamp[] {
  const k = new Knowledge();
  for (const h of heads ?? []) k.learn(h);
  return k.contextFor(self);
}
