import type { NodeId } from '../../core/ids';
import { parseSignal, type Signal, type SignalingStats, type SignalingTransport } from '../../ports/signaling';
import { TransportCounters } from './transport-counters';

export interface BroadcastSignalingOptions {
  readonly self: NodeId;
  readonly lattice: string;
  readonly log: (message: string, detail?: unknown) => void;
}

/** The channel name: one per lattice, so tabs of different lattices never even see each other. */
export const broadcastChannelName = (lattice: string): string => `lattice-mesh-signal:${lattice}`;

/**
 * Signaling between tabs of one browser (one origin and storage partition) over a
 * BroadcastChannel. Other tabs are other nodes, so their messages are validated like any peer's.
 */
export class BroadcastSignaling implements SignalingTransport {
  readonly kind = 'broadcast' as const;
  private channel: BroadcastChannel | undefined;
  private readonly counters: TransportCounters;

  constructor(private readonly options: BroadcastSignalingOptions) {
    this.counters = new TransportCounters('broadcast', options.log);
  }

  start(receive: (signal: Signal) => void): void {
    if (this.channel !== undefined) return;
    const channel = new BroadcastChannel(broadcastChannelName(this.options.lattice));
    channel.onmessage = (event: MessageEvent<unknown>) => {
      const parsed = parseSignal(event.data);
      if (!parsed.ok) return this.counters.drop(parsed.reason);
      const signal = parsed.signal;
      if (signal.lattice !== this.options.lattice) return this.counters.drop('other-lattice');
      if (signal.from === this.options.self) return;
      if (signal.to !== undefined && signal.to !== this.options.self) return;
      this.counters.received += 1;
      receive(signal);
    };
    channel.onmessageerror = () => this.counters.drop('undecodable');
    this.channel = channel;
  }

  send(signal: Signal): boolean {
    if (this.channel === undefined) return false;
    this.channel.postMessage(signal);
    this.counters.sent += 1;
    return true;
  }

  stats(): SignalingStats {
    return this.counters.stats(this.channel === undefined ? 'closed' : 'open');
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
