import type { StorageState, StorageStatus } from './node-api';

/**
 * The storage state the operator sees: set by the write-behind's commits, by the adapter's own
 * reports (e.g. IndexedDB closed by another tab) and by close().
 */
export class StorageHealth {
  private state: StorageState = 'ok';
  private message: string | undefined;
  /** Damaged stored records set aside on open (see LatticeNode.open). */
  setAside = 0;

  constructor(
    private readonly backend: StorageStatus['backend'],
    private readonly log: (message: string, detail?: unknown) => void,
  ) {}

  report(state: StorageState, message?: string): void {
    this.state = state;
    this.message = message;
    if (state !== 'ok') this.log(`storage ${state}`, message);
  }

  /** Marks the storage closed by the node itself: nothing to warn about. */
  closed(): void {
    this.state = 'closed';
    this.message = undefined;
  }

  /** The status with `pending`: versions the write-behind has not yet made durable. */
  status(pending: number): StorageStatus {
    return {
      state: this.state,
      backend: this.backend,
      pending,
      ...(this.message ? { message: this.message } : {}),
      ...(this.setAside > 0 ? { setAside: this.setAside } : {}),
    };
  }
}
