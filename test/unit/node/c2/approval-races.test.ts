/**
 * Races of the gate in a real node: what lands between the gate reading the registers and its
 * write being stamped, and writes of the gate's components that do not come from the gate.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../../src/adapters/memory-storage';
import { decodeTs, type Timestamp } from '../../../../src/core/clock/timestamp';
import type { Approval } from '../../../../src/core/entity/component-types';
import { asNodeId, type ComponentKind, type EntityId, type NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { LatticeNode } from '../../../../src/node/lattice-node';
import type { StorageBatch } from '../../../../src/ports/storage';
import { ManualClock, settle } from './manual-node';
import { openTestNode } from '../../support/test-node';

/** Memory storage that can hold the next commit of the clock lease: the one wait between a gate's read and its stamp. */
class HoldingStorage extends MemoryStorage {
  holdLease = false;
  held: (() => void) | undefined;
  override async commit(batch: StorageBatch): Promise<void> {
    if (this.holdLease && batch.meta?.clockLease !== undefined) {
      this.holdLease = false;
      await new Promise<void>((resolve) => (this.held = resolve));
    }
    return super.commit(batch);
  }
}

async function open(clock: ManualClock, storage: MemoryStorage, id = 'nodeA'): Promise<LatticeNode> {
  const node = await openTestNode({
    nodeId: asNodeId(id),
    storage,
    now: () => clock.now,
    scheduler: clock,
  });
  clock.tickEverySecond(node);
  return node;
}

/** A peer's write that had seen `seen` (so it supersedes those heads and is concurrent with the rest). */
function remote(entity: string, kind: string, value: unknown, ts: Timestamp, seen: Timestamp[]): Version {
  return { entity: entity as EntityId, kind: kind as ComponentKind, value: value as Version['value'], ts, seen };
}

describe('approval gate races in the node', () => {
  it('a deny merged while the approve commits (a lapsed lease folded in) stands beside it and wins: denied, no task', async () => {
    const clock = new ManualClock();
    const storage = new HoldingStorage();
    const node = await open(clock, storage);
    // A HIGH threat written here: this node is the actor of the request it raises.
    await node.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
    await clock.advance(0);
    const pending = (await node.get('h1'))!;
    const request = pending.components.approval as Approval;
    expect(request.state).toBe('pending');
    const pendingTs = decodeTs(pending.meta.approval!.version)!;
    // Past the lease: the approve's own commit stores the next one.
    await clock.advance(3_000);

    storage.holdLease = true;
    const approving = node.decide('h1', 'approve', request.requestId);
    for (let i = 0; i < 20 && storage.held === undefined; i++) await settle();
    expect(storage.held, 'the approve is committing, with the lease').toBeDefined();
    // Meanwhile a peer's operator denies the same request (they had seen it pending).
    const deny = { ...request, state: 'denied', decidedBy: 'opB', decidedOn: 'nodeB', decidedAt: clock.now };
    node.applyRemote([remote('h1', 'approval', deny, { ms: clock.now, c: 0, node: 'nodeB' as NodeId }, [pendingTs])]);
    storage.held!();
    await approving.catch(() => undefined);
    await clock.advance(2_000);

    const view = (await node.get('h1'))!;
    expect(view.components.approval).toMatchObject({ state: 'denied', decidedBy: 'opB' });
    expect(await node.tasks()).toEqual([]);
    // The actor assigned the intercept on its own approve (stamped before the deny arrived) and
    // cancelled it once the deny won.
    expect(view.components.task).toMatchObject({ task: 'intercept', status: 'cancelled' });
  });

  it('a gate write whose lease has lapsed takes one storage commit, the lease in it', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage();
    const node = await open(clock, storage);
    await node.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
    await clock.advance(0);
    const request = (await node.get('h1'))!.components.approval as Approval;
    expect(request.state).toBe('pending');
    await clock.advance(3_000);
    expect(storage.backing.meta.get('clockLease') as number).toBeLessThan(clock.now);

    const batches: StorageBatch[] = [];
    const commit = storage.commit.bind(storage);
    storage.commit = (batch) => {
      batches.push(batch);
      return commit(batch);
    };
    await node.decide('h1', 'approve', request.requestId);
    const approved = batches.findIndex((b) =>
      (b.put ?? []).some((v) => v.kind === 'approval' && (v.value as Approval).state === 'approved'),
    );
    expect(approved, 'the approve is stored').toBeGreaterThanOrEqual(0);
    expect(batches.slice(0, approved + 1).length, 'commits up to the approve').toBe(1);
    const approveTs = [...node.versions()].find(
      (v) => v.kind === 'approval' && (v.value as Approval).state === 'approved',
    )!.ts;
    expect(batches[approved]!.meta?.clockLease as number).toBeGreaterThanOrEqual(approveTs.ms);
  });

  it('no timestamp is issued twice across a crash after a folded lease: writes stamped meanwhile wait for it', async () => {
    const clock = new ManualClock();
    const storage = new HoldingStorage();
    const node = await open(clock, storage);
    const sent: Version[] = [];
    node.onVersions((versions, origin) => {
      if (origin === 'local') sent.push(...versions);
    });
    await node.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
    await node.create({ id: 't1', components: { position: { lat: 51.5, lon: -0.4 } } });
    await clock.advance(0);
    const request = (await node.get('h1'))!.components.approval as Approval;
    await clock.advance(3_000);
    const before = storage.backing.meta.get('clockLease') as number;

    storage.holdLease = true;
    const approving = node.decide('h1', 'approve', request.requestId);
    for (let i = 0; i < 20 && storage.held === undefined; i++) await settle();
    expect(storage.held, 'the approve is committing, with the lease').toBeDefined();
    // A bulk write meanwhile: not stamped past the stored lease before the folded commit lands
    // (the gate's own writes are, each with its lease in its own commit).
    const moving = node.update('t1', { position: { lat: 51.6, lon: -0.4 } });
    await settle();
    const past = [...node.versions()].filter((v) => v.ts.node === 'nodeA' && v.ts.ms > before);
    expect(past.map((v) => v.kind)).toContain('approval');
    expect(past.map((v) => v.kind)).not.toContain('position');
    storage.held!();
    await approving;
    await moving;
    await clock.advance(0);
    const lease = storage.backing.meta.get('clockLease') as number;
    for (const v of sent) expect(v.ts.ms).toBeLessThanOrEqual(lease);
    const latest = Math.max(...sent.map((v) => v.ts.ms));
    expect(latest).toBeGreaterThan(before);

    // The tab dies; only the lease survives as a high-water mark, and the wall clock steps back.
    await node.close();
    storage.backing.versions.clear();
    storage.backing.meta.delete('clock');
    clock.now -= 5_000;
    const again = await open(clock, storage.reopen() as HoldingStorage);
    await again.create({ id: 'n1', components: { position: { lat: 51, lon: 0 } } });
    for (const v of again.versions()) if (v.ts.node === 'nodeA') expect(v.ts.ms).toBeGreaterThan(latest);
  });

  it('the gate alone writes approvals and intercept tasks: the handle cannot approve past the gate', async () => {
    const clock = new ManualClock();
    const node = await open(clock, new MemoryStorage());
    await node.setApprovalDeadline(5_000);
    await node.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
    await clock.advance(6_000);
    const timedOut = (await node.get('h1'))!.components.approval as Approval;
    expect(timedOut.state).toBe('timed_out');

    // Written over the time-out, an `approved` would supersede it (a causal successor, not a
    // concurrent head the safety order could outrank) and the actor would assign the intercept.
    const forged = { ...timedOut, state: 'approved', decidedBy: 'someone', decidedOn: 'nodeA', decidedAt: clock.now };
    const intercept = {
      task: 'intercept',
      requestId: timedOut.requestId,
      status: 'executing',
      assignedBy: 'nodeA',
      updatedAt: clock.now,
    };
    await expect(node.update('h1', { approval: forged })).rejects.toThrow(/approval.*only by the approval gate/);
    await expect(node.update('h1', { task: intercept })).rejects.toThrow(/intercept.*only by the approval gate/);
    await expect(node.create({ id: 'h2', components: { approval: forged } })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(node.writeMany([{ id: 'h1', components: { approval: forged } }])).rejects.toThrow(
      /writeMany\[0\].*approval gate/,
    );
    await clock.advance(2_000);
    expect((await node.get('h1'))!.components.approval).toMatchObject({ state: 'timed_out' });
    expect(await node.tasks()).toEqual([]);
    expect((await node.get('h1'))!.components.task).toBeUndefined();
    expect(await node.get('h2')).toBeUndefined();

    // Other tasks stay the operator's to write, except over an intercept the gate governs.
    await node.create({ id: 'p1', components: { position: { lat: 51.5, lon: -0.4 } } });
    const patrol = { ...intercept, task: 'patrol', assignedBy: 'nodeA' };
    await node.update('p1', { task: patrol });
    expect((await node.get('p1'))!.components.task).toMatchObject({ task: 'patrol' });
  });

  it('a hand-written task cannot replace the intercept task the gate governs', async () => {
    const clock = new ManualClock();
    const node = await open(clock, new MemoryStorage());
    await node.create({ id: 'h1', components: { position: { lat: 51.5, lon: -0.46 }, threat: { level: 'HIGH' } } });
    await clock.advance(0);
    await node.decide('h1', 'approve');
    await clock.advance(0);
    const running = (await node.tasks())[0]!;
    expect(running).toMatchObject({ entityId: 'h1', task: 'intercept', status: 'created' });
    // Over it, a patrol would hide the intercept from the gate, which would then assign a second one.
    const patrol = { ...running, task: 'patrol' } as Record<string, unknown>;
    delete patrol.entityId;
    await expect(node.update('h1', { task: patrol })).rejects.toThrow(/intercept.*approval gate/);
    expect((await node.tasks())[0]).toMatchObject({ requestId: running.requestId, task: 'intercept' });
  });
});
