import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { WriteBehind } from '../../../src/node/write-behind';
import { laneOf, PRIORITY_MAX_VERSIONS, splitByLane } from '../../../src/node/write-lane';
import { versionKey } from '../../../src/ports/storage';
import { sampleVersion } from '../../contract/storage-contract';
import { HeldStorage } from '../support/held-storage';

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A position version of track `i` (the flood). */
const position = (i: number): Version => ({ ...sampleVersion(i * 4), entity: `track-${i}` as EntityId });
const approval = (entity: string): Version => ({
  ...sampleVersion(0),
  entity: entity as EntityId,
  kind: 'approval' as ComponentKind,
  value: { requestId: 'r1', state: 'pending' },
});

function tracked(promise: Promise<unknown>): { done: boolean } {
  const s = { done: false };
  void promise.then(() => (s.done = true));
  return s;
}

describe('laneOf', () => {
  const threat = (i: number, level: string): Version => ({
    ...position(i),
    kind: 'threat' as ComponentKind,
    value: { level },
  });
  it('puts a small write of an approval, a task or a HIGH threat in the priority lane, whole', () => {
    expect(laneOf([position(1)])).toBe('bulk');
    expect(laneOf([position(1), threat(1, 'HIGH')])).toBe('priority');
    expect(laneOf([approval('a')])).toBe('priority');
    expect(laneOf([{ ...position(1), kind: 'task' as ComponentKind }])).toBe('priority');
  });

  it('keeps threats below HIGH and large writes in the bulk lane, whatever they hold', () => {
    // A first classification or a de-escalation raises no request.
    expect(laneOf([threat(1, 'LOW')])).toBe('bulk');
    expect(laneOf([threat(1, 'MEDIUM'), position(1)])).toBe('bulk');
    // A writeMany or an import of thousands of tracks, one of them HIGH, is not the gate's traffic.
    const many = Array.from({ length: PRIORITY_MAX_VERSIONS + 1 }, (_, i) => position(i));
    expect(laneOf([...many, threat(0, 'HIGH')])).toBe('bulk');
    expect(laneOf([...many.slice(0, PRIORITY_MAX_VERSIONS - 1), approval('a')])).toBe('priority');
  });
});

describe('splitByLane (versions merged from peers)', () => {
  it('takes the gate versions out of a remote batch, each alone, and leaves the rest to the bulk lane', () => {
    const high = { ...position(2), kind: 'threat' as ComponentKind, value: { level: 'HIGH' } };
    const low = { ...position(3), kind: 'threat' as ComponentKind, value: { level: 'LOW' } };
    const flood = Array.from({ length: 100 }, (_, i) => position(10 + i));
    const { priority, bulk } = splitByLane([...flood, approval('a'), high, low]);
    expect(priority.map((v) => v.kind)).toEqual(['approval', 'threat']);
    expect(bulk).toHaveLength(101);
    expect(bulk).toContain(low);
  });
});

describe('WriteBehind priority lane', () => {
  it('commits an approval enqueued behind a large backlog in its own small commit, beside the one in flight', async () => {
    const storage = new HeldStorage(true);
    const writer = new WriteBehind(storage);
    // A bulk commit in flight, and a backlog of 10,000 positions gathering behind it.
    const first = tracked(writer.enqueue([position(0)], []));
    await settle();
    const backlog = tracked(
      writer.enqueue(
        Array.from({ length: 10_000 }, (_, i) => position(i + 1)),
        [],
      ),
    );
    const decision = tracked(writer.enqueue([approval('track-7')], [], { clock: 'x' }, [], undefined, 'priority'));
    expect(writer.pending).toBe(10_002);
    expect(writer.pendingPriority).toBe(1);
    await settle();
    // The approval's commit has started while the bulk commit is still in flight.
    expect(first.done).toBe(false);
    expect(storage.batches).toHaveLength(2);
    expect(storage.batches[1]!.put).toEqual([approval('track-7')]);
    expect(storage.batches[1]!.meta).toEqual({ clock: 'x' });
    expect(storage.batches[1]!.priority).toBe(true);
    await storage.release(); // both end; the backlog's commit starts
    expect(first.done).toBe(true);
    expect(decision.done).toBe(true); // durable before the backlog
    expect(backlog.done).toBe(false);
    expect(storage.batches[2]!.put).toHaveLength(10_000);
    expect(storage.batches[2]!.priority).toBe(undefined);
    await storage.release();
    expect(backlog.done).toBe(true);
    expect(writer.pending).toBe(0);
  });

  it('drops from the waiting bulk batch what a priority write supersedes, so it is not stored again after it', async () => {
    const storage = new HeldStorage(true);
    const writer = new WriteBehind(storage);
    void writer.enqueue([position(0)], []);
    await settle();
    // A peer's approval merged (bulk), then superseded by a local decision (priority).
    const peers = { ...approval('track-7'), value: { requestId: 'r1', state: 'pending', by: 'peer' } };
    void writer.enqueue([peers], [], { clock: 'old' }, [{ id: 'track-7' as EntityId, floor: 1, knowledge: [] }]);
    const mine = { ...approval('track-7'), ts: { ...peers.ts, ms: peers.ts.ms + 1 } };
    void writer.enqueue(
      [mine],
      [versionKey(peers)],
      { clock: 'new' },
      [{ id: 'track-7' as EntityId, floor: 2, knowledge: [] }],
      undefined,
      'priority',
    );
    for (let k = 0; k < 3; k++) await storage.release();
    await writer.flushed();
    const keys = (await storage.loadVersions()).map(versionKey);
    expect(keys).toContain(versionKey(mine));
    expect(keys).not.toContain(versionKey(peers));
    expect(await storage.getMeta('clock')).toBe('new');
    expect((await storage.loadEntityMeta()).find((e) => e.id === 'track-7')).toMatchObject({ floor: 2 });
  });

  it("a priority put under a bulk put's key wins on disk: the older content and its removal are dropped", async () => {
    const storage = new HeldStorage(true);
    const writer = new WriteBehind(storage);
    void writer.enqueue([position(0)], []);
    await settle();
    // One timestamp, two contents (a signer equivocating): the loser arrives first (bulk), the
    // winner, a HIGH threat, second (priority), and its removal of the loser shares its key.
    const loser = { ...position(5), kind: 'threat' as ComponentKind, value: { level: 'MEDIUM' } };
    const winner = { ...loser, value: { level: 'HIGH' } };
    void writer.enqueue([loser], []);
    void writer.enqueue([winner], [], undefined, [], undefined, 'priority');
    storage.holding = false;
    await storage.release();
    await writer.flushed();
    const stored = await storage.loadVersions();
    expect(stored.filter((v) => versionKey(v) === versionKey(winner)).map((v) => v.value)).toEqual([{ level: 'HIGH' }]);
  });

  it('commits the lanes side by side: a stream of priority writes cannot keep the bulk lane off the disk', async () => {
    const storage = new HeldStorage(true);
    const writer = new WriteBehind(storage);
    void writer.enqueue([position(0)], []);
    await settle();
    const backlog = tracked(
      writer.enqueue(
        Array.from({ length: 1_000 }, (_, i) => position(i + 1)),
        [],
      ),
    );
    // A peer rewriting HIGH threats: one priority write waiting at every commit.
    for (let k = 0; k < 6 && !backlog.done; k++) {
      void writer.enqueue([approval(`hot-${k.toString()}`)], [], undefined, [], undefined, 'priority');
      await storage.release();
    }
    expect(backlog.done).toBe(true);
    // The first priority write did not wait for the commit in flight: it was commit 1.
    expect(storage.batches[1]!.put.map((v) => v.kind)).toEqual(['approval']);
    storage.holding = false;
    await storage.release();
    await writer.flushed();
    expect(writer.pending).toBe(0);
  });

  it('durable() and flushed() cover both lanes', async () => {
    const storage = new HeldStorage(true);
    const writer = new WriteBehind(storage);
    void writer.enqueue([position(0)], []);
    await settle();
    void writer.enqueue([position(1)], []);
    void writer.enqueue([approval('track-7')], [], undefined, [], undefined, 'priority');
    const durable = tracked(writer.durable());
    const flushed = tracked(writer.flushed());
    await storage.release(); // the first bulk commit and the approval's, side by side
    expect(durable.done).toBe(false); // the second bulk write still waits
    expect(flushed.done).toBe(false);
    await storage.release();
    expect(durable.done).toBe(true);
    expect(flushed.done).toBe(true);
  });

  it("on a disk that keeps failing, the bulk lane's writers learn it too: they do not wait behind the priority retries", async () => {
    const storage = new HeldStorage(true);
    storage.holding = false;
    const retries: (() => void)[] = [];
    const writer = new WriteBehind(storage, { retryAfter: (fn) => void retries.push(fn) });
    const full = new Error('quota exceeded');
    storage.commit = () => Promise.reject(full);
    const lease = writer.enqueue([approval('lease')], [], { clock: 'x' }, [], undefined, 'priority');
    lease.catch(() => undefined);
    const write = writer.enqueue([position(3)], []);
    write.catch(() => undefined);
    let outcome = 'waiting';
    void write.then(
      () => (outcome = 'stored'),
      () => (outcome = 'refused'),
    );
    for (let k = 0; k < 4 && outcome === 'waiting'; k++) {
      await settle();
      for (const retry of retries.splice(0)) retry();
      await settle();
    }
    expect(outcome).toBe('refused');
  });

  it('retries a failed priority commit ahead of the bulk, and keeps it', async () => {
    const storage = new HeldStorage(true);
    storage.holding = false;
    const retries: (() => void)[] = [];
    const writer = new WriteBehind(storage, { retryAfter: (fn) => void retries.push(fn) });
    storage.failNextCommit(new Error('disk on fire'));
    await expect(writer.enqueue([approval('track-7')], [], undefined, [], undefined, 'priority')).rejects.toThrow(
      'disk on fire',
    );
    const later = writer.enqueue([position(3)], []);
    expect(writer.pendingPriority).toBe(1);
    for (const retry of retries.splice(0)) retry();
    await later;
    await writer.flushed();
    expect(storage.batches.map((b) => b.put.map((v) => v.kind))).toEqual([['approval'], ['approval'], ['position']]);
    expect(writer.pending).toBe(0);
  });
});
