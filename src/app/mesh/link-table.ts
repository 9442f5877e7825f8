import type { NodeId } from '../../core/ids';
import { MAX_KNOWN } from './mesh-types';
import type { Refusals } from './refusals';
import type { RtcLink } from './rtc-link';

/**
 * The page's record of every peer it knows (up to MAX_KNOWN), linked or not: a record outlives its
 * connections, so attempts, incarnation and refusal carry over. When full, a long-silent peer is
 * forgotten to make room.
 */
export class LinkTable {
  private readonly links = new Map<NodeId, RtcLink>();

  constructor(
    private readonly make: (peer: NodeId) => RtcLink,
    private readonly refusals: Refusals,
    /** A new peer was ignored: MAX_KNOWN records, none of them silent long enough to forget (counted by the caller). */
    private readonly full: () => void = () => undefined,
  ) {}

  get(peer: NodeId): RtcLink | undefined {
    return this.links.get(peer);
  }

  all(): RtcLink[] {
    return [...this.links.values()];
  }

  /** Links with a connection attempt under way or open, but for those the worker refused and waits on to close. */
  activeCount(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.active && !link.lingering) n++;
    return n;
  }

  /** The record for a peer, made if there is room for one. */
  linkFor(peer: NodeId): RtcLink | undefined {
    let link = this.links.get(peer);
    if (link === undefined) {
      if (this.links.size >= MAX_KNOWN && !this.forgetOne()) {
        this.full();
        return undefined;
      }
      link = this.make(peer);
      if (this.refusals.has(peer)) link.refuse();
      this.links.set(peer, link);
    }
    return link;
  }

  /** Forgets one long-silent peer to make room for a new one. */
  private forgetOne(): boolean {
    for (const [peer, link] of this.links) {
      if (!link.active && link.dormant && link.state !== 'refused') {
        this.links.delete(peer);
        return true;
      }
    }
    return false;
  }
}
