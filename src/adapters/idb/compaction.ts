import type { IDBPObjectStore } from 'idb';
import type { CompactionOutcome, CompactionPlan } from './compaction-trigger';
import { SegmentBuilder } from './encode';
import { seenBase, seenCount, SEGMENT_SIZE, valueOffsets, type Segment } from './format';
import { Resolver, type Resolution } from './resolve';
import { SHARED_PROOF, StoredProofWalk, type LeafProof } from '../../core/signing/leaf-proof';
import type { LatticeDB, LatticeIdb } from './schema';
import { inTransaction, issueAll } from './transaction';

/** The 'state' key of the compaction counter: the optimistic lock between connections. */
const COMPACTIONS = 'compactions';
/**
 * Bounds each read transaction, which holds up commits (and, as it is deserialised, the thread):
 * at most READ_BATCH records and about READ_CHARS characters of text (a full segment of position
 * updates holds ~650k, and is read alone). In Chromium a read of ~1M characters took ~20 ms.
 */
const READ_BATCH = 64;
const READ_CHARS = 1 << 18;
/** Records in the first read, before their size is known. */
const FIRST_READ = 1;
/** Records deleted per transaction. */
const DELETE_BATCH = 32;
/** The longest stretch of main-thread work between yields. */
const SLICE_MS = 8;

/**
 * Rewrites a run of the log (the whole log, or its tail from `plan.from`) as the entries that
 * still count, in steps that each hold up commits only briefly:
 *
 *   1. read the run's keys, then its records in a few read-only transactions (segments are
 *      immutable, and commits only append after the run, so no snapshot transaction is needed);
 *   2. work out what survives and build the new segments outside any transaction, yielding to
 *      the event loop every few milliseconds; values are copied as JSON text, never parsed;
 *   3. write the new segments under keys just below the run, one short transaction each;
 *   4. delete the run, oldest records first, a batch per short transaction.
 *
 * The log means the same after every step, so a job that stops half way (an error, or another
 * connection compacting) leaves only garbage behind. After step 3 it reads: what preceded the
 * run, the survivors, the run, what followed. Replaying the run again after its survivors changes
 * nothing: a survivor's latest entry is its own put, and a dropped put's removal (or later put of
 * the same key) replays after it. Step 4 leaves a suffix of the run, which holds every entry later
 * than any it still holds, so the same holds.
 *
 * A run that is a prefix of the log drops every removal (nothing before it is left to remove);
 * a tail run keeps the removals of keys it does not itself settle, in a first segment of their
 * own (a segment applies its puts before its removals). The compaction counter in 'state' is
 * claimed (bumped) by the first write and checked by every write: if another connection
 * compacted meanwhile, the job stops.
 *
 * Resolves to what was done, or undefined when there was nothing worth doing or another connection
 * got there first.
 */
export async function compactLog(db: LatticeIdb, plan: CompactionPlan): Promise<CompactionOutcome | undefined> {
  const slicer = new Slicer();
  // The keys, the lock and the first record in one transaction; later reads are sized from what came.
  const tx = db.transaction(['log', 'state'], 'readonly');
  const log = tx.objectStore('log');
  const [keys, counter, first] = await inTransaction(tx, () =>
    Promise.all([
      log.getAllKeys(),
      tx.objectStore('state').get(COMPACTIONS),
      log.getAll(plan.kind === 'full' ? null : IDBKeyRange.lowerBound(plan.from), FIRST_READ),
    ]),
  );
  const start = plan.kind === 'full' ? 0 : firstAtOrAfter(keys, plan.from);
  const run = keys.slice(start);
  if (run.length === 0) return undefined;
  const prefix = start === 0;

  const segments: Segment[] = [];
  let chars = 0;
  let batch = first;
  for (;;) {
    for (const seg of batch) {
      segments.push(seg);
      chars += seg.v.length + seg.d.length + 2 * seg.u.length; // about the text a record holds
    }
    const from = segments.length;
    if (from >= run.length) break;
    const count = Math.max(1, Math.min(READ_BATCH, Math.floor((READ_CHARS * from) / Math.max(1, chars))));
    const last = Math.min(run.length, from + count) - 1;
    batch = await db.getAll('log', IDBKeyRange.bound(run[from], run[last]));
    if (batch.length !== last - from + 1) return undefined; // another connection rewrote this range
  }
  if (segments.length !== run.length) return undefined;

  const resolver = new Resolver(segments, prefix);
  for (let s = segments.length - 1; s >= 0; s--) {
    resolver.resolve(s);
    await slicer.pause();
  }
  const resolution = resolver.result();
  const keptRemovals = resolution.removals.length / 2;
  const kept = resolution.live + keptRemovals;
  const wanted = Math.ceil(resolution.live / SEGMENT_SIZE) + (keptRemovals > 0 ? 1 : 0);
  const outcome = {
    lastKey: run[run.length - 1]!,
    segmentsRead: run.length,
    entriesRead: resolution.entries,
    entriesKept: kept,
    live: resolution.live,
  };
  // Already as small as a rewrite would make it: say so, so the trigger's counts are corrected.
  if (kept === resolution.entries && run.length <= wanted) return { ...outcome, segmentsWritten: run.length };

  const fresh = await rebuild(segments, resolution, slicer);
  const freshKeys = keysBefore(keys, start, fresh.length);
  const claimed = (counter ?? 0) + 1;
  // A: the new segments go in before the run, one per transaction; the first claims the counter.
  for (let j = 0; j < Math.max(1, fresh.length); j++) {
    const seg = fresh[j];
    const added = await step(
      db,
      j === 0 ? (counter ?? 0) : claimed,
      (log) => (seg === undefined ? Promise.resolve() : log.add(seg, freshKeys[j])),
      j === 0 ? claimed : undefined,
    );
    if (!added) return undefined;
  }
  // B: the run goes, oldest records first.
  for (let i = 0; i < run.length; i += DELETE_BATCH) {
    const last = Math.min(run.length, i + DELETE_BATCH) - 1;
    if (!(await step(db, claimed, (log) => log.delete(IDBKeyRange.bound(run[i], run[last]))))) return undefined;
  }
  return { ...outcome, segmentsWritten: fresh.length };
}

type LogStore = IDBPObjectStore<LatticeDB, ('log' | 'state')[], 'log', 'readwrite'>;

/**
 * One short readwrite transaction of the job: `body`, provided the compaction counter still reads
 * `expect` (then set to `claim`, if given). The check is issued with the writes, not before them,
 * so the transaction is as short as it can be; a failed check aborts it, undoing the writes.
 * False when another connection compacted meanwhile.
 */
async function step(
  db: LatticeIdb,
  expect: number,
  body: (log: LogStore) => Promise<unknown>,
  claim?: number,
): Promise<boolean> {
  const tx = db.transaction(['log', 'state'], 'readwrite');
  try {
    await inTransaction(tx, () => {
      const state = tx.objectStore('state');
      const check = state.get(COMPACTIONS).then((now) => {
        if ((now ?? 0) !== expect) throw new CompactedElsewhere();
      });
      const writes = issueAll([
        () => body(tx.objectStore('log')),
        ...(claim === undefined ? [] : [() => state.put(claim, COMPACTIONS)]),
      ]);
      writes.catch(() => undefined); // when the check aborts the transaction, its reason is the one reported
      return Promise.all([check, writes]);
    });
    return true;
  } catch (error) {
    if (error instanceof CompactedElsewhere) return false;
    throw error;
  }
}

class CompactedElsewhere extends Error {}

/**
 * The surviving entries as new segments: removals first (if any), then segments of up to
 * SEGMENT_SIZE puts. Values travel as JSON text: a segment whose puts all survive hands over its
 * value text whole, others are cut at their values' boundaries.
 */
async function rebuild(segments: readonly Segment[], resolution: Resolution, slicer: Slicer): Promise<Segment[]> {
  const fresh: Segment[] = [];
  const kept = resolution.removals;
  if (kept.length > 0) {
    const removals = new SegmentBuilder();
    for (let k = 0; k < kept.length; k += 2)
      removals.copyRemoval(segments[kept[k]!]!, resolution.words[kept[k]!]!, kept[k + 1]!);
    fresh.push(removals.build());
  }
  let builder = new SegmentBuilder();
  const flush = (): void => {
    if (builder.size === 0) return;
    fresh.push(builder.build());
    builder = new SegmentBuilder();
  };
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const mask = resolution.alive[s]!;
    const n = seg.n;
    const whole = n > 0 && mask.indexOf(0) === -1;
    if (n === 0 || (!whole && mask.indexOf(1) === -1)) continue;
    if (whole && builder.size + n > SEGMENT_SIZE) flush();
    const words = resolution.words[s]!;
    const owner = seg.u.subarray(seenBase(seg), seenBase(seg) + seenCount(seg));
    const offsets = whole ? undefined : valueOffsets(seg);
    // Proofs are read back (a shared one leans on the put before it, which may not survive) and
    // written again, shared where they can be (leaf-proof.ts SHARED_PROOF); as views of the
    // segment's bytes, which outlive the rebuild (the builders write them before it returns).
    const proofs = new StoredProofWalk(seg.g, seg.gl, true);
    let sp = 0;
    for (let i = 0; i < n; i++) {
      const seenFrom = sp;
      while (sp < owner.length && owner[sp]! <= i) sp++;
      const kept = mask[i] === 1;
      const read = proofs.next(kept);
      if (kept) {
        builder.copyPut(seg, words, i, seenFrom, sp, stored(read));
        if (offsets !== undefined) {
          builder.copyValues(seg.v.slice(offsets[i], offsets[i + 1]! - 1), 1);
          if (builder.size === SEGMENT_SIZE) flush();
        }
      }
    }
    if (whole) builder.copyValues(seg.v.slice(1, -1), n);
    await slicer.pause();
  }
  flush();
  return fresh;
}

/**
 * `count` increasing keys for the rewrite of the run keys[start..], below the run and above
 * whatever precedes it, so it replays after what came before the run, before the run itself (until
 * that is deleted) and before everything committed after the run.
 */
function keysBefore(keys: readonly number[], start: number, count: number): number[] {
  const first = keys[start]!;
  if (start === 0) return Array.from({ length: count }, (_, j) => first - count + j);
  const before = keys[start - 1]!;
  const step = (first - before) / (count + 1);
  const out = Array.from({ length: count }, (_, j) => before + (j + 1) * step);
  if (out.some((key, j) => key <= (j === 0 ? before : out[j - 1]!) || key >= first)) {
    throw new Error(`no room for ${count} keys between ${before} and ${first}`);
  }
  return out;
}

function firstAtOrAfter(keys: readonly number[], key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Yields to the event loop once SLICE_MS of work has gone by, so commits and timers get their turn. */
class Slicer {
  private since = performance.now();

  async pause(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.since = performance.now();
  }
}

/**
 * A put's stored signature as compaction writes it again: its proof as read back, a per-version
 * signature as its bytes; bytes that do not decode (a damaged record) as they are, or, for a shared
 * proof (which would lean on another put in the new record), as a byte that never decodes, so the
 * load leaves the put out as it would have.
 */
function stored(read: ReturnType<StoredProofWalk['next']>): LeafProof | Uint8Array | undefined {
  if (read === undefined) return undefined;
  if ('damaged' in read) return (read.damaged[0]! & SHARED_PROOF) === 0 ? read.damaged.slice() : UNREADABLE;
  return 'proof' in read ? read.proof : read.sig;
}

/** Stored signature bytes that never decode (not 64 bytes, no leaf form 0). */
const UNREADABLE = new Uint8Array([0]);
