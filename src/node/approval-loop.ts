import { decodeTs } from '../core/clock/timestamp';
import { ConflictError, NotFoundError } from '../core/errors';
import { backoffDelay, type BackoffPolicy } from '../core/retry/backoff';
import type { Classification, ThreatLevel } from '../core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../core/ids';
import type { EntityStore } from '../core/store/entity-store';
import type { EntityView } from '../core/store/entity-view';
import { DeadlineSchedule } from '../core/task/deadline-schedule';
import {
  assignedHere,
  DEFAULT_DEADLINE_MS,
  effectiveTask,
  followerGraceFor,
  gateState,
  stepGate,
  type GateConfig,
  type GateEvent,
  type GateState,
  type GateStep,
  type GateWrite,
} from '../core/task/gate';
import {
  compareRequestIds,
  INTERCEPT_TASK,
  plausibleRequest,
  requestIdFor,
  type ApprovalRecord,
  type RequestId,
  type TaskRecord,
  type ThreatView,
} from '../core/task/records';
import { MAX_APPROVAL_DEADLINE_MS, type DecideArgs } from './approval-args';
import type { HeadSnapshot } from './prepare-write';
import type { ApprovalView, TaskView } from './approval-views';
import { nextAssetReport } from './asset-link';
import type { Scheduler } from './scheduler';

/** How many decided requests approvals() lists after the pending ones (newest first). */
export const RECENT_APPROVALS = 50;
/**
 * How long a HIGH threat may stand without a request for it before another node takes it over (by
 * re-writing the threat, so it becomes the author and raises the request): its author may have
 * vanished right after writing it. Staggered per node so the takeovers rarely collide.
 */
export const RAISE_GRACE_MS = 10_000;
const RAISE_STAGGER_MS = 5_000;
/** Approval states that are final: nothing more comes of the request. */
const CLOSED: ReadonlySet<ApprovalRecord['state']> = new Set(['denied', 'timed_out', 'cancelled']);
/**
 * The longest delay the host's timer honours (setTimeout keeps a signed 32-bit count of ms, and a
 * longer delay fires at once): the loop never asks for more, and re-arms when it wakes early.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * When a step's write fails (not a conflict: a failing disk, a refused write), the entity settles
 * again after this backoff: the step's next wake was never planned, and the schedule gave up the
 * deadline that woke it, so without a retry a pending request was never timed out or cancelled.
 */
export const GATE_RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

export interface ApprovalLoopDeps {
  readonly self: NodeId;
  readonly now: () => number;
  /** The single timer of the loop; without one, deadlines fire on the host's tick only. */
  readonly scheduler: Scheduler | undefined;
  readonly view: (id: EntityId) => EntityView | undefined;
  /**
   * What `view(id)` shows of GATE_KINDS alone (its components and meta of those kinds), undefined
   * exactly when `view(id)` is: all a step reads. A step follows every change of an entity's threat,
   * and building the whole view for it (every register's value, meta and encoded timestamp) was most
   * of the gate's cost in a writeMany (docs/benchmarks.md, scenario 6). Without it, `view`.
   */
  readonly gateView?: (id: EntityId) => EntityView | undefined;
  /**
   * The entities whose gate may owe a step after a restart, without building their views: every
   * one with a head in its approval or task register, or a HIGH head in its threat register (a
   * superset of those whose view shows an approval, a task or a HIGH threat). An entity with
   * neither (a threat below HIGH alone, or no gate register) settles to nothing: no request is
   * raised, none is closed, no task is cancelled and no takeover is due (core/task/gate.ts).
   */
  readonly candidates: () => Iterable<EntityId>;
  /**
   * The node's local write path (validated, stamped, persisted, replicated) for a write computed
   * from the registers in `basedOn`: refused with a ConflictError when one of them has moved since,
   * so a peer's write merged meanwhile is never superseded by a step that did not see it.
   */
  readonly update: (id: EntityId, components: Record<string, unknown>, basedOn: HeadSnapshot) => Promise<unknown>;
  /** The encoded versions of a register's heads, sorted (what a step is based on). */
  readonly heads: (id: EntityId, kind: GateKind) => readonly string[];
  /** The classifier's explanation of the threat write `version` (encoded), if the classifier wrote it. */
  readonly reasonOf: (id: EntityId, version: string) => string | undefined;
  /** The node's clock skew limit now (the setting): what a follower's time-out grace must cover. */
  readonly skewLimitMs: () => number;
  readonly log: (message: string, detail?: unknown) => void;
  /**
   * This node stands removed from its lattice (docs/security.md, "A removed device"): every write
   * of the gate would be refused, so it writes none. What falls due meanwhile waits, and settles on
   * `resume()`, once the node is a member again.
   */
  readonly idle?: () => boolean;
}

type SettleEvent = 'threat' | 'observed' | 'deadline' | 'restart';
/** The registers a gate step reads, and so is based on. */
export const GATE_KINDS = ['threat', 'approval', 'task'] as const;
export type GateKind = (typeof GATE_KINDS)[number];
/** How often a decision is computed again when a peer's write moved the registers under it. */
const DECIDE_ATTEMPTS = 5;

/** A gate state as read from the registers, with the heads it was read from. */
interface Read {
  readonly state: GateState;
  readonly basedOn: HeadSnapshot;
}

/**
 * The approval gate wired into the node: one pure reducer (core/task/gate.ts) per entity with a
 * threat or an approval, driven by one event loop. Its state is always read back from the
 * replicated registers (threat, approval, task), never kept in memory, so whatever changed them (a
 * local write, a peer's, a release, an expiry, a restart) the gate settles from where things
 * stand. Each entity's steps run one at a time (a step's writes land before the next step reads),
 * and every entity's next wake-up (its deadline, the asset's next report, a takeover) sits in one
 * DeadlineSchedule behind one timer.
 */
export class ApprovalLoop {
  private deadlineMs = DEFAULT_DEADLINE_MS;
  private readonly schedule = new DeadlineSchedule<EntityId>();
  /** Entities with an approval: what approvals() and tasks() read. */
  private readonly tracked = new Set<EntityId>();
  /** Entities with a settle queued and not started: more changes before it runs need no second one. */
  private readonly queued = new Set<EntityId>();
  private readonly tails = new Map<EntityId, Promise<void>>();
  private timer: { readonly at: number; readonly cancel: () => void } | undefined;
  private stopped = false;
  /** This node's place in the takeover stagger. */
  private readonly stagger: number;
  /** HIGH threats of other authors without a request yet: when this node first saw each (its clock). */
  private readonly orphans = new Map<EntityId, { readonly version: string; readonly at: number }>();
  /** Entities whose last step failed (not a conflict), with how many times in a row: GATE_RETRY. */
  private readonly failures = new Map<EntityId, number>();
  /** Entities owed a settle while the node stood removed (`idle`): settled on `resume()`. */
  private readonly held = new Set<EntityId>();

  constructor(private readonly deps: ApprovalLoopDeps) {
    let h = 0;
    for (const ch of deps.self) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    this.stagger = h % RAISE_STAGGER_MS;
  }

  get deadline(): number {
    return this.deadlineMs;
  }

  /** The approval deadline setting, for requests raised from now on. */
  configure(deadlineMs: number): void {
    this.deadlineMs = deadlineMs;
  }

  /** The threat, approval or task register of `id` changed (any origin): settle it. */
  changed(id: EntityId, kind: string): void {
    this.enqueue(id, kind === 'threat' ? 'threat' : 'observed');
  }

  /**
   * This node has just written `id`'s threat HIGH (applied to the store, its commit under way): the
   * gate steps at once, in this turn, when no step of `id` is running or queued, so the request it
   * raises is stamped right behind the threat write, signed in the same round and committed in the
   * same priority commit, instead of a signature and a commit later, once the threat write is
   * durable (docs/c2-pipeline.md, "The gate"). Nothing leaves the node earlier: both are announced
   * once durable, the request after the threat write it names (commits apply in call order).
   */
  wrote(id: EntityId): void {
    if (this.stopped) return;
    if (this.idle()) return void this.held.add(id);
    if (this.queued.has(id) || this.tails.has(id)) return this.enqueue(id, 'threat');
    this.run(id, () => this.settle(id, 'threat'), true).catch((error: unknown) => this.failed(id, 'threat', error));
  }

  /**
   * After loading: every entity whose gate may owe something resumes it (`candidates`). Listing
   * every entity's view and settling every threat, whatever its level, made most of a cold start
   * at 100k components (docs/benchmarks.md, scenario 5).
   */
  restart(): void {
    for (const id of this.deps.candidates()) this.enqueue(id, 'restart');
  }

  /** An operator on this node decides the pending request of `entity`; resolves once the decision is durable. */
  decide(args: DecideArgs, operator: string): Promise<ApprovalView> {
    return this.run(args.entity, async () => {
      // Without a request id the operator answers the request pending when they asked; if a peer's
      // write lands meanwhile, the decision is judged again against it (and refused if it no
      // longer applies), never written over it.
      let requestId = args.requestId;
      for (let attempt = 1; ; attempt++) {
        const read = this.read(args.entity);
        if (read === undefined) throw new NotFoundError(`entity ${args.entity} does not exist`);
        const a = read.state.approval;
        if (a === undefined || (a.state !== 'pending' && requestId === undefined)) {
          throw new ConflictError(`nothing is pending for ${args.entity}`, a?.requestId);
        }
        requestId ??= a.requestId;
        const event: GateEvent = { type: 'decide', requestId, decision: args.decision, operator };
        const step = stepGate(read.state, event, this.deps.now(), this.config());
        if (step.rejected !== undefined) throw new ConflictError(`${args.entity}: ${step.rejected}`, a.requestId);
        try {
          await this.commit(args.entity, step, read.basedOn);
          break;
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= DECIDE_ATTEMPTS) throw error;
        }
      }
      const view = this.deps.view(args.entity);
      const out = view === undefined ? undefined : approvalView(view);
      if (out === undefined) throw new NotFoundError(`entity ${args.entity} went away as it was decided`);
      return out;
    });
  }

  /** Pending requests first (earliest deadline first), then the latest decided ones. */
  approvals(): ApprovalView[] {
    const pending: ApprovalView[] = [];
    const decided: ApprovalView[] = [];
    for (const id of this.tracked) {
      const view = this.deps.view(id);
      const a = view === undefined ? undefined : approvalView(view);
      if (a === undefined) continue;
      (a.state === 'pending' ? pending : decided).push(a);
    }
    pending.sort((x, y) => x.deadline - y.deadline || (x.entityId < y.entityId ? -1 : 1));
    decided.sort((x, y) => (y.decidedAt ?? y.requestedAt) - (x.decidedAt ?? x.requestedAt));
    return [...pending, ...decided.slice(0, RECENT_APPROVALS)];
  }

  /** The intercept tasks that stand on this replica (effectiveTask), newest first. */
  tasks(): TaskView[] {
    const out: TaskView[] = [];
    for (const id of this.tracked) {
      const view = this.deps.view(id);
      if (view === undefined) continue;
      const task = effectiveTask(registers(view));
      if (task !== undefined) out.push({ entityId: id, ...task });
    }
    return out.sort((x, y) => y.updatedAt - x.updatedAt);
  }

  /** The host's tick: what falls due also fires without a timer. */
  tick(): void {
    this.fire();
  }

  /**
   * The node is a member again (it stood removed: `idle`): every entity owed a settle meanwhile
   * settles now, from its registers as they stand, and what fell due fires.
   */
  resume(): void {
    if (this.stopped || this.idle()) return;
    const held = [...this.held];
    this.held.clear();
    for (const id of held) this.enqueue(id, 'restart');
    this.fire();
  }

  private idle(): boolean {
    return this.deps.idle?.() === true;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private config(): GateConfig {
    return {
      self: this.deps.self,
      deadlineMs: this.deadlineMs,
      followerGraceMs: followerGraceFor(this.deps.skewLimitMs()),
    };
  }

  private read(id: EntityId): Read | undefined {
    const view = (this.deps.gateView ?? this.deps.view)(id);
    if (view === undefined) return undefined;
    const threat = this.threatOf(view);
    const basedOn: Record<string, readonly string[]> = {};
    for (const kind of GATE_KINDS) basedOn[kind] = this.deps.heads(id, kind);
    const { approval, task } = registers(view);
    return { state: gateState(id, threat, approval, task), basedOn };
  }

  private threatOf(view: EntityView): ThreatView | undefined {
    const level = (view.components.threat as { level: ThreatLevel } | undefined)?.level;
    const meta = view.meta.threat;
    const version = meta === undefined ? undefined : decodeTs(meta.version);
    if (meta === undefined || level === undefined || version === undefined) return undefined;
    const reason = version.node === this.deps.self ? this.deps.reasonOf(view.id, meta.version) : undefined;
    return { level, version, reason: reason ?? `threat ${level} set by ${version.node.slice(0, 8)}` };
  }

  private enqueue(id: EntityId, event: SettleEvent): void {
    if (this.stopped || this.queued.has(id)) return;
    if (this.idle()) {
      // Standing removed, the step's writes would be refused: it settles on resume() instead.
      this.held.add(id);
      return;
    }
    this.queued.add(id);
    this.run(id, () => {
      this.queued.delete(id);
      return this.settle(id, event);
    }).catch((error: unknown) => this.failed(id, event, error));
  }

  private failed(id: EntityId, event: SettleEvent, error: unknown): void {
    if (this.idle()) {
      // The node was removed while the step ran (its write refused, and counted, once): no backoff
      // retries, each refused and counted again; the entity settles on resume().
      this.deps.log(`the approval gate of ${id} waits: this device stands removed`, error);
      this.held.add(id);
      return;
    }
    if (error instanceof ConflictError) {
      // A peer's write moved the registers under the step: step again from where they stand now.
      this.enqueue(id, event);
      return;
    }
    // Settle again later: the step's writes and its next wake are still owed.
    const count = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, count);
    const delay = backoffDelay(count, GATE_RETRY);
    this.deps.log(`the approval gate of ${id} failed; trying again in ${delay} ms`, error);
    if (this.stopped) return;
    const retry = this.deps.now() + delay;
    const planned = this.schedule.at(id);
    this.schedule.schedule(id, planned === undefined ? retry : Math.min(planned, retry));
    this.arm();
  }

  /**
   * Runs `fn` after every step of `id` queued before it: one step's writes land before the next
   * reads. `now`: no step of `id` is queued, start it in this turn rather than in a microtask.
   */
  private run<T>(id: EntityId, fn: () => Promise<T>, now = false): Promise<T> {
    const before = this.tails.get(id);
    const result = now && before === undefined ? fn() : (before ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return result;
  }

  private async settle(id: EntityId, type: SettleEvent): Promise<void> {
    const read = this.read(id);
    if (read === undefined) {
      this.tracked.delete(id);
      this.orphans.delete(id);
      this.failures.delete(id);
      this.plan(id, undefined);
      return;
    }
    const { state } = read;
    const now = this.deps.now();
    const cfg = this.config();
    const event: GateEvent =
      type === 'observed'
        ? { type, approval: state.approval, task: state.task }
        : type === 'threat'
          ? { type, threat: state.threat }
          : { type };
    let step = stepGate(state, event, now, cfg);
    // The asset link of a task this node assigned: its report, when due, is the next step.
    const here = assignedHere(step.state, this.deps.self);
    const report = here === undefined ? undefined : nextAssetReport(here);
    if (here !== undefined && report !== undefined && report.at <= now) {
      const next = stepGate(
        step.state,
        { type: 'task-report', requestId: here.requestId, status: report.status },
        now,
        cfg,
      );
      step = { ...next, writes: [...step.writes, ...next.writes] };
    }
    await this.commit(id, step, read.basedOn);
    // Judged on the registers as they are after the step's writes landed, not as they were before.
    const after = step.writes.length === 0 ? read : this.read(id);
    const takeover = after === undefined ? undefined : this.takeoverDue(after.state);
    if (after !== undefined && takeover !== undefined && takeover <= this.deps.now()) {
      // Nobody raised a request for this HIGH threat: write it again as ours, and so become its author.
      await this.deps.update(id, { threat: { level: 'HIGH' } }, after.basedOn);
    }
  }

  /** Applies a step's writes (the last of each kind, in one local write) and plans the entity's next wake. */
  private async commit(id: EntityId, step: GateStep, basedOn: HeadSnapshot): Promise<void> {
    if (step.state.approval !== undefined) this.tracked.add(id);
    const last = new Map<GateWrite['kind'], GateWrite['value']>();
    for (const w of step.writes) last.set(w.kind, w.value);
    if (last.size > 0) await this.deps.update(id, Object.fromEntries(last), basedOn);
    this.failures.delete(id);
    this.plan(id, step);
  }

  /**
   * When this node should take over the request of a HIGH threat: nobody will raise one for it.
   * - No request names that threat write or a newer one: its author has raised none within the
   *   grace period (it may have vanished right after writing it). Another node takes over after the
   *   grace; the author itself raises through the gate.
   * - The request that stands names a different, newer threat write and is closed (denied, timed
   *   out, cancelled): that newer write lost the threat merge to this HIGH one (a concurrent
   *   de-escalation: the higher level wins, core/merge/rules.ts), so no operator was ever asked
   *   about the HIGH that stands, and its author's gate raises nothing (its write is older than the
   *   request). The author re-writes it at once, any other node after the grace. A request for the
   *   standing write itself is never re-raised, whatever its state: an operator's deny stays final.
   */
  private takeoverDue(s: GateState): number | undefined {
    const t = s.threat;
    const a = s.approval;
    const id = t === undefined ? undefined : requestIdFor(t.version);
    const order = a === undefined || id === undefined ? -1 : compareRequestIds(a.requestId, id);
    const unasked = order < 0;
    const outranked = order > 0 && a !== undefined && CLOSED.has(a.state);
    const author = t?.version.node === this.deps.self;
    if (t?.level !== 'HIGH' || !(outranked || (unasked && !author))) {
      this.orphans.delete(s.entity);
      return undefined;
    }
    // Counted from when this node first saw that threat write, on its own clock: the author's
    // timestamp is off by the author's clock skew (a clock 20 s behind would make every node take
    // over at once, before the author's request could even arrive).
    const version = requestIdFor(t.version);
    let seen = this.orphans.get(s.entity);
    if (seen?.version !== version) {
      seen = { version, at: this.deps.now() };
      this.orphans.set(s.entity, seen);
    }
    return author ? seen.at : seen.at + RAISE_GRACE_MS + this.stagger;
  }

  private plan(id: EntityId, step: GateStep | undefined): void {
    const wakes: number[] = [];
    if (step !== undefined) {
      if (step.wake !== undefined) wakes.push(step.wake);
      const here = assignedHere(step.state, this.deps.self);
      const report = here === undefined ? undefined : nextAssetReport(here);
      if (report !== undefined) wakes.push(report.at);
      const takeover = this.takeoverDue(step.state);
      if (takeover !== undefined) wakes.push(takeover);
    }
    if (wakes.length === 0) this.schedule.cancel(id);
    else this.schedule.schedule(id, Math.min(...wakes));
    this.arm();
  }

  private arm(): void {
    const next = this.schedule.nextWake();
    if (this.timer?.at === next) return;
    this.timer?.cancel();
    this.timer = undefined;
    const scheduler = this.deps.scheduler;
    if (next === undefined || scheduler === undefined || this.stopped) return;
    const cancel = scheduler.after(Math.min(MAX_TIMER_MS, Math.max(0, next - this.deps.now())), () => {
      this.timer = undefined;
      this.fire();
    });
    this.timer = { at: next, cancel };
  }

  private fire(): void {
    // Standing removed, what is due stays in the schedule (no timer is armed for it) until resume().
    if (this.idle()) return;
    for (const id of this.schedule.due(this.deps.now())) this.enqueue(id, 'deadline');
    this.arm();
  }
}

/**
 * The approval and task registers' winners, as the gate types them (only intercept tasks are the
 * gate's), as far as they can be true. Every honest approval or task write comes after the threat
 * write its request id names (the writer has seen that threat, so its clock is past it), and a
 * request's deadline is the wall time at raise plus at most MAX_APPROVAL_DEADLINE_MS, which the
 * write's own timestamp (an HLC, never behind its writer's wall clock) bounds. A record naming a
 * request at or after its own timestamp is made up, read as absent: otherwise, winning every merge
 * by its request id, it would keep the gate from ever raising a real request for the entity. A
 * deadline beyond the bound is read at the bound, so no request stays pending forever. (Until
 * writes are signed, issue 12, a peer can still forge a decision or a task within these bounds.)
 */
function registers(view: EntityView): Pick<GateState, 'approval' | 'task'> {
  const approval = plausibleApproval(view.components.approval, view.meta.approval?.version);
  const task = view.components.task as TaskRecord | undefined;
  const taskOk = task !== undefined && task.task === INTERCEPT_TASK && before(task.requestId, view.meta.task?.version);
  return { approval, task: taskOk ? task : undefined };
}

function plausibleApproval(value: unknown, version: string | undefined): ApprovalRecord | undefined {
  const a = value as ApprovalRecord | undefined;
  if (a === undefined || version === undefined || !before(a.requestId, version)) return undefined;
  const latest = (decodeTs(version)?.ms ?? 0) + MAX_APPROVAL_DEADLINE_MS;
  return a.deadline <= latest ? a : { ...a, deadline: latest };
}

/** A request id is the encoded timestamp of its threat write: it must sort before the record's own. */
function before(requestId: RequestId, version: string | undefined): boolean {
  const ts = version === undefined ? undefined : decodeTs(version);
  return ts !== undefined && plausibleRequest(requestId, ts);
}

function approvalView(view: EntityView): ApprovalView | undefined {
  const a = registers(view).approval;
  if (a === undefined) return undefined;
  const c = view.components.classification as Classification | undefined;
  const cue = view.components.cue as { label?: unknown } | undefined;
  const label = c?.label ?? (typeof cue?.label === 'string' ? cue.label : undefined);
  return {
    entityId: view.id,
    requestId: a.requestId,
    state: a.state,
    reason: a.reason,
    requestedAt: a.requestedAt,
    deadline: a.deadline,
    ...(a.decidedBy === undefined ? {} : { decidedBy: a.decidedBy }),
    ...(a.decidedOn === undefined ? {} : { decidedOn: a.decidedOn }),
    ...(a.decidedAt === undefined ? {} : { decidedAt: a.decidedAt }),
    conflict: view.meta.approval?.conflict ?? false,
    ...(label === undefined || label === '' ? {} : { label }),
  };
}

/**
 * The gate's `candidates` over a store (ApprovalLoopDeps.candidates): the entities with a head in
 * their approval or task register, or a HIGH head in their threat register, read from the registers
 * without building a view. One that is not shown settles to nothing (its read finds no view).
 */
export function gateCandidates(store: Pick<EntityStore, 'ids' | 'heads'>): EntityId[] {
  const out: EntityId[] = [];
  for (const id of store.ids()) {
    if (
      store.heads(id, 'approval' as ComponentKind).length > 0 ||
      store.heads(id, 'task' as ComponentKind).length > 0 ||
      store.heads(id, 'threat' as ComponentKind).some((h) => (h.value as { level?: unknown } | null)?.level === 'HIGH')
    )
      out.push(id);
  }
  return out;
}
