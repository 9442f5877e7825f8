import type { Bound } from './bound';
import { INFINITE_BOUND } from './bound';
import { encodeFingerprint, FINGERPRINT_SIZE } from './fingerprint';
import { MessageEncoder, Mode } from './message';

/** Room kept free in every frame for flushing a skip and the trailing "rest of the set" fingerprint. */
export const RESERVE = 64;

/** One outgoing message: coalesces skips and keeps every piece inside the frame. */
export class Output {
  /** One kept for the life of the class (one is made a message): see Reconciler.shapeKeeper. */
  static readonly shapeKeeper: Output = new Output(1);

  readonly enc = new MessageEncoder();
  private pendingSkip: Bound | null = null;
  /** A piece was sent short of what was asked for lack of room (coded symbols). */
  trimmed = false;

  constructor(readonly limit: number) {}

  /** True when no range has been written. */
  get empty(): boolean {
    return this.enc.length <= 1;
  }

  skip(upper: Bound): void {
    this.pendingSkip = upper;
  }

  /** Starts a piece (flushing any pending skip into it); pass the mark to end(). */
  begin(): PieceMark {
    const mark = { enc: this.enc.mark(), pendingSkip: this.pendingSkip };
    this.flushSkip();
    return mark;
  }

  /** Keeps the piece if the frame still has RESERVE bytes free (and `drop` is not set); otherwise takes it back. */
  end(mark: PieceMark, drop = false): boolean {
    if (!drop && this.enc.length + RESERVE <= this.limit) return true;
    this.enc.reset(mark.enc);
    this.pendingSkip = mark.pendingSkip;
    return false;
  }

  /** Ends the message: the rest of the set, from the current position, as one fingerprint. */
  defer(restState: Uint32Array, count: number): void {
    this.flushSkip();
    this.enc.range(INFINITE_BOUND, Mode.Fingerprint);
    this.enc.w.writeVarUint(count);
    const fp = new Uint8Array(FINGERPRINT_SIZE);
    encodeFingerprint(restState, 0, fp, 0);
    this.enc.w.writeBytes(fp);
  }

  private flushSkip(): void {
    if (this.pendingSkip !== null) {
      this.enc.range(this.pendingSkip, Mode.Skip);
    }
    this.pendingSkip = null;
  }
}

interface PieceMark {
  readonly enc: ReturnType<MessageEncoder['mark']>;
  readonly pendingSkip: Bound | null;
}
