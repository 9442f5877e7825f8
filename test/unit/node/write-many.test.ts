/** writeMany: many entities in one call, one timestamp, one commit, each item checked and named. */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { Version } from '../../../src/core/merge/version';
import { MAX_WRITE_MANY_COMPONENTS, MAX_WRITE_MANY_ITEMS } from '../../../src/node/write-many';
import type { StorageBatch } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;

class CountingStorage extends MemoryStorage {
  readonly batches: StorageBatch[] = [];
  override async commit(batch: StorageBatch): Promise<void> {
    this.batches.push(batch);
    return super.commit(batch);
  }
}

async function open(storage: MemoryStorage) {
  let n = 0;
  const node = await openTestNode({
    storage,
    now: () => T0,
    newId: () => `gen${n++}`,
  });
  const heard: Version[][] = [];
  node.onVersions((versions, origin) => {
    if (origin === 'local') heard.push([...versions]);
  });
  return { node, heard };
}

const pos = (i: number) => ({ position: { lat: 50 + i / 100, lon: 1 }, speed: { kts: i } });

describe('writeMany', () => {
  it('creates and updates in one commit with one timestamp, and resolves with the views in item order', async () => {
    const storage = new CountingStorage();
    const { node, heard } = await open(storage);
    await node.create({ id: 'old', components: { threat: { level: 'LOW' } } });
    storage.batches.length = 0;
    heard.length = 0;
    const views = await node.writeMany([
      { id: 'a', components: pos(1) },
      { id: 'old', components: { threat: { level: 'MEDIUM' } } },
      { components: pos(3) },
    ]);
    expect(views.map((v) => v.id)).toEqual(['a', 'old', 'gen0']);
    expect(views[1]!.components.threat).toEqual({ level: 'MEDIUM' });
    expect(storage.batches.filter((b) => b.put.length > 0)).toHaveLength(1);
    expect(storage.batches.flatMap((b) => b.put)).toHaveLength(5);
    expect(heard).toHaveLength(1);
    expect(new Set(heard[0]!.map((v) => JSON.stringify(v.ts))).size).toBe(1);
    expect((await node.stats()).writes.local).toBe(1 + 5);
    // Durable: a reopened node has all of it.
    await node.close();
    const { node: again } = await open(storage.reopen());
    expect((await again.list()).map((e) => e.id).sort()).toEqual(['a', 'gen0', 'old']);
  });

  it('refuses the whole call for one bad item, naming it, and writes nothing', async () => {
    const storage = new CountingStorage();
    const { node } = await open(storage);
    await node.flushed();
    const before = storage.batches.length;
    const bad = [
      { id: 'a', components: pos(1) },
      { id: 'b', components: { threat: { level: 'BOGUS' } } },
      { id: 'c', components: pos(3) },
    ];
    await expect(node.writeMany(bad)).rejects.toThrow(/^writeMany\[1\] \(id "b"\): .*threat/);
    await expect(
      node.writeMany([
        { id: 'a', components: pos(1) },
        { id: 'bad id!', components: pos(2) },
      ]),
    ).rejects.toThrow(/^writeMany\[1\] \(id "bad id!"\): invalid entity id/);
    await expect(
      node.writeMany([
        { id: 'a', components: pos(1) },
        { id: 'a', components: pos(2) },
      ]),
    ).rejects.toThrow(/^writeMany\[1\] \(id "a"\): entity a appears twice/);
    await expect(node.writeMany([{ id: 'a', components: pos(1), extra: 1 } as never])).rejects.toThrow(
      /^writeMany\[0\] \(id "a"\): item: unknown field "extra"/,
    );
    await expect(node.writeMany([{ id: 'x', components: { expiry: { at: T0 - 1 } } }])).rejects.toThrow(
      /^writeMany\[0\] \(id "x"\): expiry.at/,
    );
    await expect(node.writeMany({ id: 'a' } as never)).rejects.toThrow(/writeMany: expected an array/);
    expect(await node.list()).toEqual([]);
    expect(storage.batches.length).toBe(before);
    expect((await node.stats()).rejected.ValidationError).toBe(6);
  });

  it('bounds a call by items and by components', async () => {
    const { node } = await open(new MemoryStorage());
    const items = (n: number, components: (i: number) => Record<string, unknown>) =>
      Array.from({ length: n }, (_, i) => ({ id: `t${i}`, components: components(i) }));
    await expect(node.writeMany(items(MAX_WRITE_MANY_ITEMS + 1, pos))).rejects.toThrow(/at most 10000 per call/);
    // Six components per item (four unknown kinds, the most one node writes on an entity, and two known).
    const wide = (i: number) => ({
      ...Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`k${k}`, { v: i }])),
      position: { lat: 1, lon: 1 },
      threat: { level: 'LOW' },
    });
    await expect(node.writeMany(items(MAX_WRITE_MANY_ITEMS, wide))).rejects.toThrow(
      new RegExp(`more than ${MAX_WRITE_MANY_COMPONENTS} components`),
    );
    expect(await node.list()).toEqual([]);
    expect(await node.writeMany([])).toEqual([]);
  });

  // docs/architecture.md, "Expiry": once an expiry fires only writes made after its deadline are
  // shown. With the wall clock exactly at the deadline, the stamp equals it: such a write was
  // committed and announced, then reported "removed as it was written" (never shown anywhere).
  it('refuses, before committing it, a write stamped at the deadline of an expiry that fired', async () => {
    let now = T0;
    const storage = new CountingStorage();
    const node = await openTestNode({
      storage,
      now: () => now,
    });
    await node.create({ id: 't', components: { threat: { level: 'LOW' } } });
    await node.update('t', { expiry: { at: T0 + 10 } });
    const sent: Version[] = [];
    node.onVersions((versions, origin) => {
      if (origin === 'local') sent.push(...versions);
    });
    now = T0 + 10;
    const before = storage.batches.length;
    const held = [...node.versions()].length;
    await expect(node.writeMany([{ id: 't', components: { threat: { level: 'MEDIUM' } } }])).rejects.toThrow(
      /^writeMany\[0\]: entity t expired at \d+, the time of this write/,
    );
    await expect(node.update('t', { threat: { level: 'MEDIUM' } })).rejects.toThrow(/does not exist/);
    await expect(node.create({ id: 't', components: { threat: { level: 'MEDIUM' } } })).rejects.toThrow(
      /^entity t expired at \d+, the time of this write/,
    );
    expect(storage.batches.length).toBe(before);
    expect([...node.versions()].length).toBe(held);
    expect(sent).toEqual([]);
    expect(await node.get('t')).toBeUndefined();
    // One millisecond later the write is after the deadline and revives the entity.
    now = T0 + 11;
    const [view] = await node.writeMany([{ id: 't', components: { threat: { level: 'MEDIUM' } } }]);
    expect(view?.components).toEqual({ threat: { level: 'MEDIUM' } });
    await node.close();
  });
});
