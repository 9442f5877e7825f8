import type { NodeId } from '../../core/ids';
import {
  SIGNALING_KINDS,
  type Signal,
  type SignalingKind,
  type SignalingStats,
  type SignalingTransport,
} from '../../ports/signaling';

/** A path heard from more recently than this is still considered a route to the peer. */
const ROUTE_FRESH_MS = 120_000;
const MAX_ROUTES = 512;

/**
 * Sends signaling over the right path. Messages to everyone go out on every path; a message to
 * one peer takes the best path the peer was recently heard on (same-browser channel, then the
 * server, then relay), and every path when none is known or the best one is down.
 */
export class SignalRouter {
  private readonly heardAt = new Map<NodeId, Map<SignalingKind, number>>();

  constructor(
    private readonly transports: readonly SignalingTransport[],
    private readonly now: () => number,
  ) {}

  start(receive: (signal: Signal, via: SignalingKind) => void): void {
    for (const t of this.transports) t.start((signal) => receive(signal, t.kind));
  }

  heard(peer: NodeId, via: SignalingKind): void {
    let routes = this.heardAt.get(peer);
    if (routes === undefined) {
      if (this.heardAt.size >= MAX_ROUTES) this.forgetOldest();
      this.heardAt.set(peer, (routes = new Map()));
    }
    routes.set(via, this.now());
  }

  /** The best recent path to a peer. */
  route(peer: NodeId): SignalingKind | undefined {
    const routes = this.heardAt.get(peer);
    if (routes === undefined) return undefined;
    const now = this.now();
    for (const kind of SIGNALING_KINDS) {
      const at = routes.get(kind);
      if (at !== undefined && now - at < ROUTE_FRESH_MS) return kind;
    }
    let latest: SignalingKind | undefined;
    let latestAt = -Infinity;
    for (const [kind, at] of routes) if (at > latestAt) [latest, latestAt] = [kind, at];
    return latest;
  }

  /** Sends; `only` restricts the paths (e.g. no relay flood for periodic announces). */
  send(signal: Signal, only?: readonly SignalingKind[]): boolean {
    const usable = only === undefined ? this.transports : this.transports.filter((t) => only.includes(t.kind));
    if (signal.to !== undefined) {
      const best = this.route(signal.to);
      const first = usable.find((t) => t.kind === best);
      if (first !== undefined && first.send(signal)) return true;
    }
    let any = false;
    for (const t of usable) any = t.send(signal) || any;
    return any;
  }

  stats(): SignalingStats[] {
    return this.transports.map((t) => t.stats());
  }

  close(): void {
    for (const t of this.transports) t.close();
  }

  private forgetOldest(): void {
    const first = this.heardAt.keys().next().value;
    if (first !== undefined) this.heardAt.delete(first);
  }
}
