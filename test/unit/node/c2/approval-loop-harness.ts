/** Test helper (not a test file): random histories of 2–3 real meshed nodes for approval-loop-property.test.ts. */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Approval, Task } from '../../../../src/core/entity/component-types';
import { versionKey } from '../../../../src/ports/storage';
import { MeshSim, type SimNode } from '../mesh/mesh-sim';
import { track } from './gate-fixtures';
import { settle } from './manual-node';

const IDS = ['A', 'B', 'C'] as const;
/** Two hand-made tracks (the operators set their threat) and a sensor track (the classifier does). */
const ENTITIES = ['h1', 'h2', 't1'] as const;
const DEADLINE_MS = 5_000; // the shortest setting
/** Well within the HLC's skew limit (DEFAULT_MAX_SKEW_MS, 60 s). */
const MAX_OFFSET_MS = 10_000;

export type Cmd =
  | { t: 'threat'; node: number; entity: number; high: boolean }
  | { t: 'sensor'; node: number; hostile: boolean }
  | { t: 'decide'; node: number; approve: boolean; pick: number; stale: boolean; named: boolean }
  | { t: 'clock'; node: number; offset: number }
  | { t: 'advance'; ms: number }
  | { t: 'cut'; a: number; b: number }
  | { t: 'heal'; a: number; b: number }
  | { t: 'crash'; node: number; ms: number };

const node = fc.nat(2);
const arbCmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('threat' as const),
      node,
      entity: fc.nat(1),
      high: fc.nat(2).map((n) => n > 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sensor' as const), node, hostile: fc.boolean() }) },
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant('decide' as const),
      node,
      approve: fc.boolean(),
      pick: fc.nat(7),
      stale: fc.nat(3).map((n) => n === 0),
      // The prompt names the request it shows; a bare decide(entity, decision) answers what is pending then.
      named: fc.nat(3).map((n) => n > 0),
    }),
  },
  // The node's wall clock is stepped (as a time sync does), staying within the skew limit.
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('clock' as const),
      node,
      offset: fc.integer({ min: -MAX_OFFSET_MS, max: MAX_OFFSET_MS }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.oneof(
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 600 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 10_000 }) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cut' as const), a: node, b: node }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('heal' as const), a: node, b: node }) },
  // A crash `ms` into a short stretch of time: whatever a node was writing then is lost.
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), node, ms: fc.nat(60) }) },
);

export interface History {
  readonly count: number;
  readonly offsets: readonly number[];
  readonly cmds: readonly Cmd[];
}

export const arbHistory: fc.Arbitrary<History> = fc.integer({ min: 2, max: 3 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    offsets: fc.array(fc.integer({ min: -MAX_OFFSET_MS, max: MAX_OFFSET_MS }), {
      minLength: count,
      maxLength: count,
    }),
    // size 'max': fast-check's default size keeps arrays near 10 commands, too few to raise and decide.
    cmds: fc.array(arbCmd, { minLength: 1, maxLength: 40, size: 'max' }),
  }),
);

/** What a run saw: every request an operator approved, and what the commands led to. */
interface Ledger {
  readonly approvedByOperator: Set<string>;
  readonly seen: Map<string, Set<string>>;
  readonly reached: Set<string>;
}

class Harness {
  readonly nodes: SimNode[] = [];
  readonly ledger: Ledger = { approvedByOperator: new Set(), seen: new Map(), reached: new Set() };

  private constructor(
    readonly sim: MeshSim,
    readonly count: number,
  ) {}

  static async open(h: History, seed: number): Promise<Harness> {
    const sim = new MeshSim({ seed });
    const harness = new Harness(sim, h.count);
    for (let i = 0; i < h.count; i++) harness.nodes.push(await sim.add(IDS[i]!, h.offsets[i]!));
    for (let a = 0; a < h.count; a++) for (let b = a + 1; b < h.count; b++) sim.link(IDS[a]!, IDS[b]!);
    for (const n of harness.nodes) await n.node.setApprovalDeadline(DEADLINE_MS);
    // Hand-made tracks (no `source`): the classifier keeps the operators' threat on them.
    for (const id of ['h1', 'h2'])
      await harness.nodes[0]!.node.create({ id, components: { position: { lat: 51.5, lon: -0.46 } } });
    await harness.nodes[0]!.node.create({ id: 't1', components: track('NEUTRAL') });
    await harness.run(1_000);
    return harness;
  }

  /**
   * Advances the mesh in 50-ms steps, letting the nodes' asynchronous writes land between them, and
   * checks every `checkMs` (and at the end).
   */
  async run(ms: number, checkMs = 250): Promise<void> {
    for (let t = 0; t < ms; t += 50) {
      await this.sim.advance(Math.min(50, ms - t));
      await settle();
      if ((t + 50) % checkMs === 0) await this.check();
    }
  }

  async apply(cmd: Cmd): Promise<void> {
    const sim = this.sim;
    const id = (i: number): string => IDS[i % this.count]!;
    switch (cmd.t) {
      case 'threat': {
        const n = this.nodes[cmd.node % this.count]!.node;
        await n.update(ENTITIES[cmd.entity]!, { threat: { level: cmd.high ? 'HIGH' : 'MEDIUM' } });
        break;
      }
      case 'sensor': {
        // A sensor on this node reports the track (so this node classifies it): its cue HOSTILE or NEUTRAL.
        const n = this.nodes[cmd.node % this.count]!;
        const report = track(cmd.hostile ? 'HOSTILE' : 'NEUTRAL');
        await n.node.update('t1', { ...report, source: { sensorId: `eo-${n.id}`, sensorType: 'eo' } });
        break;
      }
      case 'decide': {
        const n = this.nodes[cmd.node % this.count]!.node;
        const shown = await n.approvals();
        for (const a of shown) this.remember(a.entityId, a.requestId);
        const pending = shown.filter((a) => a.state === 'pending');
        let target: { entityId: string; requestId: string } | undefined;
        if (cmd.stale) {
          // A request this operator's screen may still show: one raised earlier (maybe superseded).
          const all = [...this.ledger.seen].flatMap(([e, rs]) => [...rs].map((r) => ({ entityId: e, requestId: r })));
          target = all[cmd.pick % Math.max(1, all.length)];
        } else target = pending[cmd.pick % Math.max(1, pending.length)];
        if (target === undefined) {
          this.ledger.reached.add('decided:nothing-pending');
          break;
        }
        if (cmd.approve) this.ledger.approvedByOperator.add(target.requestId);
        try {
          const decision = cmd.approve ? 'approve' : 'deny';
          await (cmd.named || cmd.stale
            ? n.decide(target.entityId, decision, target.requestId)
            : n.decide(target.entityId, decision));
          this.ledger.reached.add(cmd.approve ? 'decided:approve' : 'decided:deny');
        } catch (error) {
          // Refusals (not pending any more, past the deadline, another request) are the gate's answer.
          if ((error as Error).name !== 'ConflictError') throw error;
          this.ledger.reached.add('decided:refused');
        }
        break;
      }
      case 'advance':
        await this.run(cmd.ms);
        break;
      case 'clock':
        this.nodes[cmd.node % this.count]!.offsetMs = cmd.offset;
        break;
      case 'cut':
        if (id(cmd.a) !== id(cmd.b)) sim.unlink(id(cmd.a), id(cmd.b));
        break;
      case 'heal':
        if (id(cmd.a) !== id(cmd.b)) sim.link(id(cmd.a), id(cmd.b));
        break;
      case 'crash':
        // No settle between the frames delivered and the crash: the steps they started are cut off.
        sim.advanceNow(cmd.ms);
        {
          const n = this.nodes[cmd.node % this.count]!;
          const unstored = [...n.node.versions()].some((v) => !n.backing.versions.has(versionKey(v)));
          await sim.crash(n.id);
          this.ledger.reached.add(unstored ? 'crash:lost' : 'crash');
        }
        await settle();
        break;
    }
    await this.check();
  }

  private remember(entity: string, request: string): void {
    let s = this.ledger.seen.get(entity);
    if (s === undefined) this.ledger.seen.set(entity, (s = new Set()));
    s.add(request);
  }

  /** On every replica: each task tasks() shows stands on an operator's approval of its current request. */
  async check(): Promise<void> {
    for (const n of this.nodes) {
      const tasks = await n.node.tasks();
      for (const t of tasks) {
        const view = await n.node.get(t.entityId);
        const approval = view?.components.approval as Approval | undefined;
        const where = `${n.id} shows an intercept task on ${t.entityId} for ${t.requestId}`;
        expect(approval?.state, `${where}, its approval register says ${JSON.stringify(approval)}`).toBe('approved');
        expect(approval?.requestId, `${where}, its approval register approves another request`).toBe(t.requestId);
        expect(approval?.decidedBy, `${where}, approved by the gate itself`).not.toBe('auto');
        expect(this.ledger.approvedByOperator.has(t.requestId), `${where}, which no operator approved`).toBe(true);
        this.ledger.reached.add(`task:${t.status}`);
      }
      for (const a of await n.node.approvals()) {
        this.remember(a.entityId, a.requestId);
        this.ledger.reached.add(`approval:${a.state}${a.conflict ? ':conflict' : ''}`);
      }
    }
    // Replicas that hold the same writes of an entity's gate registers read the same gate from them.
    const pictures = await Promise.all(this.nodes.map((n) => this.gatePicture(n)));
    for (let i = 1; i < pictures.length; i++) {
      for (const e of ENTITIES) {
        const [mine, first] = [pictures[i]!.get(e)!, pictures[0]!.get(e)!];
        if (mine.heads !== first.heads) continue;
        this.ledger.reached.add('same-writes');
        expect(mine.read, `${this.nodes[i]!.id} and ${this.nodes[0]!.id} hold the same writes of ${e}`).toEqual(
          first.read,
        );
      }
    }
  }

  /** Per entity: its threat, approval and task heads (as one key) and what the node reads from them. */
  private async gatePicture(n: SimNode): Promise<Map<string, { heads: string; read: unknown }>> {
    const out = new Map<string, { heads: string; read: unknown }>();
    const tasks = await n.node.tasks();
    for (const e of ENTITIES) {
      const heads = [];
      for (const kind of ['threat', 'approval', 'task'])
        heads.push((await n.node.heads(e, kind)).map((h) => h.version).sort());
      const view = await n.node.get(e);
      const task = tasks.find((t) => t.entityId === e);
      out.set(e, {
        heads: JSON.stringify(heads),
        read: {
          threat: view?.components.threat,
          approval: view?.components.approval,
          task: view?.components.task,
          shown: task,
        },
      });
    }
    return out;
  }

  /** Every link back, every deadline past: the replicas hold the same registers and show the same tasks. */
  async healAndCompare(): Promise<void> {
    for (let a = 0; a < this.count; a++) for (let b = a + 1; b < this.count; b++) this.sim.link(IDS[a]!, IDS[b]!);
    await this.run(2 * (DEADLINE_MS + 5_000) + 4 * MAX_OFFSET_MS, 1_000);
    const pictures: unknown[] = [];
    for (const n of this.nodes) {
      const registers: Record<string, unknown> = {};
      for (const e of ENTITIES) {
        const view = await n.node.get(e);
        const approval = view?.components.approval as Approval | undefined;
        const task = view?.components.task as Task | undefined;
        expect(approval?.state, `${n.id}: ${e} still pending after every deadline`).not.toBe('pending');
        if ((view?.components.threat as { level: string } | undefined)?.level === 'HIGH') {
          // Liveness: the standing HIGH threat write has its own request, and an approval of it was acted on.
          expect(approval?.requestId, `${n.id}: ${e} is HIGH without a request for it`).toBe(
            view?.meta.threat?.version,
          );
          if (approval?.state === 'approved')
            expect(task?.requestId, `${n.id}: ${e}'s approved request was never assigned`).toBe(approval.requestId);
        }
        registers[e] = {
          threat: view?.components.threat,
          approval,
          task,
          approvalHeads: await n.node.heads(e, 'approval'),
          taskHeads: await n.node.heads(e, 'task'),
        };
      }
      const tasks = await n.node.tasks();
      for (const t of tasks) {
        const threat = (await n.node.get(t.entityId))?.components.threat as { level: string } | undefined;
        if (['created', 'sent', 'acknowledged', 'executing'].includes(t.status))
          expect(threat?.level, `${n.id}: an intercept runs on ${t.entityId}, whose threat dropped`).toBe('HIGH');
      }
      pictures.push({ registers, tasks });
    }
    for (let i = 1; i < pictures.length; i++)
      expect(pictures[i], `${this.nodes[i]!.id} vs ${this.nodes[0]!.id}`).toEqual(pictures[0]);
  }
}

export async function runHistory(h: History, seed = 1, reached?: Set<string>): Promise<void> {
  const harness = await Harness.open(h, seed);
  try {
    for (const cmd of h.cmds) await harness.apply(cmd);
    await harness.healAndCompare();
  } finally {
    for (const r of harness.ledger.reached) reached?.add(r);
    for (const n of harness.nodes) n.mesh.close();
  }
}
