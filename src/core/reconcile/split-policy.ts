/**
 * What to answer for a range whose fingerprints differ (and that is not a single difference the
 * receiver could resolve itself). Correctness never depends on these choices — every answer either
 * settles the range or splits it into ranges with fewer of the splitter's items — only the bytes and
 * round trips do.
 *
 * The choice uses how the divergence looks in the message being answered: the fraction f of its
 * fingerprint ranges that differ.
 *  - f small (or too few ranges to tell): divergence is clustered (typically the newest writes after
 *    a partition). Split 16 ways as negentropy does and list ids once a range is small: few, dense
 *    ranges, so ids sent are mostly ids the peer needs.
 *  - f large: divergence is spread. Assuming differences land at random (Poisson), f gives the mean
 *    λ per range and μ = λ / (1 - e^-λ) differences per differing range. Split into about
 *    fanoutPerDiff · μ children so most children hold zero or one difference; a single difference
 *    held by the receiver is resolved from the fingerprint alone (fingerprint.ts).
 * The first message that tells fixes the regime for the rest of the session (a dense cluster looks
 * "spread" once it has been narrowed down to ranges that all differ).
 */
export interface ReconcileTuning {
  /** Children of the whole set in the initiator's first message (16 keeps it under ~400 bytes). */
  readonly initialFanout: number;
  /** The first message lists ids instead when the set has at most this many items. */
  readonly initialIdListMax: number;
  /** Fanout when divergence looks clustered. */
  readonly clusteredFanout: number;
  /** Largest fanout ever used (also capped by the frame size). */
  readonly maxFanout: number;
  /** Clustered divergence: list ids of ranges with at most this many items. */
  readonly denseIdListMax: number;
  /** Spread divergence: list ids of ranges with at most this many items... */
  readonly sparseIdListMax: number;
  /** ...or at most this many items per expected difference. */
  readonly sparseIdListPerDiff: number;
  /** Mismatch fraction above which divergence is treated as spread. */
  readonly spreadThreshold: number;
  /** Fewest fingerprint ranges in a message for the fraction to be trusted. */
  readonly minRangesForEstimate: number;
  /** Children per expected difference when divergence is spread. */
  readonly fanoutPerDiff: number;
  /** Counts differing by d, with d ≤ range / sparseFactor: decode coded symbols instead of splitting. */
  readonly sparseFactor: number;
  /** First symbols asked for per difference the counts show, plus symbolSlack. */
  readonly symbolsPerDiff: number;
  readonly symbolSlack: number;
  /** Fraction of the symbols received asked for again when they did not decode. */
  readonly moreSymbolsFraction: number;
}

export const DEFAULT_TUNING: ReconcileTuning = Object.freeze({
  initialFanout: 16,
  initialIdListMax: 16,
  clusteredFanout: 16,
  maxFanout: 64,
  denseIdListMax: 128,
  sparseIdListMax: 2,
  sparseIdListPerDiff: 1.5,
  spreadThreshold: 0.25,
  minRangesForEstimate: 4,
  fanoutPerDiff: 1,
  sparseFactor: 8,
  symbolsPerDiff: 1.6,
  symbolSlack: 8,
  moreSymbolsFraction: 0.34,
});

export type Role = 'initiator' | 'responder';

export type SplitAction = { readonly kind: 'idlist' } | { readonly kind: 'split'; readonly fanout: number };

/** How divergence looked the first time this side could tell; kept for the rest of the session. */
export type Regime = 'unknown' | 'clustered' | 'spread';

/** The regime suggested by one message's statistics ('unknown' if it has too few fingerprints). */
export function regimeOf(stats: MessageStats, t: ReconcileTuning): Regime {
  if (stats.fingerprints < t.minRangesForEstimate) return 'unknown';
  return stats.mismatched / stats.fingerprints > t.spreadThreshold ? 'spread' : 'clustered';
}

export interface MessageStats {
  /** Fingerprint ranges in the message being answered. */
  readonly fingerprints: number;
  /** How many of them differed from ours. */
  readonly mismatched: number;
}

/**
 * The action for a differing range holding `count` of our items. `maxFanout` and `maxIdList` are
 * the frame-size caps (a piece must always fit in an empty frame).
 */
export function chooseAction(
  regime: Regime,
  count: number,
  stats: MessageStats,
  t: ReconcileTuning,
  maxFanout: number,
  maxIdList: number,
): SplitAction {
  const fanoutCap = Math.max(2, Math.min(t.maxFanout, maxFanout));
  const M = Math.max(1, stats.fingerprints);
  const f = stats.fingerprints > 0 ? stats.mismatched / M : 1;
  if (regime !== 'spread') {
    const listMax = t.denseIdListMax;
    if (count <= Math.min(Math.max(1, listMax), maxIdList)) return { kind: 'idlist' };
    return { kind: 'split', fanout: Math.min(count, Math.max(2, Math.min(t.clusteredFanout, fanoutCap))) };
  }
  const fc = Math.min(f, 1 - 1 / (2 * M));
  const lambda = -Math.log(1 - fc);
  const mu = lambda / (1 - Math.exp(-lambda));
  const listMax = Math.max(1, t.sparseIdListMax, Math.floor(t.sparseIdListPerDiff * mu));
  if (count <= Math.min(listMax, maxIdList)) return { kind: 'idlist' };
  const fanout = Math.min(count, fanoutCap, Math.max(2, Math.ceil(t.fanoutPerDiff * mu)));
  return { kind: 'split', fanout };
}

/**
 * Coded symbols to ask for first (rateless.ts) when a range differs sparsely: counts `mine` and
 * `theirs` differ by d ≥ 1 and d is at most 1/sparseFactor of the range; 0 otherwise (split or list
 * instead). Decoding d differences takes ~1.35–1.7·d symbols (Yang et al. 2024), so
 * symbolsPerDiff·d + symbolSlack decodes most ranges at once; the rest ask for more.
 */
export function initialSymbols(mine: number, theirs: number, t: ReconcileTuning): number {
  const d = Math.abs(mine - theirs);
  if (d === 0 || d * t.sparseFactor > Math.max(mine, theirs)) return 0;
  return Math.ceil(t.symbolsPerDiff * d) + t.symbolSlack;
}

/** Symbols to ask for next after `received` did not decode: a third more (peeling has a sharp threshold). */
export function moreSymbols(received: number, t: ReconcileTuning): number {
  return Math.max(1, t.symbolSlack, Math.ceil(received * t.moreSymbolsFraction));
}
