import type { Version } from '../core/merge/version';

/**
 * Which group commit (write-behind) and signing round (GroupSigner) a local write joins.
 * `priority` gathers in its own small batch that commits ahead of the bulk (the position flood),
 * so a change a person waits on is durable, and may leave the node, beside the bulk commit in
 * flight instead of behind it and thousands of track updates (docs/c2-pipeline.md, "The
 * priority lane").
 */
export type WriteLane = 'bulk' | 'priority';

/** The largest write that may take the priority lane: a decision, a task step or a threat change is a few versions. */
export const PRIORITY_MAX_VERSIONS = 16;

/**
 * The lane of one write, taken whole (its versions commit together): `priority` when it is small
 * (at most PRIORITY_MAX_VERSIONS) and writes an approval or a task, or raises a threat to HIGH (which
 * raises a request). Anything larger (writeMany, an import) goes in the bulk lane whatever it holds,
 * and so does a threat write below HIGH (a track's first classification, a de-escalation): the lane
 * stays as small as the gate's own traffic, so a flood cannot queue a decision behind itself there.
 */
export function laneOf(versions: readonly Version[]): WriteLane {
  if (versions.length > PRIORITY_MAX_VERSIONS) return 'bulk';
  return versions.some(isPriority) ? 'priority' : 'bulk';
}

/**
 * Versions merged from peers, split by lane: each version stands alone (no write to keep whole),
 * so the gate's versions among them (isPriority) commit in the priority lane, ahead of the flood
 * they arrived with, and a local task based on a remote decision is never durable before it.
 */
export function splitByLane(versions: readonly Version[]): { priority: Version[]; bulk: Version[] } {
  const priority: Version[] = [];
  const bulk: Version[] = [];
  // At most PRIORITY_MAX_VERSIONS of one merge: a peer's batch of thousands of HIGH threats is a
  // flood, not the gate's traffic, and must not queue a local decision behind itself.
  for (const v of versions) (priority.length < PRIORITY_MAX_VERSIONS && isPriority(v) ? priority : bulk).push(v);
  return { priority, bulk };
}

function isPriority(v: Version): boolean {
  switch (v.kind) {
    case 'approval':
    case 'task':
      return true;
    case 'threat':
      return (v.value as { level?: unknown } | null)?.level === 'HIGH';
    default:
      return false;
  }
}
