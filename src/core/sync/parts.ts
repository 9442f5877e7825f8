import { decodeMessage, encodeMessage } from './codec';
import { ProtocolError, ProtocolErrorCode } from './errors';
import { MessageType, type PartMessage, type SyncMessage } from './messages';

/**
 * Frames larger than a link's frame size, as parts (docs/budgeter.md, "Parts"). The budgeter packs
 * a thin link's frames to a quarter second of its rate so that no frame holds the wire long
 * enough to delay a HIGH change or a ping behind it; a frame the session cannot make smaller (a
 * reconciler message, a large `ihave`) goes as several `part` frames, each within the size, and
 * the receiver joins them before it reads the frame. Parts of one frame travel in order, in one
 * budget class, with other classes' frames between them.
 */

/** Most bytes a part's header takes: version, type, and two varints of at most 3 bytes. */
export const PART_HEADER_BYTES = 8;
/** Smallest part size splitFrame accepts: below it, the headers would be most of each part. */
export const MIN_PART_BYTES = 64;

/** `frame` as part frames of at most `maxBytes` each; the frame itself when it fits. */
export function splitFrame(frame: Uint8Array, maxBytes: number): Uint8Array[] {
  if (frame.length <= maxBytes) return [frame];
  const chunkBytes = Math.max(MIN_PART_BYTES, Math.floor(maxBytes)) - PART_HEADER_BYTES;
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < frame.length; offset += chunkBytes) {
    const chunk = frame.subarray(offset, Math.min(frame.length, offset + chunkBytes));
    parts.push(encodeMessage({ type: MessageType.Part, total: frame.length, offset, chunk }));
  }
  return parts;
}

/**
 * Joins one link's parts. It holds at most one frame being joined (at most MAX_SYNC_FRAME_BYTES,
 * the codec's bound on `total`): a part starting a new frame drops an unfinished one. A part that
 * does not continue the frame being joined, or a whole that is itself a part, is the peer's
 * fault (ProtocolError).
 */
export class PartAssembler {
  /** The frame being joined: its length and the chunks so far (held as received, joined at the end). */
  private total = 0;
  private chunks: Uint8Array[] = [];
  private filled = 0;
  /** Unfinished frames dropped by the start of another. */
  dropped = 0;

  /**
   * Takes a part; returns the whole message once its last part is in. What is held grows with the
   * bytes received, never with the `total` a part claims.
   */
  add(m: PartMessage): SyncMessage | undefined {
    if (m.offset === 0) {
      if (this.chunks.length > 0) this.dropped += 1;
      this.reset();
      this.total = m.total;
    } else if (this.chunks.length === 0 || this.total !== m.total || this.filled !== m.offset) {
      this.reset();
      throw new ProtocolError(ProtocolErrorCode.Malformed, `part at ${m.offset} of ${m.total} continues no frame`);
    }
    this.chunks.push(m.chunk);
    this.filled += m.chunk.length;
    if (this.filled < this.total) return undefined;
    const whole = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      whole.set(c, at);
      at += c.length;
    }
    this.reset();
    const message = decodeMessage(whole);
    if (message.type === MessageType.Part) throw new ProtocolError(ProtocolErrorCode.Malformed, 'a part inside a part');
    return message;
  }

  /** Bytes held for the frame being joined. */
  get heldBytes(): number {
    return this.filled;
  }

  reset(): void {
    this.total = 0;
    this.chunks = [];
    this.filled = 0;
  }
}
