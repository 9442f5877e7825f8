/**
 * Found by approval-loop-property.test.ts (SEED=202 NUM_RUNS=250, shrunk): a HIGH threat that
 * wins the threat register's merge (the higher level wins among concurrent writes) over a newer,
 * concurrent de-escalation stands on every replica with no request for it, because the request the
 * de-escalated side had raised and cancelled meanwhile is newer than the HIGH write and outranks it
 * in the approval register. Nobody was asked, and nobody took the threat over. Fixed in
 * ApprovalLoop.takeoverDue: such a HIGH is orphaned; its author re-writes it at once (any node after
 * the grace), so a request for it outranks the cancelled one.
 */
import { describe, expect, it } from 'vitest';
import type { LatticeNode } from '../../../../src/node/lattice-node';
import { MeshSim } from '../mesh/mesh-sim';
import { settle } from './manual-node';
import { runHistory } from './approval-loop-harness';

async function run(sim: MeshSim, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    await sim.advance(50);
    await settle();
  }
}

describe('a HIGH threat that wins its merge over a newer, concurrent de-escalation', () => {
  /** The race: B's HIGH (rB) against A's concurrent HIGH then MEDIUM (rA, cancelled), then the heal. */
  async function race(): Promise<{ sim: MeshSim; a: LatticeNode; b: LatticeNode }> {
    const sim = new MeshSim({ seed: 14 });
    const a = (await sim.add('A')).node;
    const b = (await sim.add('B')).node;
    sim.link('A', 'B');
    await a.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 } } });
    await run(sim, 500);

    sim.unlink('A', 'B');
    // B's operator marks the track HIGH; B raises request rB, pending on B.
    await b.update('h1', { threat: { level: 'HIGH' } });
    await run(sim, 100);
    // Meanwhile A's operator marks it HIGH too (request rA, newer than rB), then lowers it: A cancels rA.
    await a.update('h1', { threat: { level: 'HIGH' } });
    await run(sim, 100);
    await a.update('h1', { threat: { level: 'MEDIUM' } });
    await run(sim, 100);
    expect((await b.approvals())[0]).toMatchObject({ entityId: 'h1', state: 'pending' });

    sim.link('A', 'B');
    await run(sim, 30_000);
    return { sim, a, b };
  }

  it("is asked about: the operators get a prompt for it (before the fix: the other side's newer, cancelled request outranked it, no prompt, no takeover)", async () => {
    const { a, b } = await race();
    for (const n of [a, b]) {
      const view = (await n.get('h1'))!;
      // The concurrent HIGH outranks A's MEDIUM (fail safe): the track stays HIGH on both...
      expect(view.components.threat).toEqual({ level: 'HIGH' });
      expect(view.meta.threat).toMatchObject({ author: 'B' });
      // ... so an operator must have been asked about that HIGH write: the approval register names
      // it. B, its author, re-wrote it as soon as it saw A's cancelled rA outrank it.
      const approval = view.components.approval as { requestId: string; state: string };
      expect(approval.requestId, `${n.nodeId}: the request in the approval register`).toBe(view.meta.threat!.version);
      expect(approval.state).toBe('pending');
    }
  });

  it("asks once: an operator's deny of the re-raised request stays final (no re-write, no new prompt)", async () => {
    const { sim, a, b } = await race();
    const before = (await b.get('h1'))!.meta.threat!.version;
    await a.decide('h1', 'deny');
    await run(sim, 60_000);
    for (const n of [a, b]) {
      const view = (await n.get('h1'))!;
      expect(view.components.threat).toEqual({ level: 'HIGH' });
      expect(view.meta.threat!.version, `${n.nodeId}: the threat write`).toBe(before);
      expect(view.components.approval).toMatchObject({ requestId: before, state: 'denied' });
      expect((await n.approvals()).filter((x) => x.state === 'pending')).toEqual([]);
    }
  });

  it('the property counterexample as shrunk (two nodes, no time between the writes)', async () => {
    await runHistory({
      count: 2,
      offsets: [0, 0],
      cmds: [
        { t: 'threat', node: 1, entity: 0, high: true },
        { t: 'threat', node: 0, entity: 0, high: false },
        { t: 'threat', node: 0, entity: 0, high: true },
        { t: 'threat', node: 0, entity: 0, high: false },
      ],
    });
  });
});
