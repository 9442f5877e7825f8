import type { JsonValue } from '../core/entity/component-types';
import type { Version } from '../core/merge/version';
import { backoffDelay, type BackoffPolicy } from '../core/retry/backoff';
import type { WriteLane } from './write-lane';
import {
  entityOfKey,
  StorageFullError,
  versionKey,
  type EntityMeta,
  type HeldRecord,
  type StoragePort,
} from '../ports/storage';

export type WriteBehindState = 'ok' | 'full' | 'error';

export interface WriteBehindOptions {
  /** Runs a flush later; default queueMicrotask (tests pass a manual scheduler). */
  readonly schedule?: (fn: () => void) => void;
  /** Called when a commit fails, and when commits succeed again after a failure. */
  readonly onStatus?: (state: WriteBehindState, message?: string) => void;
  /** Runs a retry of failed writes after a delay; default setTimeout. */
  readonly retryAfter?: (fn: () => void, ms: number) => void;
}

/** Changes to the stored skew hold: records held, and keys released (see StorageBatch). */
export interface HoldChanges {
  readonly hold: readonly HeldRecord[];
  readonly unhold: readonly string[];
}

const NO_HOLD_CHANGES: HoldChanges = { hold: [], unhold: [] };

const noRelease = (): void => undefined;

/**
 * A bulk batch that holds this many versions (puts and removals) takes no more writes: the next
 * ones gather in a batch queued behind it. A bulk commit of a backlog was every version written
 * while the last one ran (6,800 under scenario 12 at load, seconds of IndexedDB time on a shared
 * machine); capped, it is at most
 * this many plus one write (taken whole: a write's versions never span two commits), e.g. one part
 * of the simulator's tick, or one part of a received frame (the worker merges a large frame in parts
 * of INGEST_PART_VERSIONS, 256); a node merging a frame whole (no part scheduler, as in Node tests)
 * may add up to the frame's versions (docs/c2-pipeline.md, "The priority lane").
 */
export const BULK_COMMIT_VERSIONS = 1024;

/** Retries of a failed commit: 250 ms doubling up to 30 s (one node, one storage: no jitter needed). */
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Everything enqueued between two flushes: it becomes one commit. */
export class Batch {
  /**
   * One kept for the life of the class (a commit makes one and drops it): with none alive at a
   * full GC, V8 dropped the class's hidden class and deoptimized the code built on it (reason "weak
   * objects": WriteBehind.enqueue), as docs/benchmarks.md, scenario 1, "Decoder after a full GC"
   * tells of the decoder. Exported for test/unit/node/shape-keepers-node.test.ts.
   */
  static readonly shapeKeeper: Batch = new Batch();

  readonly puts = new Map<string, Version>();
  readonly removes = new Set<string>();
  readonly meta: Record<string, JsonValue> = {};
  /** Entity metas by id: a later one replaces an earlier one (the later is the current one, also when it shrank). */
  readonly entities = new Map<string, EntityMeta>();
  /** Held writes to store, and keys to release; a release drops an earlier hold of its key. */
  readonly hold = new Map<string, HeldRecord>();
  readonly unhold = new Set<string>();
  readonly waiters: Waiter[] = [];
  /**
   * The priority commit (WriteBehind's count of those started, from 1) this batch waits for, or 0:
   * a version of this batch was superseded by a priority write not yet committed (yieldTo), or it
   * writes again a key the priority lane has yet to commit. It must not commit before that write,
   * or its enqueuers would hear "durable" with neither their version nor the one that replaced it
   * stored. It waits for that commit, not for the priority lane to be empty, which a stream of
   * priority writes, each arriving while the last commits, never let it be
   * (test/unit/attack/h25-yielded-bulk-starves.test.ts).
   */
  waitFor = 0;

  /** Whether this batch waits for a priority commit (waitFor). */
  get yielded(): boolean {
    return this.waitFor > 0;
  }

  /** Waits for priority commit `seq` (at least 1), and those before it. */
  yieldUntil(seq: number): void {
    this.waitFor = Math.max(this.waitFor, seq);
  }
  private settledResolve!: () => void;
  /** Resolves once this batch's commit has settled, whatever its outcome. */
  readonly settled = new Promise<void>((resolve) => (this.settledResolve = resolve));

  get size(): number {
    return this.puts.size + this.removes.size;
  }

  /**
   * The entities this batch writes something of (a version put or removed, a meta), built when
   * asked (a priority write asks: WriteBehind.enqueue) and dropped whenever the batch takes more;
   * what it gives up since (yieldTo) may still be named, which only sends a meta to the bulk lane
   * that could have gone ahead. Set in the constructor, so every batch has the hidden class of
   * Batch.shapeKeeper, asked or not.
   */
  private named: Set<string> | undefined = undefined;

  /** The batch took more (puts, removals, metas): named() is built again when next asked. */
  grew(): void {
    this.named = undefined;
  }

  /** Whether this batch writes something of entity `id` (see `named`). */
  names(id: string): boolean {
    if (this.named === undefined) {
      const named = new Set<string>();
      for (const v of this.puts.values()) named.add(v.entity);
      for (const key of this.removes) named.add(entityOfKey(key));
      for (const id of this.entities.keys()) named.add(id);
      this.named = named;
    }
    return this.named.has(id);
  }

  /** Nothing to store and nobody waiting for it. */
  get idle(): boolean {
    return this.empty && this.waiters.length === 0;
  }

  get empty(): boolean {
    return (
      this.size === 0 &&
      this.entities.size === 0 &&
      this.hold.size + this.unhold.size === 0 &&
      Object.keys(this.meta).length === 0
    );
  }

  /**
   * Takes back the contents of a batch whose commit failed, underneath this batch's own (newer)
   * writes and those of `newer` (for a failed priority commit: the bulk lane's batches, waiting or
   * in flight), so nothing the node holds in memory is lost from storage, and nothing it no longer
   * holds comes back. A key the bulk lane holds when a priority commit fails was written there after
   * the priority write (yieldTo took every earlier one out): carried, the retried priority commit
   * would store the superseded record after the bulk one (a head put again after the commit that
   * removed it with its entity's floor: test/unit/node/restart-stale-under-floor.test.ts).
   */
  carry(failed: Batch, newer: readonly Batch[] = []): void {
    this.grew();
    const ahead = [this, ...newer];
    const written = (key: string): boolean => ahead.some((b) => b.puts.has(key) || b.removes.has(key));
    for (const [key, v] of failed.puts) if (!written(key)) this.puts.set(key, v);
    for (const key of failed.removes) if (!written(key)) this.removes.add(key);
    for (const [key, value] of Object.entries(failed.meta)) {
      if (!ahead.some((b) => key in b.meta)) this.meta[key] = value;
    }
    for (const [id, e] of failed.entities) if (!ahead.some((b) => b.entities.has(id))) this.entities.set(id, e);
    const held = (key: string): boolean => ahead.some((b) => b.hold.has(key) || b.unhold.has(key));
    for (const [key, h] of failed.hold) if (!held(key)) this.hold.set(key, h);
    for (const key of failed.unhold) if (!held(key)) this.unhold.add(key);
  }

  /**
   * `newer` (the priority batch) commits before this one although written after it: whatever it
   * supersedes here goes, so this batch cannot store it again afterwards (a put it removes, an
   * entity meta or metadata key it rewrites, a hold it changes).
   */
  yieldTo(newer: {
    puts: Iterable<string>;
    removes: Iterable<string>;
    entities: Iterable<string>;
    meta: Iterable<string>;
    holds: Iterable<string>;
  }): boolean {
    const before = this.size;
    for (const key of newer.removes) this.puts.delete(key);
    // A put under the same key (a content replaced under its own timestamp) is newer: neither an
    // older put nor a removal of that key may land after it.
    for (const key of newer.puts) {
      this.puts.delete(key);
      this.removes.delete(key);
    }
    for (const id of newer.entities) this.entities.delete(id);
    for (const key of newer.meta) delete this.meta[key];
    for (const key of newer.holds) {
      this.hold.delete(key);
      this.unhold.delete(key);
    }
    // Versions only: metadata (the clock's high-water mark every commit carries) and entity metas
    // it rewrites are newer in the priority write whichever lands first.
    return this.size < before;
  }

  /**
   * Rejects the writers waiting so far, leaving the batch to commit what it holds: a priority
   * commit that superseded some of their versions failed (WriteBehind.commitLane), so their writes
   * are not durable, and the batch no longer waits for that commit (its contents are retried).
   */
  refuse(error: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
    this.waitFor = 0;
  }

  settle(error: unknown, failed: boolean): void {
    for (const w of this.waiters) {
      if (failed) w.reject(error);
      else w.resolve();
    }
    this.settledResolve();
  }
}

/**
 * Group commit over a StoragePort. Writes enqueued until a flush starts go out as ONE commit; while
 * that commit is in flight new writes gather into the next batch, so batches grow with the load and
 * the per-transaction cost is shared. An enqueue resolves only when the commit holding it has
 * resolved (the write is durable) and rejects with that commit's error. A failed batch does not stop
 * later ones, and is not dropped: its contents are carried into the next batch and retried with
 * backoff, so the status stays `full`/`error` until everything the node holds has been stored.
 *
 * Coalescing inside a batch: a later put of a key replaces the earlier one; a later remove of a key
 * drops the earlier put. The remove itself stays, because an earlier batch may have stored that key;
 * removing an absent key costs one no-op delete. A later put after a remove drops the remove.
 */
export class WriteBehind {
  /** Set by close(): the error every later write is refused with. */
  private closedWith: Error | undefined;
  /**
   * The bulk lane's batches waiting, in commit order (never empty): writes join the last one until
   * it holds BULK_COMMIT_VERSIONS, then a new one. The first commits next.
   */
  private bulk: Batch[] = [new Batch()];
  /** The priority lane's batch: committed before `next` (see WriteLane). */
  private urgent = new Batch();
  /** The bulk lane's batch in flight. */
  private inFlight: Batch | undefined;
  /** The priority lane's batch in flight: it does not wait for the bulk one (flush). */
  private inFlightUrgent: Batch | undefined;
  /** Priority commits started, and the last of them that landed (Batch.waitFor). */
  private urgentStarted = 0;
  private urgentLanded = 0;
  private scheduled = false;
  /** The status last reported: `ok` only while neither lane's last commit failed. */
  private state: WriteBehindState = 'ok';
  /** Each lane's last failure, until a commit of that lane succeeds. */
  private readonly laneFailure: Record<WriteLane, { state: WriteBehindState; message: string } | undefined> = {
    priority: undefined,
    bulk: undefined,
  };
  private readonly schedule: (fn: () => void) => void;
  private readonly retryAfter: (fn: () => void, ms: number) => void;
  /** Each lane's failed commits since its last success (the larger drives the backoff). */
  private readonly failures: Record<WriteLane, number> = { priority: 0, bulk: 0 };
  private retryPending = false;
  /**
   * A gatherer (gather()) holds the bulk lane's next commit: the parts of one received frame join
   * one batch instead of one commit each.
   */
  private gatherer: object | undefined;
  /** endGathering was called: gather() holds nothing any more. */
  private gatheringEnded = false;
  /** Who waits in eventuallyDurable for the next durable() call, and whether one is under way. */
  private eventualWaiters: (() => void)[] = [];
  private eventualRunning = false;

  constructor(
    private readonly storage: StoragePort,
    private readonly options: WriteBehindOptions = {},
  ) {
    // Wrapped: queueMicrotask called as a method (this.schedule(...)) throws "Illegal invocation" in browsers.
    this.schedule = options.schedule ?? ((fn) => queueMicrotask(fn));
    this.retryAfter = options.retryAfter ?? ((fn, ms) => void setTimeout(fn, ms));
  }

  enqueue(
    put: readonly Version[],
    remove: readonly string[],
    meta?: Readonly<Record<string, JsonValue>>,
    entities: readonly EntityMeta[] = [],
    held: HoldChanges = NO_HOLD_CHANGES,
    lane: WriteLane = 'bulk',
  ): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
    const holds = held.hold.length + held.unhold.length > 0;
    if (put.length === 0 && remove.length === 0 && !hasMeta && entities.length === 0 && !holds) {
      return Promise.resolve();
    }
    // A priority write's metas, and removals, of entities the bulk lane still writes go with it (leaveToBulk).
    const { metas, removes } =
      lane === 'priority' ? this.leaveToBulk(put, remove, entities) : { metas: entities, removes: remove };
    // A priority write left with nothing of its own (all of it went to the bulk lane) waits for that lane.
    const left = put.length + removes.length + metas.length > 0 || hasMeta || holds;
    const batch = lane === 'priority' && left ? this.urgent : this.bulkTail();
    // Each put's storage key, once (a frame's bulk write asked it of every put twice, more with the
    // priority lane holding writes: docs/benchmarks.md, scenario 1).
    const putKeys = put.map((v) => versionKey(v));
    if (lane === 'priority') {
      const newer = {
        puts: putKeys,
        removes,
        entities: metas.map((e) => e.id),
        meta: hasMeta ? Object.keys(meta) : [],
        holds: [...held.hold.map((h) => h.key), ...held.unhold],
      };
      // This write lands with the priority commit after those started so far.
      for (const b of this.bulk) if (b.yieldTo(newer)) b.yieldUntil(this.urgentStarted + 1);
      // A bulk commit in flight that fails is carried into the next one: it must not bring back
      // what this write supersedes either.
      this.inFlight?.yieldTo(newer);
    } else {
      if (this.pendingUrgently(putKeys, removes)) {
        // A key the priority lane still has to commit is written again here (a twin that won, put in
        // the bulk lane by the priority cap): this batch is the newer state, so it lands after it.
        batch.yieldUntil(this.urgentHolding());
      }
      // A meta of the same entity waiting in the priority batch (not yet called: it waits behind the
      // priority commit in flight) is older than this one, yet its commit would be called after
      // this batch's and land over it (StoragePort.commit applies in call order): the stored meta
      // would lose what this one adds (a floor, evidence, knowledge), and a restart differ from the
      // running node. This meta is the current one; the older one goes.
      if (entities.length > 0 && this.urgent.entities.size > 0) {
        for (const e of entities) this.urgent.entities.delete(e.id);
        this.urgent.grew();
      }
    }
    for (let i = 0; i < put.length; i++) {
      const key = putKeys[i]!;
      batch.removes.delete(key);
      batch.puts.set(key, put[i]!);
    }
    for (const key of removes) {
      batch.puts.delete(key);
      batch.removes.add(key);
    }
    if (hasMeta) Object.assign(batch.meta, meta);
    for (const e of metas) batch.entities.set(e.id, e);
    batch.grew();
    for (const h of held.hold) {
      batch.unhold.delete(h.key);
      batch.hold.set(h.key, h);
    }
    for (const key of held.unhold) {
      batch.hold.delete(key);
      batch.unhold.add(key);
    }
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.requestFlush();
    return done;
  }

  /**
   * The metas and removals of a priority write that may go ahead of the bulk lane; the others join
   * the bulk lane's last batch, together. An entity's meta is what the live store knows of it
   * (node-parts.ts persist), and for an entity the bulk lane still writes something of (a batch
   * waiting or in flight) that includes what versions not yet durable taught: landed ahead of them,
   * it outlived them when the node crashed with them in flight, and the restarted node knew of
   * writes it never held, which a withdrawal of their author (the roster's cut-off, set again at the
   * open) then never took out (test/unit/node/priority-meta-ahead.test.ts). Left to the bulk lane, it
   * lands with or after them; the priority write's versions still land ahead, and restore over the
   * older meta as any delivery order would merge them. The write's removals of such an entity go
   * with that meta, for the same reason: what made a head droppable may be what those versions taught
   * (a tombstone covering its context), and what it taught is kept, if at all, in that meta
   * (evidence, knowledge). Landed ahead, a crash lost the head and kept nothing of it, where a node
   * given what was durable (the head, then the priority write) keeps it as evidence; left, the stored
   * head is superseded again on the restore, as on that node (test/unit/node/priority-removal-meta.test.ts).
   * A removal under the key of one of the write's puts stays with it (persist: a put dropped later
   * in the same write), and so does one of a key the priority lane still has to put (it lands after
   * that put, in the lane's order; that head was never durable, so nothing of it can outlive a crash
   * the removal does not). A moved removal of a key the priority lane still removes lands after
   * that removal (the bulk batch yields).
   */
  private leaveToBulk(
    put: readonly Version[],
    remove: readonly string[],
    entities: readonly EntityMeta[],
  ): { metas: readonly EntityMeta[]; removes: readonly string[] } {
    if (entities.length === 0 && remove.length === 0) return { metas: entities, removes: remove };
    const bulk = this.inFlight === undefined ? this.bulk : [this.inFlight, ...this.bulk];
    const pending = (id: string): boolean => bulk.some((b) => b.names(id));
    const keys = put.length === 0 ? undefined : new Set(put.map((v) => versionKey(v)));
    // A removal of a key the priority lane still has to put stays with it, after that put: the
    // head was never durable, so no crash can keep its removal without it, and moved to the bulk
    // lane it made that lane wait on a stream of priority rewrites (each arriving while the last
    // commits), so no bulk commit started (test/unit/node/write-behind.test.ts).
    const later = (key: string): boolean =>
      keys?.has(key) !== true && !this.putUrgently(key) && pending(entityOfKey(key));
    if (!entities.some((e) => pending(e.id)) && !remove.some(later)) return { metas: entities, removes: remove };
    const tail = this.bulkTail();
    const metas: EntityMeta[] = [];
    for (const e of entities) {
      if (pending(e.id)) tail.entities.set(e.id, e);
      else metas.push(e);
    }
    const removes: string[] = [];
    const moved: string[] = [];
    for (const key of remove) (later(key) ? moved : removes).push(key);
    for (const key of moved) {
      tail.puts.delete(key);
      tail.removes.add(key);
    }
    if (this.pendingUrgently([], moved)) tail.yieldUntil(this.urgentHolding());
    tail.grew();
    return { metas, removes };
  }

  /** The priority commit that lands what the priority lane holds now (waiting, or in flight). */
  private urgentHolding(): number {
    return this.urgentStarted + (this.urgent.empty ? 0 : 1);
  }

  /** Whether the priority lane, waiting or in flight, has yet to put this key. */
  private putUrgently(key: string): boolean {
    return this.urgent.puts.has(key) || this.inFlightUrgent?.puts.has(key) === true;
  }

  /** Whether the priority lane, waiting or in flight, holds one of these keys. */
  private pendingUrgently(put: readonly string[], remove: readonly string[]): boolean {
    if (this.urgent.empty && this.inFlightUrgent === undefined) return false;
    const lanes = this.inFlightUrgent === undefined ? [this.urgent] : [this.urgent, this.inFlightUrgent];
    const pending = (key: string): boolean => lanes.some((b) => b.puts.has(key) || b.removes.has(key));
    return put.some(pending) || remove.some(pending);
  }

  /**
   * The node closed: nothing commits any more and no retry is scheduled. A write enqueued from now
   * on, and every writer still waiting (a commit that failed and waits for its retry), is refused
   * with `error`. Without this a write made while the node closed (an approval step already
   * running) failed on the closed storage and was retried with backoff forever.
   */
  close(error: Error): void {
    this.closedWith = error;
    for (const b of [this.urgent, ...this.bulk]) b.settle(error, true);
  }

  /**
   * Holds the bulk lane's next commit until the returned release is called (once; later calls do
   * nothing), so the writes of the steps between (the parts of one received frame, merged in tasks
   * of their own: ingest-parts.ts) go out as one commit. Each commit structured-clones its versions
   * and the metas of every entity it touches; a frame of 1,000 committed as four parts cloned the
   * metas of entities its parts share once per part (docs/benchmarks.md, scenario 1). The priority
   * lane is never held. Bounded, so no writer waits on a stream of frames: a hold is taken only when
   * nothing of the bulk lane waits (what waits was enqueued before the frame and goes as it would
   * have), one at a time (a second gatherer meanwhile holds nothing), and a batch that fills
   * (BULK_COMMIT_VERSIONS) commits whatever holds it.
   */
  gather(): () => void {
    const tail = this.bulk[this.bulk.length - 1]!;
    if (
      this.gatherer !== undefined ||
      this.gatheringEnded ||
      this.closedWith !== undefined ||
      this.bulk.length > 1 ||
      !tail.idle
    ) {
      return noRelease;
    }
    const gatherer = {};
    this.gatherer = gatherer;
    return () => {
      if (this.gatherer !== gatherer) return;
      this.gatherer = undefined;
      this.requestFlush();
    };
  }

  /**
   * Lets the bulk lane commit whatever gathers it, and takes no hold from now on (the node closes:
   * its last commit must not wait for the rest of a frame whose parts may never run, nor for a frame
   * that arrives while it flushes).
   */
  endGathering(): void {
    this.gatheringEnded = true;
    if (this.gatherer === undefined) return;
    this.gatherer = undefined;
    this.requestFlush();
  }

  /** Versions (puts and removals) not yet durable: waiting for, or inside, a commit. */
  get pending(): number {
    const inFlight = (this.inFlight?.size ?? 0) + (this.inFlightUrgent?.size ?? 0);
    return this.bulk.reduce((n, b) => n + b.size, 0) + this.urgent.size + inFlight;
  }

  /** The bulk batch a write joins: the last one, or a new one behind it once it is full. */
  private bulkTail(): Batch {
    const tail = this.bulk[this.bulk.length - 1]!;
    if (tail.size < BULK_COMMIT_VERSIONS) return tail;
    const next = new Batch();
    this.bulk.push(next);
    return next;
  }

  /** Whether the bulk lane's next batch may commit: no gatherer holds it, or it is full. */
  private get bulkFree(): boolean {
    return this.gatherer === undefined || this.bulk.length > 1;
  }

  /** The bulk batch that commits next. */
  private get next(): Batch {
    return this.bulk[0]!;
  }

  /** Versions of the priority lane not yet durable (waiting, or in flight). */
  get pendingPriority(): number {
    return this.urgent.size + (this.inFlightUrgent?.size ?? 0);
  }

  /**
   * Resolves once everything enqueued so far is durable; rejects if the commit that would have made
   * it so fails (its contents then wait in the next batch, which the retry commits: call again).
   * The next batch, if anything waits in it, holds or follows whatever is in flight, so its success
   * covers both.
   */
  durable(): Promise<void> {
    const batches = this.awaited((b) => !b.empty);
    // No flush request: a non-empty batch is already scheduled, in-flight's end picks it up,
    // or a retry is pending (which must keep its backoff).
    return Promise.all(
      batches.map((batch) => new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }))),
    ).then(() => undefined);
  }

  /**
   * Resolves once everything enqueued so far is durable, through as many retries of a failed
   * commit as that takes; never rejects (once closed, what never lands leaves it pending). Callers
   * share one wait: each durable() call covers everyone who asked before it was made.
   */
  eventuallyDurable(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.eventualWaiters.push(resolve);
      if (!this.eventualRunning) void this.waitEventually();
    });
  }

  private async waitEventually(): Promise<void> {
    this.eventualRunning = true;
    while (this.eventualWaiters.length > 0) {
      const waiters = this.eventualWaiters;
      this.eventualWaiters = [];
      for (;;) {
        try {
          await this.durable();
          break;
        } catch {
          // Still failing: the write-behind backs off and retries, and this waits for that retry.
        }
      }
      for (const resolve of waiters) resolve();
    }
    this.eventualRunning = false;
  }

  /** Resolves once everything enqueued so far has been committed or has failed (failures go to their enqueuers). */
  flushed(): Promise<void> {
    return Promise.all(this.awaited((b) => b.waiters.length > 0).map((b) => b.settled)).then(() => undefined);
  }

  /**
   * The batches whose outcome covers everything enqueued so far: each lane's last waiting batch
   * that has something (`has`; the bulk lane's commit in order, and a failed one is carried into
   * the next, so the last one's success covers those before it), else the lane's batch in flight
   * (a failed one is carried into its lane's waiting batch, whose success then covers both).
   */
  private awaited(has: (b: Batch) => boolean): Batch[] {
    const out: Batch[] = [];
    for (const lane of ['priority', 'bulk'] as const) {
      const waiting = lane === 'priority' ? this.urgent : this.bulk.findLast(has);
      const inFlight = lane === 'priority' ? this.inFlightUrgent : this.inFlight;
      if (waiting !== undefined && has(waiting)) out.push(waiting);
      else if (inFlight !== undefined) out.push(inFlight);
    }
    return out;
  }

  private requestFlush(): void {
    // Each lane's commit in flight picks up its lane's next batch when it ends.
    const urgentReady = this.inFlightUrgent === undefined && !this.urgent.idle;
    const bulkReady = this.inFlight === undefined && this.bulkFree && this.bulk.some((b) => !b.idle);
    if (this.scheduled || !(urgentReady || bulkReady)) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * Starts each lane's next commit unless that lane has one in flight: one commit at a time per
   * lane, the lanes side by side. A priority commit does not wait for the bulk commit in flight:
   * the storage makes it durable without waiting for that one (StorageBatch.priority; the
   * IndexedDB adapter writes it to a store of its own), and applies it after it. It is started
   * first, so a bulk commit started with it applies after it. A bulk batch that yielded to a
   * priority write (Batch.yielded) waits until the priority commit holding that write has landed
   * (Batch.waitFor), or the priority lane has nothing left, or until a
   * priority commit fails: its writers are then refused (Batch.refuse) and it goes on without
   * waiting, so a priority lane that keeps failing does not hold up the bulk lane. A bulk commit
   * stores the priority versions its metas and removals may depend on with them (urgentAlong), so
   * it never lands what they taught without them, should their own commit fail.
   */
  private flush(): void {
    if (this.closedWith !== undefined) return;
    if (this.inFlightUrgent === undefined && !this.urgent.empty) void this.commitLane('priority');
    if (this.inFlight !== undefined || !this.bulkFree) return;
    const next = this.next;
    // The priority commit's end flushes again.
    if (next.waitFor > this.urgentLanded && (this.inFlightUrgent !== undefined || !this.urgent.empty)) return;
    void this.commitLane('bulk');
  }

  private async commitLane(lane: WriteLane): Promise<void> {
    const batch = lane === 'priority' ? this.urgent : this.next;
    if (batch.empty) {
      // Everything its enqueuers wrote was superseded by priority writes (yieldTo), which have
      // committed by now (the priority lane is empty): nothing of theirs is left to store.
      if (lane === 'bulk' && (batch.waiters.length > 0 || this.bulk.length > 1)) {
        this.takeBulk();
        batch.settle(undefined, false);
        if (this.bulk.some((b) => !b.idle)) this.requestFlush();
      }
      return;
    }
    const seq = lane === 'priority' ? ++this.urgentStarted : 0;
    if (lane === 'priority') {
      this.urgent = new Batch();
      this.inFlightUrgent = batch;
    } else {
      this.takeBulk();
      this.inFlight = batch;
    }
    const hasMeta = Object.keys(batch.meta).length > 0;
    const along = lane === 'bulk' ? this.urgentAlong(batch) : undefined;
    let failed = false;
    let error: unknown;
    try {
      await this.storage.commit({
        put: along === undefined ? [...batch.puts.values()] : [...batch.puts.values(), ...along.put],
        remove: along === undefined ? [...batch.removes] : [...batch.removes, ...along.remove],
        ...(hasMeta ? { meta: batch.meta } : {}),
        ...(batch.entities.size > 0 ? { entityMeta: [...batch.entities.values()] } : {}),
        ...(batch.hold.size > 0 ? { hold: [...batch.hold.values()] } : {}),
        ...(batch.unhold.size > 0 ? { unhold: [...batch.unhold] } : {}),
        ...(lane === 'priority' ? { priority: true } : {}),
      });
    } catch (e) {
      failed = true;
      error = e;
    }
    if (lane === 'priority') {
      this.inFlightUrgent = undefined;
      if (!failed) this.urgentLanded = seq;
    } else this.inFlight = undefined;
    if (failed && lane === 'priority') {
      const bulk = this.inFlight === undefined ? this.bulk : [...this.bulk, this.inFlight];
      this.urgent.carry(batch, bulk);
    } else if (failed) this.next.carry(batch);
    // The bulk batches that yielded to a priority write would wait for a lane that may keep failing
    // (a full disk): their writers learn the failure now, and they commit the rest meanwhile. What
    // they yielded stays out of them (yieldTo), so none of it lands after the priority write.
    if (failed && lane === 'priority') for (const b of this.bulk) if (b.yielded) b.refuse(error);
    try {
      this.report(lane, failed, error);
    } finally {
      // Even if the status callback throws (its error surfaces as an unhandled rejection), the
      // enqueuers learn their outcome and the next batch is not stranded.
      batch.settle(error, failed);
      if (failed) {
        this.failures[lane] += 1;
        this.scheduleRetry();
      } else {
        this.failures[lane] = 0;
        if (this.bulk.some((b) => !b.idle) || !this.urgent.idle) this.requestFlush();
      }
    }
  }

  /**
   * The priority lane's versions not yet durable (its batch in flight, then the one waiting, later
   * wins) of the entities whose metas or removals bulk batch `batch` stores, but for the keys the
   * batch writes itself (newer: a bulk write of a key the priority lane holds waits for it). The
   * bulk commit stores them too. Its metas are what the live store knew when they were enqueued,
   * with what those priority versions taught (knowledge of every register of the entity, evidence),
   * and its removals may be of heads those versions superseded (a delivery's removals go in its
   * bulk part, remote-merge.ts; a priority write's removals of entities the bulk lane writes join it,
   * leaveToBulk). The priority commit is called first and applies first, but may fail while the bulk
   * one lands (its retry waits out a backoff): a crash then kept a meta knowing of versions storage
   * lacked, or lost a durable head with nothing that replaced it, and the restarted node equalled
   * no node given what was durable (test/unit/node/priority-fail-bulk-lands.test.ts). Stored with
   * them, the priority versions land with whatever took them into account; stored twice when the
   * priority commit lands, they change nothing (same keys, same records, applied in call order).
   * They stay in the priority lane, which still commits (and retries) them on its own. A local one
   * made durable this way before the lease its commit carries is covered all the same: a restart
   * starts the clock past every stored version (LatticeNode.open).
   */
  private urgentAlong(batch: Batch): { put: Version[]; remove: string[] } | undefined {
    const lanes: Batch[] = [];
    if (this.inFlightUrgent !== undefined) lanes.push(this.inFlightUrgent);
    if (this.urgent.size > 0) lanes.push(this.urgent);
    if (lanes.length === 0 || (batch.entities.size === 0 && batch.removes.size === 0)) return undefined;
    const ids = new Set<string>(batch.entities.keys());
    for (const key of batch.removes) ids.add(entityOfKey(key));
    const own = (key: string): boolean => batch.puts.has(key) || batch.removes.has(key);
    /** Each key's last write in the priority lane: its version, or undefined for a removal. */
    const along = new Map<string, Version | undefined>();
    for (const b of lanes) {
      for (const [key, v] of b.puts) if (ids.has(v.entity) && !own(key)) along.set(key, v);
      for (const key of b.removes) if (ids.has(entityOfKey(key)) && !own(key)) along.set(key, undefined);
    }
    if (along.size === 0) return undefined;
    const put: Version[] = [];
    const remove: string[] = [];
    for (const [key, v] of along) {
      if (v === undefined) remove.push(key);
      else put.push(v);
    }
    return { put, remove };
  }

  /** Takes the first bulk batch off the queue (it commits now), leaving at least an empty one. */
  private takeBulk(): void {
    this.bulk.shift();
    if (this.bulk.length === 0) this.bulk.push(new Batch());
  }

  /** After a failure, retry later (not at once: the storage is full or broken), backing off. */
  private scheduleRetry(): void {
    if (this.retryPending || this.closedWith !== undefined) return;
    this.retryPending = true;
    const delay = backoffDelay(Math.max(this.failures.priority, this.failures.bulk), RETRY_BACKOFF);
    this.retryAfter(() => {
      this.retryPending = false;
      this.requestFlush();
    }, delay);
  }

  /**
   * A failure is reported as it happens; a success clears its lane's failure only, and the status
   * is `ok` again once neither lane's last commit failed (a priority commit landing says nothing of
   * a bulk lane that still cannot commit).
   */
  private report(lane: WriteLane, failed: boolean, error: unknown): void {
    if (failed) {
      const message = error instanceof Error ? error.message : String(error);
      const state = error instanceof StorageFullError ? 'full' : 'error';
      this.laneFailure[lane] = { state, message };
      this.setState(state, message);
      return;
    }
    this.laneFailure[lane] = undefined;
    const other = this.laneFailure[lane === 'priority' ? 'bulk' : 'priority'];
    if (other === undefined) {
      if (this.state !== 'ok') this.setState('ok');
    } else if (this.state !== other.state) this.setState(other.state, other.message);
  }

  private setState(state: WriteBehindState, message?: string): void {
    this.state = state;
    this.options.onStatus?.(state, message);
  }
}
