import { toBase64url } from '../../core/bytes/base64url';
import type { NodeId } from '../../core/ids';
import { backoffDelay, type BackoffPolicy } from '../../core/retry/backoff';
import { parseChallenge, proofMessage } from '../../ports/signal-proof';
import {
  parseSignal,
  RECONNECT_BACKOFF,
  type AnnounceSignal,
  type Signal,
  type SignalingStats,
  type SignalingTransport,
  type TransportState,
} from '../../ports/signaling';
import type { Signer } from '../../ports/signer';
import { TransportCounters } from './transport-counters';

export interface WebSocketSignalingOptions {
  /** ws(s)://…/signal on the page's own origin (see signalingUrl). */
  readonly url: string;
  readonly self: NodeId;
  readonly lattice: string;
  /** The announce to send first on every (re)connection: the server files the socket under it. */
  readonly announce: () => AnnounceSignal;
  /**
   * The node's identity key: the first announce answers the server's challenge with a signature,
   * because the server accepts a node id only with proof of its key. A promise while the key loads.
   */
  readonly signer: Signer | Promise<Signer>;
  readonly log: (message: string, detail?: unknown) => void;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** The WebSocket constructor (injected by tests). */
  readonly WebSocket?: typeof WebSocket;
}

/** The signaling endpoint on the origin that served the page: no third-party server to go down. */
export function signalingUrl(page: string): string {
  const url = new URL('/signal', page);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * Signaling through the app's own server (`server/signaling.ts`), for devices that share no
 * browser. On each connection the server sends a challenge; the first announce carries the
 * node's public key and its signature over it (src/ports/signal-proof.ts), and nothing else is
 * sent before. It reconnects for ever with exponential backoff and jitter: the server may be down
 * or the tablet offline, and the mesh keeps working over the other paths meanwhile.
 */
export class WebSocketSignaling implements SignalingTransport {
  readonly kind = 'websocket' as const;
  private socket: WebSocket | undefined;
  /** The current socket has answered its challenge: signals may flow. */
  private proven = false;
  private receive: ((signal: Signal) => void) | undefined;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly counters: TransportCounters;

  constructor(private readonly options: WebSocketSignalingOptions) {
    this.counters = new TransportCounters('websocket', options.log);
  }

  start(receive: (signal: Signal) => void): void {
    if (this.receive !== undefined) return;
    this.receive = receive;
    this.connect();
  }

  send(signal: Signal): boolean {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== socket.OPEN || !this.proven) return false;
    socket.send(JSON.stringify(signal));
    this.counters.sent += 1;
    return true;
  }

  stats(): SignalingStats {
    return this.counters.stats(this.state());
  }

  close(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket?.close(1000, 'leaving');
    this.socket = undefined;
  }

  private state(): TransportState {
    const socket = this.socket;
    if (socket === undefined) return this.stopped ? 'closed' : 'connecting';
    if (socket.readyState === socket.OPEN) return this.proven ? 'open' : 'connecting';
    return socket.readyState === socket.CONNECTING ? 'connecting' : 'closed';
  }

  private connect(): void {
    if (this.stopped) return;
    const Ctor = this.options.WebSocket ?? WebSocket;
    let socket: WebSocket;
    try {
      socket = new Ctor(this.options.url);
    } catch (error) {
      this.options.log('websocket signaling: cannot open', error);
      this.retry();
      return;
    }
    this.socket = socket;
    this.proven = false;
    socket.onopen = () => {
      this.attempt = 0;
    };
    socket.onmessage = (event: MessageEvent<unknown>) => this.onMessage(socket, event.data);
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      // 4004: the server did not accept our proof (e.g. a key that does not match our id).
      if (event.code === 4004) this.options.log('websocket signaling: the server refused our identity proof');
      this.socket = undefined;
      this.proven = false;
      this.retry();
    };
    // An error is always followed by close, which schedules the retry.
    socket.onerror = () => undefined;
  }

  private onMessage(socket: WebSocket, data: unknown): void {
    if (typeof data !== 'string') return this.counters.drop('binary');
    if (!this.proven) {
      const challenge = parseChallenge(data);
      if (challenge === undefined) return this.counters.drop('before-challenge');
      void this.prove(socket, challenge.nonce).catch((error: unknown) => {
        this.options.log('websocket signaling: cannot sign the challenge', error);
        socket.close(1000, 'cannot prove');
      });
      return;
    }
    const parsed = parseSignal(data);
    if (!parsed.ok) return this.counters.drop(parsed.reason);
    const signal = parsed.signal;
    if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice');
    if (signal.from === this.options.self) return;
    if (signal.to !== undefined && signal.to !== this.options.self) return this.counters.drop('not-for-us');
    this.counters.received += 1;
    this.receive?.(signal);
  }

  /** Answers the challenge: the announce, with our key and its signature over the nonce. */
  private async prove(socket: WebSocket, nonce: string): Promise<void> {
    const signer = await this.options.signer;
    const signature = await signer.sign(proofMessage(this.options.lattice, this.options.self, nonce));
    // The socket may have closed (and a new one opened) while signing.
    if (this.socket !== socket || socket.readyState !== socket.OPEN || this.proven) return;
    const announce = this.options.announce();
    const proof = { key: toBase64url(signer.publicKey), sig: toBase64url(signature) };
    socket.send(JSON.stringify({ ...announce, data: { ...announce.data, proof } }));
    this.counters.sent += 1;
    this.proven = true;
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(
      ++this.attempt,
      this.options.backoff ?? RECONNECT_BACKOFF,
      this.options.random ?? Math.random,
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
