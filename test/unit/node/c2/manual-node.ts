/** Test helper (not a test file): a LatticeNode over MemoryStorage on a manual clock, with manual timers. */
import { createMemoryBacking, MemoryStorage, type MemoryBacking } from '../../../../src/adapters/memory-storage';
import { asNodeId } from '../../../../src/core/ids';
import { LatticeNode } from '../../../../src/node/lattice-node';
import type { Scheduler } from '../../../../src/node/scheduler';

export const T0 = 1_700_000_000_000;

/** One virtual clock for every node of a test, its timers run in time order, and each node's 1-s host tick. */
export class ManualClock implements Scheduler {
  now = T0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  private readonly ticked: LatticeNode[] = [];
  private nextTick = T0 + 1_000;

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.now + ms, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  tickEverySecond(node: LatticeNode): void {
    this.ticked.push(node);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running timers and host ticks as they fall due, letting writes settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const timer = this.timers[0];
      const at = Math.min(timer?.at ?? Infinity, this.nextTick);
      if (at > end) break;
      this.now = at;
      if (timer !== undefined && timer.at === at) {
        this.timers.shift();
        timer.fn();
      } else {
        this.nextTick += 1_000;
        for (const n of this.ticked) n.tick();
      }
      await settle();
    }
    this.now = end;
    await settle();
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export async function openNode(
  clock: ManualClock,
  id: string,
  backing: MemoryBacking = createMemoryBacking(),
  /** When change batches are delivered (default: a microtask). */
  scheduleChanges: (fn: () => void) => void = (fn) => queueMicrotask(fn),
): Promise<{ node: LatticeNode; storage: MemoryStorage; backing: MemoryBacking }> {
  const storage = new MemoryStorage({ backing });
  let n = 0;
  const node = await LatticeNode.open({
    nodeId: asNodeId(id),
    lattice: 'test',
    storage,
    backend: 'memory',
    now: () => clock.now,
    newId: () => `${id}-${++n}`,
    scheduleChanges,
    scheduler: clock,
  });
  clock.tickEverySecond(node);
  return { node, storage, backing };
}
