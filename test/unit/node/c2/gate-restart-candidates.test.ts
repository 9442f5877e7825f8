/**
 * After a restart the approval gate settles only the entities whose gate may owe a step
 * (gateCandidates): a head in the approval or task register, or a HIGH head in the threat register.
 * It used to build every entity's view and settle every threat whatever its level, most of the
 * node's cold start at 100k components (docs/benchmarks.md, scenario 5); a threat below HIGH with
 * no approval and no task settles to nothing (core/task/gate.ts), so leaving it out changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { gateCandidates } from '../../../../src/node/approval-loop';
import { LatticeNode } from '../../../../src/node/lattice-node';
import { versionKey } from '../../../../src/ports/storage';

const T0 = 1_700_000_000_000;
const SELF = '0123456789abcdef0123456789abcdef' as NodeId;
const OTHER = 'fedcba9876543210fedcba9876543210' as NodeId;

function v(entity: string, kind: string, value: unknown, c: number, node: NodeId = OTHER): Version {
  return {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value,
    ts: { ms: T0, c, node },
    seen: [],
  } as Version;
}

describe('gateCandidates', () => {
  it('names the entities with an approval, a task or a HIGH threat head, and no other', () => {
    const store = new EntityStore();
    const versions = [
      v('low', 'threat', { level: 'LOW' }, 1),
      v('plain', 'position', { lat: 1, lon: 2 }, 2),
      v('high', 'threat', { level: 'HIGH' }, 3),
      // Concurrent threat writes (neither saw the other): one HIGH head among them is enough.
      v('split', 'threat', { level: 'MEDIUM' }, 4, SELF),
      v('split', 'threat', { level: 'HIGH' }, 5),
      v('asked', 'threat', { level: 'LOW' }, 6),
      v('asked', 'approval', { requestId: 'r', state: 'denied' }, 7),
      v('tasked', 'task', { task: 'intercept', requestId: 'r', status: 'created' }, 8),
    ];
    for (const x of versions) store.apply(x);
    expect(gateCandidates(store).sort()).toEqual(['asked', 'high', 'split', 'tasked']);
  });
});

describe('the gate after a restart', () => {
  it('raises the request of a stored HIGH threat of ours, and none for lower threats', async () => {
    const backing = createMemoryBacking();
    const stored = [
      v('mine', 'position', { lat: 51.5, lon: -0.46 }, 1, SELF),
      v('mine', 'threat', { level: 'HIGH' }, 2, SELF),
      ...Array.from({ length: 20 }, (_, i) =>
        v(`low${i}`, 'threat', { level: i % 2 ? 'LOW' : 'MEDIUM' }, 10 + i, SELF),
      ),
    ];
    for (const x of stored) backing.versions.set(versionKey(x), x);
    let now = T0 + 1_000;
    const node = await LatticeNode.open({
      nodeId: SELF,
      lattice: 'test',
      storage: new MemoryStorage({ backing }),
      backend: 'memory',
      now: () => now,
      newId: () => 'x',
      scheduleChanges: () => undefined,
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    now += 10;
    const approvals = await node.approvals();
    expect(approvals.map((a) => [a.entityId, a.state])).toEqual([['mine', 'pending']]);
    await node.close();
  });
});
