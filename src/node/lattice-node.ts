import { Hlc } from '../core/clock/hlc';
import { decodeTs, encodeTs, type Timestamp } from '../core/clock/timestamp';
import { NotFoundError, ValidationError } from '../core/errors';
import { asEntityId, asUserKind, type EntityId, type NodeId } from '../core/ids';
import { DELETED, type Version } from '../core/merge/version';
import { EntityStore } from '../core/store/entity-store';
import type { EntityView } from '../core/store/entity-view';
import { validateQuery } from '../core/store/query';
import { versionKey, type StoragePort } from '../ports/storage';
import { ChangeFeed, type Schedule } from './change-feed';
import { checkWrite, stampWrite } from './local-write';
import type {
  ChangeBatch,
  CreateInput,
  HeadView,
  NodeApi,
  NodeInfo,
  NodeStats,
  StorageStatus,
  UpdateOptions,
} from './node-api';
import { SkewHold } from './skew-hold';
import { WriteBehind } from './write-behind';

export interface LatticeNodeOptions {
  readonly nodeId: NodeId;
  readonly lattice: string;
  readonly storage: StoragePort;
  readonly backend: StorageStatus['backend'];
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  /** New entity ids (randomness is injected). */
  readonly newId: () => string;
  /** When to deliver change batches to watchers (e.g. a 16 ms timer). */
  readonly scheduleChanges: Schedule;
  readonly maxSkewMs?: number;
  readonly log?: (message: string, detail?: unknown) => void;
}

/**
 * Where versions came from: written here, merged from a peer by applyRemote, a peer's write held
 * for clock skew and released later (no peer is at hand then), or purged on expiry.
 */
export type VersionOrigin = 'local' | 'remote' | 'released' | 'expired';
/**
 * `versions` changed the store; `removed` left it (superseded by a merge, dropped by a tombstone,
 * or purged on expiry: origin 'expired'), so a sync index can follow the stored set exactly.
 */
export type VersionListener = (
  versions: readonly Version[],
  origin: VersionOrigin,
  removed: readonly Version[],
) => void;

const CLOCK_META = 'clock';

/**
 * A running node: the pure store and clock, persisted through a storage port, with batched change
 * notification. It owns no timers: the host calls tick() periodically.
 */
export class LatticeNode implements NodeApi {
  readonly nodeId: NodeId;
  readonly lattice: string;
  private readonly store = new EntityStore();
  private readonly clock: Hlc;
  private readonly writer: WriteBehind;
  private readonly feed: ChangeFeed;
  private readonly hold = new SkewHold();
  private readonly versionListeners = new Set<VersionListener>();
  private storageStatus: StorageStatus;
  private readonly counts = { local: 0, remote: 0, duplicate: 0, obsolete: 0 };
  private readonly rejected: Record<string, number> = {};

  private constructor(
    private readonly options: LatticeNodeOptions,
    last: Timestamp | undefined,
  ) {
    this.nodeId = options.nodeId;
    this.lattice = options.lattice;
    this.clock = new Hlc({
      node: options.nodeId,
      now: options.now,
      ...(options.maxSkewMs === undefined ? {} : { maxSkewMs: options.maxSkewMs }),
      ...(last === undefined ? {} : { last }),
    });
    this.storageStatus = { state: 'ok', backend: options.backend, pending: 0 };
    this.writer = new WriteBehind(options.storage, {
      onStatus: (state, message) => {
        this.storageStatus = { state, backend: options.backend, pending: 0, ...(message ? { message } : {}) };
        if (state !== 'ok') this.log(`storage ${state}`, message);
      },
    });
    this.feed = new ChangeFeed(
      options.scheduleChanges,
      (id) => this.store.view(id, options.now()),
      (error) => this.log('change listener failed', error),
    );
  }

  /** Opens a node over its storage: reloads every version and restores the clock. */
  static async open(options: LatticeNodeOptions): Promise<LatticeNode> {
    const savedClock = await options.storage.getMeta(CLOCK_META);
    const last = typeof savedClock === 'string' ? decodeTs(savedClock) : undefined;
    const node = new LatticeNode(options, last);
    const versions = await options.storage.loadVersions();
    let latest = node.clock.last;
    for (const v of versions) {
      node.store.apply(v);
      if (v.ts.ms > latest.ms || (v.ts.ms === latest.ms && v.ts.c > latest.c)) latest = v.ts;
    }
    // Never issue a timestamp at or below one already stored, whatever the wall clock says.
    node.clock.force(latest);
    return node;
  }

  private log(message: string, detail?: unknown): void {
    this.options.log?.(message, detail);
  }

  private count(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  private now(): number {
    return this.options.now();
  }

  /** Storage trouble the adapter reports outside a commit (e.g. IndexedDB closed by another tab's upgrade). */
  reportStorage(state: StorageStatus['state'], message: string): void {
    this.storageStatus = { state, backend: this.options.backend, pending: 0, message };
    this.log(`storage ${state}`, message);
  }

  async info(): Promise<NodeInfo> {
    return { nodeId: this.nodeId, lattice: this.lattice, storage: this.status(), held: this.hold.summary() };
  }

  private status(): StorageStatus {
    return { ...this.storageStatus, pending: this.writer.pending };
  }

  async create(input: CreateInput): Promise<EntityView> {
    if (typeof input !== 'object' || input === null) throw new ValidationError('create: expected {id?, components}');
    const id = asEntityId(input.id ?? this.options.newId());
    if (this.store.view(id, this.now()) !== undefined) throw new ValidationError(`entity ${id} already exists`);
    return this.write(id, input.components, undefined);
  }

  async update(
    id: string,
    components: Readonly<Record<string, unknown>>,
    options?: UpdateOptions,
  ): Promise<EntityView> {
    const eid = asEntityId(id);
    if (this.store.view(eid, this.now()) === undefined) throw new NotFoundError(`entity ${eid} does not exist`);
    return this.write(eid, components, options);
  }

  private async write(id: EntityId, components: unknown, options: UpdateOptions | undefined): Promise<EntityView> {
    let values;
    try {
      values = checkWrite(this.store, id, components, options);
    } catch (error) {
      this.count(error instanceof Error ? error.name : 'error');
      throw error;
    }
    const versions = stampWrite(this.store, id, values, this.clock.now(), this.nodeId);
    await this.commitLocal(versions);
    const view = this.store.view(id, this.now());
    if (view === undefined) throw new NotFoundError(`entity ${id} expired as it was written`);
    return view;
  }

  async remove(id: string): Promise<void> {
    const eid = asEntityId(id);
    if (this.store.view(eid, this.now()) === undefined) throw new NotFoundError(`entity ${eid} does not exist`);
    const ts = this.clock.now();
    const versions = stampWrite(this.store, eid, new Map([[DELETED, null]]), ts, this.nodeId);
    await this.commitLocal(versions);
  }

  private async commitLocal(versions: Version[]): Promise<void> {
    const put: Version[] = [];
    const remove: string[] = [];
    const removed: Version[] = [];
    for (const v of versions) {
      const out = this.store.apply(v);
      if (out.kind !== 'applied') continue;
      put.push(v);
      for (const r of out.removed) remove.push(versionKey(r));
      removed.push(...out.removed);
      this.feed.mark(v.entity);
    }
    this.counts.local += put.length;
    try {
      await this.writer.enqueue(put, remove, { [CLOCK_META]: encodeTs(this.clock.last) });
    } finally {
      // Peers hear of a local write only once it is durable (with the clock that stamped it): a tab
      // killed before the commit can then never reissue a timestamp a peer already holds. A write
      // superseded while its commit was in flight is no longer news.
      const live = put.filter((v) => this.store.heads(v.entity, v.kind).includes(v));
      this.emitVersions(live, 'local', removed);
    }
  }

  /**
   * Merges versions from a peer. Writes from a clock too far ahead are held, not applied.
   * Returns the versions that changed the store (to relay onwards).
   */
  applyRemote(versions: readonly Version[]): Version[] {
    return this.mergeRemote(versions, 'remote');
  }

  private mergeRemote(versions: readonly Version[], origin: 'remote' | 'released'): Version[] {
    const applied: Version[] = [];
    const remove: string[] = [];
    const removed: Version[] = [];
    for (const v of versions) {
      const seen = this.clock.observe(v.ts);
      if (!seen.ok) {
        this.hold.hold(v, seen.skewMs);
        this.count('clock-skew-held');
        continue;
      }
      this.mergeOne(v, applied, remove, removed);
    }
    this.persistRemote(applied, remove, removed, origin);
    return applied;
  }

  private mergeOne(v: Version, applied: Version[], remove: string[], removed: Version[]): void {
    const out = this.store.apply(v);
    switch (out.kind) {
      case 'applied':
        applied.push(v);
        for (const r of out.removed) remove.push(versionKey(r));
        removed.push(...out.removed);
        this.feed.mark(v.entity);
        this.counts.remote += 1;
        return;
      case 'duplicate':
        this.counts.duplicate += 1;
        return;
      case 'obsolete':
        this.counts.obsolete += 1;
        return;
      default: {
        const never: never = out;
        throw new Error(`unexpected merge outcome ${String(never)}`);
      }
    }
  }

  private persistRemote(applied: Version[], remove: string[], removed: Version[], origin: 'remote' | 'released'): void {
    if (applied.length === 0 && remove.length === 0) return;
    this.emitVersions(applied, origin, removed);
    this.writer.enqueue(applied, remove, { [CLOCK_META]: encodeTs(this.clock.last) }).catch((error: unknown) => {
      this.log('persisting remote versions failed', error);
    });
  }

  private emitVersions(versions: readonly Version[], origin: VersionOrigin, removed: readonly Version[]): void {
    if (versions.length === 0 && removed.length === 0) return;
    for (const listener of this.versionListeners) {
      try {
        listener(versions, origin, removed);
      } catch (error) {
        this.log('version listener failed', error);
      }
    }
  }

  /** Periodic housekeeping by the host: release held writes whose time has come, purge expired entities. */
  tick(): void {
    const due = this.hold.releaseDue(this.clock);
    if (due.length > 0) this.mergeRemote(due, 'released');
    const purged = this.store.purgeExpired(this.now());
    if (purged.length === 0) return;
    for (const v of purged) this.feed.mark(v.entity);
    this.emitVersions([], 'expired', purged);
    this.writer
      .enqueue(
        [],
        purged.map((v) => versionKey(v)),
      )
      .catch((error: unknown) => this.log('purging expired entities failed', error));
  }

  async acceptHeld(author: string): Promise<number> {
    const versions = this.hold.releaseAuthor(author as NodeId);
    const applied: Version[] = [];
    const remove: string[] = [];
    const removed: Version[] = [];
    for (const v of versions) {
      this.clock.force(v.ts);
      this.mergeOne(v, applied, remove, removed);
    }
    this.persistRemote(applied, remove, removed, 'released');
    return versions.length;
  }

  async get(id: string): Promise<EntityView | undefined> {
    return this.store.view(asEntityId(id), this.now());
  }

  async list(filter?: unknown): Promise<EntityView[]> {
    return this.store.list(this.now(), validateQuery(filter));
  }

  async heads(id: string, kind: string): Promise<HeadView[]> {
    const eid = asEntityId(id);
    const k = kind === DELETED ? DELETED : asUserKind(kind);
    return this.store.heads(eid, k).map((h) => ({
      value: h.value,
      version: encodeTs(h.ts),
      author: h.ts.node,
      time: h.ts.ms,
      seen: h.seen.map(encodeTs),
    }));
  }

  async stats(): Promise<NodeStats> {
    const views = this.store.list(this.now());
    return {
      nodeId: this.nodeId,
      entities: views.length,
      versions: this.store.size,
      conflicts: views.reduce((n, v) => n + (v.conflicts.length > 0 ? 1 : 0), 0),
      storage: this.status(),
      writes: { ...this.counts },
      rejected: {
        ...this.rejected,
        ...(this.hold.overflowed > 0 ? { 'clock-skew-overflow': this.hold.overflowed } : {}),
      },
      held: this.hold.summary(),
    };
  }

  /** Batched entity changes, for the UI. */
  watch(listener: (batch: ChangeBatch) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /** Every version that changed the store, and every version that left it, for replication. */
  onVersions(listener: VersionListener): () => void {
    this.versionListeners.add(listener);
    return () => this.versionListeners.delete(listener);
  }

  /** All stored versions (for anti-entropy). */
  versions(): IterableIterator<Version> {
    return this.store.versions();
  }

  /** Resolves once everything written so far is persisted. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  async close(): Promise<void> {
    await this.writer.flushed().catch(() => undefined);
    await this.options.storage.close();
    this.storageStatus = { state: 'closed', backend: this.options.backend, pending: 0 };
  }
}
