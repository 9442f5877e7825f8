import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { PeerSession, type SessionOptions, type SyncSource } from '../../core/sync';
import type { Link, LinkHandler } from '../../ports/transport';

/** What a PeerLink needs from its mesh. */
export interface LinkOwner {
  now(): number;
  apply(from: PeerLink, versions: readonly Version[], live: boolean): readonly Version[];
  synced(from: PeerLink, applied: number): void;
  announced(from: PeerLink, ids: readonly Uint8Array[]): void;
  mayPrune(): boolean;
  dropped(link: PeerLink, reason: string): void;
  log(message: string, detail?: unknown): void;
}

/**
 * One link bound to its PeerSession. It is the LinkHandler the transport calls, so nothing thrown
 * inside ever reaches the transport's callback; closing is idempotent from either side.
 */
export class PeerLink implements LinkHandler {
  readonly session: PeerSession;
  private done = false;

  constructor(
    readonly link: Link,
    options: SessionOptions,
    source: SyncSource,
    private readonly owner: LinkOwner,
  ) {
    this.session = new PeerSession(
      options,
      source,
      {
        send: (frame) => this.send(frame),
        bufferedAmount: () => this.buffered(),
        apply: (versions, live) => owner.apply(this, versions, live),
        close: (reason) => this.shut(reason),
        synced: (applied) => owner.synced(this, applied),
        announced: (ids) => owner.announced(this, ids),
        mayPrune: () => owner.mayPrune(),
      },
      owner.now(),
    );
  }

  get peer(): NodeId {
    return this.link.peer;
  }

  get isClosed(): boolean {
    return this.done;
  }

  start(): void {
    this.guard('start', () => this.session.start(this.owner.now()));
  }

  receive(frame: Uint8Array): void {
    if (this.done) return;
    this.guard('receive', () => this.session.receive(frame, this.owner.now()));
  }

  /** The transport reports the link closed. */
  closed(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.guard('close', () => this.session.close());
    this.owner.dropped(this, reason);
  }

  /** We close the link (session over, operator, replaced). */
  shut(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.guard('close', () => this.session.close());
    this.guard('link.close', () => this.link.close(reason));
    this.owner.dropped(this, reason);
  }

  private send(frame: Uint8Array): void {
    if (this.done) return;
    try {
      this.link.send(frame);
    } catch (error) {
      // A channel that fails to send is as good as closed.
      this.owner.log(`send to ${this.peer} failed`, error);
      this.shut('send failed');
    }
  }

  private buffered(): number {
    try {
      return this.link.bufferedAmount;
    } catch {
      return 0;
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.owner.log(`link ${this.peer}: ${what} failed`, error);
    }
  }
}
