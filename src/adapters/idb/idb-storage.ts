import type { IDBPTransaction } from 'idb';
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
import type { Segment } from './format';
import type { LatticeDB, LatticeIdb, UrgentRecord } from './schema';
import { inTransaction, issueAll } from './transaction';
import { readUrgent } from './urgent-record';

/** The 'state' key of the highest 'urgent' key a bulk commit has folded (schema.ts). */
export const URGENT_FOLDED = 'urgentFolded';

/** A durable priority commit not yet folded into the main stores by a bulk commit. */
interface Unfolded {
  readonly key: number;
  /** The commit's call number (IdbStorage.calls); 0 for one left by an earlier connection. */
  readonly seq: number;
  readonly record: UrgentRecord;
}

/** Read transactions that see the priority lane's unfolded records on top of the main stores. */
type OverlayStore = 'log' | 'meta' | 'entities' | 'held';
type OverlayTx = IDBPTransaction<LatticeDB, (OverlayStore | 'state' | 'urgent')[], 'readonly'>;

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
  /** Commits called so far: their order is the order they apply in (StoragePort.commit). */
  private calls = 0;
  /** Durable priority commits that no bulk commit has folded yet, in key (= call) order. */
  private unfolded: Unfolded[] = [];
  /** Priority commits in flight: a bulk commit called meanwhile waits for them. */
  private readonly urgentInFlight = new Set<Promise<void>>();
  /** Bulk commits holding the turn (see takeTurn), and the promise the next one waits for. */
  private bulkWaiting = 0;
  private bulkTurn: Promise<void> = Promise.resolve();
  /** The highest 'urgent' key known folded durably, and the highest deleted from 'urgent'. */
  private folded = 0;
  private purged = 0;

  constructor(
    private readonly db: LatticeIdb,
    readonly name: string,
    private readonly options: IdbStorageOptions = {},
  ) {
    this.trigger = new CompactionTrigger({ ...DEFAULT_COMPACTION, ...options.compaction });
  }

  /**
   * Takes over the priority commits an earlier connection left unfolded (openIdbStorage), so the
   * next bulk commit folds them before anything written from now on.
   */
  adopt(folded: number, records: readonly { key: number; record: UrgentRecord }[]): void {
    this.folded = folded;
    this.unfolded = records.map(({ key, record }) => ({ key, seq: 0, record }));
  }

  async loadVersions(): Promise<Version[]> {
    const db = this.connection('load versions');
    let segments: Segment[];
    let logged: number;
    let damagedUrgent: number;
    try {
      const [log, urgent, damaged] = await this.withOverlay(db, 'log', (tx) => tx.objectStore('log').getAll());
      logged = log.length;
      // Replayed after the whole log: each came after every commit already in it (see schema.ts).
      segments = [...log, ...urgent.flatMap((r) => r.segments)];
      damagedUrgent = damaged;
    } catch (error) {
      throw toStorageError(error, `loading versions from IndexedDB "${this.name}"`);
    }
    const live = replaySegments(segments);
    this.setAside = live.setAside + damagedUrgent;
    this.trigger.loaded(live.size, live.entries, logged);
    this.compactIfDue();
    return live.versions;
  }

  async loadEntityMeta(): Promise<EntityMeta[]> {
    const db = this.connection('load entity metas');
    try {
      const [read, urgent] = await this.withOverlay(db, 'entities', (tx) =>
        withKeys(tx.objectStore('entities').getAllKeys(), tx.objectStore('entities').getAll()),
      );
      const stored = await this.setAsideKeyless(db, 'entities', read, 'id');
      if (urgent.length === 0) return stored;
      const byId = new Map(stored.map((e) => [e.id, e]));
      for (const r of urgent) for (const e of r.entities) byId.set(e.id, e);
      return [...byId.values()];
    } catch (error) {
      throw toStorageError(error, `loading entity metas from IndexedDB "${this.name}"`);
    }
  }

  async loadHeld(): Promise<HeldRecord[]> {
    const db = this.connection('load held writes');
    try {
      const [read, urgent] = await this.withOverlay(db, 'held', (tx) =>
        withKeys(tx.objectStore('held').getAllKeys(), tx.objectStore('held').getAll()),
      );
      const stored = await this.setAsideKeyless(db, 'held', read, 'key');
      if (urgent.length === 0) return stored;
      const byKey = new Map(stored.map((h) => [h.key, h]));
      for (const r of urgent) {
        for (const h of r.hold) byKey.set(h.key, h);
        for (const key of r.unhold) byKey.delete(key);
      }
      return [...byKey.values()];
    } catch (error) {
      throw toStorageError(error, `loading held writes from IndexedDB "${this.name}"`);
    }
  }

  /**
   * The records of `store` that name what they are filed under (`field`: an entity meta's id, a
   * held write's key); those that name none are deleted here and counted in setAside. The node
   * sets aside and replaces the other damaged records by that name (docs/architecture.md: loading
   * never fails on damage), but cannot name these to storage: left in place, they would be loaded,
   * set aside and counted again at every open.
   */
  private async setAsideKeyless<T>(
    db: LatticeIdb,
    store: 'entities' | 'held',
    read: { readonly keys: readonly IDBValidKey[]; readonly records: readonly T[] },
    field: 'id' | 'key',
  ): Promise<T[]> {
    const sound: T[] = [];
    const keyless: IDBValidKey[] = [];
    read.records.forEach((r, i) => {
      const named = typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>)[field] === 'string';
      if (named) sound.push(r);
      else keyless.push(read.keys[i]!);
    });
    if (keyless.length === 0) return sound;
    this.setAside += keyless.length;
    const tx = db.transaction(store, 'readwrite');
    await inTransaction(tx, () => Promise.all(keyless.map((k) => tx.objectStore(store).delete(k as string))));
    return sound;
  }

  async getMeta(key: string): Promise<JsonValue | undefined> {
    const db = this.connection('read metadata');
    try {
      const [stored, urgent] = await this.withOverlay(db, 'meta', (tx) => tx.objectStore('meta').get(key));
      let value = stored;
      for (const r of urgent) for (const [k, v] of r.meta) if (k === key) value = v;
      return value;
    } catch (error) {
      throw toStorageError(error, `reading metadata ${JSON.stringify(key)} from IndexedDB "${this.name}"`);
    }
  }

  /**
   * Reads `store` and the unfolded priority records (newest last) in one transaction, so a bulk
   * commit folding them lands either wholly before the read or wholly after it; answers also how
   * many of those records were damaged.
   */
  private async withOverlay<S extends OverlayStore, T>(
    db: LatticeIdb,
    store: S,
    read: (tx: OverlayTx) => Promise<T>,
  ): Promise<[T, UrgentRecord[], number]> {
    // Typed as the widest scope: `read` touches `store` only.
    const tx = db.transaction([store, 'state', 'urgent'], 'readonly') as unknown as OverlayTx;
    return inTransaction(tx, async () => {
      const urgent = tx.objectStore('urgent');
      const [value, folded, keys, records] = await Promise.all([
        read(tx),
        tx.objectStore('state').get(URGENT_FOLDED),
        urgent.getAllKeys(),
        urgent.getAll(),
      ]);
      const after = folded ?? 0;
      // A damaged record is read as what it holds that can be used (urgent-record.ts), and counted.
      const unfolded = records.filter((_, i) => keys[i]! > after).map(readUrgent);
      return [value, unfolded.map((r) => r.record), unfolded.filter((r) => r.damaged).length];
    });
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
    const seq = ++this.calls;
    const what = `committing ${batch.put.length} puts and ${batch.remove.length} removals to IndexedDB "${this.name}"`;
    // Encoding validates every value before a transaction exists, so a bad value changes nothing.
    const record: UrgentRecord = {
      segments: encodeSegments(batch.put, batch.remove),
      meta: Object.entries(batch.meta ?? {}),
      entities: [...(batch.entityMeta ?? [])],
      hold: [...(batch.hold ?? [])],
      unhold: [...(batch.unhold ?? [])],
    };
    if (isEmpty(record)) return;
    if (batch.priority === true) return this.commitUrgent(db, seq, record, what);
    return this.commitBulk(db, seq, record, what);
  }

  /**
   * A priority commit: one record in 'urgent', a store no bulk transaction has in its scope, so it
   * does not wait for the bulk commit in flight. It also deletes the records bulk commits have folded.
   */
  private async commitUrgent(db: LatticeIdb, seq: number, record: UrgentRecord, what: string): Promise<void> {
    const done = (async () => {
      const purge = this.folded;
      let key: number;
      try {
        const tx = db.transaction('urgent', 'readwrite');
        const store = tx.objectStore('urgent');
        const requests: (() => Promise<unknown>)[] = [() => store.add(record)];
        if (purge > this.purged) requests.push(() => store.delete(IDBKeyRange.upperBound(purge)));
        key = (await inTransaction(tx, () => issueAll(requests)))[0] as number;
      } catch (error) {
        throw toStorageError(error, what);
      }
      this.purged = Math.max(this.purged, purge);
      // In key order: transactions over one store complete in the order they were created.
      this.unfolded.push({ key, seq, record });
    })();
    this.urgentInFlight.add(done);
    try {
      await done;
    } finally {
      this.urgentInFlight.delete(done);
    }
  }

  /**
   * A bulk commit: one readwrite transaction for the whole batch, IndexedDB applies all of it or
   * none of it. Called while priority commits are in flight, it waits for them (they apply before
   * it), and it first folds every durable priority commit called before it into the main stores.
   *
   * Durability is left at the browser's default. In Chromium that behaves as 'relaxed': the commit
   * is reported once the data is in the browser's storage layer, before an fsync, so a killed tab
   * or browser loses nothing, but an OS crash or power cut may drop the last transactions (never
   * half of one). 'strict' closes that gap at a cost per transaction: measured here, one-record
   * transactions took 1.1 ms (default), 1.2 ms (relaxed), 2.7 ms (strict); Chromium's own test
   * measured strict ~20x slower over 1,000 transactions. The write-behind's group commit keeps
   * transactions few and large, so either cost is amortised over many versions.
   */
  private async commitBulk(db: LatticeIdb, seq: number, own: UrgentRecord, what: string): Promise<void> {
    const urgent = [...this.urgentInFlight];
    const wait = urgent.length > 0 || this.bulkWaiting > 0;
    // A commit that may fold holds the turn until it settles: the next one must know whether the
    // records it folds are folded (else it would fold them again, after this one's newer writes).
    const turn = wait || this.unfolded.length > 0 ? this.takeTurn(urgent) : undefined;
    let results: unknown[];
    let folding: Unfolded[];
    try {
      try {
        if (wait) await turn!.ready;
        folding = this.unfolded.filter((u) => u.seq < seq);
        const records = [...folding.map((u) => u.record), own];
        const stores = ['log', 'meta', 'entities', 'held', 'state'] as const;
        const tx = db.transaction(folding.length > 0 ? [...stores] : ['log', 'meta', 'entities', 'held'], 'readwrite');
        if (folding.length === 0) turn?.release();
        const log = tx.objectStore('log');
        const metaStore = tx.objectStore('meta');
        const entityStore = tx.objectStore('entities');
        const heldStore = tx.objectStore('held');
        const requests: (() => Promise<unknown>)[] = [];
        // The segments first (their keys are the results the trigger wants), each record in order.
        for (const r of records) for (const seg of r.segments) requests.push(() => log.add(seg));
        for (const r of records) {
          for (const [key, value] of r.meta) requests.push(() => metaStore.put(value, key));
          for (const e of r.entities) requests.push(() => entityStore.put(e, e.id));
          for (const h of r.hold) requests.push(() => heldStore.put(h, h.key));
          for (const key of r.unhold) requests.push(() => heldStore.delete(key));
        }
        const last = folding[folding.length - 1]?.key;
        if (last !== undefined) {
          requests.push(() => (tx as unknown as StateTx).objectStore('state').put(last, URGENT_FOLDED));
        }
        results = await inTransaction(tx, () => issueAll(requests));
        if (last !== undefined) {
          this.folded = Math.max(this.folded, last);
          this.unfolded = this.unfolded.filter((u) => !folding.includes(u));
        }
      } finally {
        turn?.release();
      }
    } catch (error) {
      throw toStorageError(error, what);
    }
    const all = [...folding.map((u) => u.record), own];
    const segments = all.reduce((n, r) => n + r.segments.length, 0);
    let puts = 0;
    let removes = 0;
    for (const r of all) {
      for (const seg of r.segments) {
        puts += seg.n;
        removes += seg.r;
      }
    }
    this.trigger.committed(results.slice(0, segments) as number[], puts, removes);
    this.compactIfDue();
  }

  /**
   * A bulk commit's turn: after the priority commits in flight when it was called (`urgent`) and
   * after the bulk commits called before it have created their transactions (or, if they fold
   * priority records, settled), so bulk commits keep their call order. `release` is idempotent.
   */
  private takeTurn(urgent: readonly Promise<void>[]): { ready: Promise<unknown>; release: () => void } {
    const previous = this.bulkTurn;
    let open!: () => void;
    this.bulkTurn = new Promise<void>((resolve) => (open = resolve));
    this.bulkWaiting += 1;
    let done = false;
    return {
      // A failed priority commit applies nothing: the bulk commit goes ahead all the same.
      ready: Promise.all([previous, ...urgent.map((p) => p.catch(() => undefined))]),
      release: () => {
        if (done) return;
        done = true;
        this.bulkWaiting -= 1;
        open();
      },
    };
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
    // Commits called before close create their transactions first (a bulk one may wait its turn).
    await this.bulkTurn;
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

function isEmpty(r: UrgentRecord): boolean {
  return r.segments.length + r.meta.length + r.entities.length + r.hold.length + r.unhold.length === 0;
}

/** The bulk transaction's scope holds 'state' only when it folds priority records. */
type StateTx = IDBPTransaction<LatticeDB, ['state'], 'readwrite'>;

/** getAll and getAllKeys of one store in one transaction, side by side (the same order). */
async function withKeys<T>(
  keys: Promise<IDBValidKey[]>,
  records: Promise<T[]>,
): Promise<{ readonly keys: IDBValidKey[]; readonly records: T[] }> {
  const [k, r] = await Promise.all([keys, records]);
  return { keys: k, records: r };
}
