import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { StorageBatch } from '../../../src/ports/storage';

/** Lets every pending promise callback, immediate and zero-delay timer run (a node's write takes several hops). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * MemoryStorage that records each batch it is asked to commit and, while `holding`, keeps each
 * commit waiting until `release()`: a test can queue writes behind a commit in flight and watch
 * the order the write-behind's lanes commit them in.
 */
export class HeldStorage extends MemoryStorage {
  readonly batches: StorageBatch[] = [];
  private gates: (() => void)[] = [];

  constructor(public holding = false) {
    super();
  }

  override async commit(batch: StorageBatch): Promise<void> {
    this.batches.push(batch);
    if (this.holding) await new Promise<void>((resolve) => this.gates.push(resolve));
    return super.commit(batch);
  }

  /** Lets the commits in flight finish (the next one, if any, starts and is held in turn). */
  async release(): Promise<void> {
    for (const open of this.gates.splice(0)) open();
    await settle();
  }
}
