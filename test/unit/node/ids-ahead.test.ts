/**
 * A local write's reconciliation ids are computed while its storage commit is in flight
 * (LocalWrites.idsAhead), in later tasks of the node's scheduler, and kept by version until the
 * sync index takes them; nothing is announced before the commit is durable, and once it is no task
 * computes anything more.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { preparedId, versionId } from '../../../src/core/sync/version-id';
import { IDS_AHEAD_SLICE } from '../../../src/node/local-writes';
import type { Scheduler } from '../../../src/node/scheduler';
import type { StorageBatch } from '../../../src/ports/storage';
import { testIdentity } from '../support/test-keys';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;

/** Storage whose commits of versions wait until released. */
class HeldStorage extends MemoryStorage {
  readonly batches: StorageBatch[] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async commit(batch: StorageBatch): Promise<void> {
    if (batch.put.length > 0) {
      this.batches.push(batch);
      if (this.gate !== undefined) await this.gate;
    }
    return super.commit(batch);
  }
}

/** A scheduler whose tasks run only when the test says. */
function manual(): Scheduler & { run(): number } {
  let tasks: (() => void)[] = [];
  return {
    after: (_ms, fn) => {
      tasks.push(fn);
      return () => void (tasks = tasks.filter((t) => t !== fn));
    },
    run() {
      let n = 0;
      while (tasks.length > 0) {
        const now = tasks;
        tasks = [];
        for (const t of now) t();
        n += now.length;
      }
      return n;
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function open(storage: MemoryStorage, scheduler: Scheduler, signed = false) {
  const me = testIdentity('ids-ahead');
  const node = await openTestNode({
    nodeId: signed ? me.id : ('n1' as NodeId),
    ...(signed ? { signer: me.signer } : {}),
    storage,
    now: () => T0,
    scheduler,
  });
  const heard: { versions: Version[]; removed: Version[] }[] = [];
  node.onVersions((versions, origin, removed) => {
    if (origin === 'local') heard.push({ versions: [...versions], removed: [...removed] });
  });
  return { node, heard };
}

const items = (n: number, k: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    components: {
      position: { lat: 50 + i * 1e-4 + k * 1e-6, lon: 8 },
      threat: { level: k % 2 === 0 ? 'LOW' : 'MEDIUM' },
    },
  }));

describe('reconciliation ids computed while a local commit is in flight', () => {
  it('hashes the new versions and the heads they supersede before the commit is durable, and announces only after', async () => {
    const storage = new HeldStorage();
    const scheduler = manual();
    const { node, heard } = await open(storage, scheduler);
    const n = IDS_AHEAD_SLICE; // two versions an item: the ids take more than one task
    await node.writeMany(items(n, 0));
    scheduler.run();
    heard.length = 0;
    storage.batches.length = 0;

    storage.hold();
    const writing = node.writeMany(items(n, 1));
    while (storage.batches.length === 0) await settle();
    const put = storage.batches[0]!.put;
    expect(put).toHaveLength(2 * n);
    expect(put.some((v) => preparedId(v) !== undefined)).toBe(false);
    expect(scheduler.run()).toBeGreaterThan(1);
    // Every id computed, each the version's own; nothing announced yet.
    for (const v of put) expect(preparedId(v)).toEqual(versionId(v));
    expect(heard).toHaveLength(0);

    storage.release();
    await writing;
    expect(heard).toHaveLength(1);
    expect(heard[0]!.versions).toHaveLength(2 * n);
    // The superseded heads the sync index will remove were hashed ahead too, each its own id.
    expect(heard[0]!.removed).toHaveLength(2 * n);
    for (const v of heard[0]!.removed) expect(preparedId(v)).toEqual(versionId(v));
    await node.close();
  });

  it('computes nothing once the commit has settled: the index hashes what is left', async () => {
    const storage = new HeldStorage();
    const scheduler = manual();
    const { node, heard } = await open(storage, scheduler);
    await node.writeMany(items(10, 0));
    expect(heard).toHaveLength(1);
    // The tasks queued during the commit run only now, after it: they stop at once.
    scheduler.run();
    for (const v of heard[0]!.versions) expect(preparedId(v)).toBeUndefined();
    await node.close();
  });

  it('a signed write that supersedes this node’s latest writes takes their ids from them, hashing none again', async () => {
    const storage = new HeldStorage();
    const scheduler = manual();
    const { node, heard } = await open(storage, scheduler, true);
    await node.writeMany(items(50, 0)); // creates: no ids remembered (none computed ahead)
    storage.hold();
    const second = node.writeMany(items(50, 1));
    while (storage.batches.length < 2) await settle();
    scheduler.run(); // the second write's ids, computed while its commit is in flight
    storage.release();
    await second;
    const ids = new Map(heard[1]!.versions.map((v) => [`${v.entity}/${v.kind}`, versionId(v)]));
    // The third write's tasks never run: whatever id its superseded heads have came from the second's.
    await node.writeMany(items(50, 2));
    expect(heard).toHaveLength(3);
    const removed = heard[2]!.removed;
    expect(removed).toHaveLength(100);
    for (const h of removed) {
      expect(preparedId(h)).toEqual(versionId(h));
      expect(preparedId(h)).toEqual(ids.get(`${h.entity}/${h.kind}`));
    }
    await node.close();
  });

  it('an unsigned write has no proof to name its batch by: superseded heads are left to the index to hash', async () => {
    const storage = new HeldStorage();
    const scheduler = manual();
    const { node, heard } = await open(storage, scheduler);
    await node.writeMany(items(20, 0));
    storage.hold();
    const second = node.writeMany(items(20, 1));
    while (storage.batches.length < 2) await settle();
    scheduler.run();
    storage.release();
    await second;
    await node.writeMany(items(20, 2));
    for (const h of heard[2]!.removed) expect(preparedId(h)).toBeUndefined();
    await node.close();
  });

  it('keeps the ids the commit ended too soon to compute, hashed as the write is announced, for the write that supersedes it', async () => {
    const storage = new HeldStorage();
    const scheduler = manual();
    const { node, heard } = await open(storage, scheduler, true);
    await node.writeMany(items(30, 0));
    // No task of the second or third write ever runs: the second's ids are all computed as it is announced.
    await node.writeMany(items(30, 1));
    for (const v of heard[1]!.versions) expect(preparedId(v)).toEqual(versionId(v));
    await node.writeMany(items(30, 2));
    const removed = heard[2]!.removed;
    expect(removed).toHaveLength(60);
    for (const h of removed) expect(preparedId(h)).toEqual(versionId(h));
    await node.close();
  });
});
