import type {
  CreatePeer,
  PeerConnection,
  PeerEvents,
  PeerOptions,
  PeerSignal,
} from '../../../../src/adapters/webrtc/peer-connection';
import { CHANNEL, withChannel } from '../../../../src/adapters/webrtc/frame-channel';
import type { NodeId } from '../../../../src/core/ids';
import {
  parseSignal,
  type Signal,
  type SignalingStats,
  type SignalingTransport,
} from '../../../../src/ports/signaling';
import { systemClock, type MeshClock } from '../../../../src/app/mesh/timers';
import type { BridgeEvents, BridgedLink, OpenBridge } from '../../../../src/app/mesh/worker-bridge';

/** Delivery one millisecond later, on the test's clock. */
const laterOn =
  (clock: MeshClock) =>
  (fn: () => void): void =>
    void clock.after(1, fn);

/**
 * A signaling medium for unit tests (like one BroadcastChannel): every message is serialized,
 * validated and delivered asynchronously to every other member that `reachable` allows.
 */
export class FakeHub {
  private readonly later: (fn: () => void) => void;
  private readonly members = new Map<NodeId, (signal: Signal) => void>();
  reachable: (from: NodeId, to: NodeId) => boolean = () => true;
  delivered = 0;
  /** Every signal sent through the hub, as sent (for tests that replay one). */
  readonly log: Signal[] = [];
  /** What the hub makes of each signal sent (e.g. an older client's, without a stamp). */
  rewrite: (signal: Signal) => Signal = (signal) => signal;

  /** Delivers `signal` to `to` as if the hub had relayed it (a replay). */
  inject(to: NodeId, signal: Signal): void {
    const parsed = parseSignal(JSON.stringify(signal));
    if (!parsed.ok) throw new Error(`cannot inject an invalid signal: ${parsed.reason}`);
    this.members.get(to)?.(parsed.signal);
  }

  constructor(clock: MeshClock = systemClock) {
    this.later = laterOn(clock);
  }

  transport(self: NodeId): SignalingTransport {
    let receive: ((signal: Signal) => void) | undefined;
    let sent = 0;
    return {
      kind: 'broadcast',
      start: (r) => {
        receive = r;
        this.members.set(self, (signal) => receive?.(signal));
      },
      send: (sent0) => {
        if (receive === undefined) return false;
        const signal = this.rewrite(sent0);
        const text = JSON.stringify(signal);
        sent += 1;
        this.log.push(signal);
        for (const [id, deliver] of this.members) {
          if (id === self || !this.reachable(self, id)) continue;
          if (signal.to !== undefined && signal.to !== id) continue;
          this.later(() => {
            const parsed = parseSignal(text);
            if (!parsed.ok) throw new Error(`sent an invalid signal: ${parsed.reason}`);
            this.delivered += 1;
            deliver(parsed.signal);
          });
        }
        return true;
      },
      stats: (): SignalingStats => ({ kind: 'broadcast', state: 'open', sent, received: 0, invalid: {} }),
      close: () => {
        receive = undefined;
        this.members.delete(self);
      },
    };
  }
}

/** In-memory "WebRTC": an offer names its initiator; the answer connects the pair. */
export class FakePeerNet {
  readonly live = new Set<FakePeer>();
  /** The initiator hears `connect` this much later than the answerer (as simple-peer may). */
  connectSkewMs = 0;
  created = 0;
  /** Every message put on a data channel, channel byte first. */
  readonly wire: Uint8Array[] = [];
  readonly later: (fn: () => void) => void;
  private next = 0;
  private readonly byToken = new Map<string, FakePeer>();

  constructor(readonly clock: MeshClock = systemClock) {
    this.later = laterOn(clock);
  }

  factory(): CreatePeer {
    return (options, events) => new FakePeer(this, options, events);
  }

  register(peer: FakePeer): string {
    const token = `t${this.next++}`;
    this.byToken.set(token, peer);
    return token;
  }

  find(token: string): FakePeer | undefined {
    return this.byToken.get(token);
  }

  /** Cuts every live connection abruptly (both ends see `close`). */
  breakAll(): void {
    for (const p of [...this.live]) p.fail('ERR_ICE_CONNECTION_FAILURE');
  }
}

export class FakePeer implements PeerConnection {
  bufferedAmount = 0;
  destroyed = false;
  private other: FakePeer | undefined;
  private answerer: FakePeer | undefined;

  constructor(
    private readonly net: FakePeerNet,
    options: PeerOptions,
    readonly events: PeerEvents,
  ) {
    net.created += 1;
    net.live.add(this);
    if (options.initiator) {
      const token = net.register(this);
      this.net.later(() => {
        if (this.destroyed) return;
        this.events.signal({ type: 'offer', sdp: `offer ${token}` });
        if (options.trickle)
          this.events.signal({ type: 'candidate', candidate: 'fake', sdpMid: '0', sdpMLineIndex: 0 });
      });
    }
  }

  signal(signal: PeerSignal): void {
    if (this.destroyed) return;
    if (signal.type === 'offer') {
      const token = signal.sdp.split(' ')[1] ?? '';
      const initiator = this.net.find(token);
      if (initiator === undefined || initiator.destroyed) return;
      initiator.answerer = this;
      this.net.later(() => !this.destroyed && this.events.signal({ type: 'answer', sdp: `answer ${token}` }));
    } else if (signal.type === 'answer') {
      const answerer = this.answerer;
      if (answerer === undefined || answerer.destroyed) return;
      this.other = answerer;
      answerer.other = this;
      this.net.later(() => {
        if (this.destroyed || answerer.destroyed) return;
        answerer.events.connect();
        this.net.clock.after(this.net.connectSkewMs, () => !this.destroyed && this.events.connect());
      });
    }
  }

  send(bytes: Uint8Array): void {
    const other = this.other;
    if (other === undefined || this.destroyed) throw new Error('not connected');
    const copy = bytes.slice();
    this.net.wire.push(copy);
    this.net.later(() => !other.destroyed && other.events.data(copy));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.net.live.delete(this);
    const other = this.other;
    if (other !== undefined) this.net.later(() => other.fail('closed'));
  }

  fail(reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.net.live.delete(this);
    this.events.close(reason);
    const other = this.other;
    if (other !== undefined) this.net.later(() => other.fail('closed'));
  }
}

/**
 * A bridge that records what the worker would get; with `hello`, the "worker" sends that frame
 * the moment the link opens (as the sync session does). `workers` gets each link's worker-side
 * events, so a test can act as the worker (send a frame, close the link); `signals` gets the
 * relayed-signaling messages handed to the worker, instead of their going back to the channel.
 */
export function fakeBridge(
  opened: NodeId[] = [],
  delivered: Uint8Array[] = [],
  hello?: Uint8Array,
  workers?: Map<NodeId, BridgeEvents>,
  signals?: Uint8Array[],
): OpenBridge {
  return (peer, events): BridgedLink => {
    opened.push(peer);
    workers?.set(peer, events);
    if (hello !== undefined) queueMicrotask(() => events.frame(hello));
    return {
      deliver: (bytes) => delivered.push(bytes),
      // The worker sends a relayed signal back on the relay channel once its budget lets it go
      // (with `signals`, the test plays the worker and holds them).
      signal: (payload) =>
        signals === undefined
          ? queueMicrotask(() => events.frame(withChannel(CHANNEL.relay, payload)))
          : signals.push(payload),
      report: () => undefined,
      close: () => undefined,
    };
  };
}
