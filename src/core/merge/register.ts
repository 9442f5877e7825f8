import { compareTs, type Timestamp } from '../clock/timestamp';
import type { NodeId } from '../ids';
import { orderFor } from './rules';
import { dominates, type Version } from './version';

/**
 * A multi-value register per component: the heads are the writes no other known write has seen.
 * Merge = union, then drop every head that another head dominates. Union is commutative,
 * associative and idempotent, and dominance only depends on the versions themselves, so the
 * result is the same whatever order writes arrive in (checked by property tests). The heads are
 * kept sorted winner-first by the kind's rule; more than one head is a visible conflict.
 */
export type Heads = readonly Version[];

export type MergeResult =
  | { readonly kind: 'applied'; readonly heads: Heads; readonly removed: readonly Version[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'obsolete' };

const DUPLICATE: MergeResult = { kind: 'duplicate' };
const OBSOLETE: MergeResult = { kind: 'obsolete' };

export function mergeVersion(heads: Heads | undefined, v: Version): MergeResult {
  if (heads === undefined || heads.length === 0) return { kind: 'applied', heads: [v], removed: [] };
  // Fast path: one head by the same author (a sensor updating its own track).
  if (heads.length === 1) {
    const h = heads[0]!;
    if (h.ts.node === v.ts.node && v.seen.length === 0) {
      const cmp = compareTs(v.ts, h.ts);
      if (cmp === 0) return DUPLICATE;
      return cmp > 0 ? { kind: 'applied', heads: [v], removed: [h] } : OBSOLETE;
    }
  }
  for (const h of heads) {
    if (compareTs(h.ts, v.ts) === 0) return DUPLICATE;
    if (dominates(h, v)) return OBSOLETE;
  }
  const kept: Version[] = [];
  const removed: Version[] = [];
  for (const h of heads) (dominates(v, h) ? removed : kept).push(h);
  kept.push(v);
  if (kept.length > 1) {
    const order = orderFor(v.kind);
    kept.sort((a, b) => order(b, a));
  }
  return { kind: 'applied', heads: kept, removed };
}

/**
 * The causal context a new local write to this component carries: every head, and everything
 * the heads had seen, except the writer's own writes (implied by its monotonic clock).
 */
export function contextOf(heads: Heads | undefined, self: NodeId): Timestamp[] {
  if (heads === undefined) return [];
  const byNode = new Map<NodeId, Timestamp>();
  const note = (t: Timestamp): void => {
    if (t.node === self) return;
    const prev = byNode.get(t.node);
    if (prev === undefined || compareTs(t, prev) > 0) byNode.set(t.node, t);
  };
  for (const h of heads) {
    note(h.ts);
    for (const s of h.seen) note(s);
  }
  return [...byNode.values()].sort(compareTs);
}
