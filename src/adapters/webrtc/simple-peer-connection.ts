import SimplePeer from 'simple-peer';
import type { CreatePeer, PeerConnection, PeerEvents, PeerOptions, PeerSignal } from './peer-connection';

export interface SimplePeerConfig {
  /**
   * STUN/TURN servers. None by default: field networks often have no internet, and an
   * unreachable STUN server only delays candidate gathering (which pairing waits for).
   */
  readonly iceServers?: RTCIceServer[];
}

/** simple-peer's private data channel: the one place we need the real RTCDataChannel (bufferedamountlow). */
interface WithChannel {
  _channel?: RTCDataChannel | null;
}

/** A CreatePeer over simple-peer 9 (main thread only: Chromium has no RTCPeerConnection in workers). */
export function simplePeerFactory(config: SimplePeerConfig = {}): CreatePeer {
  return (options, events) => new SimplePeerConnection(options, events, config);
}

class SimplePeerConnection implements PeerConnection {
  private readonly peer: SimplePeer.Instance;
  private ended = false;
  private lastError = '';

  constructor(options: PeerOptions, events: PeerEvents, config: SimplePeerConfig) {
    this.peer = new SimplePeer({
      initiator: options.initiator,
      trickle: options.trickle,
      channelName: 'lattice',
      config: { iceServers: config.iceServers ?? [] },
    });
    const guard = (what: string, fn: () => void): void => {
      if (this.ended) return;
      try {
        fn();
      } catch (error) {
        // A handler's failure must not escape into simple-peer's stream machinery.
        console.warn(`[lattice link] ${what} handler failed`, error);
      }
    };
    this.peer.on('signal', (data: SimplePeer.SignalData) => {
      const signal = toPeerSignal(data);
      if (signal !== undefined) guard('signal', () => events.signal(signal));
    });
    this.peer.on('connect', () => {
      const channel = (this.peer as unknown as WithChannel)._channel;
      if (channel) {
        channel.bufferedAmountLowThreshold = options.lowWaterMark;
        channel.addEventListener('bufferedamountlow', () => guard('bufferedamountlow', () => events.bufferedLow()));
      }
      guard('connect', () => events.connect());
    });
    this.peer.on('data', (chunk: Uint8Array) => guard('data', () => events.data(chunk)));
    this.peer.on('error', (error: Error & { code?: string }) => {
      this.lastError = error.code ?? error.message;
    });
    this.peer.on('close', () => {
      const reason = this.lastError === '' ? 'closed' : this.lastError;
      guard('close', () => events.close(reason));
      this.ended = true;
    });
  }

  signal(signal: PeerSignal): void {
    if (this.ended) return;
    if (signal.type === 'candidate') {
      const { candidate, sdpMid, sdpMLineIndex } = signal;
      this.peer.signal({ type: 'candidate', candidate: { candidate, sdpMid, sdpMLineIndex } as RTCIceCandidate });
    } else {
      this.peer.signal({ type: signal.type, sdp: signal.sdp });
    }
  }

  send(bytes: Uint8Array): void {
    this.peer.send(bytes);
  }

  get bufferedAmount(): number {
    return this.ended ? 0 : this.peer.bufferSize;
  }

  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.peer.destroy();
  }
}

function toPeerSignal(data: SimplePeer.SignalData): PeerSignal | undefined {
  if ('candidate' in data && data.type === 'candidate') {
    const c = data.candidate;
    return {
      type: 'candidate',
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
    };
  }
  if ((data.type === 'offer' || data.type === 'answer') && 'sdp' in data && typeof data.sdp === 'string') {
    return { type: data.type, sdp: data.sdp };
  }
  // renegotiate / transceiverRequest: only media uses them; a data-only link never needs them.
  return undefined;
}
