/**
 * A gate write that fails (not a conflict) is tried again with a backoff (src/node/approval-loop.ts,
 * `failed`). The step's next wake was planned only after its write succeeded, so a request raised
 * while the disk failed had no deadline scheduled: it stayed pending, past its deadline, until some
 * later change of the entity happened to settle it again.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../../src/adapters/memory-storage';
import type { Approval } from '../../../../src/core/entity/component-types';
import { asNodeId } from '../../../../src/core/ids';
import { LatticeNode } from '../../../../src/node/lattice-node';
import type { StorageBatch } from '../../../../src/ports/storage';
import { approvalOf, track } from './gate-fixtures';
import { ManualClock } from './manual-node';
import { openTestNode } from '../../support/test-node';

/**
 * Memory storage whose commits fail while `broken` (a full disk), and from the first commit of an
 * approval in `failOn` on: once, or until mended when `breakOn`.
 */
class FailingStorage extends MemoryStorage {
  broken = false;
  breakOn = false;
  failOn: Approval['state'] | undefined;
  failed = 0;
  override async commit(batch: StorageBatch): Promise<void> {
    const hit = batch.put.some(
      (v) => v.kind === 'approval' && (v.value as unknown as Approval | undefined)?.state === this.failOn,
    );
    if (hit) {
      this.failOn = undefined;
      this.broken = this.breakOn;
    }
    if (hit || this.broken) {
      this.failed += 1;
      throw new Error('disk on fire');
    }
    return super.commit(batch);
  }
}

async function open(clock: ManualClock, storage: MemoryStorage): Promise<LatticeNode> {
  const node = await openTestNode({
    nodeId: asNodeId('nodeA'),
    storage,
    now: () => clock.now,
    scheduler: clock,
    log: () => undefined,
  });
  clock.tickEverySecond(node);
  return node;
}

describe('a gate write that fails', () => {
  it('a request raised while the disk fails still times out at its deadline', async () => {
    const clock = new ManualClock();
    const storage = new FailingStorage();
    const node = await open(clock, storage);
    await node.setApprovalDeadline(6_000);
    // The disk fails from the commit of the request on (the threat write that raised it shares it).
    storage.failOn = 'pending';
    storage.breakOn = true;
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect(storage.broken).toBe(true);
    const [request] = await node.approvals();
    expect(request).toMatchObject({ state: 'pending' });
    await clock.advance(request!.deadline - clock.now + 2_000);
    expect(storage.failed).toBeGreaterThan(0);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out', decidedBy: 'auto' });
    // Once the disk is back, the outcome lands.
    storage.broken = false;
    await clock.advance(30_000);
    await node.flushed();
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out' });
  });

  it('a time-out whose commit fails once is kept and stored', async () => {
    const clock = new ManualClock();
    const storage = new FailingStorage();
    const node = await open(clock, storage);
    await node.setApprovalDeadline(6_000);
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'pending' });
    storage.failOn = 'timed_out';
    await clock.advance(20_000);
    expect(storage.failed).toBe(1);
    await node.flushed();
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out', decidedBy: 'auto' });
  });
});
