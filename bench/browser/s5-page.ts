/**
 * Scenario 5, the in-page part: IndexedDB write-behind measured in real Chromium. Bundled by
 * bench/s5-idb-write-behind.ts and driven through `window.s5`. Every function returns raw samples
 * (one per run); medians and percentiles are taken on the Node side, so the page only measures.
 * Timing is performance.now(); workloads are generated (seeded) before the clock starts.
 */
import { deleteIdbStorage, openIdbStorage, type IdbStorage } from '../../src/adapters/idb';
import { encodeSegments, replaySegments } from '../../src/adapters/idb/segment';
import { encodeTs, type Timestamp } from '../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { LatticeNode } from '../../src/node/lattice-node';
import { WriteBehind } from '../../src/node/write-behind';
import { versionKey, type StorageBatch, type StoragePort } from '../../src/ports/storage';
import { prng, randInt } from '../lib/prng';
import { AUTHORS, nodeIds, T0, valueFor } from '../lib/workload';

// ---------------------------------------------------------------- workload

const KINDS = ['position', 'velocity', 'threat'] as const;
type Kind = (typeof KINDS)[number];
/** Compaction off: for building logs of a chosen shape and loading them without rewriting them. */
const NO_COMPACTION = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;

/** Entity ids of any count (the shared workload's ids stop at 4 digits). */
function entityId(i: number): EntityId {
  return `track-${i.toString().padStart(6, '0')}` as EntityId;
}

interface Slot {
  readonly entity: EntityId;
  readonly kind: Kind;
  readonly author: NodeId;
  current?: Version;
}

/**
 * Component versions as a node stores them after merging remote batches: many entities, each with
 * position, velocity and threat, written by the shared workload's 50 authors with the shared value
 * generator (quantised as writers store them).
 */
class Workload {
  private readonly rnd: () => number;
  private readonly authors = nodeIds(AUTHORS);
  private clockMs = T0;
  private counter = 0;
  private writes = 0;
  readonly slots: Slot[] = [];

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  /** A fresh HLC stamp: several writes per millisecond, as a busy mesh produces. */
  private stamp(author: NodeId): Timestamp {
    if (this.rnd() < 0.3) {
      this.clockMs += 1;
      this.counter = 0;
    } else this.counter += 1;
    return { ms: this.clockMs, c: this.counter, node: author };
  }

  private version(slot: Slot, index: number): Version {
    const ts = this.stamp(slot.author);
    const author = index % AUTHORS;
    // One in ten carries a causal context naming another author's earlier write (a merged conflict).
    const seen: Timestamp[] =
      this.rnd() < 0.1
        ? [{ ms: ts.ms - 1 - randInt(this.rnd, 500), c: 0, node: this.authors[(author + 7) % AUTHORS]! }]
        : [];
    const value = valueFor(slot.kind, index, this.writes++, author, this.rnd);
    return { entity: slot.entity, kind: slot.kind as ComponentKind, value, ts, seen };
  }

  /** n first versions of new components: entities with position, velocity and threat. */
  fresh(n: number): Version[] {
    const out: Version[] = [];
    for (let i = 0; i < n; i++) {
      const idx = this.slots.length;
      const slot: Slot = {
        entity: entityId(Math.floor(idx / KINDS.length)),
        kind: KINDS[idx % KINDS.length]!,
        author: this.authors[Math.floor(idx / KINDS.length) % AUTHORS]!,
      };
      this.slots.push(slot);
      slot.current = this.version(slot, Math.floor(idx / KINDS.length));
      out.push(slot.current);
    }
    return out;
  }

  /**
   * A stream as a node persists it while merging remote batches: mostly updates superseding the
   * stored version (position and velocity far more often than threat), each removing the old key
   * as the store's merge does; a few new components.
   */
  stream(n: number, newShare = 0.05): { put: Version[]; remove: (string | undefined)[] } {
    const put: Version[] = [];
    const remove: (string | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      if (this.rnd() < newShare || this.slots.length === 0) {
        put.push(this.fresh(1)[0]!);
        remove.push(undefined);
        continue;
      }
      let idx = Math.floor(this.rnd() * this.slots.length);
      // Slots go position, velocity, threat per entity: most threat picks become that entity's position.
      if (this.slots[idx]!.kind === 'threat' && this.rnd() < 0.8) idx -= 2;
      const slot = this.slots[idx]!;
      const old = slot.current!;
      slot.current = this.version(slot, Math.floor(idx / KINDS.length));
      put.push(slot.current);
      remove.push(versionKey(old));
    }
    return { put, remove };
  }
}

// ---------------------------------------------------------------- instruments

/** Sees every commit the write-behind makes: how many, how big, how long. */
class CountingStorage implements StoragePort {
  commits = 0;
  entries = 0;
  maxBatch = 0;
  commitMs = 0;

  constructor(readonly inner: IdbStorage) {}

  loadVersions(): Promise<Version[]> {
    return this.inner.loadVersions();
  }

  loadEntityMeta(): ReturnType<StoragePort['loadEntityMeta']> {
    return this.inner.loadEntityMeta();
  }

  loadHeld(): ReturnType<StoragePort['loadHeld']> {
    return this.inner.loadHeld();
  }

  getMeta(key: string): ReturnType<StoragePort['getMeta']> {
    return this.inner.getMeta(key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async commit(batch: StorageBatch): Promise<void> {
    const t = performance.now();
    await this.inner.commit(batch);
    this.commitMs += performance.now() - t;
    this.commits += 1;
    const size = batch.put.length + batch.remove.length;
    this.entries += size;
    this.maxBatch = Math.max(this.maxBatch, size);
  }
}

interface CompactionLog {
  /** Started. */
  count: number;
  /** Spent by those that finished. */
  ms: number;
  /** When each ran (end Infinity while running). */
  readonly spans: { start: number; end: number }[];
}

/** Counts and times the background compactions the storage starts by itself. */
function watchCompaction(storage: IdbStorage): CompactionLog {
  const log: CompactionLog = { count: 0, ms: 0, spans: [] };
  const compact = storage.compact.bind(storage);
  storage.compact = async () => {
    const span = { start: performance.now(), end: Infinity };
    log.spans.push(span);
    log.count += 1;
    try {
      await compact();
    } finally {
      span.end = performance.now();
      log.ms += span.end - span.start;
    }
  };
  return log;
}

/** A macrotask boundary without setTimeout's 4 ms clamp: batches arrive as separate message events. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let dbCounter = 0;
const dbName = (what: string) => `s5-${what}-${Date.now().toString(36)}-${(++dbCounter).toString()}`;

async function withStorage<T>(
  name: string,
  body: (s: IdbStorage) => Promise<T>,
  compaction?: typeof NO_COMPACTION,
): Promise<T> {
  const storage = await openIdbStorage(name, {
    ...(compaction ? { compaction } : {}),
    onEvent: (e) => console.warn(`[s5] ${e.message}`),
  });
  try {
    return await body(storage);
  } finally {
    await storage.close();
  }
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------- 1. throughput

export interface ThroughputSample {
  readonly ms: number;
  readonly commits: number;
  readonly maxBatch: number;
  readonly commitMs: number;
  readonly compactions: number;
  readonly compactionMs: number;
}

/**
 * n new component versions enqueued in bursts of `burst`, one burst per task (as remote batches
 * arrive), none awaited; timed from the first enqueue until every promise has resolved (durable).
 */
async function throughput(n: number, burst: number, runs: number): Promise<ThroughputSample[]> {
  const bursts = chunks(new Workload(n).fresh(n), burst);
  const out: ThroughputSample[] = [];
  for (let r = 0; r < runs; r++) {
    const name = dbName(`tp${n}`);
    out.push(
      await withStorage(name, async (idb) => {
        await idb.loadVersions(); // as LatticeNode.open does: the compaction trigger learns the log
        const compaction = watchCompaction(idb);
        const storage = new CountingStorage(idb);
        const writer = new WriteBehind(storage);
        const done: Promise<void>[] = [];
        const t0 = performance.now();
        for (const b of bursts) {
          done.push(writer.enqueue(b, []));
          await nextTask();
        }
        await Promise.all(done);
        const ms = performance.now() - t0;
        return {
          ms,
          commits: storage.commits,
          maxBatch: storage.maxBatch,
          commitMs: storage.commitMs,
          compactions: compaction.count,
          compactionMs: compaction.ms,
        };
      }),
    );
    await deleteIdbStorage(name);
  }
  return out;
}

// ---------------------------------------------------------------- 2. persistence lag

export interface LagSample {
  /** Per enqueue, ms from enqueue until its promise resolved. */
  readonly lags: number[];
  /** The lags of the enqueues whose wait overlapped no compaction. */
  readonly clearLags: number[];
  readonly writes: number;
  readonly seconds: number;
  readonly commits: number;
  readonly maxBatch: number;
  readonly compactions: number;
  readonly compactionMs: number;
}

/**
 * A steady offered stream of `rate` writes/s for `seconds` over a store of `live` versions: each
 * timer tick enqueues what is due (one enqueue per ≤1,000 writes), mostly updates that remove the
 * superseded key. Compaction runs as it would in the node.
 */
async function lag(live: number, rate: number, seconds: number, runs: number): Promise<LagSample[]> {
  const out: LagSample[] = [];
  for (let r = 0; r < runs; r++) {
    const work = new Workload(live + r);
    const base = work.fresh(live);
    const total = Math.round(rate * seconds);
    const { put, remove } = work.stream(total);
    const name = dbName(`lag${live}`);
    out.push(
      await withStorage(name, async (idb) => {
        await idb.commit({ put: base, remove: [] });
        await idb.loadVersions();
        const compaction = watchCompaction(idb);
        const storage = new CountingStorage(idb);
        const writer = new WriteBehind(storage);
        const waits: { at: number; end: number }[] = [];
        const done: Promise<void>[] = [];
        let sent = 0;
        const t0 = performance.now();
        while (sent < total) {
          const due = Math.min(total, Math.floor((rate * (performance.now() - t0)) / 1000));
          while (sent < due) {
            const end = Math.min(due, sent + 1000);
            const rm: string[] = [];
            for (let i = sent; i < end; i++) if (remove[i] !== undefined) rm.push(remove[i]!);
            const wait = { at: performance.now(), end: NaN };
            waits.push(wait);
            done.push(writer.enqueue(put.slice(sent, end), rm).then(() => void (wait.end = performance.now())));
            sent = end;
          }
          await sleep(1);
        }
        await Promise.all(done);
        const elapsed = (performance.now() - t0) / 1000;
        const overlaps = (w: { at: number; end: number }) =>
          compaction.spans.some((c) => c.start < w.end && w.at < c.end);
        return {
          lags: waits.map((w) => w.end - w.at),
          clearLags: waits.filter((w) => !overlaps(w)).map((w) => w.end - w.at),
          writes: total,
          seconds: elapsed,
          commits: storage.commits,
          maxBatch: storage.maxBatch,
          compactions: compaction.count,
          compactionMs: compaction.ms,
        };
      }),
    );
    await deleteIdbStorage(name);
  }
  return out;
}

// ---------------------------------------------------------------- 3. cold load

export type LogShape = 'compact' | 'threshold';

/**
 * Builds a database holding `live` versions and returns its name. 'compact': the log as compaction
 * leaves it. 'threshold': the largest log the default policy lets stand (live puts, then as many
 * updates, each a put plus a removal: 3x live entries), written in 1,000-write commits.
 */
async function buildDb(live: number, shape: LogShape): Promise<string> {
  const name = dbName(`load${live}-${shape}`);
  const work = new Workload(live);
  const base = work.fresh(live);
  await withStorage(
    name,
    async (s) => {
      await s.commit({ put: base, remove: [], meta: { clock: encodeTs(base[base.length - 1]!.ts) } });
      if (shape === 'threshold') {
        const { put, remove } = work.stream(live, 0);
        for (let i = 0; i < live; i += 1000) {
          await s.commit({
            put: put.slice(i, i + 1000),
            remove: remove.slice(i, i + 1000).filter((k): k is string => k !== undefined),
          });
        }
      }
    },
    NO_COMPACTION,
  );
  return name;
}

export interface LoadSample {
  readonly openMs: number;
  readonly loadMs: number;
  readonly versions: number;
}

/** Opens a fresh IdbStorage on `name` and loads every version; compaction stays off so the log is unchanged. */
async function loadOnce(name: string): Promise<LoadSample> {
  const t0 = performance.now();
  const storage = await openIdbStorage(name, { compaction: NO_COMPACTION });
  const t1 = performance.now();
  const versions = await storage.loadVersions();
  const t2 = performance.now();
  await storage.close();
  return { openMs: t1 - t0, loadMs: t2 - t1, versions: versions.length };
}

async function coldLoad(name: string, runs: number): Promise<LoadSample[]> {
  const out: LoadSample[] = [];
  for (let r = 0; r < runs; r++) {
    await sleep(20);
    out.push(await loadOnce(name));
  }
  return out;
}

export interface NodeOpenSample {
  readonly ms: number;
  readonly versions: number;
}

/** LatticeNode.open over a freshly opened IdbStorage: clock metadata, load, merge into the store. */
async function nodeOpen(name: string, runs: number): Promise<NodeOpenSample[]> {
  const out: NodeOpenSample[] = [];
  for (let r = 0; r < runs; r++) {
    await sleep(20);
    const t0 = performance.now();
    const storage = await openIdbStorage(name, { compaction: NO_COMPACTION });
    const node = await LatticeNode.open({
      nodeId: '0123456789abcdef0123456789abcdef' as NodeId,
      lattice: 'bench',
      storage,
      backend: 'indexeddb',
      now: () => Date.now(),
      newId: () => crypto.randomUUID(),
      scheduleChanges: (fn) => void setTimeout(fn, 16),
    });
    const ms = performance.now() - t0;
    const versions = (await node.stats()).versions;
    await node.close();
    out.push({ ms, versions });
  }
  return out;
}

// ---------------------------------------------------------------- 4. naive baseline

export interface NaiveSample {
  readonly sequentialMs: number;
  readonly concurrentMs: number;
  readonly writes: number;
}

/**
 * The same storage without group commit: each write its own commit (one transaction). Sequential
 * awaits each write, as code without a write-behind does; concurrent issues them all at once
 * (Chromium still runs overlapping readwrite transactions one after another).
 */
async function naive(writes: number, runs: number): Promise<NaiveSample[]> {
  const versions = new Workload(writes).fresh(writes);
  const out: NaiveSample[] = [];
  for (let r = 0; r < runs; r++) {
    const a = dbName('naive-seq');
    const sequentialMs = await withStorage(a, async (s) => {
      await s.loadVersions();
      const t0 = performance.now();
      for (const v of versions) await s.commit({ put: [v], remove: [] });
      return performance.now() - t0;
    });
    await deleteIdbStorage(a);
    const b = dbName('naive-par');
    const concurrentMs = await withStorage(b, async (s) => {
      await s.loadVersions();
      const t0 = performance.now();
      await Promise.all(versions.map((v) => s.commit({ put: [v], remove: [] })));
      return performance.now() - t0;
    });
    await deleteIdbStorage(b);
    out.push({ sequentialMs, concurrentMs, writes });
  }
  return out;
}

// ---------------------------------------------------------------- CPU share

export interface CpuSample {
  /** encodeSegments (validation, columns, JSON text) for n versions. */
  readonly encodeMs: number;
  /** structuredClone of those segments: what IndexedDB's put serialises on the main thread. */
  readonly cloneMs: number;
  /** replaySegments (JSON.parse, rebuilding Version objects) for n versions. */
  readonly replayMs: number;
}

/** The main-thread work inside a commit and a load, without IndexedDB: where the time can go. */
async function cpu(n: number, runs: number): Promise<CpuSample[]> {
  const versions = new Workload(n).fresh(n);
  const out: CpuSample[] = [];
  for (let r = 0; r < runs; r++) {
    await sleep(5);
    const t0 = performance.now();
    const segs = encodeSegments(versions, []);
    const t1 = performance.now();
    const cloned = structuredClone(segs);
    const t2 = performance.now();
    const live = replaySegments(cloned);
    const t3 = performance.now();
    if (live.size !== n) throw new Error(`replay lost versions: ${live.size.toString()} of ${n.toString()}`);
    out.push({ encodeMs: t1 - t0, cloneMs: t2 - t1, replayMs: t3 - t2 });
  }
  return out;
}

// ---------------------------------------------------------------- the page API

const api = {
  userAgent: () => navigator.userAgent,
  throughput,
  lag,
  buildDb,
  coldLoad,
  loadOnce,
  nodeOpen,
  naive,
  cpu,
  deleteDb: (name: string) => deleteIdbStorage(name),
};

export type S5Api = typeof api;

declare global {
  interface Window {
    s5?: S5Api;
  }
}

window.s5 = api;
