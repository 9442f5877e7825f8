import type { StorageState, StorageStatus } from './node-api';

/**
 * The storage state the operator sees: set by the write-behind's commits, by the adapter's own
 * reports (e.g. IndexedDB closed by another tab) and by close(); a failed check of the stored proofs
 * (checkFailed) holds it at 'error' whatever commits report after.
 */
export class StorageHealth {
  private state: StorageState = 'ok';
  private message: string | undefined;
  /** Damaged stored records set aside on open (see LatticeNode.open). */
  setAside = 0;
  /**
   * Why the check of the stored proofs after the open failed (an error, not a proof that does not
   * verify: LatticeNode.checkRestored), or undefined. Sticky: no commit's report nor a close clears
   * it, since nothing is served and no peer is linked for as long as the node runs; the next open
   * (a new StorageHealth) checks again.
   */
  private checkFailure: string | undefined;

  constructor(
    private readonly backend: StorageStatus['backend'],
    private readonly log: (message: string, detail?: unknown) => void,
  ) {}

  report(state: StorageState, message?: string): void {
    this.state = state;
    this.message = message;
    if (state !== 'ok') this.log(`storage ${state}`, message);
  }

  /** The stored proofs could not be checked (see checkFailure): shown until the next open, closed or not. */
  checkFailed(message: string): void {
    this.checkFailure = message;
    this.log('storage error', message);
  }

  /** Marks the storage closed by the node itself: nothing to warn about. */
  closed(): void {
    this.state = 'closed';
    this.message = undefined;
  }

  /** The status with `pending`: versions the write-behind has not yet made durable. */
  status(pending: number): StorageStatus {
    // Shown until the next open, also once the storage is closed (by the node, or by another tab's
    // upgrade): the check has still not run (before, 'closed' hid it).
    const failed = this.checkFailure !== undefined;
    // A failed check is an error whatever the commits say since ('full' and 'closed' keep their own state).
    const state = failed && this.state === 'ok' ? 'error' : this.state;
    const message = this.message ?? (failed ? this.checkFailure : undefined);
    return {
      state,
      backend: this.backend,
      pending,
      ...(message ? { message } : {}),
      ...(this.setAside > 0 ? { setAside: this.setAside } : {}),
      ...(failed ? { checkFailed: this.checkFailure } : {}),
    };
  }
}
