import type { JsonValue } from '../../core/entity/component-types';
import type { Version } from '../../core/merge/version';
import type { EntityMeta, HeldRecord, StorageBatch, StoragePort } from '../../ports/storage';
import { compactLog } from './compaction';
import {
  CompactionTrigger,
  DEFAULT_COMPACTION,
  type CompactionPlan,
  type CompactionPolicy,
} from './compaction-trigger';
import { encodeSegments } from './encode';
import { closedError, toStorageError, type ClosedReason } from './errors';
import { replaySegments } from './replay';
import type { LatticeIdb } from './schema';
import { inTransaction, issueAll } from './transaction';

/** Things that happen to the connection outside any call: shown to the operator, never dropped. */
export type IdbStorageEvent =
  | { readonly type: 'blocked'; readonly message: string }
  | { readonly type: 'closed'; readonly reason: 'blocking' | 'terminated'; readonly message: string }
  | { readonly type: 'compaction-failed'; readonly error: Error; readonly message: string };

export interface IdbStorageOptions {
  readonly onEvent?: (event: IdbStorageEvent) => void;
  readonly compaction?: Partial<CompactionPolicy>;
}

/**
 * StoragePort over IndexedDB (idb 8): versions in an append-only log of columnar segments
 * (format.ts; schema.ts for why), metadata in a key-value store. Each commit is one transaction.
 * Garbage (superseded and removed entries) is compacted away in the background (compaction.ts).
 */
export class IdbStorage implements StoragePort {
  private state: ClosedReason | 'open' = 'open';
  /** Records the last load could not read (see replaySegments). */
  setAside = 0;
  private dbClosed = false;
  private readonly trigger: CompactionTrigger;
  /** The compaction the trigger started, until it settles. */
  private compaction: Promise<void> | undefined;
  /** Whatever compaction job is running (started by the trigger or by a call to compact()). */
  private job: Promise<unknown> | undefined;
  /** What the next compact() does: what the trigger asked for, else the whole log. */
  private planned: CompactionPlan | undefined;
  /** Whether the last compaction did its job (not stopped by another connection's). */
  private progressed = false;

  constructor(
    private readonly db: LatticeIdb,
    readonly name: string,
    private readonly options: IdbStorageOptions = {},
  ) {
    this.trigger = new CompactionTrigger({ ...DEFAULT_COMPACTION, ...options.compaction });
  }

  async loadVersions(): Promise<Version[]> {
    const db = this.connection('load versions');
    let segments;
    try {
      segments = await db.getAll('log');
    } catch (error) {
      throw toStorageError(error, `loading versions from IndexedDB "${this.name}"`);
    }
    const live = replaySegments(segments);
    this.setAside = live.setAside;
    this.trigger.loaded(live.size, live.entries, segments.length);
    this.compactIfDue();
    return live.versions;
  }

  async loadEntityMeta(): Promise<EntityMeta[]> {
    const db = this.connection('load entity metas');
    try {
      return await db.getAll('entities');
    } catch (error) {
      throw toStorageError(error, `loading entity metas from IndexedDB "${this.name}"`);
    }
  }

  async loadHeld(): Promise<HeldRecord[]> {
    const db = this.connection('load held writes');
    try {
      return await db.getAll('held');
    } catch (error) {
      throw toStorageError(error, `loading held writes from IndexedDB "${this.name}"`);
    }
  }

  async getMeta(key: string): Promise<JsonValue | undefined> {
    const db = this.connection('read metadata');
    try {
      return await db.get('meta', key);
    } catch (error) {
      throw toStorageError(error, `reading metadata ${JSON.stringify(key)} from IndexedDB "${this.name}"`);
    }
  }

  /**
   * One readwrite transaction for the whole batch: IndexedDB applies all of it or none of it.
   *
   * Durability is left at the browser's default. In Chromium that behaves as 'relaxed': the commit
   * is reported once the data is in the browser's storage layer, before an fsync, so a killed tab
   * or browser loses nothing, but an OS crash or power cut may drop the last transactions (never
   * half of one). 'strict' closes that gap at a cost per transaction: measured here, one-record
   * transactions took 1.1 ms (default), 1.2 ms (relaxed), 2.7 ms (strict); Chromium's own test
   * measured strict ~20x slower over 1,000 transactions. The write-behind's group commit keeps
   * transactions few and large, so either cost is amortised over many versions.
   */
  async commit(batch: StorageBatch): Promise<void> {
    const db = this.connection('commit');
    const what = `committing ${batch.put.length} puts and ${batch.remove.length} removals to IndexedDB "${this.name}"`;
    // Encoding validates every value before a transaction exists, so a bad value changes nothing.
    const segments = encodeSegments(batch.put, batch.remove);
    const meta = Object.entries(batch.meta ?? {});
    const entities = batch.entityMeta ?? [];
    const hold = batch.hold ?? [];
    const unhold = batch.unhold ?? [];
    if (segments.length === 0 && meta.length === 0 && entities.length === 0 && hold.length + unhold.length === 0) {
      return;
    }
    let results: unknown[];
    try {
      const tx = db.transaction(['log', 'meta', 'entities', 'held'], 'readwrite');
      const log = tx.objectStore('log');
      const metaStore = tx.objectStore('meta');
      const entityStore = tx.objectStore('entities');
      const heldStore = tx.objectStore('held');
      const requests: (() => Promise<unknown>)[] = segments.map((s) => () => log.add(s));
      for (const [key, value] of meta) requests.push(() => metaStore.put(value, key));
      for (const e of entities) requests.push(() => entityStore.put(e, e.id));
      for (const h of hold) requests.push(() => heldStore.put(h, h.key));
      for (const key of unhold) requests.push(() => heldStore.delete(key));
      results = await inTransaction(tx, () => issueAll(requests));
    } catch (error) {
      throw toStorageError(error, what);
    }
    this.trigger.committed(results.slice(0, segments.length) as number[], batch.put.length, batch.remove.length);
    this.compactIfDue();
  }

  /**
   * Compacts now: the whole log when called directly (tests), or the part the trigger chose when it
   * runs by itself. Waits for a compaction already running first. Commits proceed meanwhile; each
   * waits at most for one of the job's short transactions (see compaction.ts).
   */
  async compact(): Promise<void> {
    const db = this.connection('compact');
    while (this.job !== undefined) await this.job.catch(() => undefined);
    const plan = this.planned ?? { kind: 'full' };
    this.planned = undefined;
    const before = this.trigger.snapshot();
    const job = compactLog(db, plan);
    this.job = job;
    this.progressed = false;
    try {
      const outcome = await job;
      if (outcome !== undefined) this.trigger.compacted(plan, before, outcome);
      this.progressed = outcome !== undefined;
    } catch (error) {
      throw toStorageError(error, `compacting IndexedDB "${this.name}"`);
    } finally {
      this.job = undefined;
    }
  }

  /** Waits for a running compaction, then closes; calls after this reject. Running transactions complete. */
  async close(): Promise<void> {
    if (this.state === 'open') this.state = 'closed';
    // A running compaction finishes its job first: a few short transactions, and work between them.
    await this.compaction;
    await this.job?.catch(() => undefined);
    this.closeDb();
  }

  /** The connection was taken from us (another tab upgrades or deletes the database, or the browser ended it). */
  lost(reason: 'blocking' | 'terminated'): void {
    if (this.state !== 'open') {
      // Closing already, perhaps waiting for a compaction: let the other connection through now.
      if (reason === 'blocking') this.closeDb();
      return;
    }
    this.state = reason;
    // Closing at once lets the other tab's upgrade or delete proceed instead of being blocked by us.
    if (reason === 'blocking') this.closeDb();
    this.emit({ type: 'closed', reason, message: closedError(this.name, reason, 'continue').message });
  }

  private emit(event: IdbStorageEvent): void {
    if (this.options.onEvent !== undefined) this.options.onEvent(event);
    else console.warn(`[idb-storage] ${event.message}`);
  }

  private closeDb(): void {
    if (this.dbClosed) return;
    this.dbClosed = true;
    this.db.close();
  }

  private compactIfDue(): void {
    if (this.compaction !== undefined || this.job !== undefined || this.state !== 'open') return;
    const plan = this.trigger.next();
    if (plan === undefined) return;
    this.planned = plan;
    let failed = false;
    this.compaction = this.compact()
      .catch((error: unknown) => {
        failed = true;
        // The log means the same after every step of a job, so a failed one leaves only garbage behind.
        if (this.state !== 'open') return; // closed under it: nothing to report
        const err = error instanceof Error ? error : new Error(String(error));
        this.emit({ type: 'compaction-failed', error: err, message: err.message });
      })
      .finally(() => {
        this.compaction = undefined;
        // More may be due already (commits landed meanwhile). After a failure, or a job another
        // connection's compaction cut short, wait for the next commit instead of retrying at once.
        if (!failed && this.progressed) this.compactIfDue();
      });
  }

  private connection(op: string): LatticeIdb {
    if (this.state !== 'open') throw closedError(this.name, this.state, op);
    return this.db;
  }
}
