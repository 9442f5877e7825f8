import { SEGMENT_SIZE } from './format';

export interface CompactionPolicy {
  /**
   * Compact the whole log once its garbage (superseded or removed puts, and the removals
   * themselves) reaches this multiple of the live count. Inserts alone never make garbage.
   */
  readonly growth: number;
  /** Never compact the whole log for fewer garbage entries than this. */
  readonly minEntries: number;
  /**
   * Merge the segments appended since the last compaction once there are this many: every record
   * costs a fixed amount to load, and a trickle of small commits writes many small records.
   */
  readonly maxSegments: number;
}

/**
 * growth 1 keeps the log under about twice the live set: each compaction reads about 2x live
 * entries and rewrites 1x, paid for by the live/2 updates (each a put plus a removal) that made its
 * garbage, so a write costs a bounded amount of compaction work (amortised O(1)). minEntries keeps
 * small stores from compacting several times a second under a steady stream (each compaction is a
 * dozen short transactions that commits queue behind); 16k entries of garbage load in a few ms.
 * maxSegments: ~1k small records cost ~20 ms more on a cold load in Chromium.
 */
export const DEFAULT_COMPACTION: CompactionPolicy = { growth: 1, minEntries: 16_384, maxSegments: 1024 };

/** What to compact: the whole log, or the run of segments from key `from` to the end. */
export type CompactionPlan = { readonly kind: 'full' } | { readonly kind: 'tail'; readonly from: number };

const FULL: CompactionPlan = { kind: 'full' };

/** What a finished compaction did, for the trigger's counts. */
export interface CompactionOutcome {
  /** The last key of the run it rewrote: segments appended after it were not touched. */
  readonly lastKey: number;
  readonly segmentsRead: number;
  readonly segmentsWritten: number;
  /** Entries (puts plus removals) read, and how many of them it kept. */
  readonly entriesRead: number;
  readonly entriesKept: number;
  /** Surviving puts in the run. */
  readonly live: number;
}

/** The trigger's counts when a compaction started. */
export interface TriggerSnapshot {
  readonly live: number;
  readonly garbage: number;
}

/**
 * Decides when the log is worth rewriting. It counts garbage, not growth: only entries that a
 * rewrite would drop make it worth paying for, so an insert-only log is left alone (except for the
 * merging of many small segments). Between full loads the counts are estimates: each removal is
 * taken to remove one live put.
 */
export class CompactionTrigger {
  private live = 0;
  private garbage = 0;
  private segments = 0;
  /** Keys of the segments appended since a compaction last covered them, in key order. */
  private appended: number[] = [];

  constructor(private readonly policy: CompactionPolicy) {}

  /** After a full load the state of the log is known exactly. */
  loaded(live: number, entries: number, segments: number): void {
    this.live = live;
    this.garbage = entries - live;
    this.segments = segments;
    this.appended = [];
  }

  /** A commit appended segments under `keys`, holding this many puts and removals. */
  committed(keys: readonly number[], puts: number, removes: number): void {
    this.segments += keys.length;
    for (const key of keys) this.appended.push(key);
    // The store removes what a put supersedes: each removal turns one live put, and itself, into garbage.
    this.live = Math.max(0, this.live + puts - removes);
    this.garbage += 2 * removes;
  }

  /** The compaction that is due, if any. */
  next(): CompactionPlan | undefined {
    const { growth, minEntries, maxSegments } = this.policy;
    if (this.garbage >= Math.max(growth * this.live, minEntries)) return FULL;
    // Segments a full compaction would merge but a tail merge cannot reach (older than `appended`).
    const older = this.segments - this.appended.length - Math.ceil(this.live / SEGMENT_SIZE);
    if (older >= maxSegments) return FULL;
    if (this.appended.length >= maxSegments) return { kind: 'tail', from: this.appended[0]! };
    return undefined;
  }

  snapshot(): TriggerSnapshot {
    return { live: this.live, garbage: this.garbage };
  }

  /** A compaction that started at `before` finished; commits may have landed meanwhile. */
  compacted(plan: CompactionPlan, before: TriggerSnapshot, outcome: CompactionOutcome): void {
    this.segments = Math.max(0, this.segments - outcome.segmentsRead + outcome.segmentsWritten);
    this.appended = this.appended.filter((key) => key > outcome.lastKey);
    if (plan.kind === 'full') {
      // Exact for the log it read; estimates only for what was committed since.
      this.garbage = Math.max(0, this.garbage - before.garbage);
      this.live = outcome.live + (this.live - before.live);
    } else {
      this.garbage = Math.max(0, this.garbage - (outcome.entriesRead - outcome.entriesKept));
    }
  }
}
