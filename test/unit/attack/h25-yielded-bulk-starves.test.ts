/**
 * Attack (session 25, `h25-attack`) on the write-behind's lanes: a bulk batch that yielded to a
 * priority write (Batch.yielded: one of its keys, or since leaveToBulk a removal it took over, is
 * one the priority lane still has to put) waits "until the priority lane has nothing left"
 * (WriteBehind.flush). A member that keeps one priority write waiting behind each priority commit
 * in flight (a HIGH threat a frame, each landing while the previous commit is under way) keeps the
 * lane from ever being empty: the yielded batch, and every bulk write queued behind it, never
 * commits (nothing of it is durable, so nothing of it is relayed or served), however long the
 * stream lasts, and so do the metas priority writes left to it (leaveToBulk). It only has to wait for the priority writes it yielded to.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { WriteBehind } from '../../../src/node/write-behind';
import type { StorageBatch } from '../../../src/ports/storage';
import { sampleVersion } from '../../contract/storage-contract';

class HeldStorage extends MemoryStorage {
  readonly batches: StorageBatch[] = [];
  private gates: (() => void)[] = [];
  override async commit(batch: StorageBatch): Promise<void> {
    this.batches.push(batch);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return super.commit(batch);
  }
  release(): void {
    for (const open of this.gates.splice(0)) open();
  }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function track<T>(p: Promise<T>): { value: string } {
  const s = { value: 'pending' };
  p.then(
    () => (s.value = 'resolved'),
    () => (s.value = 'rejected'),
  );
  return s;
}

describe('a yielded bulk batch under a stream of priority writes', () => {
  it('commits once the priority writes it yielded to have landed, not when the lane is ever empty', async () => {
    const storage = new HeldStorage();
    const queue: (() => void)[] = [];
    const run = () => {
      while (queue.length > 0) queue.shift()!();
    };
    const writer = new WriteBehind(storage, { schedule: (fn) => void queue.push(fn), retryAfter: () => undefined });
    const a = sampleVersion(0);
    const bulk = track(writer.enqueue([a, sampleVersion(1)], []));
    const twin: Version = { ...a, value: { replaced: true } as Version['value'] };
    const yieldedTo = track(writer.enqueue([twin], [], undefined, [], undefined, 'priority'));
    // A priority write on the same track: its meta goes with the bulk lane's batch (leaveToBulk).
    const meta = { id: 'track-0' as EntityId, knowledge: [] };
    void writer.enqueue([sampleVersion(2)], [], undefined, [meta], undefined, 'priority');
    run();
    await settle();
    let cycles = 0;
    for (; cycles < 20 && bulk.value === 'pending'; cycles++) {
      // One more priority write while the one in flight is under way (another entity each time).
      void writer.enqueue([sampleVersion(100 + cycles)], [], undefined, [], undefined, 'priority');
      storage.release();
      await settle();
      run();
      await settle();
    }
    const during = bulk.value;
    const metaStored = storage.batches.some((b) => b.entityMeta?.some((m) => m.id === meta.id) === true);
    // The stream stops: the lane empties, and the batch commits (what held it was the stream).
    for (let k = 0; k < 3; k++) {
      storage.release();
      await settle();
      run();
      await settle();
    }
    console.log(
      `yielded bulk batch: ${during} after ${cycles} priority commits (the one it yielded to: ${yieldedTo.value}); ` +
        `${bulk.value} once the stream stopped`,
    );
    expect(yieldedTo.value).toBe('resolved');
    expect(bulk.value).toBe('resolved');
    // While the stream lasted: it waited only for the priority writes it yielded to, and the
    // priority write's meta left with it was stored.
    expect(during).toBe('resolved');
    expect(metaStored).toBe(true);
  });
});
