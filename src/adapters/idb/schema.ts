import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import type { JsonValue } from '../../core/entity/component-types';
import type { EntityMeta } from '../../core/store/entity-state';
import type { HeldRecord } from '../../ports/storage';
import { encodeSegments } from './encode';
import type { Segment } from './format';
import { replaySegmentsV1, type SegmentV1 } from './segment-v1';

/**
 * The database layout. Versions live in an append-only log of columnar segments (one or a few per
 * commit) rather than one record per version: Chromium pays a fixed cost per IndexedDB record on
 * write and on read, measured here at ~6k record writes/s and ~1.7 s to read 100k records.
 * A segment's removals apply to everything logged before it; compaction (see compaction.ts)
 * rewrites runs of the log as their surviving entries.
 */
export interface LatticeDB extends DBSchema {
  /**
   * Key: a number; reading in key order replays commits in commit order. Commits take the next
   * auto-increment key; compaction writes its rewrite of a run of the log under keys between the
   * run and whatever precedes it (fractional or negative if need be), then deletes the run, so
   * whatever was committed after the run still replays after its rewrite.
   */
  log: { key: number; value: Segment };
  meta: { key: string; value: JsonValue };
  /**
   * Per entity what its versions alone do not restore (floor, latest tombstone, knowledge), keyed
   * by entity id. Written only for entities that need it (see the node's entity-meta.ts), so the
   * per-record cost stays off the common single-writer track.
   */
  entities: { key: string; value: EntityMeta };
  /** Writes held for clock skew, keyed by HeldRecord.key: few, bounded by the node's hold. */
  held: { key: string; value: HeldRecord };
  /**
   * Adapter bookkeeping: 'compactions' counts compactions that began writing (their optimistic
   * lock); 'urgentFolded' is the highest 'urgent' key whose record a bulk commit has folded into
   * the stores above.
   */
  state: { key: string; value: number };
  /**
   * The priority lane's commits (StorageBatch.priority), one record each under the next
   * auto-increment key, in a store no bulk commit writes, so a priority commit's transaction does
   * not share its scope with a bulk one's and IndexedDB runs it without waiting for the bulk commit
   * in flight (docs/c2-pipeline.md, "The priority lane"). A record applies on top of the other
   * stores until the next bulk commit folds it into them (its first writes, in the bulk
   * transaction, which then sets 'urgentFolded'); the next priority commit deletes the folded ones.
   */
  urgent: { key: number; value: UrgentRecord };
}

/** One priority commit as stored in 'urgent': the batch, its versions encoded as in the log. */
export interface UrgentRecord {
  readonly segments: Segment[];
  readonly meta: [string, JsonValue][];
  readonly entities: EntityMeta[];
  readonly hold: HeldRecord[];
  readonly unhold: string[];
}

/**
 * 1: segments with one string per version and column (store 'segments').
 * 2: segments with one dictionary string, typed-array columns and structured removals (store
 *    'log', see format.ts). A version 1 database is converted when opened: its log is replayed
 *    and its live versions written as version 2 segments, in the upgrade transaction (all or
 *    nothing), and store 'segments' is dropped.
 * 3: store 'entities' (entity metas, see LatticeDB) added; nothing to convert.
 * 4: store 'held' (writes held for clock skew) added; nothing to convert.
 * 5: store 'urgent' (the priority lane's commits, see LatticeDB) added; nothing to convert.
 * 6: a stored proof may lean on the previous put's of its record (leaf-proof.ts SHARED_PROOF);
 *    nothing to convert (older records read as they were), but a build before it would leave such
 *    puts out as damaged: with the version bumped it refuses to open the database instead.
 */
export const DB_VERSION = 6;

export type LatticeIdb = IDBPDatabase<LatticeDB>;

type UpgradeTx = IDBPTransaction<
  LatticeDB,
  ('log' | 'meta' | 'entities' | 'held' | 'state' | 'urgent')[],
  'versionchange'
>;

/**
 * Creates or migrates the stores; each step runs once, in the versionchange transaction. Resolves
 * once any conversion has been issued; rejects (after aborting the upgrade, which then changes
 * nothing) if the old data cannot be converted.
 */
export function upgradeSchema(db: LatticeIdb, oldVersion: number, tx: UpgradeTx): Promise<void> {
  if (oldVersion < 1) db.createObjectStore('meta');
  if (oldVersion < 3) db.createObjectStore('entities');
  if (oldVersion < 4) db.createObjectStore('held');
  if (oldVersion < 5) db.createObjectStore('urgent', { autoIncrement: true });
  if (oldVersion >= 2) return Promise.resolve();
  db.createObjectStore('log', { autoIncrement: true });
  db.createObjectStore('state');
  return oldVersion >= 1 ? convertV1(db, tx) : Promise.resolve();
}

/** Rewrites a version-1 log as its live versions in the version-2 format, inside the upgrade. */
async function convertV1(db: LatticeIdb, tx: UpgradeTx): Promise<void> {
  // The old store is not in the typed schema any more.
  const untypedDb = db as unknown as IDBPDatabase;
  const untypedTx = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>;
  try {
    const old = (await untypedTx.objectStore('segments').getAll()) as SegmentV1[];
    // Only IndexedDB requests may be awaited here: anything else would let the upgrade commit early.
    const fresh = encodeSegments(replaySegmentsV1(old), []);
    const log = tx.objectStore('log');
    const writes = fresh.map((seg) => log.add(seg));
    untypedDb.deleteObjectStore('segments');
    await Promise.all(writes);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // already aborted by the failed request
    }
    throw error;
  }
}
