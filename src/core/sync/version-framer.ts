import type { Version } from '../merge/version';
import { DEFAULT_LIMITS, encodeVersions, WireError } from '../wire';
import { encodeMessage, MAX_SYNC_FRAME_BYTES } from './codec';
import { MAX_VERSIONS_PER_FRAME } from './limits';
import { MessageType } from './messages';

/** Room for the versions frame header (type, flags, completes) inside a sync frame. */
const HEADER_BYTES = 16;

export interface Framed {
  readonly frame: Uint8Array;
  /** Versions consumed from the input (some may have been dropped as unencodable). */
  readonly count: number;
  /** Versions actually in the frame. */
  readonly carried: number;
}

/**
 * Packs versions into `versions` frames near a target size, never above the frame limit. Version
 * sizes vary (a position is ~20 bytes, an unknown kind up to 12 KiB), so it learns the mean size
 * from the frames it made and halves a batch that came out too big.
 */
export class VersionFramer {
  private meanBytes = 48;

  constructor(
    private readonly targetBytes: number,
    private readonly maxBytes = MAX_SYNC_FRAME_BYTES - HEADER_BYTES,
    private readonly onDrop: (reason: string, v: Version) => void = () => undefined,
  ) {}

  /** One frame from versions[from..end); completes is attached only if the frame reaches `end`. */
  take(versions: readonly Version[], from: number, end: number, live: boolean, completes = 0): Framed {
    const cap = Math.min(end - from, DEFAULT_LIMITS.maxVersions, MAX_VERSIONS_PER_FRAME);
    let n = Math.max(1, Math.min(cap, Math.floor(this.targetBytes / this.meanBytes)));
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
      if (batch.length > this.maxBytes && n > 1) {
        n = Math.ceil(n / 2);
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
