import { mulberry32 } from '../random/mulberry32';
import { PER_MESSAGE_OVERHEAD_BYTES } from './wire-overhead';

export interface LinkShape {
  /** The link's rate; `Infinity` for no serialisation delay. */
  readonly bytesPerSecond: number;
  /** One-way propagation delay, ms. */
  readonly latencyMs: number;
  /** Added delay, uniform in [0, jitterMs), drawn per frame. */
  readonly jitterMs: number;
  /** Probability in [0, 1] that a frame is lost (dropped, or resent when `resendAfterMs` is set). */
  readonly loss: number;
  /**
   * A reliable channel (the app's WebRTC data channels are reliable and ordered): a lost frame is
   * not dropped but sent again this long after its first copy left the wire, taking its wire time
   * once more, and (ordered) everything sent after it waits for it. Unset: a lost frame is gone.
   */
  readonly resendAfterMs?: number;
  readonly seed: number;
  /** Keep delivery order (a reliable ordered data channel never reorders); default true. */
  readonly ordered?: boolean;
  /** Header bytes each frame occupies on the wire besides its payload. */
  readonly overheadBytes?: number;
}

/** What happens to one frame: when it arrives, or that it is lost. */
export type ShapedFate = { readonly type: 'deliver'; readonly at: number } | { readonly type: 'drop' };

/**
 * A model of a thin link, for a transport decorator in tests and benchmarks: frames serialise one
 * after another at the link's rate (a frame waits while the previous one is still on the wire),
 * then take the latency plus a seeded jitter, or are lost with the given probability (a lost frame
 * still used its wire time). Same seed, same sends: same fates. Time is injected; a clock stepping
 * back never makes the wire free earlier.
 */
export class LinkShaper {
  private readonly random: () => number;
  private busyUntil = -Infinity;
  private lastDelivery = -Infinity;

  constructor(private readonly shape: LinkShape) {
    if (!(shape.loss >= 0 && shape.loss <= 1)) throw new RangeError(`loss must be in [0, 1], got ${shape.loss}`);
    if (!(shape.bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be > 0, got ${shape.bytesPerSecond}`);
    if (!(shape.latencyMs >= 0 && shape.jitterMs >= 0)) throw new RangeError('latency and jitter must be ≥ 0');
    if (shape.resendAfterMs !== undefined && !(shape.resendAfterMs >= 0))
      throw new RangeError(`resendAfterMs must be ≥ 0, got ${shape.resendAfterMs}`);
    this.random = mulberry32(shape.seed);
  }

  /** The fate of a frame of `payloadBytes` handed to the link at `now`. */
  send(payloadBytes: number, now: number): ShapedFate {
    const wireBytes = payloadBytes + (this.shape.overheadBytes ?? PER_MESSAGE_OVERHEAD_BYTES);
    const wireMs = (wireBytes * 1000) / this.shape.bytesPerSecond;
    const start = Math.max(now, this.busyUntil);
    this.busyUntil = start + wireMs;
    // Both draws happen for every frame, so one frame's fate does not shift the next one's.
    const lost = this.random() < this.shape.loss;
    const jitter = this.random() * this.shape.jitterMs;
    let at = this.busyUntil + this.shape.latencyMs + jitter;
    if (lost) {
      if (this.shape.resendAfterMs === undefined) return { type: 'drop' };
      // Sent again once the loss is noticed, and it crosses the wire a second time: that time is
      // charged to the wire now (the link's rate holds). The resend is not lost again (one draw).
      this.busyUntil += wireMs;
      at += this.shape.resendAfterMs + wireMs;
    }
    if (this.shape.ordered ?? true) at = Math.max(at, this.lastDelivery);
    this.lastDelivery = Math.max(this.lastDelivery, at);
    return { type: 'deliver', at };
  }

  /**
   * Takes over a wire another shaper was using until `freeAt` (a reshape of an open link): nothing
   * goes on it before then, so the frames still serialising under the old shape and the first ones
   * under this one never share the wire's time (no burst at the change).
   */
  continueAfter(freeAt: number): void {
    this.busyUntil = Math.max(this.busyUntil, freeAt);
  }

  /** When the wire is free for the next frame: a sender that paces by it never builds a queue. */
  freeAt(): number {
    return this.busyUntil;
  }
}
