import type { NodeId } from '../../core/ids';
import { backoffDelay, type BackoffPolicy } from '../../core/retry/backoff';
import {
  parseSignal,
  RECONNECT_BACKOFF,
  type AnnounceSignal,
  type Signal,
  type SignalingStats,
  type SignalingTransport,
  type TransportState,
} from '../../ports/signaling';
import { TransportCounters } from './transport-counters';

export interface WebSocketSignalingOptions {
  /** ws(s)://…/signal on the page's own origin (see signalingUrl). */
  readonly url: string;
  readonly self: NodeId;
  readonly lattice: string;
  /** The announce to send first on every (re)connection: the server files the socket under it. */
  readonly announce: () => AnnounceSignal;
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
 * browser. It reconnects for ever with exponential backoff and jitter: the server may be down or
 * the tablet offline, and the mesh keeps working over the other paths meanwhile.
 */
export class WebSocketSignaling implements SignalingTransport {
  readonly kind = 'websocket' as const;
  private socket: WebSocket | undefined;
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
    if (socket === undefined || socket.readyState !== socket.OPEN) return false;
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
    if (socket.readyState === socket.OPEN) return 'open';
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
    socket.onopen = () => {
      this.attempt = 0;
      this.send(this.options.announce());
    };
    socket.onmessage = (event: MessageEvent<unknown>) => this.onMessage(event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.retry();
    };
    // An error is always followed by close, which schedules the retry.
    socket.onerror = () => undefined;
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return this.counters.drop('binary');
    const parsed = parseSignal(data);
    if (!parsed.ok) return this.counters.drop(parsed.reason);
    const signal = parsed.signal;
    if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice');
    if (signal.from === this.options.self) return;
    if (signal.to !== undefined && signal.to !== this.options.self) return this.counters.drop('not-for-us');
    this.counters.received += 1;
    this.receive?.(signal);
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
