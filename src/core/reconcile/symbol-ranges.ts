import { ReconcileError, ReconcileErrorCode } from './errors';
import { SymbolDiff } from './rateless';

/**
 * Most coded symbols an initiator holds for one session, over all its ranges (25 bytes each in
 * memory: ~1.6 MiB). A responder cannot make us hold more: symbols beyond it are a protocol error.
 * 65,536 symbols decode a difference of ~40,000 items; larger ones are settled by splitting.
 */
export const MAX_HELD_SYMBOLS = 65_536;

/** The initiator's peeling state per range [lower, upper) of its own snapshot. */
export class SymbolRanges {
  private readonly diffs = new Map<string, SymbolDiff>();
  private held = 0;

  /** Symbols received so far for the range (the start the next Symbols must have). */
  received(lower: number, upper: number): number {
    return this.diffs.get(key(lower, upper))?.received ?? 0;
  }

  /** Throws unless `n` more symbols fit in the bound (checked before anything changes). */
  checkRoom(n: number): void {
    if (this.held + n > MAX_HELD_SYMBOLS) {
      throw new ReconcileError(
        ReconcileErrorCode.Protocol,
        `${this.held + n} coded symbols exceed the ${MAX_HELD_SYMBOLS} held per session`,
      );
    }
  }

  /** The range's state, created empty. */
  get(lower: number, upper: number): SymbolDiff {
    const k = key(lower, upper);
    let d = this.diffs.get(k);
    if (d === undefined) {
      d = new SymbolDiff();
      this.diffs.set(k, d);
    }
    return d;
  }

  /** Counts symbols appended to a range. */
  added(n: number): void {
    this.held += n;
  }

  /** The range is settled (or given up): its memory is freed, its share of the bound is not. */
  drop(lower: number, upper: number): void {
    this.diffs.delete(key(lower, upper));
  }
}

function key(lower: number, upper: number): string {
  return `${lower}:${upper}`;
}
