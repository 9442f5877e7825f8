/**
 * Issue 8 ("zero divergence"): an expiry whose deadline is not after its own write's time is
 * refused by every node (core/store/expiry-floor.ts, expiryRefusal; docs/architecture.md,
 * "Expiry"), so the local door refuses exactly that, against the time the write carries: the
 * HLC's, which runs ahead of the wall clock after it took a peer's clock a little ahead (or a
 * clock lease after a crash). Stored such expiries (written by an older build) are set aside on load.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { ValidationError } from '../../../src/core/errors';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { expiryRefusal } from '../../../src/core/store/expiry-floor';
import { LatticeNode } from '../../../src/node/lattice-node';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;

async function open(storage: MemoryStorage, clock: { now: number }, logs: string[] = []): Promise<LatticeNode> {
  return openTestNode({
    storage,
    now: () => clock.now,
    log: (m) => logs.push(m),
  });
}

const version = (entity: string, kind: string, value: unknown, ms: number, node = 'P'): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

describe('the local door refuses the expiries peers refuse', () => {
  it('refuses an expiry after the wall clock but not after the time the write carries (HLC ahead)', async () => {
    const clock = { now: T0 };
    const node = await open(new MemoryStorage(), clock);
    await node.create({ id: 'x', components: { speed: { kts: 10 } } });
    // A peer 30 s ahead (within the skew limit): our clock takes its time, ahead of the wall.
    const ahead = T0 + 30_000;
    expect(node.applyRemote([version('p', 'speed', { kts: 1 }, ahead)])).toHaveLength(1);
    const at = T0 + 10_000; // after the wall clock, before the time the write would carry
    const updated = node.update('x', { expiry: { at } });
    await expect(updated).rejects.toThrow(ValidationError);
    await expect(updated).rejects.toThrow(/expiry\.at: 1700000010000 is not after now \(1700000030000/);
    await expect(node.create({ id: 'y', components: { expiry: { at } } })).rejects.toThrow(/not after now/);
    await expect(node.writeMany([{ id: 'z', components: { expiry: { at: ahead } } }])).rejects.toThrow(
      /writeMany\[0\] \(id "z"\): expiry\.at: 1700000030000 is not after now/,
    );
    expect((await node.get('x'))?.components.expiry).toBeUndefined();
    expect(await node.get('y')).toBeUndefined();
    expect(await node.get('z')).toBeUndefined();
    expect((await node.stats()).rejected['ValidationError']).toBe(3);
    // After the time the write carries: written, and every peer takes it.
    await node.update('x', { expiry: { at: ahead + 1 } });
    const [written] = [...node.versions()].filter((v) => v.entity === 'x' && v.kind === 'expiry');
    expect(written!.ts.ms).toBe(ahead);
    expect(expiryRefusal(written!)).toBeUndefined();
  });
});

describe('a peer’s expiry whose deadline is not after its own write', () => {
  it('is refused, counted and logged, before it moves the clock', async () => {
    const logs: string[] = [];
    const clock = { now: T0 };
    const node = await open(new MemoryStorage(), clock, logs);
    const near = T0 + 30_000;
    expect(node.applyRemote([version('x', 'expiry', { at: near }, near)])).toEqual([]);
    expect((await node.stats()).rejected['expiry-in-past']).toBe(1);
    expect(logs.some((l) => l.includes('refused 1 expiries whose deadline is not after their own write'))).toBe(true);
    // Our clock did not take the refused version's time: an expiry at T0+1000 is still after it.
    await node.create({ id: 'y', components: { expiry: { at: T0 + 1_000 } } });
    expect((await node.get('y'))?.components.expiry).toEqual({ at: T0 + 1_000 });
  });

  it('stored by an older build, is set aside on load as damage, counted and logged', async () => {
    const storage = new MemoryStorage();
    const clock = { now: T0 };
    const node = await open(storage, clock);
    await node.create({ id: 'good', components: { speed: { kts: 1 } } });
    await node.close();
    storage.backing.versions.set('past', version('good', 'expiry', { at: T0 - 50 }, T0 - 40));
    const logs: string[] = [];
    const again = await open(storage.reopen(), clock, logs);
    expect((await again.get('good'))?.components.expiry).toBeUndefined();
    expect((await again.stats()).rejected['damaged-in-storage']).toBe(1);
    expect(logs.some((l) => l.includes('set aside a damaged') && l.includes('is not after the write'))).toBe(true);
  });
});
