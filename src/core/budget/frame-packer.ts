/** How frame sizes are chosen: from the budget and how long one frame may take on the link. */
export interface FrameSizing {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  /** One frame should take no longer than this on the link at the budget's rate. */
  readonly latencyTargetMs: number;
  /** Never aim below this: below it the per-message overhead dominates. */
  readonly floorBytes: number;
  /** The transport's largest message (the caller passes the port's `MAX_FRAME_BYTES`). */
  readonly maxFrameBytes: number;
  readonly overheadBytes: number;
}

/**
 * The payload size to pack a frame up to: what the rate carries within the latency target, no more
 * than the burst can pass at once, between the floor and the transport's maximum. Unlimited links
 * pack to the maximum, where the per-message cost is least.
 */
export function frameTargetBytes(s: FrameSizing): number {
  const byLatency = (s.bytesPerSecond * s.latencyTargetMs) / 1000;
  const byBurst = s.burstBytes - s.overheadBytes;
  const target = Math.floor(Math.min(byLatency, byBurst, s.maxFrameBytes));
  return Math.min(s.maxFrameBytes, Math.max(s.floorBytes, target));
}

/**
 * Accumulates item sizes into one frame up to a target. The first item is always taken, however
 * large (the caller bounds items by the transport's maximum), so a big item cannot block a queue.
 */
export class FramePacker {
  private payload = 0;
  private count = 0;

  constructor(readonly targetBytes: number) {}

  get bytes(): number {
    return this.payload;
  }

  get items(): number {
    return this.count;
  }

  fits(bytes: number): boolean {
    return this.count === 0 || this.payload + bytes <= this.targetBytes;
  }

  add(bytes: number): void {
    this.payload += bytes;
    this.count += 1;
  }
}
