import type { Version } from '../core/merge/version';
import { GATE_KINDS } from './approval-loop';

/**
 * Which group commit (write-behind) and signing round (GroupSigner) a local write joins.
 * `priority` gathers in its own small batch that commits ahead of the bulk (the position flood),
 * so a change a person waits on is durable, and may leave the node, after at most the one commit
 * already in flight instead of behind thousands of track updates (docs/c2-pipeline.md, "The
 * priority lane").
 */
export type WriteLane = 'bulk' | 'priority';

const PRIORITY_KINDS: ReadonlySet<string> = new Set(GATE_KINDS);

/**
 * The lane of one write, taken whole (its versions commit together): `priority` when it writes a
 * register of the approval gate (a threat change, which raises or cancels a request; an approval;
 * a task). The classifier writes a threat only when its level changes, so the lane stays small.
 */
export function laneOf(versions: readonly Version[]): WriteLane {
  return versions.some((v) => PRIORITY_KINDS.has(v.kind)) ? 'priority' : 'bulk';
}
