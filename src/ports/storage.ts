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
  /** Every write held for clock skew (the node's skew-hold.ts), so a restart keeps holding it. */
  loadHeld(): Promise<HeldRecord[]>;
  /**
   * Applies the whole batch atomically (one transaction) or rejects and applies nothing. Commits
   * apply in call order whatever their lane (`StorageBatch.priority`): what a later commit writes
   * wins over what an earlier one wrote, also when the later one (a priority commit) is durable
   * first.
   */
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
   * Entity metas to store, each replacing the one stored under its id. They grow (knowledge,
   * floors and tombstones are joins) except when a removed member's late writes are withdrawn
   * (docs/security.md, "Writes withdrawn at a removal"): the commit then carries the smaller meta,
   * or an empty one, which must replace the stored one.
   */
  readonly entityMeta?: readonly EntityMeta[];
  /** Held writes to store, each replacing the one under its key. */
  readonly hold?: readonly HeldRecord[];
  /** Keys of held writes released, expired or dropped: applied after `hold`. */
  readonly unhold?: readonly string[];
  /**
   * A small commit of the priority lane (the write-behind's, src/node/write-lane.ts): it does not
   * wait for a bulk commit in flight to become durable (the IndexedDB adapter writes it to a store
   * of its own), though it applies after it; a bulk commit called while it is in flight waits for
   * it (docs/c2-pipeline.md, "The priority lane").
   */
  readonly priority?: boolean;
}

/**
 * A remote write held because its author's clock runs too far ahead of ours, as stored. Loaded
 * records are re-validated (a damaged one is set aside) and re-held under the current bounds.
 */
export interface HeldRecord {
  /** The hold's key: the version's key and content, so two contents under one timestamp are two records. */
  readonly key: string;
  readonly version: Version;
  /** How far ahead of our wall clock it was when held, ms. */
  readonly skewMs: number;
  /** When it was first held (epoch ms): its expiry runs from then, across restarts. */
  readonly at: number;
}

/** The storage is full (IndexedDB QuotaExceededError): shown to the operator, never swallowed. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/** The last timestamp versionKey encoded: a batch write's versions share one timestamp object. */
let lastTs: Version['ts'] | undefined;
let lastEncoded = '';

/** The unique key of a version: entity, kind and timestamp. */
export function versionKey(v: Pick<Version, 'entity' | 'kind' | 'ts'>): string {
  if (v.ts !== lastTs) {
    lastEncoded = encodeTs(v.ts);
    lastTs = v.ts;
  }
  return `${v.entity}\u0000${v.kind}\u0000${lastEncoded}`;
}

/** The entity of a versionKey (entity ids hold no NUL: ids.ts). */
export function entityOfKey(key: string): string {
  return key.slice(0, key.indexOf('\u0000'));
}
