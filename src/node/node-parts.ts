import type { Hlc } from '../core/clock/hlc';
import type { JsonValue } from '../core/entity/component-types';
import { encodeTs } from '../core/clock/timestamp';
import type { EntityId, NodeId } from '../core/ids';
import type { Version } from '../core/merge/version';
import type { EntityStore } from '../core/store/entity-store';
import { versionKey } from '../ports/storage';
import type { ChangeFeed } from './change-feed';
import type { ClockLease } from './clock-lease';
import { metasToKeep } from './entity-meta';
import type { NodeCounters } from './node-stats';
import type { SkewHold } from './skew-hold';
import type { VersionListeners } from './version-listeners';
import type { WriteBehind } from './write-behind';
import type { WriteLane } from './write-lane';

/** The storage meta key of the last issued timestamp, restored on open. */
export const CLOCK_META = 'clock';

/** The state one node's write paths share: LatticeNode builds it once and hands it to each. */
export interface NodeParts {
  readonly nodeId: NodeId;
  readonly store: EntityStore;
  readonly clock: Hlc;
  /** Issues local timestamps under a durable lease (clock-lease.ts). */
  readonly lease: ClockLease;
  readonly writer: WriteBehind;
  /** Entity changes for the UI. */
  readonly feed: ChangeFeed;
  /** Stored-set changes for replication. */
  readonly listeners: VersionListeners;
  readonly hold: SkewHold;
  readonly counters: NodeCounters;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  readonly log: (message: string, detail?: unknown) => void;
  /** Set while this node stands removed from its lattice (LatticeNode.standRemoved): local writes are refused. */
  readonly standing: { removed: string | undefined };
}

const NO_ENTITIES: ReadonlySet<EntityId> = new Set();

/**
 * Queues versions to store and superseded ones to delete, with the clock that stamped them (a
 * reload must never issue a timestamp at or below a stored one) and the metas of the entities they
 * touched that their versions alone would not restore (entity-meta.ts). `touched` names entities
 * that learned something without a version stored or removed (a refused version's context);
 * `rewrite`, entities whose evidence changed, whose metas are written whatever they hold.
 */
export function persist(
  parts: NodeParts,
  put: readonly Version[],
  removed: readonly Version[],
  touched: Iterable<EntityId> = [],
  lane: WriteLane = 'bulk',
  rewrite: ReadonlySet<EntityId> = NO_ENTITIES,
  /** More metadata for the same commit (a clock lease folded into the write: ClockLease.fold). */
  meta?: Readonly<Record<string, JsonValue>>,
): Promise<void> {
  let keys = removed.map((v) => versionKey(v));
  // A version that replaced another content under its own timestamp (see version-content.ts) has
  // the removed one's storage key: the put overwrites it, and the removal must not delete it. A put
  // that a later delivery of the same batch dropped (superseded, or kept as evidence: stored in its
  // entity's meta) shares its own removal's key: that removal stands, or storage keeps a version the
  // store does not and a restart brings it back (as a head, once what dropped it was released:
  // docs/architecture.md, "Evidence"). So a removal is kept from deleting only a put still held.
  // Equal keys have equal timestamps: a local write's removals are older than its one timestamp,
  // so the keys are compared only when some removal shares a put's ms.
  const shared = keys.length > 0 && put.length > 0 ? sharedMs(put, removed) : undefined;
  if (shared !== undefined) {
    const held = new Set<string>();
    // Only a put whose ms some removal shares can share its key (the store's holds() reads the heads).
    for (const v of put) if (shared.has(v.ts.ms) && parts.store.holds(v)) held.add(versionKey(v));
    if (held.size > 0) keys = keys.filter((key) => !held.has(key));
  }
  const ids = new Set<EntityId>(touched);
  for (const v of put) ids.add(v.entity);
  for (const v of removed) ids.add(v.entity);
  for (const id of rewrite) ids.add(id);
  const metas = metasToKeep(parts.store, ids, rewrite);
  // A refused version that taught nothing worth keeping costs no commit.
  if (put.length === 0 && keys.length === 0 && metas.length === 0 && meta === undefined) return Promise.resolve();
  return parts.writer.enqueue(put, keys, { ...meta, [CLOCK_META]: encodeTs(parts.clock.last) }, metas, undefined, lane);
}

/** The ms of the puts that some removal shares (undefined: none). */
function sharedMs(put: readonly Version[], removed: readonly Version[]): Set<number> | undefined {
  const ms = new Set<number>();
  for (const v of put) ms.add(v.ts.ms);
  let shared: Set<number> | undefined;
  for (const v of removed) if (ms.has(v.ts.ms)) (shared ??= new Set()).add(v.ts.ms);
  return shared;
}
