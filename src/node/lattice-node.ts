import { Hlc } from '../core/clock/hlc';
import { decodeTs, encodeTs, type Timestamp } from '../core/clock/timestamp';
import { asEntityId, asUserKind, type NodeId } from '../core/ids';
import { DELETED, type Version } from '../core/merge/version';
import { EntityStore } from '../core/store/entity-store';
import type { EntityView } from '../core/store/entity-view';
import { validateQuery } from '../core/store/query';
import { versionKey, type StoragePort } from '../ports/storage';
import type { FusionSettings, FusionStatsView, SimulateOptions, TruthView } from './c2-api';
import { C2Pipeline, FUSION_META } from './c2-pipeline';
import { ChangeFeed, type Schedule } from './change-feed';
import { LocalWrites } from './local-writes';
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
import { CLOCK_META, type NodeParts } from './node-parts';
import { NodeCounters } from './node-stats';
import { RemoteMerge } from './remote-merge';
import type { Scheduler } from './scheduler';
import { SkewHold } from './skew-hold';
import { StorageHealth } from './storage-health';
import { VersionListeners, type VersionListener } from './version-listeners';
import { WriteBehind } from './write-behind';

export type { VersionListener, VersionOrigin } from './version-listeners';

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
  /** Timers for the simulation runner; without them simulate() is refused. */
  readonly scheduler?: Scheduler;
  readonly log?: (message: string, detail?: unknown) => void;
}

/**
 * A running node: the pure store and clock, persisted through a storage port, with batched change
 * notification. It owns no timers: the host calls tick() periodically. The write paths live in
 * LocalWrites and RemoteMerge; this is the facade the worker and the mesh hold.
 */
export class LatticeNode implements NodeApi {
  readonly nodeId: NodeId;
  readonly lattice: string;
  private readonly parts: NodeParts;
  private readonly health: StorageHealth;
  private readonly local: LocalWrites;
  private readonly remote: RemoteMerge;
  private readonly c2: C2Pipeline;

  private constructor(
    private readonly options: LatticeNodeOptions,
    last: Timestamp | undefined,
  ) {
    this.nodeId = options.nodeId;
    this.lattice = options.lattice;
    const log = (message: string, detail?: unknown): void => options.log?.(message, detail);
    const store = new EntityStore();
    const health = new StorageHealth(options.backend, log);
    this.health = health;
    this.parts = {
      nodeId: options.nodeId,
      store,
      clock: new Hlc({
        node: options.nodeId,
        now: options.now,
        ...(options.maxSkewMs === undefined ? {} : { maxSkewMs: options.maxSkewMs }),
        ...(last === undefined ? {} : { last }),
      }),
      writer: new WriteBehind(options.storage, { onStatus: (state, message) => health.report(state, message) }),
      feed: new ChangeFeed(
        options.scheduleChanges,
        (id) => store.view(id, options.now()),
        (error) => log('change listener failed', error),
      ),
      listeners: new VersionListeners((error) => log('version listener failed', error)),
      hold: new SkewHold(),
      counters: new NodeCounters(),
      now: options.now,
      log,
    };
    this.local = new LocalWrites(this.parts, options.newId);
    this.remote = new RemoteMerge(this.parts);
    this.c2 = new C2Pipeline(this.parts, this.local, options.scheduler);
  }

  /** Opens a node over its storage: reloads every version and restores the clock. */
  static async open(options: LatticeNodeOptions): Promise<LatticeNode> {
    const savedClock = await options.storage.getMeta(CLOCK_META);
    const last = typeof savedClock === 'string' ? decodeTs(savedClock) : undefined;
    const node = new LatticeNode(options, last);
    const { store, clock } = node.parts;
    const versions = await options.storage.loadVersions();
    let latest = clock.last;
    for (const v of versions) {
      store.apply(v);
      if (v.ts.ms > latest.ms || (v.ts.ms === latest.ms && v.ts.c > latest.c)) latest = v.ts;
    }
    // Never issue a timestamp at or below one already stored, whatever the wall clock says.
    clock.force(latest);
    node.c2.load(await options.storage.getMeta(FUSION_META));
    return node;
  }

  private now(): number {
    return this.options.now();
  }

  private status(): StorageStatus {
    return this.health.status(this.parts.writer.pending);
  }

  /** Storage trouble the adapter reports outside a commit (e.g. IndexedDB closed by another tab's upgrade). */
  reportStorage(state: StorageStatus['state'], message: string): void {
    this.health.report(state, message);
  }

  async info(): Promise<NodeInfo> {
    return { nodeId: this.nodeId, lattice: this.lattice, storage: this.status(), held: this.parts.hold.summary() };
  }

  create(input: CreateInput): Promise<EntityView> {
    return this.local.create(input);
  }

  update(id: string, components: Readonly<Record<string, unknown>>, options?: UpdateOptions): Promise<EntityView> {
    return this.local.update(id, components, options);
  }

  remove(id: string): Promise<void> {
    return this.local.remove(id);
  }

  /**
   * Merges versions from a peer. Writes from a clock too far ahead are held, not applied.
   * Returns the versions that changed the store (to relay onwards).
   *
   * Only the caller can relay them: the MeshNode pushes on what a sync session's `versions` event
   * reports, and ignores `remote` versions it hears from the node, because only the session knows
   * the link they came by. Versions merged here outside a session (a test, an import) are therefore
   * not pushed live; they join the sync index and reach peers at the next reconciliation.
   */
  applyRemote(versions: readonly Version[]): Version[] {
    return this.remote.apply(versions);
  }

  async acceptHeld(author: string): Promise<number> {
    return this.remote.acceptHeld(author as NodeId);
  }

  /** Periodic housekeeping by the host: release held writes whose time has come, purge expired entities. */
  tick(): void {
    this.remote.releaseDue();
    this.c2.tick();
    const { store, feed, listeners, writer, log } = this.parts;
    const purged = store.purgeExpired(this.now());
    if (purged.length === 0) return;
    for (const v of purged) feed.mark(v.entity);
    listeners.emit([], 'expired', purged);
    writer
      .enqueue(
        [],
        purged.map((v) => versionKey(v)),
      )
      .catch((error: unknown) => log('purging expired entities failed', error));
  }

  async get(id: string): Promise<EntityView | undefined> {
    return this.c2.get(asEntityId(id));
  }

  async list(filter?: unknown): Promise<EntityView[]> {
    return this.c2.list(validateQuery(filter));
  }

  async heads(id: string, kind: string): Promise<HeadView[]> {
    const eid = asEntityId(id);
    const k = kind === DELETED ? DELETED : asUserKind(kind);
    return this.parts.store.heads(eid, k).map((h) => ({
      value: h.value,
      version: encodeTs(h.ts),
      author: h.ts.node,
      time: h.ts.ms,
      seen: h.seen.map(encodeTs),
    }));
  }

  async stats(): Promise<NodeStats> {
    const { store, hold, counters } = this.parts;
    return counters.stats({ nodeId: this.nodeId, store, now: this.now(), storage: this.status(), hold });
  }

  /** Batched entity changes, for the UI. */
  watch(listener: (batch: ChangeBatch) => void): () => void {
    return this.c2.watch(listener);
  }

  simulate(options: SimulateOptions): Promise<void> {
    return this.c2.simulate(options);
  }

  stopSimulation(): Promise<void> {
    return this.c2.stopSimulation();
  }

  simulationTruth(): Promise<TruthView[]> {
    return this.c2.simulationTruth();
  }

  setFusion(settings: FusionSettings): Promise<void> {
    return this.c2.setFusion(settings);
  }

  fusionStats(): Promise<FusionStatsView> {
    return this.c2.fusionStats();
  }

  /** Every version that changed the store, and every version that left it, for replication. */
  onVersions(listener: VersionListener): () => void {
    return this.parts.listeners.add(listener);
  }

  /** All stored versions (for anti-entropy). */
  versions(): IterableIterator<Version> {
    return this.parts.store.versions();
  }

  /** Resolves once everything written so far is persisted. */
  flushed(): Promise<void> {
    return this.parts.writer.flushed();
  }

  async close(): Promise<void> {
    this.c2.stop();
    await this.parts.writer.flushed().catch(() => undefined);
    await this.options.storage.close();
    this.health.closed();
  }
}
