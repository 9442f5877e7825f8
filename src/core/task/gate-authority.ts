import type { Timestamp } from '../clock/timestamp';
import { isNodeId } from '../ids';
import { AUTO_DECIDER, DEFAULT_FOLLOWER_GRACE_MS } from './gate';
import { actorOf, INTERCEPT_TASK, type RequestId } from './records';

/**
 * Who may write the approval gate's registers (docs/c2-pipeline.md, "Who writes what";
 * docs/security.md, "Gate authority"), checked on every version: a peer's on ingest (the mesh
 * before its signature check, RemoteMerge for any other source) and the node's own before it is
 * stamped into the store, so nothing the node accepts is something its peers refuse.
 *
 * The verdict is a function of the version alone (its kind, value, author and HLC time) and of
 * static facts (the follower grace): never of what a replica holds, so every honest replica
 * refuses exactly the same versions and none diverges by what it happened to see first.
 *
 * - approval `pending`: only the request's actor (actorOf(requestId)) raises or restates it;
 * - approval `approved` / `denied`: `decidedOn` is the author (the node whose operator decided),
 *   `decidedBy` an operator id (not AUTO_DECIDER). Which operators may decide is issue 12's
 *   (operator keys); until then any member's operator may;
 * - approval `cancelled`: only the actor; `timed_out`: the actor, or anyone whose write is dated at
 *   least DEFAULT_FOLLOWER_GRACE_MS after the deadline it names (a vanished actor's prompt must
 *   still end); both name their author as `decidedOn`;
 * - an intercept task: its author is the request's actor and names itself as `assignedBy`.
 */

/** What the rules read of a version: nothing a replica holds. */
export interface GateAuthorityInput {
  readonly kind: string;
  readonly value: unknown;
  readonly ts: Timestamp;
}

/** The counter name a refused version is counted under (node stats and securityStats().rejected). */
export const GATE_AUTHORITY_REASON = 'gate-authority';

/** Why `v` is not a write its author may make, or undefined when it may (or the rules do not govern it). */
export function gateAuthorityRefusal(v: GateAuthorityInput): string | undefined {
  if (v.kind === 'approval') return approvalRefusal(v.value, v.ts);
  if (v.kind === 'task') return taskRefusal(v.value, v.ts);
  return undefined;
}

type Fields = Readonly<Record<string, unknown>>;

const fields = (value: unknown): Fields | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;

function actorOfField(value: Fields): string | undefined {
  return typeof value.requestId === 'string' ? actorOf(value.requestId as RequestId) : undefined;
}

function approvalRefusal(value: unknown, ts: Timestamp): string | undefined {
  const a = fields(value);
  if (a === undefined) return 'approval: not a record';
  const author = ts.node;
  const actor = actorOfField(a);
  if (actor === undefined) return 'approval: its request id names no actor';
  const decider = (): string | undefined =>
    a.decidedOn === author
      ? undefined
      : `approval ${String(a.state)}: decidedOn ${JSON.stringify(a.decidedOn)} is not its author ${author}`;
  switch (a.state) {
    case 'pending':
      return author === actor ? undefined : `approval pending: written by ${author}, not the request's actor ${actor}`;
    case 'approved':
    case 'denied':
      if (typeof a.decidedBy !== 'string' || !isNodeId(a.decidedBy) || a.decidedBy === AUTO_DECIDER) {
        return `approval ${a.state}: decidedBy ${JSON.stringify(a.decidedBy)} is not an operator id`;
      }
      return decider();
    case 'cancelled':
      if (author !== actor) return `approval cancelled: written by ${author}, not the request's actor ${actor}`;
      return decider();
    case 'timed_out': {
      if (author !== actor) {
        const deadline = typeof a.deadline === 'number' ? a.deadline : Number.NaN;
        // Not `ts.ms < deadline + grace`: a deadline that is not a number must refuse, not pass.
        if (!(ts.ms >= deadline + DEFAULT_FOLLOWER_GRACE_MS)) {
          return (
            `approval timed_out: written by ${author} (not the actor ${actor}) at ${ts.ms}, ` +
            `before its deadline ${String(a.deadline)} + ${DEFAULT_FOLLOWER_GRACE_MS} ms`
          );
        }
      }
      return decider();
    }
    default:
      return `approval: unknown state ${JSON.stringify(a.state)}`;
  }
}

function taskRefusal(value: unknown, ts: Timestamp): string | undefined {
  const k = fields(value);
  if (k === undefined) return 'task: not a record';
  if (k.task !== INTERCEPT_TASK) return undefined;
  const author = ts.node;
  const actor = actorOfField(k);
  if (actor === undefined) return 'intercept task: its request id names no actor';
  if (author !== actor) return `intercept task: written by ${author}, not the request's actor ${actor}`;
  if (k.assignedBy !== actor) {
    return `intercept task: assignedBy ${JSON.stringify(k.assignedBy)} is not the request's actor ${actor}`;
  }
  return undefined;
}
