/**
 * LatticeNode.open builds no entity view it does not need (docs/benchmarks.md, scenario 5): fusion's
 * fresh engine reads only the entities that may be tracks (a `source` and a `position` register),
 * and the approval gate resumes only the entities whose gate may owe a step (gateCandidates). Both
 * used to list every entity's view, twice the whole store's views on every cold start.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { LatticeNode } from '../../../src/node/lattice-node';
import { versionKey } from '../../../src/ports/storage';

const T0 = 1_700_000_000_000;
const SELF = '0123456789abcdef0123456789abcdef' as NodeId;
const OTHER = 'fedcba9876543210fedcba9876543210' as NodeId;

function v(entity: string, kind: string, value: unknown, c: number): Version {
  return {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value,
    ts: { ms: T0, c, node: OTHER },
    seen: [],
  } as Version;
}

afterEach(() => vi.restoreAllMocks());

describe('LatticeNode.open', () => {
  it('views only the tracks and the gate candidates, and lists nothing', async () => {
    const backing = createMemoryBacking();
    const stored: Version[] = [];
    let c = 0;
    // 40 entities that are no tracks (no source), with threats below HIGH: neither fusion nor the gate reads them.
    for (let i = 0; i < 40; i++) {
      stored.push(v(`e${i}`, 'position', { lat: 50 + i / 100, lon: 1 }, c++));
      stored.push(v(`e${i}`, 'threat', { level: i % 2 ? 'LOW' : 'MEDIUM' }, c++));
    }
    // Two tracks (fusion reads them) and one HIGH threat (the gate settles it).
    for (const id of ['t1', 't2']) {
      stored.push(v(id, 'position', { lat: 51, lon: 2 }, c++));
      stored.push(v(id, 'source', { sensorId: `s-${id}`, sensorType: 'radar' }, c++));
    }
    stored.push(v('e0', 'threat', { level: 'HIGH' }, c++));
    for (const x of stored) backing.versions.set(versionKey(x), x);
    const view = vi.spyOn(EntityStore.prototype, 'view');
    const list = vi.spyOn(EntityStore.prototype, 'list');
    // The gate reads its kinds alone (c2-pipeline.ts gateViewOf).
    const viewKinds = vi.spyOn(EntityStore.prototype, 'viewKinds');
    const node = await LatticeNode.open({
      nodeId: SELF,
      lattice: 'test',
      storage: new MemoryStorage({ backing }),
      backend: 'memory',
      now: () => T0 + 1_000,
      newId: () => 'x',
      scheduleChanges: () => undefined,
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(list).not.toHaveBeenCalled();
    const viewed = new Set([...view.mock.calls, ...viewKinds.mock.calls].map(([id]) => id));
    expect([...viewed].sort()).toEqual(['e0', 't1', 't2']);
    view.mockRestore();
    list.mockRestore();
    viewKinds.mockRestore();
    // Everything stored is shown.
    expect((await node.list()).length).toBe(42);
    await node.close();
  });
});
