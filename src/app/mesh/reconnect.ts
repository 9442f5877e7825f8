import type { NodeId } from '../../core/ids';
import { backoffDelay } from '../../core/retry/backoff';
import { RECONNECT_BACKOFF } from '../../ports/signaling';
import type { Admission } from './admission';
import type { MeshTiming } from './mesh-types';
import type { Refusals } from './refusals';
import type { RtcLink } from './rtc-link';

export interface ReconnectOptions {
  readonly self: NodeId;
  readonly timing: MeshTiming;
  readonly random: () => number;
  readonly refusals: Refusals;
  readonly admission: Admission;
  /** The mesh is running (not stopped): no retries otherwise. */
  running(): boolean;
  /** Tells `peer` we are here (it opens, being the lower id). */
  announce(peer: NodeId): void;
  /** Opens a new connection to the link's peer as the initiator. */
  open(link: RtcLink): void;
}

/**
 * When to (re)connect a link: the lower node id opens, the higher one announces itself and waits
 * for the offer; failures retry with backoff and jitter (RECONNECT_BACKOFF) until maxAttempts,
 * after which the peer is waited for (its next announce opens the link again).
 */
export class Reconnect {
  constructor(private readonly o: ReconnectOptions) {}

  /** Opens now if there is room, else retries later. */
  connect(link: RtcLink): void {
    if (link.active || this.o.refusals.has(link.peer)) return;
    if (!this.o.admission.hasCapacity()) return this.schedule(link);
    link.clearRetry();
    this.o.open(link);
  }

  /** As the higher id we wait for the peer's offer; if none comes, we nudge it again later. */
  awaitOffer(link: RtcLink): void {
    link.awaitingOffer();
    link.retryIn(this.o.timing.connectTimeoutMs, () => {
      if (link.offerMissed()) this.schedule(link);
    });
  }

  retry(link: RtcLink): void {
    if (link.active || this.o.refusals.has(link.peer) || !this.o.running()) return;
    if (this.o.self < link.peer) return this.connect(link);
    this.o.announce(link.peer);
    this.awaitOffer(link);
  }

  /** The next attempt after a failure, backing off; none for a refused, dormant or long-silent peer. */
  schedule(link: RtcLink): void {
    link.clearRetry();
    if (this.o.refusals.has(link.peer) || link.dormant || !this.o.running()) return;
    if (link.attempts >= this.o.timing.maxAttempts) {
      // A peer silent this long is waited for: its next announce opens the link again.
      link.sleep();
      return;
    }
    const delay = backoffDelay(link.failed(), RECONNECT_BACKOFF, this.o.random);
    link.retryIn(delay, () => this.retry(link));
  }
}
