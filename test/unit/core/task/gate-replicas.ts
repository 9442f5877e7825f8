/**
 * 2–3 simulated replicas running the approval gate over real registers (src/core/merge/register's
 * heads and dominance) with the proposed approval/task head orders, a shared injected clock, a
 * network that delivers every write to every other node in whatever order the test picks, and
 * restarts that rebuild a node's gate from its registers.
 */
import { encodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import { Hlc } from '../../../../src/core/clock/hlc';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { contextOf, mergeVersion, type Heads } from '../../../../src/core/merge/register';
import type { Version } from '../../../../src/core/merge/version';
import { DeadlineSchedule } from '../../../../src/core/task/deadline-schedule';
import {
  DEFAULT_FOLLOWER_GRACE_MS,
  initialGate,
  stepGate,
  type GateConfig,
  type GateEvent,
  type GateState,
} from '../../../../src/core/task/gate';
import type { ApprovalRecord, TaskRecord, ThreatView } from '../../../../src/core/task/records';
import { compareApprovalHeads, compareTaskHeads } from '../../../../src/core/task/request-order';

export const ENTITY = 'track-7' as EntityId;
type Kind = 'threat' | 'approval' | 'task';

const winnerOf = (kind: Kind, heads: Heads | undefined): Version | undefined => {
  if (heads === undefined || heads.length === 0) return undefined;
  if (kind === 'threat') return heads[0]; // the store's real rule (byThreat) already ordered them
  const cmp = kind === 'approval' ? compareApprovalHeads : compareTaskHeads;
  return [...heads].sort((a, b) => (cmp as (x: unknown, y: unknown) => number)(b, a))[0];
};

export const versionKey = (v: Version): string => `${v.kind}/${encodeTs(v.ts)}`;

export class Replica {
  readonly registers = new Map<Kind, Heads>();
  readonly hlc: Hlc;
  schedule = new DeadlineSchedule<EntityId>();
  /** Keys of every write this replica holds (own and received). */
  readonly seen = new Set<string>();
  /** Requests for which this replica has held an `approved` write. */
  readonly seenApproved = new Set<string>();
  gate: GateState = initialGate(ENTITY);
  /** Every version this replica holds, in the order it merged them (own and received). */
  private held: Version[] = [];
  private readonly own: Version[] = [];

  constructor(
    readonly id: NodeId,
    private readonly net: Network,
  ) {
    this.hlc = new Hlc({ node: id, now: () => net.now });
  }

  get cfg(): GateConfig {
    return { self: this.id, deadlineMs: 30_000, followerGraceMs: DEFAULT_FOLLOWER_GRACE_MS };
  }

  winner<T>(kind: Kind): T | undefined {
    return winnerOf(kind, this.registers.get(kind))?.value as T | undefined;
  }

  /** The newest request among the approval heads: the one a decision must answer. */
  newestRequest(): string | undefined {
    const ids = (this.registers.get('approval') ?? []).map((v) => (v.value as ApprovalRecord).requestId);
    return ids.sort().at(-1);
  }

  threatView(): ThreatView | undefined {
    const v = winnerOf('threat', this.registers.get('threat'));
    if (v === undefined) return undefined;
    const level = (v.value as { level: ThreatLevel }).level;
    return { level, version: v.ts, reason: `${level} by ${v.ts.node}` };
  }

  /** A local write: its context is every head seen, so it supersedes them all. */
  write(kind: Kind, value: unknown): Version {
    const ts: Timestamp = this.hlc.now();
    const v: Version = {
      entity: ENTITY,
      kind: kind as ComponentKind,
      value: value as Version['value'],
      ts,
      seen: contextOf(this.registers.get(kind), this.id),
    };
    this.apply(v);
    this.own.push(v);
    this.net.emit(this, v);
    return v;
  }

  /** Merges a version; returns whether the register changed. */
  apply(v: Version): boolean {
    this.held.push(v);
    this.seen.add(versionKey(v));
    if (v.kind === 'approval' && (v.value as ApprovalRecord).state === 'approved') {
      this.seenApproved.add((v.value as ApprovalRecord).requestId);
    }
    const r = mergeVersion(this.registers.get(v.kind as Kind), v);
    if (r.kind !== 'applied') return false;
    this.registers.set(v.kind as Kind, r.heads);
    return true;
  }

  receive(v: Version): void {
    this.hlc.observe(v.ts);
    if (!this.apply(v)) return;
    if (v.kind === 'threat') this.step({ type: 'threat', threat: this.threatView() });
    else this.step({ type: 'observed', approval: this.winner('approval'), task: this.winner('task') });
  }

  /** The classifier on this node changes the threat level. */
  classify(level: ThreatLevel): void {
    if (this.threatView()?.level === level) return; // classifiers write on change only
    this.write('threat', { level });
    this.step({ type: 'threat', threat: this.threatView() });
  }

  /** Crash and restart: everything in memory is lost; the gate is rebuilt from the registers. */
  restart(): void {
    this.schedule = new DeadlineSchedule<EntityId>();
    this.gate = {
      entity: ENTITY,
      threat: this.threatView(),
      approval: this.winner('approval'),
      task: this.winner('task'),
    };
    this.step({ type: 'restart' });
  }

  /**
   * A crash that also loses this replica's latest writes not yet delivered anywhere: the node's
   * write-behind had not made them durable, so (as LocalWrites announces a write only once durable)
   * no peer ever got them. The clock is kept (its lease is durable), then the node restarts.
   */
  crash(): Version[] {
    const lost: Version[] = [];
    while (this.own.length > 0 && !this.net.deliveredAnywhere(this, this.own.at(-1)!)) lost.push(this.own.pop()!);
    if (lost.length > 0) {
      this.net.forget(lost);
      const keep = this.held.filter((v) => !lost.includes(v));
      this.held = [];
      this.registers.clear();
      this.seen.clear();
      for (const v of keep) this.apply(v);
    }
    this.restart();
    return lost;
  }

  fireDeadlines(): void {
    for (const _ of this.schedule.due(this.net.now)) this.step({ type: 'deadline' });
  }

  step(event: GateEvent): { rejected?: string } {
    const s = stepGate(this.gate, event, this.net.now, this.cfg);
    this.gate = s.state;
    for (const w of s.writes) {
      this.net.onWrite(this, w.kind, w.value, event);
      this.write(w.kind, w.value);
    }
    if (s.wake === undefined) this.schedule.cancel(ENTITY);
    else this.schedule.schedule(ENTITY, s.wake);
    return s;
  }
}

export interface InFlight {
  readonly to: Replica;
  readonly v: Version;
}

export class Network {
  now = 1_700_000_000_000;
  readonly nodes: Replica[];
  queue: InFlight[] = [];
  readonly universe: Version[] = [];
  constructor(
    count: number,
    readonly onWrite: (
      node: Replica,
      kind: 'approval' | 'task',
      value: ApprovalRecord | TaskRecord,
      cause: GateEvent,
    ) => void,
  ) {
    this.nodes = ['A', 'B', 'C'].slice(0, count).map((n) => new Replica(n as NodeId, this));
  }
  emit(from: Replica, v: Version): void {
    this.universe.push(v);
    for (const to of this.nodes) if (to !== from) this.queue.push({ to, v });
  }
  deliveredAnywhere(from: Replica, v: Version): boolean {
    return this.nodes.some((n) => n !== from && n.seen.has(versionKey(v)));
  }
  /** Writes lost in a crash before any peer received them: they never existed for anyone else. */
  forget(lost: readonly Version[]): void {
    this.queue = this.queue.filter((m) => !lost.includes(m.v));
    for (const v of lost) this.universe.splice(this.universe.indexOf(v), 1);
  }
  deliver(index: number): void {
    if (this.queue.length === 0) return;
    const [m] = this.queue.splice(index % this.queue.length, 1);
    m!.to.receive(m!.v);
  }
  tick(ms: number): void {
    this.now += ms;
    for (const n of this.nodes) n.fireDeadlines();
  }
}
