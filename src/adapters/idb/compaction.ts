import { inTransaction, issueAll } from './transaction';
import type { LatticeIdb } from './schema';
import { encodeSegments, replaySegments, segmentEntries } from './segment';

export interface CompactionPolicy {
  /** Compact once the entries appended since the last compaction reach this multiple of the live count. */
  readonly growth: number;
  /** Never compact for fewer appended log entries than this. */
  readonly minEntries: number;
  /** Compact once this many segments were appended (many tiny commits cost per record on load). */
  readonly maxSegments: number;
}

/**
 * growth 2 keeps the log under about 3x the live set; each appended entry then costs about 1.5
 * entries of compaction reads and 0.5 of rewrites. In Chromium (a loaded 2-core machine), 100k
 * updates superseding 10k live versions ran at ~60-85k updates/s with compaction and ~160k/s
 * without, but the uncompacted log then took 5x longer to load.
 */
export const DEFAULT_COMPACTION: CompactionPolicy = { growth: 2, minEntries: 4096, maxSegments: 1024 };

/**
 * Decides when the log is worth rewriting. Compacting once the entries appended since the last
 * compaction reach a multiple of the live count bounds the log to a multiple of the live set, and
 * the rewrite (proportional to the log) is paid for by at least as many writes: amortised O(1).
 */
export class CompactionTrigger {
  private appendedEntries = 0;
  private appendedSegments = 0;
  private live = 0;

  constructor(private readonly policy: CompactionPolicy) {}

  /** After a full load we know the true state of the log. */
  loaded(live: number, segments: number, entries: number): void {
    this.live = live;
    this.appendedEntries = entries - live;
    this.appendedSegments = segments;
  }

  appended(segments: number, entries: number): void {
    this.appendedSegments += segments;
    this.appendedEntries += entries;
  }

  compacted(live: number): void {
    this.loaded(live, 0, live);
  }

  get due(): boolean {
    return (
      this.appendedEntries >= Math.max(this.policy.growth * this.live, this.policy.minEntries) ||
      this.appendedSegments >= this.policy.maxSegments
    );
  }
}

/**
 * Rewrites the log as its live versions only, in one readwrite transaction: it either replaces the
 * whole log or changes nothing. Commits issued meanwhile queue behind it (IndexedDB orders
 * overlapping readwrite transactions) and land after it. Returns the live count.
 */
export async function compactLog(db: LatticeIdb): Promise<number> {
  const tx = db.transaction('segments', 'readwrite');
  return inTransaction(tx, async () => {
    const segments = await tx.store.getAll();
    const live = replaySegments(segments);
    const fresh = encodeSegments([...live.values()], []);
    const entries = segments.reduce((n, s) => n + segmentEntries(s), 0);
    if (entries === live.size && segments.length <= fresh.length) return live.size; // already compact
    await issueAll([() => tx.store.clear(), ...fresh.map((s) => () => tx.store.add(s))]);
    return live.size;
  });
}
