import { describe, expect, it } from 'vitest';
import { MeshSim } from '../mesh/mesh-sim';
import { settle } from './manual-node';
import { approvalOf, refresh, taskOf, track } from './gate-fixtures';

/** Advances the mesh in 50-ms steps, letting the nodes' asynchronous writes land between them. */
async function run(sim: MeshSim, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    await sim.advance(50);
    await settle();
  }
}

/** Runs `ms`, the track's sensor node reporting every second so the track stays HIGH. */
async function runHigh(sim: MeshSim, sensor: string, id: string, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    await refresh(sim.get(sensor).node, id);
    await run(sim, 1_000);
  }
}

async function meshed(): Promise<MeshSim> {
  const sim = new MeshSim({ seed: 10 });
  await sim.add('A');
  await sim.add('B');
  sim.link('A', 'B');
  await run(sim, 500);
  return sim;
}

describe('the approval gate across two meshed nodes', () => {
  it('a HIGH track raises ONE request (its sensor node classifies), seen pending on both', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    await a.create({ id: 'h1', components: track() });
    await runHigh(sim, 'A', 'h1', 3_000);
    for (const n of [a, b]) {
      const view = (await n.get('h1'))!;
      expect(view.components.threat).toEqual({ level: 'HIGH' });
      // One threat write, by the sensor's node: no concurrent equal writes from two classifiers.
      expect(view.meta.threat).toMatchObject({ author: 'A', heads: 1, conflict: false });
      const approvals = await n.approvals();
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ entityId: 'h1', state: 'pending', conflict: false });
    }
    expect((await a.approvals())[0]!.requestId).toBe((await b.approvals())[0]!.requestId);

    // A decision on B closes the prompt on A, and A (the actor) assigns the task B's operator approved.
    await b.decide('h1', 'approve');
    await runHigh(sim, 'A', 'h1', 2_000);
    for (const n of [a, b]) {
      expect(await approvalOf(n, 'h1')).toMatchObject({ state: 'approved', decidedOn: 'B' });
      expect(await n.tasks()).toMatchObject([{ entityId: 'h1', assignedBy: 'A' }]);
    }
  });

  it('approve on one side and deny on the other during a partition: denied on both after heal, conflict shown, no task', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    await a.create({ id: 'h1', components: track() });
    await runHigh(sim, 'A', 'h1', 3_000);
    const [request] = await b.approvals();
    expect(request).toMatchObject({ state: 'pending' });

    // The link goes down (as the handle's partition() does); it is re-established at heal.
    sim.unlink('A', 'B');
    await a.decide('h1', 'approve', request!.requestId);
    await b.decide('h1', 'deny', request!.requestId);
    await runHigh(sim, 'A', 'h1', 2_000);
    // A, the actor, acted on its own operator's approval while cut off...
    expect((await taskOf(a, 'h1'))!.status).not.toBe('cancelled');
    expect(await a.tasks()).toHaveLength(1);

    sim.link('A', 'B');
    await runHigh(sim, 'A', 'h1', 5_000);
    for (const n of [a, b]) {
      const approval = (await n.approvals()).find((x) => x.entityId === 'h1')!;
      expect(approval).toMatchObject({
        requestId: request!.requestId,
        state: 'denied',
        decidedOn: 'B',
        conflict: true,
      });
      expect((await n.heads('h1', 'approval')).map((h) => (h.value as { state: string }).state)).toEqual([
        'denied',
        'approved',
      ]);
      // ... and stopped it the moment it saw the deny win: no task stands anywhere.
      expect(await n.tasks()).toEqual([]);
      expect((await taskOf(n, 'h1'))!.status).toBe('cancelled');
    }
  });
});
