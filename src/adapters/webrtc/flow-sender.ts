import { MAX_WIRE_FRAME } from './frame-channel';

export interface FlowLimits {
  /** Stop handing frames to the data channel above this bufferedAmount. */
  readonly highWaterMark: number;
  /** Frames queued here beyond this mean the producer ignores backpressure: the link is closed. */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_FLOW: FlowLimits = { highWaterMark: 1024 * 1024, maxQueuedBytes: 8 * 1024 * 1024 };

export type EnqueueResult = 'sent' | 'queued' | 'overflow' | 'too-large';

/**
 * Flow control over a data channel: frames go to the channel while its bufferedAmount is under
 * the high-water mark and wait here otherwise; the channel's `bufferedamountlow` event (at the
 * low-water mark) calls drain(). Chrome closes a channel whose 16 MiB send queue overflows, so
 * nothing is ever pushed past the mark, and nothing is dropped silently: an overflow is reported.
 */
export class FlowSender {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Every byte handed to the channel. */
  sentBytes = 0;

  constructor(
    private readonly channel: { send(bytes: Uint8Array): void; readonly bufferedAmount: number },
    private readonly limits: FlowLimits = DEFAULT_FLOW,
  ) {}

  /** Bytes not yet on the wire: in the channel's buffer or queued here. */
  get bufferedAmount(): number {
    return this.channel.bufferedAmount + this.queuedBytes;
  }

  enqueue(frame: Uint8Array): EnqueueResult {
    if (frame.byteLength > MAX_WIRE_FRAME) return 'too-large';
    if (this.queue.length === 0 && this.channel.bufferedAmount < this.limits.highWaterMark) {
      this.put(frame);
      return 'sent';
    }
    if (this.queuedBytes + frame.byteLength > this.limits.maxQueuedBytes) return 'overflow';
    this.queue.push(frame);
    this.queuedBytes += frame.byteLength;
    return 'queued';
  }

  /** Moves queued frames to the channel until it is at the high-water mark again. */
  drain(): void {
    while (this.queue.length > 0 && this.channel.bufferedAmount < this.limits.highWaterMark) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.byteLength;
      this.put(frame);
    }
  }

  private put(frame: Uint8Array): void {
    this.channel.send(frame);
    this.sentBytes += frame.byteLength;
  }
}
