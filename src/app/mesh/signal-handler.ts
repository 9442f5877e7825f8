import type { NodeId } from '../../core/ids';
import type { AnnounceSignal, ByeSignal, Signal, SignalingKind } from '../../ports/signaling';
import type { Admission } from './admission';
import type { DropCounters } from './drop-counters';
import type { LinkTable } from './link-table';
import type { MeshTiming } from './mesh-types';
import type { Reconnect } from './reconnect';
import type { Refusals } from './refusals';
import type { RtcLink } from './rtc-link';
import type { Signals } from './signals';

export interface SignalHandlerOptions {
  readonly self: NodeId;
  readonly lattice: string;
  readonly timing: MeshTiming;
  readonly table: LinkTable;
  readonly admission: Admission;
  readonly refusals: Refusals;
  readonly reconnect: Reconnect;
  readonly signals: Signals;
  readonly drops: DropCounters;
  /** Sends a signal on every path (or only those named); false if none could take it. */
  send(signal: Signal, only?: readonly SignalingKind[]): boolean;
  /** The signaling path `peer` was last heard on. */
  heard(peer: NodeId, via: SignalingKind): void;
  /** Binds a new answering connection (trickle) to the link for attempt `session`. */
  answer(link: RtcLink, session: string): void;
}

/**
 * What this node does with each signal it hears: announces open links (the lower id offers),
 * offers are answered unless refused or beyond our links, answers and candidates go to the
 * attempt they belong to, byes end links. Whatever a peer sends, this only drops and counts. An
 * announce of another incarnation or an offer of another session ends a live link only if it is
 * stamped and not older than the latest stamp taken from that peer (RtcLink.isStale): a replayed
 * signed signal of the peer's earlier page or attempt, or an unstamped one, is dropped as stale.
 */
export class SignalHandler {
  constructor(private readonly o: SignalHandlerOptions) {}

  handle(signal: Signal, via: SignalingKind): void {
    const o = this.o;
    if (signal.from === o.self || signal.lattice !== o.lattice) return;
    if (signal.to !== undefined && signal.to !== o.self) return;
    o.heard(signal.from, via);
    if (o.refusals.has(signal.from)) {
      // The listener-level refusal that makes a partition hold: nothing from this peer gets in.
      // An offer is answered with a bye, so the peer backs off instead of waiting out its timeout.
      o.drops.drop('refused');
      if (signal.type === 'offer') o.send(o.signals.bye(signal.from, 'refused', signal.data.session));
      return;
    }
    switch (signal.type) {
      case 'announce':
        return this.onAnnounce(signal, via);
      case 'offer': {
        const link = this.acceptOffer(signal.from, signal.data.session, signal.data.at);
        if (link === undefined) return;
        return link.signal({ type: 'offer', sdp: signal.data.sdp }, via);
      }
      case 'answer': {
        const link = o.table.get(signal.from);
        if (link === undefined || !link.active || !link.initiator || link.session !== signal.data.session) {
          return o.drops.drop('stale-answer');
        }
        if (link.described) return; // the same answer over a second path
        return link.signal({ type: 'answer', sdp: signal.data.sdp });
      }
      case 'candidate': {
        const link = o.table.get(signal.from);
        if (link === undefined || !link.active || link.session !== signal.data.session) {
          return o.drops.drop('stale-candidate');
        }
        const { candidate, sdpMid, sdpMLineIndex } = signal.data;
        return link.signal({ type: 'candidate', candidate, sdpMid, sdpMLineIndex });
      }
      case 'bye':
        return this.onBye(signal);
      default: {
        const never: never = signal;
        o.drops.drop(`unknown-${String(never)}`);
      }
    }
  }

  private onAnnounce(signal: AnnounceSignal, via: SignalingKind): void {
    const o = this.o;
    const existing = o.table.get(signal.from);
    const restarted = existing?.incarnation !== undefined && existing.incarnation !== signal.data.incarnation;
    const at = signal.data.at;
    if (existing?.active && restarted && existing.isStale(at)) return o.drops.drop('stale-announce');
    if (existing?.active) {
      existing.stamped(at);
      // A reloaded peer announces with a new incarnation: the link we hold to its old page is dead.
      // An attempt stuck connecting is retried at once: the peer is there, our offer was lost.
      if (restarted) existing.stop('peer-restarted');
      else if (existing.stuck(o.timing.stuckMs)) existing.stop('stuck');
      else return;
    }
    existing?.announced(signal.data.incarnation, signal.data.links);
    if (!o.admission.wantsLink(signal.data.links ?? 0)) return;
    const link = o.table.linkFor(signal.from);
    if (link === undefined) return;
    link.announced(signal.data.incarnation, signal.data.links);
    link.stamped(at, !link.active);
    link.reachedVia(via);
    // A peer that refused us (it was partitioned) and now announces itself to us has healed: it
    // sends no directed announce while refusing (Reconnect.retry skips a refused peer).
    const healed = signal.to === o.self && link.refusedUs;
    const waiting = link.dormant || restarted || link.attempts === 0 || healed;
    link.wake();
    if (o.self < signal.from) {
      // A dormant, restarted or healed peer is tried afresh; one we are backing off from (its
      // connections kept failing) is left to the backoff's pending retry, or its announces would
      // defeat it.
      if (!waiting) return;
      link.resetAttempts();
      o.reconnect.connect(link);
    } else if (signal.to === undefined || restarted) {
      // The lower id opens: tell it we are here (it may not have heard our announce).
      o.send(o.signals.announce(signal.from));
      o.reconnect.awaitOffer(link);
    }
  }

  /** Finds or makes the link that answers an offer; undefined if refused. */
  private acceptOffer(from: NodeId, session: string, at: number | undefined): RtcLink | undefined {
    const o = this.o;
    const existing = o.table.get(from);
    if (existing?.active) {
      if (existing.session === session) return undefined; // the same offer over a second path
      if (existing.initiator && existing.state === 'connecting' && o.self < from) {
        o.drops.drop('glare'); // both opened at once: ours wins, theirs will be answered by our offer
        return undefined;
      }
      if (existing.isStale(at)) {
        o.drops.drop('stale-offer');
        return undefined;
      }
      existing.stop('superseded');
    } else if (!o.admission.wantsLink(existing?.peerLinks ?? o.admission.targetLinks)) {
      // Beyond our target we take only nodes short of links; a burst of offers to a newcomer
      // must not fill every slot of the mesh.
      o.send(o.signals.bye(from, 'full', session));
      return undefined;
    }
    const link = o.table.linkFor(from);
    if (link === undefined) return undefined;
    link.stamped(at, true);
    o.answer(link, session);
    return link;
  }

  private onBye(signal: ByeSignal): void {
    const o = this.o;
    const link = o.table.get(signal.from);
    if (link === undefined) return;
    const session = signal.data.session;
    if (session !== undefined && link.session !== session) return;
    const reason = signal.data.reason;
    // A node's refusals always name the session they refuse (SignalHandler's offer refusal,
    // LinkManager.partition): one without a session proves nothing about a partition.
    if (reason === 'refused' && session !== undefined) link.peerRefused();
    if (session !== undefined && link.active) {
      // The peer ended this very connection (e.g. it partitioned us): close our side now.
      link.stop(reason);
      if (reason === 'left' || reason === 'gone') link.sleep();
      return o.reconnect.schedule(link);
    }
    switch (reason) {
      case 'left':
        link.clearRetry();
        link.sleep();
        return link.stop('left');
      case 'gone':
        // Its signaling socket is gone, not necessarily the node: an open link stays.
        if (link.state === 'connected') return;
        link.clearRetry();
        link.sleep();
        return link.stop('gone');
      case 'full':
        // It has links enough: wait for it to announce that it wants more.
        if (link.state === 'connected') return;
        link.clearRetry();
        link.sleep();
        return link.stop(reason);
      case 'refused':
        if (link.state === 'connected') return;
        link.stop(reason);
        return o.reconnect.schedule(link);
      default: {
        const never: never = reason;
        o.drops.drop(`bye-${String(never)}`);
      }
    }
  }
}
