/**
 * Issue 8, zero divergence at the node: a local write reaches peers only once durable, refused
 * versions still drop what they show was seen, expiries that passed while closed are purged before
 * anything can arrive, and local writes are refused when they could not be sent or would fire at once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { MAX_CONTEXT_ENTRIES } from '../../../src/core/merge/context-limits';
import { hasHonestContext } from '../../../src/core/merge/knowledge';
import { decodeVersions, encodeVersions } from '../../../src/core/wire';
import { DEFAULT_LIMITS } from '../../../src/core/wire/limits';
import type { Version } from '../../../src/core/merge/version';
import { LatticeNode, type VersionOrigin } from '../../../src/node/lattice-node';
import { StorageFullError, versionKey } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;

interface Opened {
  readonly node: LatticeNode;
  readonly clock: { now: number };
  readonly heard: { origin: VersionOrigin; versions: Version[]; removed: Version[] }[];
}

async function open(storage: MemoryStorage, clock = { now: T0 }, nodeId = 'n1'): Promise<Opened> {
  const node = await openTestNode({
    nodeId: nodeId as NodeId,
    storage,
    now: () => clock.now,
  });
  const heard: Opened['heard'] = [];
  node.onVersions((versions, origin, removed) =>
    heard.push({ origin, versions: [...versions], removed: [...removed] }),
  );
  return { node, clock, heard };
}

const ts = (ms: number, node: string, c = 0): Timestamp => ({ ms, c, node: node as NodeId });

function version(entity: string, kind: string, value: unknown, at: Timestamp, seen: Timestamp[] = []): Version {
  return { entity: entity as EntityId, kind: kind as ComponentKind, value: value as never, ts: at, seen };
}

async function storedKeys(storage: MemoryStorage): Promise<string[]> {
  return (await storage.loadVersions()).map(versionKey).sort();
}

describe('a local write reaches peers only once durable', () => {
  it('does not announce a write whose commit failed, and announces it once a retry lands it', async () => {
    const storage = new MemoryStorage();
    const { node, heard } = await open(storage);
    // The clock's lease is stored by the first write: the failure below hits the write itself.
    await node.create({ id: 'first', components: { threat: { level: 'LOW' } } });
    heard.length = 0;
    storage.failNextCommit(new StorageFullError('quota exceeded'));
    await expect(node.create({ id: 'a', components: { threat: { level: 'LOW' } } })).rejects.toBeInstanceOf(
      StorageFullError,
    );
    expect(heard).toEqual([]);
    // The next commit carries the failed write too: both are durable, then both are announced.
    await node.create({ id: 'b', components: { threat: { level: 'LOW' } } });
    await node.flushed();
    await Promise.resolve();
    const announced = heard.flatMap((h) => h.versions.map((v) => v.entity)).sort();
    expect(announced).toEqual(['a', 'b']);
    expect(heard.every((h) => h.origin === 'local')).toBe(true);
    expect((await storedKeys(storage)).length).toBe(3);
  });

  it('announces a successful write after its commit resolved', async () => {
    const storage = new MemoryStorage();
    const { node, heard } = await open(storage);
    let storedWhenHeard: number | undefined;
    node.onVersions(() => void storage.loadVersions().then((vs) => (storedWhenHeard ??= vs.length)));
    await node.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await Promise.resolve();
    expect(heard.map((h) => h.versions.length)).toEqual([1]);
    expect(storedWhenHeard).toBe(1);
  });
});

describe('a refused version still drops the heads it shows were seen', () => {
  it('removes them from the store, the storage and the replicated set', async () => {
    const storage = new MemoryStorage();
    const { node, heard } = await open(storage, { now: T0 + 10_000 });
    const kind = 'note';
    const b10 = version('x', kind, { v: 'b' }, ts(T0 + 10, 'B'));
    // A's later write names no context (not causally closed): the two are concurrent heads.
    const a30 = version('x', kind, { v: 'a30' }, ts(T0 + 30, 'A'));
    node.applyRemote([b10, a30]);
    await node.flushed();
    expect((await node.heads('x', kind)).length).toBe(2);
    // A's earlier write arrives late: obsolete (A@30 is known), but it had seen B@10.
    const a20 = version('x', kind, { v: 'a20' }, ts(T0 + 20, 'A'), [ts(T0 + 10, 'B')]);
    heard.length = 0;
    // What it taught is taught by nothing the node keeps (A@30 leaves B@10 out): it is kept as
    // evidence (src/core/store/evidence.ts), so a replica that syncs with this one learns it too,
    // rather than keep B@10 for good.
    expect(node.applyRemote([a20])).toEqual([a20]);
    await node.flushed();
    expect((await node.heads('x', kind)).map((h) => h.author)).toEqual(['A']);
    expect(heard.flatMap((h) => h.removed)).toEqual([b10]);
    expect(heard.flatMap((h) => h.versions)).toEqual([a20]);
    expect([...node.versions()]).toEqual([a30, a20]);
    // Stored as a version: the head; the evidence is in the entity's meta.
    expect(await storedKeys(storage)).toEqual([versionKey(a30)]);
    expect((await storage.loadEntityMeta()).flatMap((m) => m.evidence ?? []).map((e) => e.version)).toEqual([a20]);
    expect((await node.stats()).writes.obsolete).toBe(1);
  });
});

describe('a version with a malformed context', () => {
  it('is refused as obsolete and counted apart', async () => {
    const { node } = await open(new MemoryStorage(), { now: T0 + 10_000 });
    const bad = version('x', 'note', { v: 1 }, ts(T0 + 20, 'A'), [ts(T0 + 30, 'B')]);
    expect(node.applyRemote([bad])).toEqual([]);
    const stats = await node.stats();
    expect([stats.writes.obsolete, stats.rejected['malformed-context']]).toEqual([1, 1]);
  });
});

describe('expiries that passed while the node was closed', () => {
  it('are purged on open, so their old versions are refused when peers deliver them again', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const first = await open(storage, clock);
    await first.node.create({ id: 'x', components: { speed: { kts: 10 } } });
    const old = [...first.node.versions()];
    clock.now = T0 + 100;
    await first.node.update('x', { expiry: { at: T0 + 2_000 } });
    await first.node.close();
    // Reopened after the deadline, before any tick.
    clock.now = T0 + 5_000;
    const reopened = storage.reopen();
    const again = await open(reopened, clock);
    expect(await again.node.get('x')).toBeUndefined();
    expect(again.node.applyRemote(old)).toEqual([]);
    expect(await again.node.get('x')).toBeUndefined();
    await again.node.flushed();
    expect((await reopened.loadVersions()).map((v) => v.kind)).toEqual(['expiry']);
  });
});

describe('local writes the node could not send or that would fire at once are refused', () => {
  it('refuses an expiry whose deadline is not after now, changing nothing', async () => {
    const { node, clock } = await open(new MemoryStorage());
    await node.create({ id: 'x', components: { speed: { kts: 10 } } });
    for (const at of [clock.now, clock.now - 1]) {
      await expect(node.update('x', { expiry: { at } })).rejects.toThrow(/not after now/);
    }
    await expect(node.create({ id: 'y', components: { expiry: { at: clock.now } } })).rejects.toThrow(/not after now/);
    expect((await node.get('x'))?.components.expiry).toBeUndefined();
    expect(await node.get('y')).toBeUndefined();
    await node.update('x', { expiry: { at: clock.now + 1 } });
    expect((await node.get('x'))?.components.expiry).toEqual({ at: clock.now + 1 });
  });

  it('writes a register 1,025 other writers wrote, its context trimmed to MAX_CONTEXT_ENTRIES with a rest marker', async () => {
    const { node } = await open(new MemoryStorage(), { now: T0 + 10_000 });
    const kind = 'note';
    // 1,025 other writers, each after the one before: before, the next local write had to name them
    // all and was refused ("1025 other writers"); the register keeps 64 and a cut now.
    const writers = Array.from({ length: 1025 }, (_, i) =>
      version('x', kind, { i }, ts(T0 + i + 1, `w${i}`), i === 0 ? [] : [ts(T0 + i, `w${i - 1}`)]),
    );
    node.applyRemote(writers);
    const written = await node.update('x', { [kind]: { mine: true } });
    const heads = await node.heads('x', kind);
    expect(heads.map((h) => h.author)).toEqual(['n1']);
    expect(written.id).toBe('x');
    expect(heads[0]!.seen.length).toBeLessThanOrEqual(MAX_CONTEXT_ENTRIES);
    expect((await node.stats()).rejected).not.toHaveProperty('ValidationError');
    // The bound the door relies on (checkSendable checks no context): what a local write names is
    // what every peer takes and far less than the wire carries, and it encodes.
    expect(MAX_CONTEXT_ENTRIES).toBeLessThan(DEFAULT_LIMITS.maxSeen);
    const [mine] = [...node.versions()].filter((v) => v.entity === 'x' && v.kind === kind && v.ts.node === 'n1');
    expect(mine!.seen.length).toBe(MAX_CONTEXT_ENTRIES);
    expect(hasHonestContext(mine!)).toBe(true);
    expect(decodeVersions(encodeVersions([mine!]))[0]!.seen).toHaveLength(MAX_CONTEXT_ENTRIES);
    // The chain's versions it kept as evidence (each names only the one before) are covered by the
    // write's rest marker: none is kept any more.
    expect([...node.versions()].filter((v) => v.entity === 'x')).toEqual([mine]);
  });
});

describe('a restart keeps what the versions alone do not carry (entity metas)', () => {
  it('still refuses a version whose supersession it learned from a version it no longer holds', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 + 10_000 };
    const { node } = await open(storage, clock);
    const kind = 'note';
    const b10 = version('x', kind, { v: 'b' }, ts(T0 + 10, 'B'));
    const a30 = version('x', kind, { v: 'a30' }, ts(T0 + 30, 'A'));
    const a20 = version('x', kind, { v: 'a20' }, ts(T0 + 20, 'A'), [ts(T0 + 10, 'B')]);
    node.applyRemote([b10, a30, a20]);
    await node.close();
    const reopened = storage.reopen();
    const again = await open(reopened, clock);
    // Only A@30 is stored, and it never saw B@10: the meta remembers that A@20 did.
    expect(again.node.applyRemote([b10])).toEqual([]);
    expect((await again.node.heads('x', kind)).map((h) => h.author)).toEqual(['A']);
    expect((await reopened.loadEntityMeta()).map((m) => m.id)).toEqual(['x']);
  });

  it('keeps a floor whose marker a later expiry replaced', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const { node } = await open(storage, clock);
    await node.create({ id: 'x', components: { speed: { kts: 10 } } });
    // Another author's component, which nothing written later supersedes: only the floor refuses it.
    const old = [version('x', 'note', { by: 'B' }, ts(T0 + 1, 'B'))];
    node.applyRemote(old);
    await node.update('x', { expiry: { at: T0 + 2_000 } });
    clock.now = T0 + 3_000;
    node.tick();
    expect(await node.get('x')).toBeUndefined();
    // Revived by a write after the deadline, then given a later expiry: the first marker is gone.
    await node.create({ id: 'x', components: { speed: { kts: 20 } } });
    await node.update('x', { expiry: { at: T0 + 60_000 } });
    expect([...node.versions()].filter((v) => v.kind === 'expiry').length).toBe(1);
    await node.close();
    const again = await open(storage.reopen(), clock);
    expect(again.node.applyRemote(old)).toEqual([]);
    const view = await again.node.get('x');
    expect([view?.components.speed, view?.components.note]).toEqual([{ kts: 20 }, undefined]);
  });

  it('stores no meta for a track only its own sensor writes', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const { node } = await open(storage, clock);
    for (let i = 0; i < 5; i++) {
      clock.now += 100;
      await node
        .update('t', { speed: { kts: i } })
        .catch(() => node.create({ id: 't', components: { speed: { kts: i } } }));
    }
    node.applyRemote([
      version('s', 'speed', { kts: 1 }, ts(T0 + 1, 'S')),
      version('s', 'speed', { kts: 2 }, ts(T0 + 2, 'S')),
    ]);
    await node.flushed();
    expect(await storage.loadEntityMeta()).toEqual([]);
  });
});

describe('a timestamp is never issued twice', () => {
  it('stores a lease on the clock before using a timestamp under it', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const { node } = await open(storage, clock);
    await node.create({ id: 'a', components: { speed: { kts: 1 } } });
    const [first] = [...node.versions()];
    expect(storage.backing.meta.get('clockLease')).toBeGreaterThanOrEqual(first!.ts.ms);
    // The tab dies after issuing a timestamp but before its write landed: only the lease is stored.
    await node.close();
    storage.backing.versions.clear();
    storage.backing.meta.delete('clock');
    // The wall clock even stepped back.
    clock.now = T0 - 5_000;
    const again = await open(storage.reopen(), clock);
    await again.node.create({ id: 'b', components: { speed: { kts: 2 } } });
    const [second] = [...again.node.versions()];
    expect(second!.ts.ms > first!.ts.ms).toBe(true);
  });

  it('extends the lease as the clock moves on, one commit per second of writing at most', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const { node } = await open(storage, clock);
    let commits = 0;
    const commit = storage.commit.bind(storage);
    storage.commit = (batch) => {
      if (batch.meta?.clockLease !== undefined) commits += 1;
      return commit(batch);
    };
    for (let i = 0; i < 50; i++) {
      clock.now += 100;
      await node.create({ id: `t${i}`, components: { speed: { kts: i } } });
    }
    for (const v of node.versions()) expect(v.ts.ms <= (storage.backing.meta.get('clockLease') as number)).toBe(true);
    expect(commits).toBeGreaterThanOrEqual(4);
    expect(commits).toBeLessThanOrEqual(6);
  });
});

describe('clocks beyond the hard horizon', () => {
  const YEAR_10889 = 2 ** 48 - 1;

  it('refuses outright, counts and logs a write dated more than a day ahead', async () => {
    const logs: string[] = [];
    const storage = new MemoryStorage();
    const node = await openTestNode({
      storage,
      now: () => T0,
      log: (m) => logs.push(m),
    });
    const wild = version('x', 'note', { v: 1 }, ts(YEAR_10889, 'W'));
    const dayAhead = version('y', 'note', { v: 1 }, ts(T0 + 25 * 3_600_000, 'W'));
    const skewed = version('z', 'note', { v: 1 }, ts(T0 + 3_600_000, 'S'));
    expect(node.applyRemote([wild, dayAhead, skewed])).toEqual([]);
    const stats = await node.stats();
    expect(stats.rejected['clock-beyond-horizon']).toBe(2);
    expect(stats.held.map((h) => [h.author, h.count])).toEqual([['S', 1]]);
    expect(logs.some((m) => /more than a day ahead/.test(m))).toBe(true);
    // Accepting the skewed author's clock moves ours to it, not further.
    expect(await node.acceptHeld('S')).toBe(1);
    await node.create({ id: 'mine', components: { speed: { kts: 1 } } });
    const mine = (await node.heads('mine', 'speed'))[0]!;
    expect(mine.time).toBe(T0 + 3_600_000);
  });

  it('does not restore a stored clock from beyond the horizon, so the node can write again', async () => {
    const storage = new MemoryStorage();
    storage.backing.meta.set('clock', encodeTs(ts(YEAR_10889, 'n1', 0xffff)));
    storage.backing.meta.set('clockLease', YEAR_10889);
    const { node } = await open(storage, { now: T0 });
    await node.create({ id: 'a', components: { speed: { kts: 1 } } });
    expect((await node.heads('a', 'speed'))[0]!.time).toBe(T0);
  });
});

describe('a damaged database never bricks a node', () => {
  it('sets aside stored versions that are not valid, counts them, and opens with the rest', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const { node } = await open(storage, clock);
    await node.create({ id: 'good', components: { threat: { level: 'LOW' } } });
    await node.close();
    const noTs = { ...version('a', 'speed', { kts: 1 }, ts(T0, 'W')), ts: undefined };
    const badValue = version('b', 'threat', { level: 'BOGUS' }, ts(T0, 'W'));
    storage.backing.versions.set('x1', noTs as never);
    storage.backing.versions.set('x2', badValue);
    const logs: string[] = [];
    const again = await openTestNode({
      storage: storage.reopen(),
      now: () => clock.now,
      log: (m) => logs.push(m),
    });
    expect((await again.list()).map((e) => e.id)).toEqual(['good']);
    expect((await again.stats()).rejected['damaged-in-storage']).toBe(2);
    expect(logs.filter((m) => m.startsWith('set aside'))).toHaveLength(2);
    // Anti-entropy brings the data back from a peer that holds it intact.
    const intact = { ...badValue, value: { level: 'HIGH' } as never };
    expect(again.applyRemote([intact])).toEqual([intact]);
  });
});

describe('a restart after a crash between the lanes', () => {
  it('deletes a stored head a stored version had dropped, whose removal the crash lost', async () => {
    const storage = new MemoryStorage();
    // The priority commit (v, a HIGH threat that saw h) was durable; the bulk commit removing h
    // died with the tab.
    const h = version('t1', 'threat', { level: 'LOW' }, ts(T0 - 2_000, 'W'));
    const v = version('t1', 'threat', { level: 'HIGH' }, ts(T0 - 1_000, 'X'), [h.ts]);
    await storage.commit({ put: [h, v], remove: [] });
    const { node } = await open(storage);
    expect((await node.heads('t1', 'threat')).map((x) => x.value)).toEqual([{ level: 'HIGH' }]);
    await node.flushed();
    expect(await storedKeys(storage)).toEqual([versionKey(v)]);
    // Applied in the other order (h refused as seen), it goes as well.
    const other = new MemoryStorage();
    await other.commit({ put: [v, h], remove: [] });
    const again = await open(other);
    await again.node.flushed();
    expect(await storedKeys(other)).toEqual([versionKey(v)]);
  });
});

describe('a closed node', () => {
  it('refuses a write made after close (an approval step still running) and never tries to commit it', async () => {
    class CountingStorage extends MemoryStorage {
      commits = 0;
      override commit(batch: Parameters<MemoryStorage['commit']>[0]): Promise<void> {
        this.commits += 1;
        return super.commit(batch);
      }
    }
    const storage = new CountingStorage();
    const { node } = await open(storage);
    await node.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await node.close();
    const commits = storage.commits;
    await expect(node.update('a', { threat: { level: 'HIGH' } })).rejects.toThrow('the node is closed');
    // Before, the write failed on the closed storage and was retried with backoff (250 ms, then
    // more) for as long as the process lived.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(storage.commits).toBe(commits);
  });
});
