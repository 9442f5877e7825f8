import type { NodeId } from '../../core/ids';

/**
 * Who this node refuses while partitioned (window.lattice.partition): one peer, several, or every
 * peer. The listener drops whatever a refused peer signals until the refusal is lifted.
 */
export class Refusals {
  private readonly peers = new Set<NodeId>();
  private all = false;

  /** partition() without a peer is in force. */
  get everyone(): boolean {
    return this.all;
  }

  has(peer: NodeId): boolean {
    return this.all || this.peers.has(peer);
  }

  /** Refuses `peer`, or every peer. */
  add(peer?: NodeId): void {
    if (peer === undefined) this.all = true;
    else this.peers.add(peer);
  }

  /** Lifts every refusal, or only that peer's own (a refusal of everyone stays). */
  lift(peer?: NodeId): void {
    if (peer !== undefined) {
      this.peers.delete(peer);
      return;
    }
    this.all = false;
    this.peers.clear();
  }
}
