import { Emitter } from '../../core/events/emitter';
import type { NodeId } from '../../core/ids';
import { PeerSession, type SessionHost, type SessionOptions, type SyncSource } from '../../core/sync';
import type { Link, LinkHandler } from '../../ports/transport';

export interface MeshLinkEvents {
  /** The link is gone (either side closed it); fired once. */
  closed(reason: string): void;
}

/**
 * One transport link bound to its PeerSession (the worker's view of a peer). It is the
 * LinkHandler the transport calls, so nothing thrown inside ever reaches the transport's callback;
 * the session's frames go out on the link and its end closes it; closing is idempotent from
 * either side. The mesh subscribes to `session` for what the sync does and to `on('closed')`.
 */
export class MeshLink implements LinkHandler {
  readonly session: PeerSession;
  private readonly events = new Emitter<MeshLinkEvents>((error, event) =>
    this.log(`link ${this.link.peer}: ${String(event)} listener failed`, error),
  );
  private done = false;

  constructor(
    readonly link: Link,
    options: SessionOptions,
    source: SyncSource,
    host: Required<Omit<SessionHost, 'bufferedAmount'>>,
    private readonly now: () => number,
    private readonly log: (message: string, detail?: unknown) => void,
  ) {
    const sessionHost: SessionHost = {
      bufferedAmount: () => this.buffered(),
      apply: (versions, live) => host.apply(versions, live),
      mayPrune: () => host.mayPrune(),
      held: () => host.held(),
    };
    this.session = new PeerSession(options, source, sessionHost, now());
    this.session.on('message', (frame) => this.send(frame));
    this.session.on('end', (reason) => this.shut(reason));
  }

  get peer(): NodeId {
    return this.link.peer;
  }

  get isClosed(): boolean {
    return this.done;
  }

  on<K extends keyof MeshLinkEvents>(name: K, listener: MeshLinkEvents[K]): () => void {
    return this.events.on(name, listener);
  }

  start(): void {
    this.guard('start', () => this.session.start(this.now()));
  }

  receive(frame: Uint8Array): void {
    if (this.done) return;
    this.guard('receive', () => this.session.receive(frame, this.now()));
  }

  /** The transport reports the link closed. */
  closed(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.guard('close', () => this.session.close());
    this.events.emit('closed', reason);
  }

  /** We close the link (session over, operator, replaced). */
  shut(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.guard('close', () => this.session.close());
    this.guard('link.close', () => this.link.close(reason));
    this.events.emit('closed', reason);
  }

  private send(frame: Uint8Array): void {
    if (this.done) return;
    try {
      this.link.send(frame);
    } catch (error) {
      // A channel that fails to send is as good as closed.
      this.log(`send to ${this.peer} failed`, error);
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
      this.log(`link ${this.peer}: ${what} failed`, error);
    }
  }
}
