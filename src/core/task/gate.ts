import { DEFAULT_MAX_SKEW_MS } from '../clock/hlc';
import { MAX_LONG_TEXT } from '../entity/bounds';
import { isNodeId, type EntityId, type NodeId } from '../ids';
import {
  actorOf,
  compareRequestIds,
  INTERCEPT_TASK,
  isActiveTask,
  NEXT_TASK_STATUS,
  requestIdFor,
  type ApprovalRecord,
  type LatticeTaskStatus,
  type RequestId,
  type TaskRecord,
  type ThreatView,
} from './records';

/**
 * The approval gate and task state machine of one entity, as a pure reducer. Its state is only what
 * the replicated registers say (the winning `approval` and `task` heads as this node sees them) and
 * the current threat, so a restarted node rebuilds it from storage and continues; nothing lives
 * only in memory. After every event the reducer settles: it compares that state with the rules in
 * docs/c2-pipeline.md and returns the component writes this node owes. Being level-triggered (it
 * looks at where things stand, not at which message arrived) is what makes it indifferent to
 * delivery order, duplicates and restarts.
 *
 * Who writes what:
 * - the request's actor, the author of the threat write that raised it (actorOf(requestId)), raises
 *   it, times it out, cancels it when the threat drops, and is the only node that assigns and
 *   advances its task;
 * - any node records an operator's decision on the current pending request;
 * - any node times out a request whose actor has not done so `followerGraceMs` after the deadline
 *   (a vanished actor must not leave a prompt pending forever; timing out is the safe direction),
 *   a grace that covers the mesh's clock skew limit (followerGraceFor).
 */
export interface GateConfig {
  readonly self: NodeId;
  /** How long an operator has to decide (the approval deadline setting; default 30 s). */
  readonly deadlineMs: number;
  /**
   * How long after the deadline a non-actor steps in to time the request out: followerGraceFor the
   * mesh's skew limit, so a follower whose clock runs ahead of the actor's never does it early.
   */
  readonly followerGraceMs: number;
}

export const DEFAULT_DEADLINE_MS = 30_000;
/** Past the deadline and the skew limit, how long a follower leaves the actor to time out itself. */
export const FOLLOWER_MARGIN_MS = 5_000;
/**
 * The follower's grace for a skew limit (the setting, core/clock/hlc.ts). A request's deadline is
 * on its actor's clock, but each node checks it on its own: a follower ahead of the actor by d
 * reaches the deadline d early. The mesh tolerates peers up to the skew limit apart (a write from
 * further ahead is held), so a grace of at least the limit keeps every follower the mesh talks to
 * from timing a request out before the actor's deadline; the actor itself times out at its own
 * deadline, and followers step in only as a fallback when it is gone.
 */
export function followerGraceFor(skewLimitMs: number): number {
  // Never below the default limit's grace: every replica refuses a follower's time-out written
  // sooner than that (gate-authority.ts, a constant so all replicas judge alike), so a node whose
  // skew limit is set lower must not write one it would then refuse itself.
  return Math.max(skewLimitMs, DEFAULT_MAX_SKEW_MS) + FOLLOWER_MARGIN_MS;
}
export const DEFAULT_FOLLOWER_GRACE_MS = followerGraceFor(DEFAULT_MAX_SKEW_MS);

export interface GateState {
  readonly entity: EntityId;
  readonly threat?: ThreatView;
  /** The approval register's winner. */
  readonly approval?: ApprovalRecord;
  /** The task register's winner. */
  readonly task?: TaskRecord;
}

export type GateEvent =
  /** The threat register's winner changed (local classifier or replicated). */
  | { readonly type: 'threat'; readonly threat: ThreatView | undefined }
  /** An operator on this node decided the request `requestId`. */
  | {
      readonly type: 'decide';
      readonly requestId: RequestId;
      readonly decision: 'approve' | 'deny';
      readonly operator: string;
    }
  /** The deadline schedule woke this entity. */
  | { readonly type: 'deadline' }
  /** The approval or task register changed by merging replicated writes: their winners now. */
  | { readonly type: 'observed'; readonly approval: ApprovalRecord | undefined; readonly task: TaskRecord | undefined }
  /** The asset link reports progress of the task this node assigned. */
  | { readonly type: 'task-report'; readonly requestId: RequestId; readonly status: LatticeTaskStatus }
  /** The node restarted: the state was rebuilt from storage; resume whatever is owed. */
  | { readonly type: 'restart' };

export type GateWrite =
  { readonly kind: 'approval'; readonly value: ApprovalRecord } | { readonly kind: 'task'; readonly value: TaskRecord };

export interface GateStep {
  readonly state: GateState;
  /** Component writes to make, in order (each supersedes the heads this node has seen). */
  readonly writes: readonly GateWrite[];
  /** When this entity next needs a `deadline` event, or undefined for none (cancel it). */
  readonly wake: number | undefined;
  /** Why a decision or report was refused (the state is unchanged apart from settling); undefined: not refused. */
  readonly rejected: string | undefined;
}

/** Marks decisions the gate made itself (time-out, threat dropped) rather than an operator. */
export const AUTO_DECIDER = 'auto';
/** Longest reason kept in a request (what the approval component accepts). */
export const MAX_REASON = MAX_LONG_TEXT;

export function initialGate(entity: EntityId): GateState {
  return gateState(entity, undefined, undefined, undefined);
}

/**
 * A gate state with every field present, always in this order: the approval loop steps the gate at
 * every threat, approval or task change it merges, and states built by spreading only the fields
 * present took a hidden class per combination and order, so stepGate and settle read them through
 * polymorphic loads.
 */
export function gateState(
  entity: EntityId,
  threat: ThreatView | undefined,
  approval: ApprovalRecord | undefined,
  task: TaskRecord | undefined,
): GateState {
  return { entity, threat, approval, task };
}

export function stepGate(state: GateState, event: GateEvent, now: number, cfg: GateConfig): GateStep {
  const out = new Writer(state);
  let rejected: string | undefined;
  switch (event.type) {
    case 'threat':
      out.state = gateState(out.state.entity, event.threat, out.state.approval, out.state.task);
      break;
    case 'observed':
      out.state = gateState(out.state.entity, out.state.threat, event.approval, event.task);
      break;
    case 'decide':
      rejected = decide(out, event, now, cfg);
      break;
    case 'task-report':
      rejected = report(out, event, now, cfg);
      break;
    case 'deadline':
    case 'restart':
      // Both only mean "look again at the time now": settling below does the work.
      break;
    default: {
      const never: never = event;
      throw new Error(`unhandled gate event ${JSON.stringify(never)}`);
    }
  }
  settle(out, now, cfg);
  return { state: out.state, writes: out.writes, wake: wakeAt(out.state, cfg), rejected };
}

/** Collects writes; a local write becomes the register's winner (it supersedes every head seen). */
class Writer {
  /**
   * One writer kept for the life of the class (one is made a gate step): with none alive at a full
   * GC, V8 dropped the class's hidden class and deoptimized stepGate and the writer with it (as
   * Encoder.shapeKeeper says, src/core/bytes/encoder.ts).
   */
  static readonly shapeKeeper: Writer = new Writer(initialGate('' as EntityId));

  readonly writes: GateWrite[] = [];
  constructor(public state: GateState) {}
  approval(value: ApprovalRecord): void {
    this.writes.push({ kind: 'approval', value });
    const s = this.state;
    this.state = gateState(s.entity, s.threat, value, s.task);
  }
  task(value: TaskRecord): void {
    this.writes.push({ kind: 'task', value });
    const s = this.state;
    this.state = gateState(s.entity, s.threat, s.approval, value);
  }
}

function decide(
  out: Writer,
  e: Extract<GateEvent, { type: 'decide' }>,
  now: number,
  cfg: GateConfig,
): string | undefined {
  // Operator ids share the node-id syntax so the wire's node table can carry them.
  if (!isNodeId(e.operator) || e.operator === AUTO_DECIDER) return `invalid operator id ${JSON.stringify(e.operator)}`;
  const a = out.state.approval;
  if (a === undefined) return 'no approval request for this track';
  if (a.requestId !== e.requestId) return `request ${e.requestId} is superseded by ${a.requestId}`;
  if (a.state !== 'pending') return `request ${a.requestId} is already ${a.state}`;
  if (now >= a.deadline) return `request ${a.requestId} passed its deadline`;
  out.approval({
    ...a,
    state: e.decision === 'approve' ? 'approved' : 'denied',
    decidedBy: e.operator,
    decidedOn: cfg.self,
    decidedAt: now,
  });
  return undefined;
}

function report(
  out: Writer,
  e: Extract<GateEvent, { type: 'task-report' }>,
  now: number,
  cfg: GateConfig,
): string | undefined {
  const k = out.state.task;
  if (k === undefined || k.requestId !== e.requestId || k.assignedBy !== cfg.self) {
    return `no task for request ${e.requestId} is assigned by this node`;
  }
  if (!NEXT_TASK_STATUS[k.status].includes(e.status)) return `task cannot go from ${k.status} to ${e.status}`;
  if (effectiveTask(out.state) !== k) return `the approval of request ${e.requestId} no longer stands`;
  out.task({ ...k, status: e.status, updatedAt: now });
  return undefined;
}

/** The rules, in the order of the table in docs/c2-pipeline.md. */
function settle(out: Writer, now: number, cfg: GateConfig): void {
  const { threat } = out.state;
  const high = threat?.level === 'HIGH';
  const auto = { decidedBy: AUTO_DECIDER, decidedOn: cfg.self, decidedAt: now };

  // Raise: the author of a HIGH threat asks, unless a request for this (or a newer) threat write
  // exists. Whatever state the current request is in: a HIGH threat write newer than the request is
  // a new assertion (the classifier writes on a level change only, so a drop and re-rise merged
  // before this step; a takeover; an operator writing HIGH again), and it needs an operator's answer
  // of its own. The new request outranks the old one in the merge, so the old one's task is
  // cancelled below, in this same step.
  if (high && threat.version.node === cfg.self) {
    const id = requestIdFor(threat.version);
    const a = out.state.approval;
    if (a === undefined || compareRequestIds(a.requestId, id) < 0) {
      out.approval({
        requestId: id,
        state: 'pending',
        reason: threat.reason.slice(0, MAX_REASON),
        requestedAt: now,
        deadline: now + cfg.deadlineMs,
      });
    }
  }

  const a = out.state.approval;
  if (a !== undefined) {
    const mine = actorOf(a.requestId) === cfg.self;
    switch (a.state) {
      case 'pending':
        if (mine && !high) out.approval({ ...a, state: 'cancelled', ...auto });
        else if (mine && now >= a.deadline) out.approval({ ...a, state: 'timed_out', ...auto });
        else if (!mine && now >= a.deadline + cfg.followerGraceMs) out.approval({ ...a, state: 'timed_out', ...auto });
        break;
      case 'approved': {
        if (!mine) break;
        const k = out.state.task;
        const ownTask = k !== undefined && k.requestId === a.requestId ? k : undefined;
        // The threat write the request was raised from no longer stands: it dropped, or another
        // node's concurrent HIGH write won the threat merge over this node's later de-escalation
        // (that write is older than the request, so its author raises nothing). Withdrawing the
        // approval closes the request, and the takeover rule (approval-loop.ts) then re-writes the
        // standing HIGH threat so an operator is asked about it.
        const stands = high && requestIdFor(threat.version) === a.requestId;
        if (!stands) {
          // The reason to act is gone: withdraw the approval unless its task already finished.
          if (ownTask === undefined || isActiveTask(ownTask)) out.approval({ ...a, state: 'cancelled', ...auto });
        } else if (k === undefined || compareRequestIds(k.requestId, a.requestId) < 0) {
          // Only for a request this node raised from the threat write that stands (`stands`): an
          // approval of a request id nobody raised (a member can write one naming this node as its
          // actor, and sign the decision as its own) is never acted on, and is withdrawn above.
          out.task({
            task: INTERCEPT_TASK,
            requestId: a.requestId,
            status: 'created',
            assignedBy: cfg.self,
            updatedAt: now,
          });
        }
        break;
      }
      case 'denied':
      case 'timed_out':
      case 'cancelled':
        // Final: nothing is owed (an active task of ours is cancelled below).
        break;
      default: {
        const never: never = a.state;
        throw new Error(`unhandled approval state ${String(never)}`);
      }
    }
  }

  // An intercept task of ours whose approval no longer stands (a deny won the merge, the threat
  // dropped, a newer request took over) is cancelled at once.
  const k = out.state.task;
  if (isActiveTask(k) && k.assignedBy === cfg.self && effectiveTask(out.state) === undefined) {
    out.task({ ...k, status: 'cancelled', updatedAt: now });
  }
}

function wakeAt(s: GateState, cfg: GateConfig): number | undefined {
  const a = s.approval;
  if (a?.state !== 'pending') return undefined;
  return actorOf(a.requestId) === cfg.self ? a.deadline : a.deadline + cfg.followerGraceMs;
}

/**
 * The task that exists on this replica: the task register's winner, only while the approval
 * register's winner is an approval of the very request that task names. Views, the gateway and the
 * asset link read tasks through this, so a task whose approval lost a merge (to a deny, a time-out
 * or a newer request) or has not arrived yet is never shown or executed.
 */
export function effectiveTask(s: Pick<GateState, 'approval' | 'task'>): TaskRecord | undefined {
  const { approval: a, task: k } = s;
  if (a?.state !== 'approved' || k === undefined || k.requestId !== a.requestId) return undefined;
  // Only the request's actor assigns its task (gate-authority.ts refuses any other on ingest; this
  // keeps one that came by another path, e.g. an older store, from standing either).
  return k.assignedBy === actorOf(k.requestId) ? k : undefined;
}

/** The task this node's asset link should be running now, if any. */
export function assignedHere(s: GateState, self: NodeId): TaskRecord | undefined {
  const k = effectiveTask(s);
  return isActiveTask(k) && k.assignedBy === self ? k : undefined;
}
