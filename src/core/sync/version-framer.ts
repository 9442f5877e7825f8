import type { Version } from '../merge/version';
import { DEFAULT_LIMITS, encodeVersions, WireError } from '../wire';
import { encodeMessage, MAX_SYNC_FRAME_BYTES } from './codec';
import { MAX_VERSIONS_PER_FRAME } from './limits';
import { MessageType } from './messages';

/** Room for the versions frame header (type, flags, completes) inside a sync frame. */
const HEADER_BYTES = 16;
/** Below this a frame would be mostly header: a target smaller than it is raised to it. */
const MIN_TARGET_BYTES = 256;

export interface Framed {
  readonly frame: Uint8Array;
  /** Versions consumed from the input (some may have been dropped as unencodable). */
  readonly count: number;
  /** Versions actually in the frame. */
  readonly carried: number;
}

/**
 * Packs versions into `versions` frames of at most a target size, never above the frame limit.
 * The target is a bound, not a hint: a frame goes over it only when it carries a single version
 * larger than the target. On a thin link one frame over the budget's frame size holds everything
 * behind it on the wire, pings included (a 20 KB repair frame on a 4 kB/s link took 5 s, and the
 * link's 8-s dead timer ran out behind a few of them), so the session asks its host for the
 * link's frame size before each frame (SessionHost.frameBytes, docs/budgeter.md "Packing").
 * Version sizes vary (a position is ~20 bytes, a signed one ~80, an unknown kind up to 12 KiB), so
 * it learns the mean size from the frames it made and cuts a batch that came out too big.
 */
export class VersionFramer {
  private meanBytes = 48;
  private readonly target: () => number;

  constructor(
    targetBytes: number | (() => number),
    private readonly maxBytes = MAX_SYNC_FRAME_BYTES - HEADER_BYTES,
    private readonly onDrop: (reason: string, v: Version) => void = () => undefined,
  ) {
    this.target = typeof targetBytes === 'number' ? () => targetBytes : targetBytes;
  }

  /** The most batch bytes a frame may carry now (the target less the frame's header). */
  private limit(): number {
    const target = Math.max(MIN_TARGET_BYTES, this.target());
    return Math.min(this.maxBytes, target - HEADER_BYTES);
  }

  /** One frame from versions[from..end); completes is attached only if the frame reaches `end`. */
  take(versions: readonly Version[], from: number, end: number, live: boolean, completes = 0): Framed {
    const limit = this.limit();
    const cap = Math.min(end - from, DEFAULT_LIMITS.maxVersions, MAX_VERSIONS_PER_FRAME);
    let n = Math.max(1, Math.min(cap, Math.floor(limit / this.meanBytes)));
    for (;;) {
      const chunk = versions.slice(from, from + n);
      let batch: Uint8Array;
      try {
        batch = encodeVersions(chunk);
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        if (n > 1) {
          n = Math.ceil(n / 2);
          continue;
        }
        this.onDrop(error.message, chunk[0]!);
        return this.frameOf(new Uint8Array(0), 1, 0, live, from + 1 === end ? completes : 0);
      }
      if (batch.length > limit && n > 1) {
        // Fewer versions, in proportion (a batch's shared tables make it a little more per version),
        // and always fewer than this time, so the loop ends.
        n = Math.max(1, Math.min(n - 1, Math.floor((n * limit) / batch.length)));
        continue;
      }
      if (batch.length > this.maxBytes) {
        this.onDrop(`a single version of ${batch.length} bytes exceeds the frame`, chunk[0]!);
        return this.frameOf(new Uint8Array(0), 1, 0, live, from + 1 === end ? completes : 0);
      }
      this.meanBytes = Math.max(4, 0.5 * this.meanBytes + (0.5 * batch.length) / n);
      return this.frameOf(batch, n, n, live, from + n === end ? completes : 0);
    }
  }

  /** A frame carrying no versions, only the end of a `want` answer. */
  marker(completes: number, live: boolean): Uint8Array {
    return this.frameOf(new Uint8Array(0), 0, 0, live, completes).frame;
  }

  private frameOf(batch: Uint8Array, count: number, carried: number, live: boolean, completes: number): Framed {
    if (batch.length === 0 && completes === 0) return { frame: batch, count, carried: 0 };
    const frame = encodeMessage({ type: MessageType.Versions, live, completes, batch });
    return { frame, count, carried };
  }
}
