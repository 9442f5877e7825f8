/**
 * Issue 8: writes held for clock skew survive a restart, within their quotas and their expiry, and
 * the skew limit is a persisted setting of the handle.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { LatticeNode } from '../../../src/node/lattice-node';
import { DEFAULT_HOLD_LIMITS, holdKey } from '../../../src/node/skew-hold';
import { MAX_SKEW_LIMIT_MS, MIN_SKEW_LIMIT_MS } from '../../../src/core/clock/hlc';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

async function open(storage: MemoryStorage, clock: { now: number }, logs: string[] = []): Promise<LatticeNode> {
  return openTestNode({
    storage,
    now: () => clock.now,
    log: (m) => logs.push(m),
  });
}

function ahead(author: string, ms: number, entity = 'x', value: unknown = { v: 1 }): Version {
  return {
    entity: entity as EntityId,
    kind: 'note' as ComponentKind,
    value: value as never,
    ts: { ms, c: 0, node: author as NodeId },
    seen: [],
  };
}

async function restart(node: LatticeNode, storage: MemoryStorage, clock: { now: number }, logs?: string[]) {
  await node.flushed();
  await node.close();
  return open(storage.reopen(), clock, logs);
}

describe('the skew hold across a restart', () => {
  it('keeps holding what it held, and releases it once the wall clock catches up', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    node.applyRemote([ahead('S', T0 + 10 * MINUTE), ahead('S', T0 + 10 * MINUTE, 'y'), ahead('F', T0 + 5 * MINUTE)]);
    expect(storage.backing.held.size).toBe(0); // not yet committed: the write-behind runs on a microtask
    const again = await restart(node, storage, clock);
    expect(storage.backing.held.size).toBe(3);
    const held = (await again.stats()).held.map((h) => [h.author, h.count]).sort();
    expect(held).toEqual([
      ['F', 1],
      ['S', 2],
    ]);
    expect(await again.get('x')).toBeUndefined();
    clock.now = T0 + 9 * MINUTE + 1;
    again.tick();
    expect((await again.get('x'))?.components.note).toEqual({ v: 1 });
    expect((await again.stats()).held).toEqual([]);
    await again.flushed();
    expect(storage.backing.held.size).toBe(0);
    // Released for good: a further restart holds nothing and keeps the merged writes.
    const third = await restart(again, storage, clock);
    expect((await third.stats()).held).toEqual([]);
    expect((await third.list()).map((e) => e.id).sort()).toEqual(['x', 'y']);
  });

  it('lets held writes expire by the time they were first held, not by the restart', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    node.applyRemote([ahead('S', T0 + 20 * 60 * MINUTE)]);
    clock.now = T0 + DEFAULT_HOLD_LIMITS.expireAfterMs - MINUTE;
    let again = await restart(node, storage, clock);
    expect((await again.stats()).held.map((h) => h.count)).toEqual([1]);
    clock.now = T0 + DEFAULT_HOLD_LIMITS.expireAfterMs + 1;
    again = await restart(again, storage, clock);
    const stats = await again.stats();
    expect(stats.held).toEqual([]);
    expect(stats.rejected['clock-skew-expired']).toBe(1);
    await again.flushed();
    expect(storage.backing.held.size).toBe(0);
  });

  it('holds again within the per-author quota only, releasing the rest from storage', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    const many = Array.from({ length: DEFAULT_HOLD_LIMITS.maxPerAuthor + 5 }, (_, i) =>
      ahead('W', T0 + 60 * MINUTE + i, `e${i}`),
    );
    node.applyRemote(many);
    expect((await node.stats()).rejected['clock-skew-author-quota']).toBe(5);
    await node.flushed();
    // Storage holds more than the quota (e.g. written under a larger one): only the quota is held again.
    for (let i = 0; i < 3; i++) {
      const v = ahead('W', T0 + 70 * MINUTE + i, `extra${i}`);
      storage.backing.held.set(holdKey(v), { key: holdKey(v), version: v, skewMs: 1, at: T0 + 1 });
    }
    const again = await restart(node, storage, clock);
    expect((await again.stats()).held.map((h) => h.count)).toEqual([DEFAULT_HOLD_LIMITS.maxPerAuthor]);
    await again.flushed();
    expect(storage.backing.held.size).toBe(DEFAULT_HOLD_LIMITS.maxPerAuthor);
  });

  it('releases from storage a record whose key is not its version', async () => {
    const storage = new MemoryStorage();
    const v = ahead('S', T0 + 10 * MINUTE);
    storage.backing.held.set('stale', { key: 'stale', version: v, skewMs: 1, at: T0 });
    const node = await open(storage, { now: T0 });
    expect((await node.stats()).held).toEqual([]);
    await node.flushed();
    expect(storage.backing.held.size).toBe(0);
  });

  it('sets aside a damaged held write, counts and logs it, and holds the rest', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    node.applyRemote([ahead('S', T0 + 10 * MINUTE)]);
    await node.flushed();
    const good = [...storage.backing.held.values()][0]!;
    storage.backing.held.set('bad-value', {
      ...good,
      key: 'bad-value',
      version: { ...good.version, ts: undefined as never },
    });
    storage.backing.held.set('bad-at', { ...good, key: 'bad-at', at: Number.NaN });
    const logs: string[] = [];
    const again = await restart(node, storage, clock, logs);
    const stats = await again.stats();
    expect(stats.held.map((h) => h.count)).toEqual([1]);
    expect(stats.rejected['damaged-in-storage']).toBe(2);
    expect(logs.filter((m) => m.startsWith('set aside a damaged held write'))).toHaveLength(2);
    await again.flushed();
    expect([...storage.backing.held.keys()]).toEqual([good.key]);
  });

  it('acceptHeld after a restart takes the author held before it', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    node.applyRemote([ahead('S', T0 + 10 * MINUTE)]);
    const again = await restart(node, storage, clock);
    expect(await again.acceptHeld('S')).toBe(1);
    expect((await again.get('x'))?.components.note).toEqual({ v: 1 });
    await again.flushed();
    expect(storage.backing.held.size).toBe(0);
  });
});

describe('setSkewLimit', () => {
  it('validates the limit and names the call in its error', async () => {
    const node = await open(new MemoryStorage(), { now: T0 });
    for (const bad of [MIN_SKEW_LIMIT_MS - 1, MAX_SKEW_LIMIT_MS + 1, 1_000.5, Number.NaN, '60000', undefined]) {
      await expect(node.setSkewLimit(bad as number)).rejects.toThrow(/setSkewLimit/);
    }
    expect((await node.info()).skewLimitMs).toBe(60_000);
  });

  it('releases writes now within a wider limit, holds by a narrower one, and persists the setting', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    node.applyRemote([ahead('S', T0 + 5 * MINUTE)]);
    expect((await node.stats()).held.map((h) => h.count)).toEqual([1]);
    await node.setSkewLimit(10 * MINUTE);
    expect((await node.get('x'))?.components.note).toEqual({ v: 1 });
    expect((await node.stats()).held).toEqual([]);
    await node.setSkewLimit(1_000);
    node.applyRemote([ahead('F', T0 + 2_000, 'y')]);
    expect((await node.stats()).held.map((h) => h.author)).toEqual(['F']);
    const again = await restart(node, storage, clock);
    expect((await again.info()).skewLimitMs).toBe(1_000);
    again.applyRemote([ahead('G', T0 + 3_000, 'z')]);
    expect((await again.stats()).held.map((h) => h.author).sort()).toEqual(['F', 'G']);
  });

  it('ignores a damaged stored setting and keeps the default', async () => {
    const storage = new MemoryStorage();
    storage.backing.meta.set('skewLimit', 'soon');
    const node = await open(storage, { now: T0 });
    expect((await node.info()).skewLimitMs).toBe(60_000);
  });
});
