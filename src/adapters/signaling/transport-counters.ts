import type { SignalingKind, SignalingStats, TransportState } from '../../ports/signaling';

/** The counters every signaling adapter keeps for its stats(). */
export class TransportCounters {
  sent = 0;
  received = 0;
  private readonly invalid: Record<string, number> = {};

  constructor(
    private readonly kind: SignalingKind,
    private readonly log: (message: string, detail?: unknown) => void,
  ) {}

  drop(reason: string, detail?: unknown): void {
    const n = (this.invalid[reason] = (this.invalid[reason] ?? 0) + 1);
    // Log the first few of each reason: a flood must not flood the console too.
    if (n <= 3) this.log(`${this.kind} signaling: dropped a message (${reason})`, detail);
  }

  stats(state: TransportState): SignalingStats {
    return { kind: this.kind, state, sent: this.sent, received: this.received, invalid: { ...this.invalid } };
  }
}
