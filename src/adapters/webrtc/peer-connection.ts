/**
 * The narrow view of one WebRTC connection the link manager needs. simple-peer implements it in
 * the page (simple-peer-connection.ts); unit tests use an in-memory pair.
 */
export type PeerSignal =
  | { readonly type: 'offer' | 'answer'; readonly sdp: string }
  | {
      readonly type: 'candidate';
      readonly candidate: string;
      readonly sdpMid: string | null;
      readonly sdpMLineIndex: number | null;
    };

export interface PeerEvents {
  signal(signal: PeerSignal): void;
  connect(): void;
  data(bytes: Uint8Array): void;
  /** The send buffer fell to the low-water mark. */
  bufferedLow(): void;
  /** The connection ended on its own (remote close, ICE failure, channel error). Not called after destroy(). */
  close(reason: string): void;
}

export interface PeerOptions {
  readonly initiator: boolean;
  /** false for manual pairing: one offer and one answer carrying every candidate. */
  readonly trickle: boolean;
  /** bufferedAmount at which `bufferedLow` fires. */
  readonly lowWaterMark: number;
}

export interface PeerConnection {
  signal(signal: PeerSignal): void;
  send(bytes: Uint8Array): void;
  readonly bufferedAmount: number;
  /** Closes the RTCPeerConnection now (no leak: Chrome allows 500 per tab lifetime). */
  destroy(): void;
}

export type CreatePeer = (options: PeerOptions, events: PeerEvents) => PeerConnection;
