import type { PeerSignal } from '../../adapters/webrtc/peer-connection';
import type { NodeId } from '../../core/ids';
import type { AnnounceSignal, ByeReason, ByeSignal, Signal } from '../../ports/signaling';

/** The signaling messages this node sends, addressed and stamped with its id and lattice. */
export class Signals {
  constructor(
    private readonly self: NodeId,
    private readonly lattice: string,
    /** Random per page load: peers tell a reload of this node from a stale link to it. */
    private readonly incarnation: string,
    /** Our open and opening links, announced so that peers know whether we want more. */
    private readonly links: () => number,
    /** Our clock (ms): announces and offers are stamped, so a peer can refuse an older one. */
    private readonly now: () => number,
  ) {}

  announce(to: NodeId | undefined): AnnounceSignal {
    return {
      type: 'announce',
      from: this.self,
      lattice: this.lattice,
      ...(to === undefined ? {} : { to }),
      data: { incarnation: this.incarnation, links: this.links(), at: this.now() },
    };
  }

  bye(to: NodeId | undefined, reason: ByeReason, session?: string): ByeSignal {
    return {
      type: 'bye',
      from: this.self,
      lattice: this.lattice,
      ...(to === undefined ? {} : { to }),
      data: { reason, ...(session === undefined ? {} : { session }) },
    };
  }

  /** A connection's offer, answer or trickle candidate, for attempt `session` to `to`. */
  peer(to: NodeId, session: string, signal: PeerSignal): Signal {
    const base = { from: this.self, to, lattice: this.lattice };
    if (signal.type === 'candidate') {
      const { candidate, sdpMid, sdpMLineIndex } = signal;
      return { type: 'candidate', ...base, data: { session, candidate, sdpMid, sdpMLineIndex } };
    }
    if (signal.type === 'offer') return { type: 'offer', ...base, data: { session, sdp: signal.sdp, at: this.now() } };
    return { type: signal.type, ...base, data: { session, sdp: signal.sdp } };
  }
}
