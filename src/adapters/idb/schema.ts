import type { DBSchema, IDBPDatabase } from 'idb';
import type { JsonValue } from '../../core/entity/component-types';
import type { Segment } from './segment';

/**
 * The database layout. Versions live in an append-only log of columnar segments (one or a few per
 * commit) rather than one record per version: Chromium pays a fixed cost per IndexedDB record on
 * write and on read, measured here at ~6k record writes/s and ~1.7 s to read 100k records, while
 * segments of a few thousand versions write at ~400k versions/s and load 100k in ~0.35 s.
 * A segment's removals apply to everything logged before it; compaction (see compaction.ts)
 * rewrites the log as its live versions only.
 */
export interface LatticeDB extends DBSchema {
  /** Key: an auto-increment number, so reading in key order replays commits in commit order. */
  segments: { key: number; value: Segment };
  meta: { key: string; value: JsonValue };
}

export const DB_VERSION = 1;

export type LatticeIdb = IDBPDatabase<LatticeDB>;

/** Creates or migrates the stores; each step runs once, in the versionchange transaction. */
export function upgradeSchema(db: LatticeIdb, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('segments', { autoIncrement: true });
    db.createObjectStore('meta');
  }
}
