import type { Bound } from './bound';
import { SymbolDiff } from './rateless';

/**
 * Most coded symbols an initiator takes in one session, over all its ranges (25 bytes each in
 * memory: at most ~1.6 MiB). A responder cannot make us hold or peel more: past it, ranges are
 * settled by listing ids. 65,536 symbols decode a difference of ~40,000 items.
 */
export const MAX_HELD_SYMBOLS = 65_536;

/**
 * The initiator's peeling state per range: our items [lower, upper) of the snapshot up to the
 * range's upper bound. The bound is part of the range's name because index pairs alone are not
 * unique: every range in which we hold nothing is [i, i) for the same i, and two such ranges
 * sharing one state let a fresh range's symbols reset another's mid-stream.
 */
export class SymbolRanges {
  private readonly diffs = new Map<string, SymbolDiff>();
  /** Lower ends of ranges whose symbols did not decode: settled by listing ids from then on. */
  private readonly failedFrom = new Set<number>();
  private held = 0;

  /** Symbols held so far this session (they count against MAX_HELD_SYMBOLS even once dropped). */
  get heldSymbols(): number {
    return this.held;
  }

  /** Symbols received so far for the range (the start the next Symbols must have). */
  received(lower: number, upper: number, bound: Bound): number {
    return this.diffs.get(key(lower, upper, bound))?.received ?? 0;
  }

  /** Whether `n` more symbols stay within MAX_HELD_SYMBOLS. */
  hasRoom(n: number): boolean {
    return this.held + n <= MAX_HELD_SYMBOLS;
  }

  /** The range's state, created empty. */
  get(lower: number, upper: number, bound: Bound): SymbolDiff {
    const k = key(lower, upper, bound);
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

  /** The range is settled: its memory is freed, its share of the bound is not. */
  drop(lower: number, upper: number, bound: Bound): void {
    this.diffs.delete(key(lower, upper, bound));
  }

  /**
   * The range's symbols did not decode (or did not check): ranges from `lower` are listed instead
   * from now on, so a responder that keeps answering with symbols cannot keep the session going.
   */
  giveUp(lower: number, upper: number, bound: Bound): void {
    this.drop(lower, upper, bound);
    this.failedFrom.add(lower);
  }

  gaveUp(lower: number): boolean {
    return this.failedFrom.has(lower);
  }
}

function key(lower: number, upper: number, bound: Bound): string {
  let prefix = '';
  for (const b of bound.prefix) prefix += b.toString(16).padStart(2, '0');
  return `${lower}:${upper}:${bound.ts}:${prefix}`;
}
