import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { BULK_COMMIT_VERSIONS, WriteBehind, type WriteBehindState } from '../../../src/node/write-behind';
import { StorageFullError, versionKey, type StorageBatch } from '../../../src/ports/storage';
import { sampleHeld, sampleVersion } from '../../contract/storage-contract';

/** Runs scheduled flushes only when the test says so. */
function manualScheduler() {
  const queue: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void queue.push(fn),
    get waiting() {
      return queue.length;
    },
    run() {
      while (queue.length > 0) queue.shift()!();
    },
  };
}

/** MemoryStorage that records each batch and can hold commits until released. */
class RecordingStorage extends MemoryStorage {
  readonly batches: StorageBatch[] = [];
  private gates: (() => void)[] = [];
  holding = false;

  override async commit(batch: StorageBatch): Promise<void> {
    this.batches.push(batch);
    if (this.holding) await new Promise<void>((resolve) => this.gates.push(resolve));
    return super.commit(batch);
  }

  release(): void {
    for (const open of this.gates.splice(0)) open();
  }
}

function state<T>(promise: Promise<T>): { readonly value: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const s: { value: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { value: 'pending' };
  promise.then(
    () => (s.value = 'resolved'),
    (error: unknown) => {
      s.value = 'rejected';
      s.error = error;
    },
  );
  return s;
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const v = (i: number): Version => sampleVersion(i);

function setup() {
  const storage = new RecordingStorage();
  const scheduler = manualScheduler();
  const statuses: [WriteBehindState, string | undefined][] = [];
  const retries: { fn: () => void; ms: number }[] = [];
  const writer = new WriteBehind(storage, {
    schedule: scheduler.schedule,
    onStatus: (s, message) => statuses.push([s, message]),
    retryAfter: (fn, ms) => retries.push({ fn, ms }),
  });
  return { storage, scheduler, statuses, writer, retries };
}

describe('WriteBehind', () => {
  it('commits many concurrent enqueues as one batch', async () => {
    const { storage, scheduler, writer } = setup();
    const writes = Array.from({ length: 10 }, (_, i) => writer.enqueue([v(i)], [], { clock: i }));
    expect(scheduler.waiting).toBe(1);
    scheduler.run();
    await Promise.all(writes);
    expect(storage.batches).toHaveLength(1);
    expect(storage.batches[0]!.put).toHaveLength(10);
    expect(storage.batches[0]!.meta).toEqual({ clock: 9 });
    expect(await storage.loadVersions()).toHaveLength(10);
  });

  it('resolves an enqueue only after the commit holding it has resolved', async () => {
    const { storage, scheduler, writer } = setup();
    storage.holding = true;
    const write = state(writer.enqueue([v(0)], []));
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(1);
    expect(write.value).toBe('pending');
    expect(writer.pending).toBe(1);
    storage.release();
    await settle();
    expect(write.value).toBe('resolved');
    expect(writer.pending).toBe(0);
    expect(await storage.loadVersions()).toHaveLength(1);
  });

  it('gathers writes made during a commit into the next batch', async () => {
    const { storage, scheduler, writer } = setup();
    storage.holding = true;
    const first = writer.enqueue([v(0)], []);
    scheduler.run();
    await settle();
    const later = [writer.enqueue([v(1)], []), writer.enqueue([v(2)], [])];
    expect(scheduler.waiting).toBe(0); // nothing starts while a commit is in flight
    expect(writer.pending).toBe(3);
    storage.release();
    await first;
    scheduler.run();
    await settle();
    storage.release();
    await Promise.all(later);
    expect(storage.batches.map((b) => b.put.length)).toEqual([1, 2]);
  });

  it('rejects the failed batch, reports it, retries it with the later batch, and keeps both', async () => {
    const { storage, scheduler, statuses, writer, retries } = setup();
    storage.holding = true;
    const failing = state(writer.enqueue([v(0)], []));
    scheduler.run();
    await settle();
    const later = state(writer.enqueue([v(1)], []));
    storage.failNextCommit(new Error('disk on fire'));
    storage.release();
    await settle();
    expect(failing.value).toBe('rejected');
    expect((failing.error as Error).message).toBe('disk on fire');
    expect(statuses).toEqual([['error', 'disk on fire']]);
    expect(writer.pending).toBe(2); // the failed write is held for a retry, not dropped
    storage.holding = false;
    // No immediate retry against a failing storage: the retry waits for its backoff timer.
    expect(retries.map((r) => r.ms)).toEqual([250]);
    retries[0]!.fn();
    scheduler.run();
    await settle();
    expect(later.value).toBe('resolved');
    expect(writer.pending).toBe(0);
    expect(statuses).toEqual([
      ['error', 'disk on fire'],
      ['ok', undefined],
    ]);
    expect((await storage.loadVersions()).map(versionKey).sort()).toEqual([versionKey(v(0)), versionKey(v(1))].sort());
  });

  it('eventuallyDurable resolves once what was enqueued before it is stored, through the retries of a failed commit', async () => {
    const { storage, scheduler, writer, retries } = setup();
    const failing = state(writer.enqueue([v(0)], []));
    const eventually = state(writer.eventuallyDurable());
    storage.failNextCommit(new Error('disk on fire'));
    scheduler.run();
    await settle();
    expect(failing.value).toBe('rejected');
    // Another waiter after the failure shares the wait; neither rejects.
    const after = state(writer.eventuallyDurable());
    storage.failNextCommit(new Error('still on fire'));
    retries.shift()!.fn();
    scheduler.run();
    await settle();
    expect([eventually.value, after.value]).toEqual(['pending', 'pending']);
    retries.shift()!.fn();
    scheduler.run();
    await settle();
    expect([eventually.value, after.value]).toEqual(['resolved', 'resolved']);
    expect((await storage.loadVersions()).map(versionKey)).toEqual([versionKey(v(0))]);
    // Nothing waiting: at once.
    await writer.eventuallyDurable();
  });

  it('once closed commits nothing more, schedules no retry, and refuses a later write and the writers still waiting', async () => {
    const { storage, scheduler, writer, retries } = setup();
    storage.failNextCommit(new Error('storage closed'));
    const failing = state(writer.enqueue([v(0)], []));
    scheduler.run();
    await settle();
    expect(failing.value).toBe('rejected');
    expect(retries).toHaveLength(1); // the failed write waits for its retry
    // A write made while the node closes (an approval step still running) waits with it.
    const waiting = state(writer.enqueue([v(1)], []));
    const closed = new Error('the node is closed');
    writer.close(closed);
    await settle();
    expect(waiting.value).toBe('rejected');
    expect(waiting.error).toBe(closed);
    const after = state(writer.enqueue([v(2)], []));
    await settle();
    expect(after.error).toBe(closed);
    // The retry that was due runs, and commits nothing; nothing schedules another.
    const commits = storage.batches.length;
    retries[0]!.fn();
    scheduler.run();
    await settle();
    expect(storage.batches.length).toBe(commits);
    expect(retries).toHaveLength(1);
    expect(scheduler.waiting).toBe(0);
  });

  it("reports a full storage as 'full'", async () => {
    const { storage, scheduler, statuses, writer } = setup();
    storage.failNextCommit(new StorageFullError('quota exhausted'));
    const write = writer.enqueue([v(0)], []);
    scheduler.run();
    await expect(write).rejects.toBeInstanceOf(StorageFullError);
    expect(statuses).toEqual([['full', 'quota exhausted']]);
  });

  it('coalesces puts and removals of the same key within a batch', async () => {
    const { storage, scheduler, writer } = setup();
    const a = v(0);
    const aAgain: Version = { ...v(0), value: { lat: 1, lon: 2 } };
    const b = v(1);
    const c = v(2);
    const writes = [
      writer.enqueue([a, b], [versionKey(c)], { x: 1 }),
      writer.enqueue([aAgain, c], [versionKey(b)], { y: 2 }),
    ];
    scheduler.run();
    await Promise.all(writes);
    const [batch] = storage.batches;
    // a: the later put wins; b: put then remove leaves the remove; c: remove then put leaves the put.
    expect(batch!.put).toEqual([aAgain, c]);
    expect(batch!.remove).toEqual([versionKey(b)]);
    expect(batch!.meta).toEqual({ x: 1, y: 2 });
  });

  it('flushed() waits for everything enqueued so far, and pending counts it', async () => {
    const { storage, scheduler, writer } = setup();
    await writer.flushed(); // idle: resolves at once
    void writer.enqueue([v(0), v(1)], [versionKey(v(9))]);
    expect(writer.pending).toBe(3);
    const flushed = state(writer.flushed());
    await settle();
    expect(flushed.value).toBe('pending');
    scheduler.run();
    await settle();
    expect(flushed.value).toBe('resolved');
    expect(writer.pending).toBe(0);
    expect(storage.batches).toHaveLength(1);
  });

  it('resolves an empty enqueue at once without a commit', async () => {
    const { storage, scheduler, writer } = setup();
    await writer.enqueue([], []);
    expect(scheduler.waiting).toBe(0);
    expect(storage.batches).toHaveLength(0);
  });

  it('uses queueMicrotask by default: one synchronous burst, one commit', async () => {
    const storage = new RecordingStorage();
    const writer = new WriteBehind(storage);
    await Promise.all(Array.from({ length: 5 }, (_, i) => writer.enqueue([v(i)], [])));
    expect(storage.batches).toHaveLength(1);
  });
});

describe('WriteBehind gathering (a received frame merged in parts)', () => {
  it('holds the bulk commit until released: the parts of one frame go out as one commit, the metas of an entity once', async () => {
    const { storage, scheduler, writer } = setup();
    const release = writer.gather();
    const meta = (i: number) => ({ id: 'track-0', knowledge: [], part: i }) as never;
    const parts = [0, 1, 2].map((p) => writer.enqueue([v(3 * p), v(3 * p + 1)], [], { clock: p }, [meta(p)]));
    // Each part's flush comes and goes (a task of its own between parts): none commits.
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(0);
    release();
    release(); // a second call does nothing
    scheduler.run();
    await Promise.all(parts);
    expect(storage.batches).toHaveLength(1);
    expect(storage.batches[0]!.put).toHaveLength(6);
    expect(storage.batches[0]!.entityMeta).toEqual([meta(2)]);
    expect(storage.batches[0]!.meta).toEqual({ clock: 2 });
  });

  it('never holds the priority lane', async () => {
    const { storage, scheduler, writer } = setup();
    const release = writer.gather();
    const bulk = state(writer.enqueue([v(0)], []));
    const urgent = writer.enqueue([v(1)], [], undefined, [], undefined, 'priority');
    scheduler.run();
    await urgent;
    expect(storage.batches.map((b) => b.put.length)).toEqual([1]);
    expect(bulk.value).toBe('pending');
    release();
    scheduler.run();
    await settle();
    expect(bulk.value).toBe('resolved');
  });

  it('holds nothing while another gathering holds, or while bulk writes already wait: they are not kept waiting for a frame', async () => {
    const { storage, scheduler, writer } = setup();
    const first = writer.gather();
    writer.gather()(); // a second gatherer's release does not free the first's hold
    void writer.enqueue([v(0)], []);
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(0);
    first();
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(1);
    // A bulk write waits for its flush: a frame starting now takes no hold, so the write goes as it would have.
    const waiting = writer.enqueue([v(1)], []);
    const late = writer.gather();
    scheduler.run();
    await waiting;
    expect(storage.batches).toHaveLength(2);
    late();
  });

  it('endGathering (the node closes) lets the held commit go, and no frame holds one after it', async () => {
    const { storage, scheduler, writer } = setup();
    const release = writer.gather();
    const write = writer.enqueue([v(0)], []);
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(0);
    writer.endGathering();
    scheduler.run();
    await write;
    expect(storage.batches).toHaveLength(1);
    // A frame arriving while the node flushes for its close takes no hold: its writes go at once.
    const next = writer.gather();
    void writer.enqueue([v(1)], []);
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(2);
    next();
    release();
  });

  it("an old frame's late release does not end a newer frame's hold", async () => {
    const { storage, scheduler, writer } = setup();
    const old = writer.gather();
    old();
    const next = writer.gather();
    old();
    void writer.enqueue([v(0)], []);
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(0);
    next();
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(1);
  });

  it('commits a batch that fills (BULK_COMMIT_VERSIONS) whatever holds it', async () => {
    const { storage, scheduler, writer } = setup();
    const release = writer.gather();
    const full = writer.enqueue(
      Array.from({ length: BULK_COMMIT_VERSIONS }, (_, i) => v(i)),
      [],
    );
    const more = state(writer.enqueue([v(BULK_COMMIT_VERSIONS)], []));
    scheduler.run();
    await full;
    expect(storage.batches.map((b) => b.put.length)).toEqual([BULK_COMMIT_VERSIONS]);
    scheduler.run();
    await settle();
    expect(more.value).toBe('pending');
    release();
    scheduler.run();
    await settle();
    expect(more.value).toBe('resolved');
  });
});

describe('WriteBehind and the skew hold', () => {
  it('coalesces holds and releases in one batch, and carries a failed batch of them into the retry', async () => {
    const storage = new RecordingStorage();
    const sched = manualScheduler();
    const retries: (() => void)[] = [];
    const writer = new WriteBehind(storage, { schedule: sched.schedule, retryAfter: (fn) => void retries.push(fn) });
    const [a, b, c] = [sampleHeld(0), sampleHeld(1), sampleHeld(2)];
    storage.failNextCommit(new Error('disk on fire'));
    const first = state(writer.enqueue([], [], undefined, [], { hold: [a, b], unhold: [] }));
    const second = state(writer.enqueue([], [], undefined, [], { hold: [], unhold: [b.key] }));
    sched.run();
    await Promise.resolve();
    await writer.flushed();
    expect([first.value, second.value]).toEqual(['rejected', 'rejected']);
    expect(storage.batches[0]).toMatchObject({ hold: [a], unhold: [b.key] });
    void writer.enqueue([], [], undefined, [], { hold: [c], unhold: [] });
    for (const retry of retries.splice(0)) retry();
    sched.run();
    await writer.flushed();
    expect((await storage.loadHeld()).map((h) => h.key).sort()).toEqual([a.key, c.key].sort());
  });

  it('caps a bulk commit at BULK_COMMIT_VERSIONS plus one whole write, so a priority write waits behind no backlog', async () => {
    const { storage, scheduler, writer } = setup();
    const part = BULK_COMMIT_VERSIONS / 2 + 10;
    const write = (from: number) => Array.from({ length: part }, (_, i) => v(from + i));
    storage.holding = true;
    const first = writer.enqueue([v(1_000_000)], []);
    scheduler.run();
    // A backlog of bulk writes gathers while a commit is in flight: six writes, three caps' worth.
    const bulk = Array.from({ length: 6 }, (_, k) => writer.enqueue(write(k * part), []));
    const urgent = writer.enqueue([v(2_000_000)], [], undefined, [], undefined, 'priority');
    const all = Promise.all([first, ...bulk, urgent]);
    for (let i = 0; i < 10 && storage.batches.length < 5; i++) {
      storage.release();
      await settle();
      scheduler.run();
    }
    storage.holding = false;
    storage.release();
    await all;
    const sizes = storage.batches.map((b) => b.put.length);
    // The one in flight, the priority write, then the backlog in commits of whole writes, none
    // larger than the cap plus one write.
    expect(sizes[0]).toBe(1);
    expect(sizes[1]).toBe(1);
    expect(sizes.slice(2).reduce((a, b) => a + b, 0)).toBe(6 * part);
    for (const n of sizes.slice(2)) {
      expect(n % part).toBe(0);
      expect(n).toBeLessThan(BULK_COMMIT_VERSIONS + part);
    }
    expect(await storage.loadVersions()).toHaveLength(2 + 6 * part);
  });

  it('durable() covers every queued bulk batch, and a failed one is carried into the next', async () => {
    const { storage, scheduler, writer, retries } = setup();
    const part = BULK_COMMIT_VERSIONS;
    storage.holding = true;
    void writer.enqueue([v(9_000_000)], []);
    scheduler.run();
    const a = state(
      writer.enqueue(
        Array.from({ length: part }, (_, i) => v(i)),
        [],
      ),
    );
    const b = state(
      writer.enqueue(
        Array.from({ length: 3 }, (_, i) => v(part + i)),
        [],
      ),
    );
    const all = writer.durable();
    const failOnce = storage.commit.bind(storage);
    let failed = false;
    storage.commit = async (batch: StorageBatch) => {
      if (!failed && batch.put.length === part) {
        failed = true;
        storage.batches.push(batch);
        throw new Error('disk hiccup');
      }
      return failOnce(batch);
    };
    storage.holding = false;
    storage.release();
    for (let i = 0; i < 5; i++) {
      await settle();
      scheduler.run();
      for (const r of retries.splice(0)) r.fn();
    }
    await all;
    expect(a.value).toBe('rejected');
    expect(b.value).toBe('resolved');
    expect(await storage.loadVersions()).toHaveLength(1 + part + 3);
  });
});

describe('WriteBehind lanes that fail', () => {
  it('a priority lane that keeps failing does not hold up a bulk batch that yielded to it: its writers hear back', async () => {
    const { storage, scheduler, writer, retries } = setup();
    const commit = storage.commit.bind(storage);
    storage.commit = async (batch: StorageBatch) => {
      if (batch.priority === true) {
        storage.batches.push(batch);
        throw new Error('urgent store broken');
      }
      return commit(batch);
    };
    const a = v(0);
    const b = v(1);
    const bulk = state(writer.enqueue([a, b], []));
    // A priority write replaces a (another content under its key): the bulk batch drops a and waits
    // for the priority commit. (A priority write's removal of an entity the bulk lane writes goes
    // with that lane: WriteBehind.leaveToBulk.)
    const twin: Version = { ...a, value: { replaced: true } as Version['value'] };
    const removal = state(writer.enqueue([twin], [], undefined, [], undefined, 'priority'));
    const later: ReturnType<typeof state>[] = [];
    for (let k = 0; k < 5; k++) {
      scheduler.run();
      await settle();
      for (const r of retries.splice(0)) r.fn();
      later.push(state(writer.enqueue([v(10 + k)], [])));
    }
    scheduler.run();
    await settle();
    expect(removal.value).toBe('rejected');
    // Its version a was superseded by a write that is not durable: refused, not "stored".
    expect(bulk.value).toBe('rejected');
    expect((bulk.error as Error).message).toBe('urgent store broken');
    expect(later.slice(0, 4).map((s) => s.value)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
    const keys = (await storage.loadVersions()).map(versionKey);
    expect(keys).toContain(versionKey(b));
    expect(keys).not.toContain(versionKey(a)); // the removal it yielded to never lands behind it
    expect(writer.pendingPriority).toBe(1); // the removal is still retried
  });

  it("reports 'ok' only once both lanes commit again: a priority success does not hide a failing bulk lane", async () => {
    const { storage, scheduler, statuses, writer, retries } = setup();
    const commit = storage.commit.bind(storage);
    let bulkFails = true;
    storage.commit = async (batch: StorageBatch) => {
      if (bulkFails && batch.priority !== true) {
        storage.batches.push(batch);
        throw new StorageFullError('quota exhausted');
      }
      return commit(batch);
    };
    const bulk = state(writer.enqueue([v(0)], []));
    scheduler.run();
    await settle();
    expect(bulk.value).toBe('rejected');
    const urgent = state(writer.enqueue([v(1)], [], undefined, [], undefined, 'priority'));
    scheduler.run();
    await settle();
    expect(urgent.value).toBe('resolved');
    // The bulk lane still cannot commit (its retry went with the priority commit, and failed).
    expect(statuses.map(([s]) => s)).not.toContain('ok');
    // Its retries back off although a priority commit succeeded in between.
    for (const r of retries.splice(0)) r.fn();
    scheduler.run();
    await settle();
    expect(retries.map((r) => r.ms)).toHaveLength(1);
    expect(retries[0]!.ms).toBeGreaterThan(250);
    expect(statuses.map(([s]) => s)).not.toContain('ok');
    bulkFails = false;
    for (const r of retries.splice(0)) r.fn();
    scheduler.run();
    await settle();
    expect(statuses.at(-1)).toEqual(['ok', undefined]);
    expect(statuses.filter(([s]) => s === 'ok')).toHaveLength(1);
    expect(writer.pending).toBe(0);
  });
});

describe('WriteBehind: a priority write on an entity the bulk lane still writes', () => {
  it('leaves its removals of that entity to the bulk lane, with its meta; its versions go ahead', async () => {
    const { storage, scheduler, writer } = setup();
    // track-0 has bulk work waiting; track-1 has none.
    const bulk = writer.enqueue([v(1)], []);
    const meta = { id: 'track-0' as EntityId, knowledge: [] };
    const twin: Version = { ...v(3), value: { level: 'LOW' } as Version['value'] };
    const urgent = writer.enqueue(
      [v(2), twin],
      [versionKey(v(0)), versionKey(v(3)), versionKey(v(4))],
      undefined,
      [meta],
      undefined,
      'priority',
    );
    scheduler.run();
    await Promise.all([bulk, urgent]);
    const [first, second] = storage.batches;
    expect(first!.priority).toBe(true);
    // The twin was dropped later in the write: its removal stays with the write, as does one of an
    // entity the bulk lane does not write. Track-0's other removal goes with the bulk lane's meta.
    expect(first!.put).toEqual([v(2)]);
    expect(first!.remove).toEqual([versionKey(v(3)), versionKey(v(4))]);
    expect(first!.entityMeta).toBeUndefined();
    // The bulk commit stores the priority write's versions of track-0 too (WriteBehind.urgentAlong):
    // its meta and removal may be what they taught, and must not land without them should the
    // priority commit fail.
    expect(second!.put).toEqual([v(1), v(2)]);
    expect(second!.remove).toEqual([versionKey(v(0)), versionKey(v(3))]);
    expect(second!.entityMeta).toEqual([meta]);
  });

  it('a priority write left with nothing of its own is durable with the bulk lane', async () => {
    const { storage, scheduler, writer } = setup();
    storage.holding = true;
    const bulk = state(writer.enqueue([v(1)], []));
    const removal = state(writer.enqueue([], [versionKey(v(0))], undefined, [], undefined, 'priority'));
    scheduler.run();
    await settle();
    expect(storage.batches).toHaveLength(1);
    expect(storage.batches[0]!.remove).toEqual([versionKey(v(0))]);
    expect(removal.value).toBe('pending');
    storage.release();
    await settle();
    expect([bulk.value, removal.value]).toEqual(['resolved', 'resolved']);
  });
});

describe('WriteBehind: a bulk commit beside priority versions not yet durable', () => {
  it('stores the priority versions of the entities whose metas it stores, so a failed priority commit leaves none behind', async () => {
    const { storage, scheduler, writer } = setup();
    storage.holding = true;
    // track-0's HIGH threat and track-1's in the priority lane; its commit is in flight.
    const urgent = state(writer.enqueue([v(2), v(4)], [], undefined, [], undefined, 'priority'));
    scheduler.run();
    // A bulk write of track-0 with its meta, as the live store has it now: it knows of the threat.
    const meta = { id: 'track-0' as EntityId, knowledge: [] };
    const bulk = state(writer.enqueue([v(1)], [], undefined, [meta]));
    scheduler.run();
    expect(storage.batches).toHaveLength(2);
    // track-0's priority version goes with the bulk commit; track-1's, whose meta it does not store, does not.
    expect(storage.batches[1]!.put).toEqual([v(1), v(2)]);
    // The priority commit fails, the bulk one lands: the meta is not stored without the threat.
    storage.failNextCommit(new Error('disk on fire'));
    storage.release();
    await settle();
    expect([urgent.value, bulk.value]).toEqual(['rejected', 'resolved']);
    expect([...storage.backing.versions.keys()].sort()).toEqual([versionKey(v(1)), versionKey(v(2))].sort());
    expect(storage.backing.entities.get('track-0')).toEqual(meta);
  });

  it('after a failed priority commit, stores its own newer write of a key and the retried versions of its entity', async () => {
    const { storage, scheduler, writer, retries } = setup();
    storage.holding = true;
    const threat = v(2);
    const urgent = state(writer.enqueue([threat], [versionKey(v(3))], undefined, [], undefined, 'priority'));
    scheduler.run();
    // A newer write of the threat's key in the bulk lane, with track-0's meta: it waits for the priority commit.
    const newer: Version = { ...threat, value: { level: 'LOW' } as Version['value'] };
    const bulk = state(writer.enqueue([newer, v(1)], [], undefined, [{ id: 'track-0' as EntityId, knowledge: [] }]));
    scheduler.run();
    expect(storage.batches).toHaveLength(1);
    // The priority commit fails: its writers are refused, and the bulk batch goes on at the retry,
    // beside the priority lane's retry, which no longer holds the threat the bulk batch rewrote.
    storage.failNextCommit(new Error('disk on fire'));
    storage.release();
    await settle();
    expect([urgent.value, bulk.value]).toEqual(['rejected', 'rejected']);
    storage.holding = false;
    retries.shift()!.fn();
    scheduler.run();
    await settle();
    const [, retried, last] = storage.batches;
    expect(retried!.priority).toBe(true);
    expect(retried!.put).toEqual([]);
    expect(last!.priority).toBeUndefined();
    // The bulk commit stores its own (newer) threat, and the retried removal of track-0 with its meta.
    expect(last!.put).toEqual([newer, v(1)]);
    expect(last!.remove).toEqual([versionKey(v(3))]);
    expect(storage.backing.versions.get(versionKey(threat))).toEqual(newer);
  });
});

describe('WriteBehind: the bulk lane under a stream of priority rewrites', () => {
  it('commits a bulk write while each priority write replaces the last one still in flight', async () => {
    const { storage, scheduler, writer } = setup();
    storage.holding = true;
    const at = (base: Version, k: number): Version => ({ ...base, ts: { ...base.ts, ms: base.ts.ms + k } });
    // track-0: its position goes in the bulk lane, its HIGH threat in the priority lane.
    const position = v(0);
    const threat = v(2);
    const first = writer.enqueue([position], []);
    let last = at(threat, 0);
    const writes = [writer.enqueue([last], [], undefined, [], undefined, 'priority')];
    scheduler.run();
    // The next position waits in the bulk lane behind the one in flight.
    const next = state(writer.enqueue([at(position, 1)], []));
    for (let k = 1; k <= 5; k++) {
      // A new HIGH threat replaces the one whose commit is in flight, before that commit lands.
      const replacement = at(threat, k);
      writes.push(writer.enqueue([replacement], [versionKey(last)], undefined, [], undefined, 'priority'));
      last = replacement;
      storage.release();
      await settle();
      scheduler.run();
    }
    // Five priority commits landed one after the other; the bulk lane had room after each.
    expect(next.value).toBe('resolved');
    storage.holding = false;
    storage.release();
    await settle();
    scheduler.run();
    await Promise.all([first, ...writes]);
  });
});
