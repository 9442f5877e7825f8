import { encodeTs } from '../core/clock/timestamp';
import type { JsonValue } from '../core/entity/component-types';
import type { Version } from '../core/merge/version';
import type { EntityMeta } from '../core/store/entity-state';

export type { EntityMeta } from '../core/store/entity-state';

/**
 * Where a node keeps its versions and metadata. One small interface so the same node runs over
 * IndexedDB in the browser and over memory in Node tests; both pass test/contract/storage-contract.ts.
 */
export interface StoragePort {
  /** Every stored version, in no particular order. */
  loadVersions(): Promise<Version[]>;
  /**
   * Every stored entity meta (EntityStore.snapshot(): floor, latest tombstone, knowledge), what the
   * versions alone do not carry across a restart.
   */
  loadEntityMeta(): Promise<EntityMeta[]>;
  /** Applies the whole batch atomically (one transaction) or rejects and applies nothing. */
  commit(batch: StorageBatch): Promise<void>;
  getMeta(key: string): Promise<JsonValue | undefined>;
  /**
   * Records the last loadVersions() could not read at all (a corrupt segment) and left out rather
   * than fail the whole load; the node counts them in stats().
   */
  readonly setAside?: number;
  close(): Promise<void>;
}

export interface StorageBatch {
  readonly put: readonly Version[];
  /** Keys (see versionKey) of versions that were superseded or purged. */
  readonly remove: readonly string[];
  readonly meta?: Readonly<Record<string, JsonValue>>;
  /**
   * Entity metas to store, each replacing the one stored under its id. They only ever grow
   * (knowledge, floors and tombstones are joins), so an older one left behind is a lower bound.
   */
  readonly entityMeta?: readonly EntityMeta[];
}

/** The storage is full (IndexedDB QuotaExceededError): shown to the operator, never swallowed. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/** The unique key of a version: entity, kind and timestamp. */
export function versionKey(v: Pick<Version, 'entity' | 'kind' | 'ts'>): string {
  return `${v.entity}\u0000${v.kind}\u0000${encodeTs(v.ts)}`;
}
