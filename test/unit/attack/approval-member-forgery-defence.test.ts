/**
 * Hostile review 14, the defence: a MEMBER (valid key, signs its own writes) writes `approval` and
 * intercept `task` versions its author may not make. The gate-authority rules
 * (src/core/task/gate-authority.ts) refuse them on ingest, by the version alone, so every honest
 * replica refuses the same ones. Cases copied from approval-member-forgery.test.ts (branch
 * attack14), where they PASS when the attack works; here they assert that it no longer does.
 * The member-level attacks these rules leave open are listed in docs/security.md ("Gate authority").
 */
import { describe, expect, it } from 'vitest';
import { decodeTs, encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { MeshSim } from '../node/mesh/mesh-sim';
import { settle } from '../node/c2/manual-node';
import { approvalOf, refresh, taskOf, track } from '../node/c2/gate-fixtures';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { signNow, testIdentity } from '../support/test-keys';
import { scene } from './attack-scene';

const X = 'x';

async function run(sim: MeshSim, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    await sim.advance(50);
    await settle();
  }
}

async function runHigh(sim: MeshSim, sensor: string, id: string, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    await refresh(sim.get(sensor).node, id);
    await run(sim, 1_000);
  }
}

/** A and B honest, both trusting member x's key (an open lattice admits any key). */
async function meshed(): Promise<MeshSim> {
  const sim = new MeshSim({ seed: 14, session: { syncIntervalMs: 1_000 } });
  for (const id of ['A', 'B']) {
    const n = await sim.add(id);
    await n.security.trust(testIdentity(X).publicKey);
  }
  sim.link('A', 'B');
  await run(sim, 500);
  return sim;
}

function forged(sim: MeshSim, entity: string, kind: string, value: unknown, seen: Timestamp[], aheadMs = 0): Version {
  return signNow(testIdentity(X), {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value: value as Version['value'],
    ts: { ms: sim.clock + aheadMs, c: 0, node: X as NodeId },
    seen,
  });
}

async function versionOf(sim: MeshSim, node: string, id: string, kind: string): Promise<Timestamp> {
  const v = (await sim.get(node).node.get(id))!.meta[kind]!.version;
  return decodeTs(v)!;
}

async function pendingOnBoth(sim: MeshSim): Promise<{ requestId: string; pending: Record<string, unknown> }> {
  const a = sim.get('A').node;
  await a.create({ id: 'h1', components: track() });
  await runHigh(sim, 'A', 'h1', 3_000);
  const pending = (await approvalOf(sim.get('B').node, 'h1')) as unknown as Record<string, unknown>;
  expect(pending).toMatchObject({ state: 'pending' });
  return { requestId: pending.requestId as string, pending };
}

/** The version was refused where it was handed in: counted and not merged. */
async function refusedAt(sim: MeshSim, node: string, times = 1): Promise<void> {
  const stats = await sim.get(node).node.stats();
  expect(stats.rejected['gate-authority']).toBe(times);
}

describe('hostile review 14, defence: a member may not write what its author may not', () => {
  it('a member-written `approved` attributed to B is refused: the request stays pending, no task', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { pending } = await pendingOnBoth(sim);
    const seen = [await versionOf(sim, 'B', 'h1', 'approval')];
    const fake = { ...pending, state: 'approved', decidedBy: 'opB', decidedOn: 'B', decidedAt: sim.clock };
    expect(b.applyRemote([forged(sim, 'h1', 'approval', fake, seen)])).toEqual([]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 3_000);
    for (const n of [a, b]) {
      expect(await approvalOf(n, 'h1')).toMatchObject({ state: 'pending' });
      expect(await n.tasks()).toEqual([]);
      expect((await n.get('h1'))!.meta.approval!.author).toBe('A');
    }
  });

  it('a human DENY is not overridden by a member-written `approved` attributed to B', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    await pendingOnBoth(sim);
    await b.decide('h1', 'deny');
    await runHigh(sim, 'A', 'h1', 2_000);
    const denied = (await approvalOf(a, 'h1')) as unknown as Record<string, unknown>;
    const seen = [await versionOf(sim, 'A', 'h1', 'approval')];
    b.applyRemote([
      forged(sim, 'h1', 'approval', { ...denied, state: 'approved', decidedBy: 'opB', decidedOn: 'B' }, seen),
    ]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 3_000);
    for (const n of [a, b]) {
      expect(await approvalOf(n, 'h1')).toMatchObject({ state: 'denied', decidedOn: 'B' });
      expect(await n.tasks()).toEqual([]);
    }
  });

  it('a member-written task naming B as assignee is refused: A keeps executing, B runs nothing', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { requestId } = await pendingOnBoth(sim);
    await b.decide('h1', 'approve');
    await runHigh(sim, 'A', 'h1', 2_000);
    const seen = [await versionOf(sim, 'A', 'h1', 'task')];
    const task = { task: 'intercept', requestId, status: 'created', assignedBy: 'B', updatedAt: sim.clock };
    b.applyRemote([forged(sim, 'h1', 'task', task, seen, 20_000)]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 4_000);
    for (const n of [a, b]) expect(await n.tasks()).toMatchObject([{ entityId: 'h1', assignedBy: 'A' }]);
    expect((await b.get('h1'))!.meta.task!.author).toBe('A');
  });

  it('a member-written `executing` task of its own on the approved request is refused', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { requestId } = await pendingOnBoth(sim);
    await b.decide('h1', 'approve');
    await runHigh(sim, 'A', 'h1', 2_000);
    const seen = [await versionOf(sim, 'A', 'h1', 'task')];
    const task = { task: 'intercept', requestId, status: 'executing', assignedBy: X, updatedAt: sim.clock };
    b.applyRemote([forged(sim, 'h1', 'task', task, seen, 20_000)]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 3_000);
    for (const n of [a, b]) expect(await n.tasks()).toMatchObject([{ entityId: 'h1', assignedBy: 'A' }]);
  });

  it('a made-up request naming B as its actor, `approved` on A’s behalf, is refused: B assigns nothing', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { requestId, pending } = await pendingOnBoth(sim);
    await b.decide('h1', 'approve');
    await runHigh(sim, 'A', 'h1', 2_000);
    const real = decodeTs(requestId)!;
    const madeUp = encodeTs({ ms: real.ms, c: real.c + 1, node: 'B' as NodeId });
    const fake = {
      ...pending,
      requestId: madeUp,
      state: 'approved',
      decidedBy: 'opA',
      decidedOn: 'A',
      decidedAt: sim.clock,
    };
    b.applyRemote([forged(sim, 'h1', 'approval', fake, [])]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 3_000);
    for (const n of [a, b]) expect(await n.tasks()).toMatchObject([{ entityId: 'h1', assignedBy: 'A', requestId }]);
  });

  it('a member may not rewrite the pending request (reason, deadline): the prompt and the decision stand', async () => {
    const sim = await meshed();
    const b = sim.get('B').node;
    const { pending } = await pendingOnBoth(sim);
    const seen = [await versionOf(sim, 'B', 'h1', 'approval')];
    const lie = { ...pending, reason: 'FRIENDLY airliner 0.99, outbound', deadline: sim.clock - 1 };
    b.applyRemote([forged(sim, 'h1', 'approval', lie, seen)]);
    await refusedAt(sim, 'B');
    await run(sim, 100);
    expect((await b.approvals())[0]).toMatchObject({ reason: pending.reason });
    await b.decide('h1', 'deny');
    await runHigh(sim, 'A', 'h1', 2_000);
    expect(await approvalOf(sim.get('A').node, 'h1')).toMatchObject({ state: 'denied' });
  });

  it('a member may not stretch the deadline: the request times out at the operator’s setting', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { pending } = await pendingOnBoth(sim);
    const seen = [await versionOf(sim, 'B', 'h1', 'approval')];
    b.applyRemote([forged(sim, 'h1', 'approval', { ...pending, deadline: sim.clock + 590_000 }, seen)]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 60_000);
    expect(await approvalOf(a, 'h1')).toMatchObject({ state: 'timed_out', deadline: pending.deadline });
    expect(await a.tasks()).toEqual([]);
  });

  it('a member may not re-open a denied request as pending', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    await pendingOnBoth(sim);
    await b.decide('h1', 'deny');
    await runHigh(sim, 'A', 'h1', 2_000);
    const denied = (await approvalOf(a, 'h1')) as unknown as Record<string, unknown>;
    const seen = [await versionOf(sim, 'A', 'h1', 'approval')];
    const { decidedBy: _b, decidedOn: _o, decidedAt: _t, ...request } = denied;
    b.applyRemote([forged(sim, 'h1', 'approval', { ...request, state: 'pending' }, seen)]);
    await refusedAt(sim, 'B');
    await runHigh(sim, 'A', 'h1', 2_000);
    expect(await approvalOf(b, 'h1')).toMatchObject({ state: 'denied' });
    await expect(a.decide('h1', 'approve')).rejects.toThrow();
    expect(await a.tasks()).toEqual([]);
  });

  it('a member may not overwrite the FINISHED intercept with an intercept task of an older request', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { requestId } = await pendingOnBoth(sim);
    await b.decide('h1', 'approve');
    await runHigh(sim, 'A', 'h1', 8_000);
    const done = (await taskOf(a, 'h1'))!;
    expect(done).toMatchObject({ requestId, status: 'done_ok', assignedBy: 'A' });
    const real = decodeTs(requestId)!;
    const older = encodeTs({ ms: real.ms - 1, c: 0, node: 'A' as NodeId });
    const value = { task: 'intercept', requestId: older, status: 'done_ok', assignedBy: 'A', updatedAt: sim.clock };
    const v = forged(sim, 'h1', 'task', value, [await versionOf(sim, 'A', 'h1', 'task')]);
    a.applyRemote([v]);
    b.applyRemote([v]);
    await refusedAt(sim, 'A');
    await runHigh(sim, 'A', 'h1', 1_000);
    expect(await taskOf(a, 'h1')).toEqual(done);
  });

  it('junk pending requests naming another actor (approval-queue-flood.test.ts) are refused: the queue holds the real one', async () => {
    const sim = await meshed();
    const a = sim.get('A').node;
    const b = sim.get('B').node;
    const { pending } = await pendingOnBoth(sim);
    const junk = Array.from({ length: 50 }, (_, i) =>
      forged(
        sim,
        `j${i}`,
        'approval',
        {
          requestId: encodeTs({ ms: sim.clock - 10, c: i, node: 'ghost' as NodeId }),
          state: 'pending',
          reason: 'HOSTILE 0.99, closing 300 m/s, 0.5 km',
          requestedAt: sim.clock - 10,
          deadline: (pending.deadline as number) - 1,
        },
        [],
      ),
    );
    expect(b.applyRemote(junk)).toEqual([]);
    await refusedAt(sim, 'B', 50);
    await runHigh(sim, 'A', 'h1', 2_000);
    for (const n of [a, b]) expect((await n.approvals()).map((v) => v.entityId)).toEqual(['h1']);
  });

  it('over a link: refused before any check, counted, logged, charged to its author’s link, relayed to nobody', async () => {
    const s = await scene();
    const request = encodeTs({ ms: T0 - 5_000, c: 0, node: 'a' as NodeId });
    const approval = {
      requestId: request,
      state: 'approved',
      reason: 'HIGH',
      requestedAt: T0 - 5_000,
      deadline: T0 + 25_000,
      decidedBy: 'opA',
      decidedOn: 'a',
      decidedAt: T0 - 100,
    };
    const v = (node: string, value: unknown, ms: number): Version =>
      ({ entity: 't1', kind: 'approval', value, ts: { ms, c: 0, node }, seen: [] }) as unknown as Version;
    s.mallory.send(versionsFrame([v('x', approval, T0 - 100)], true));
    s.h.tick();
    expect(await s.h.node.get('t1')).toBeUndefined();
    expect(s.h.mesh.securityStats().rejected['gate-authority']).toBe(1);
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames).toBe(1);
    expect(s.h.logs.some((l) => l.includes('may not write') && l.includes('decidedOn "a" is not its author x'))).toBe(
      true,
    );
    expect(s.honest.versionsOut()).toEqual([]);
    // Relayed by an honest peer (an older build may hold one): refused, that link not charged.
    s.alice.send(versionsFrame([v('x', { ...approval, decidedAt: T0 - 90 }, T0 - 90)], true));
    s.h.tick();
    expect(s.h.mesh.securityStats().rejected['gate-authority']).toBe(2);
    expect(s.h.mesh.peers().find((p) => p.peer === 'a')?.invalidFrames ?? 0).toBe(0);
    // A's own decision, attributed to itself, lands.
    s.alice.send(versionsFrame([v('a', approval, T0 - 80)], true));
    s.h.tick();
    expect(await s.h.node.get('t1')).toBeDefined();
  });
});
