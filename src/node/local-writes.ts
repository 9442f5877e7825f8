import { NotFoundError, ValidationError } from '../core/errors';
import { asEntityId, type ComponentKind, type EntityId } from '../core/ids';
import { DELETED, type Version } from '../core/merge/version';
import type { EntityStore } from '../core/store/entity-store';
import type { EvidenceChange } from '../core/store/entity-state';
import { deadlineOf, EXPIRY } from '../core/store/expiry-floor';
import type { EntityView } from '../core/store/entity-view';
import type { Signer } from '../ports/signer';
import {
  checkHeadsUnchanged,
  checkSendable,
  stampAtLeast,
  stampedRefusal,
  checkWrite,
  stampWrite,
  type HeadSnapshot,
  type Writer,
} from './prepare-write';
import { checkWriteMany, MAX_WRITE_MANY_COMPONENTS } from './write-many';
import type { CreateInput, UpdateOptions } from './node-api';
import type { FoldedLease } from './clock-lease';
import { persist, type NodeParts } from './node-parts';
import { GroupSigner } from './security/sign-writes';
import { GATE_AUTHORITY_REASON, gateAuthorityRefusal } from '../core/task/gate-authority';
import { laneOf } from './write-lane';
import type { Scheduler } from './scheduler';
import {
  idKey,
  noteVersionKey,
  preparedKey,
  prepareVersionIds,
  versionIdKey,
  writeIdOfKey,
} from '../core/sync/version-id';
import { SYNC_ID_BYTES } from '../core/sync/messages';
import { isRosterEntity, rosterEntityId, ROSTER_OP_KIND, type RosterOpValue } from '../core/roster/roster-entity';

/** The ids of one signed batch of this node's writes, in leaf order, and which of them are known (LocalWrites.rememberIds). */
interface BatchIds {
  readonly ids: Uint8Array;
  readonly known: Uint8Array;
}

/**
 * Versions whose reconciliation ids one task computes ahead of a commit's end (LocalWrites.idsAhead):
 * ~4 ms in Node (3.6 µs an id), so a priority write or a peer's frame waits for little more.
 */
export const IDS_AHEAD_SLICE = 1024;

/** The reason a local write of a node that stands removed is counted under (stats().rejected). */
export const REMOVED_SELF_REASON = 'removed-from-lattice';

/**
 * This node's own writes: checked whole, stamped with one timestamp, applied, and resolved once
 * durable. A refused write is counted by its error's name.
 */
export class LocalWrites {
  /** Signs the versions of the commits in flight together, one signature per round (undefined: unsigned, tests only). */
  private readonly signer: GroupSigner | undefined;

  /**
   * The reconciliation ids of this node's latest signed writes, by the signature of their batch: the
   * ids in leaf order (SYNC_ID_BYTES each) and which are known. A write that supersedes one of them
   * gets the superseded head back from the store as a new object (its columns keep numbers, not the
   * Version), so the sync index would hash it again to remove it (~4.5 µs a component of a
   * writeMany in Chromium: docs/benchmarks.md, scenario 6); the head's proof is the very object its
   * write was signed with, which names the batch and the leaf, so its id is read from here instead.
   * Two generations of up to MAX_WRITE_MANY_COMPONENTS versions each: ~16 B a recent write.
   */
  private idsOfBatches = new Map<Uint8Array, BatchIds>();
  private idsOfOlderBatches = new Map<Uint8Array, BatchIds>();
  private idsInGeneration = 0;

  constructor(
    private readonly parts: NodeParts,
    /** New entity ids (randomness is injected). */
    private readonly newId: () => string,
    /** The node's key: every write is signed before it is durable or announced (undefined: unsigned, tests only). */
    signer: Signer | undefined,
    /** Where a commit's reconciliation ids are computed while it is in flight (idsAhead); none: at announce. */
    private readonly scheduler?: Scheduler,
  ) {
    this.signer = signer === undefined ? undefined : new GroupSigner(signer, parts.nodeId);
  }

  /**
   * Nothing the node accepts is something it cannot send: once this node stands removed from its
   * lattice every member refuses its new writes (docs/security.md, "A removed device"), so they are
   * refused here first, with the removal named, and counted (stats().rejected['removed-from-lattice']).
   */
  private refuseIfRemoved(): void {
    const why = this.parts.standing.removed;
    if (why === undefined) return;
    this.parts.counters.reject(REMOVED_SELF_REASON);
    throw new ValidationError(why);
  }

  async create(input: CreateInput): Promise<EntityView> {
    this.refuseIfRemoved();
    if (typeof input !== 'object' || input === null) throw new ValidationError('create: expected {id?, components}');
    // The next timestamp under a durable lease first (clock-lease.ts); nothing awaits from here to the stamp.
    while (!this.parts.lease.covered() && (await this.parts.lease.extend())) continue;
    const id = asEntityId(input.id ?? this.newId());
    if (this.shown(id)) throw new ValidationError(`entity ${id} already exists`);
    return this.write(id, input.components, undefined);
  }

  async update(
    id: string,
    components: Readonly<Record<string, unknown>>,
    options?: UpdateOptions,
  ): Promise<EntityView> {
    this.refuseIfRemoved();
    while (!this.parts.lease.covered() && (await this.parts.lease.extend())) continue;
    const eid = asEntityId(id);
    if (!this.shown(eid)) throw new NotFoundError(`entity ${eid} does not exist`);
    return this.write(eid, components, options);
  }

  /**
   * A write computed from the registers in `basedOn` as they were (the approval gate's): refused
   * with a ConflictError if any of them has moved since. The check comes right before the stamp
   * with nothing awaited in between: a peer's write merged in a wait would otherwise be superseded
   * by a write computed without it (an approve erasing a concurrent deny instead of standing beside
   * it and losing the merge). It does not wait for the clock lease: a lapsed lease is stored in the
   * write's own priority commit (ClockLease.fold), one commit instead of two in a row.
   */
  async updateBasedOn(
    id: EntityId,
    components: Readonly<Record<string, unknown>>,
    basedOn: HeadSnapshot,
  ): Promise<EntityView> {
    this.refuseIfRemoved();
    if (!this.shown(id)) throw new NotFoundError(`entity ${id} does not exist`);
    checkHeadsUnchanged(this.parts.store, id, basedOn);
    return this.write(id, components, undefined, 'gate', true);
  }

  /**
   * Many entities in one write: each created if absent, else updated; checked whole first (a bad
   * item refuses the call, naming it, and nothing is written), stamped with one timestamp, applied,
   * and made durable in one commit, then announced to peers like any local write.
   */
  async writeMany(items: unknown): Promise<EntityView[]> {
    const checked = await this.writeAll(items);
    return checked.map(({ id }, i) => {
      const view = this.view(id);
      if (view === undefined) throw new NotFoundError(`writeMany[${i}]: entity ${id} was removed as it was written`);
      return view;
    });
  }

  /** writeMany without building the views (the simulator's writes); returns the ids written. */
  async writeAll(items: unknown): Promise<readonly { readonly id: EntityId }[]> {
    this.refuseIfRemoved();
    const { store, clock, nodeId, counters, lease } = this.parts;
    while (!lease.covered() && (await lease.extend())) continue;
    this.refuseIfRemoved();
    let checked;
    try {
      checked = checkWriteMany(store, items, this.newId, nodeId, stampAtLeast(clock, this.parts.now()));
    } catch (error) {
      counters.reject(error instanceof Error ? error.name : 'error');
      throw error;
    }
    if (checked.length === 0) return [];
    const ts = clock.now();
    const versions: Version[] = [];
    for (const { id, values } of checked) versions.push(...stampWrite(store, id, values, ts, nodeId));
    for (const v of versions) {
      const refused = stampedRefusal(v, this.parts.now());
      if (refused === undefined) continue;
      counters.reject(refused.name);
      throw new ValidationError(`writeMany: ${refused.message}`);
    }
    checked.forEach(({ id, values }, i) => {
      const why = expiredAtStamp(store, id, values, ts.ms, this.parts.now());
      if (why === undefined) return;
      counters.reject('NotFoundError');
      throw new NotFoundError(`writeMany[${i}]: ${why}`);
    });
    await this.commit(versions);
    return checked;
  }

  async remove(id: string): Promise<void> {
    this.refuseIfRemoved();
    const { store, clock, nodeId, lease } = this.parts;
    while (!lease.covered() && (await lease.extend())) continue;
    const eid = asEntityId(id);
    if (!this.shown(eid)) throw new NotFoundError(`entity ${eid} does not exist`);
    if (isRosterEntity(eid))
      throw new ValidationError(`${eid}: a roster op is never deleted (removeMember removes a member)`);
    this.refuseIfRemoved();
    const values = new Map([[DELETED, null]]);
    checkSendable(store, eid, values, nodeId, stampAtLeast(clock, this.parts.now()));
    await this.commit(stampWrite(store, eid, values, clock.now(), nodeId));
  }

  /** One roster op, written by the roster code (src/node/roster): an ordinary signed, durable, announced write. */
  async writeRosterOp(value: RosterOpValue): Promise<void> {
    while (!this.parts.lease.covered() && (await this.parts.lease.extend())) continue;
    await this.write(rosterEntityId(value), { [ROSTER_OP_KIND]: value }, undefined, 'roster');
  }

  private view(id: EntityId): EntityView | undefined {
    return this.parts.store.view(id, this.parts.now());
  }

  /** Whether view(id) would be a view, without building it (the checks that an entity exists or not). */
  private shown(id: EntityId): boolean {
    return this.parts.store.visible(id, this.parts.now());
  }

  private async write(
    id: EntityId,
    components: unknown,
    options: UpdateOptions | undefined,
    writer: Writer = 'user',
    /** Stamp without waiting for a lapsed clock lease: it is stored in this write's commit (updateBasedOn). */
    foldLease = false,
  ): Promise<EntityView> {
    const { store, clock, nodeId, counters } = this.parts;
    // Again after any wait for the clock lease: a removal merged meanwhile refuses the write too.
    if (writer !== 'roster') this.refuseIfRemoved();
    let values;
    try {
      values = checkWrite(store, id, components, options, writer);
      checkSendable(store, id, values, nodeId, stampAtLeast(clock, this.parts.now()));
    } catch (error) {
      counters.reject(error instanceof Error ? error.name : 'error');
      throw error;
    }
    const folded = foldLease ? this.parts.lease.fold() : undefined;
    const ts = clock.now();
    const versions = stampWrite(store, id, values, ts, nodeId);
    const expired = expiredAtStamp(store, id, values, ts.ms, this.parts.now());
    if (expired !== undefined) {
      folded?.abandoned();
      counters.reject('NotFoundError');
      throw new NotFoundError(expired);
    }
    // Nothing the node accepts is something its peers refuse: the gate's writes pass the same
    // authority rules as a peer's (core/task/gate-authority.ts), with the timestamp just given.
    for (const v of versions) {
      // An expiry not after the stamp it got (the clock moved past the check above: a counter overflow).
      const refused = stampedRefusal(v, this.parts.now());
      if (refused !== undefined) {
        folded?.abandoned();
        counters.reject(refused.name);
        throw refused;
      }
      const why = gateAuthorityRefusal(v);
      if (why === undefined) continue;
      folded?.abandoned();
      counters.reject(GATE_AUTHORITY_REASON);
      throw new ValidationError(`${id}.${v.kind}: ${why}`);
    }
    await this.commit(versions, folded);
    const view = this.view(id);
    if (view === undefined) throw new NotFoundError(`entity ${id} expired as it was written`);
    return view;
  }

  private async commit(versions: Version[], folded?: FoldedLease): Promise<void> {
    const { store, feed, counters } = this.parts;
    const put: Version[] = [];
    const removed: Version[] = [];
    // What leaves the set the node serves (heads not kept as evidence, evidence released), and the
    // entities whose evidence changed (core/store/evidence.ts; a local write's context covers all
    // its register learned, so it rarely leaves any: only where what it left out is not yet gone here).
    const unserved: Version[] = [];
    const rewrite = new Set<EntityId>();
    const note = (v: Version, out: EvidenceChange, gone: readonly Version[]): void => {
      const kept = out.kept;
      for (const h of gone) if (kept === undefined || !kept.some((e) => e.version === h)) unserved.push(h);
      if (out.released !== undefined) for (const e of out.released) unserved.push(e.version);
      if (kept !== undefined || out.released !== undefined) rewrite.add(v.entity);
    };
    for (const v of versions) {
      const out = store.apply(v);
      if (store.lastApplyLifted) rewrite.add(v.entity);
      switch (out.kind) {
        case 'applied':
          put.push(v);
          removed.push(...out.removed);
          feed.mark(v.entity);
          note(v, out, out.removed);
          break;
        case 'obsolete':
          // Refused, yet what it taught may have dropped heads: those leave storage and peers' sets too.
          if (out.removed !== undefined && out.removed.length > 0) {
            removed.push(...out.removed);
            feed.mark(v.entity);
          }
          note(v, out, out.removed ?? []);
          break;
        case 'duplicate':
          break;
        default: {
          const never: never = out;
          throw new Error(`unexpected merge outcome ${String(never)}`);
        }
      }
    }
    counters.write('local', put.length);
    // The lane of the write as the caller made it (its versions stay together in one commit).
    const lane = laneOf(versions);
    // Signed after the merge (so the store sees the write at once, as before) and before anything
    // can read it from storage or a peer can hear of it: the sync index learns it from announce().
    // Commits in flight together share one signature (GroupSigner).
    let committing: Promise<void> | undefined;
    try {
      if (this.signer !== undefined) {
        await this.signer.sign(put, lane);
        // Signed in place: heads the store keeps as columns take their proofs (EntityStore.adopt).
        store.adopt(put);
      }
      committing = persist(this.parts, put, removed, [], lane, rewrite, folded?.meta);
    } finally {
      // A folded lease is stored with the write, or alone if signing failed (writers wait on it).
      if (folded !== undefined) {
        if (committing === undefined) folded.abandoned();
        else folded.committed(committing);
      }
    }
    const stopAhead = this.idsAhead(put, unserved);
    try {
      await committing;
    } catch (error) {
      stopAhead();
      // The write stays in memory and the write-behind retries it; peers hear of it once it lands.
      void this.announceWhenDurable(put, unserved);
      throw error;
    }
    stopAhead();
    this.announce(put, unserved);
  }

  /**
   * While the commit is in flight the worker mostly waits for storage: the reconciliation ids the
   * sync index will need once it is durable (the new versions' and those of the heads they
   * supersede) are computed then, in later tasks of IDS_AHEAD_SLICE versions each, so the storage
   * commit is already issued when the first runs (the write-behind starts it in a microtask).
   * Nothing is announced or indexed earlier: the ids are only kept by version (prepareVersionIds)
   * until the index takes them. Stops once the commit has settled; the index hashes whatever is
   * left itself, as before. Returns the stop.
   */
  private idsAhead(put: readonly Version[], gone: readonly Version[]): () => void {
    // The superseded heads this node wrote lately: their ids are known (idsOfBatches), at once.
    const unknown = gone.filter((h) => !this.recalledId(h));
    const scheduler = this.scheduler;
    if (scheduler === undefined || put.length + unknown.length === 0) return () => {};
    const all = unknown.length === 0 ? put : [...put, ...unknown];
    let at = 0;
    let stopped = false;
    const step = (): void => {
      if (stopped) return;
      const end = Math.min(all.length, at + IDS_AHEAD_SLICE);
      prepareVersionIds(all, at, end);
      at = end;
      if (at < all.length) later();
    };
    const later = (): void => {
      if (scheduler.soon !== undefined) scheduler.soon(step);
      else scheduler.after(0, step);
    };
    later();
    return () => {
      stopped = true;
    };
  }

  /**
   * Peers hear of a local write only once it is durable (with the clock that stamped it): a write
   * whose commit failed and that a crash then loses was never sent, so its timestamp can never
   * reach a peer with one value and be issued again with another.
   */
  private announce(put: readonly Version[], removed: readonly Version[]): void {
    const { store, listeners } = this.parts;
    // A write superseded while its commit was in flight is no longer news, unless the store keeps it
    // as evidence (core/store/evidence.ts): what it taught (an expiry's carried floor) is taught by
    // nothing else the node serves, and it is durable, as a version or in its entity's meta.
    const live = put.filter((v) => store.keeps(v));
    this.rememberIds(live);
    listeners.emit(live, 'local', removed);
  }

  /**
   * Keeps the ids of signed writes as they are announced, so the write that supersedes them finds
   * them (recalledId): one hash per version, while the commit was in flight (idsAhead) or here.
   */
  private rememberIds(versions: readonly Version[]): void {
    // A call's versions share their batch (one signature a round): looked up once a run.
    let sig: Uint8Array | undefined;
    let batch: BatchIds | undefined;
    for (const v of versions) {
      const proof = v.proof;
      if (proof?.kind !== 'path') continue;
      let key = preparedKey(v);
      if (key === undefined) {
        // Not reached while the commit was in flight: hashed here instead of in the sync index,
        // which takes it (noteVersionKey). Only where ids are computed ahead at all (a scheduler:
        // the worker, simulations), so a node without a sync index hashes nothing.
        if (this.scheduler === undefined) continue;
        key = versionIdKey(v);
        noteVersionKey(v, key);
      }
      if (proof.sig !== sig || batch === undefined) {
        sig = proof.sig;
        batch = this.batchOf(proof.sig, proof.count);
      }
      writeIdOfKey(key, batch.ids, proof.index * SYNC_ID_BYTES);
      batch.known[proof.index] = 1;
    }
  }

  /** Where the ids of the batch signed `sig` (of `count` leaves) are remembered, made room for if new. */
  private batchOf(sig: Uint8Array, count: number): BatchIds {
    let batch = this.idsOfBatches.get(sig);
    if (batch !== undefined) return batch;
    if (this.idsInGeneration + count > MAX_WRITE_MANY_COMPONENTS) {
      this.idsOfOlderBatches = this.idsOfBatches;
      this.idsOfBatches = new Map();
      this.idsInGeneration = 0;
    }
    batch = this.idsOfOlderBatches.get(sig) ?? {
      ids: new Uint8Array(count * SYNC_ID_BYTES),
      known: new Uint8Array(count),
    };
    this.idsOfBatches.set(sig, batch);
    this.idsInGeneration += count;
    return batch;
  }

  /**
   * Whether the id of `h`, a head this node wrote lately, is known (rememberIds): its proof is the
   * one its write was signed with (the store keeps proofs by reference), naming batch and leaf. If
   * so, the sync index is handed it (noteVersionKey) and need not hash `h` to remove it.
   */
  private recalledId(h: Version): boolean {
    const proof = h.proof;
    if (proof?.kind !== 'path' || h.ts.node !== this.parts.nodeId) return false;
    const batch = this.idsOfBatches.get(proof.sig) ?? this.idsOfOlderBatches.get(proof.sig);
    if (batch === undefined || batch.known[proof.index] !== 1) return false;
    noteVersionKey(h, idKey(batch.ids, proof.index * SYNC_ID_BYTES));
    return true;
  }

  private async announceWhenDurable(put: readonly Version[], removed: readonly Version[]): Promise<void> {
    // The write-behind backs off and retries; this waits for the retry that lands.
    await this.parts.writer.eventuallyDurable();
    this.announce(put, removed);
  }
}

/**
 * Why a local write of `values` to `id` stamped at `ms` would be committed and never shown, or undefined.
 * Once an expiry has fired, views show only writes made after its deadline and purge drops the
 * rest on every node (docs/architecture.md, "Expiry"); the stamp is never before the wall clock,
 * but with the wall clock exactly at the deadline it can equal it. Such a write is refused before
 * it is committed or sent (one millisecond later it would be after the deadline and revive the
 * entity). A write carrying an expiry supersedes the fired one (its context covers every expiry
 * head), so it stays shown and is not refused.
 */
function expiredAtStamp(
  store: EntityStore,
  id: EntityId,
  values: ReadonlyMap<ComponentKind, unknown>,
  ms: number,
  now: number,
): string | undefined {
  const fired = store.state(id)?.firedBy(now);
  if (fired === undefined || ms > deadlineOf(fired) || values.has(EXPIRY)) return undefined;
  return `entity ${id} expired at ${deadlineOf(fired)}, the time of this write: only a later write revives it`;
}
