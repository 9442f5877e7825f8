/**
 * Issue 8, "the successor carries the floor it replaced" (docs/architecture.md, "Expiry"): expiries
 * stored before floors were carried have no `floor` and load unchanged; an expiry the node writes
 * after a deadline carries the floor, which a restart keeps. The old records are built by hand, as
 * test/unit/node/old-segment-encoding.test.ts builds them (schema version 1: one JSON text of values).
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage } from '../../../src/adapters/idb';
import type { NodeId } from '../../../src/core/ids';
import { LatticeNode } from '../../../src/node/lattice-node';
import type { StoragePort } from '../../../src/ports/storage';

const T0 = 1_700_000_000_000;
const D = T0 + 1_000;

async function open(storage: StoragePort, clock: { now: number }): Promise<LatticeNode> {
  let n = 0;
  return LatticeNode.open({
    nodeId: 'n1' as NodeId,
    lattice: 'test',
    storage,
    backend: 'indexeddb',
    now: () => clock.now,
    newId: () => `e${n++}`,
    scheduleChanges: (fn) => queueMicrotask(fn),
  });
}

describe('expiries in storage', () => {
  it('an expiry stored without a floor loads unchanged; one written after the deadline carries it across a restart', async () => {
    const name = 'expiry-floor-storage';
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('segments', { autoIncrement: true });
        db.createObjectStore('meta');
      },
    });
    // x: a position and an expiry at D by W, unsigned (per put: versionKey, entity, kind, ms, counter, node).
    await v1.add('segments', {
      key: ['k-p', 'k-e'],
      e: ['x', 'x'],
      k: ['position', 'expiry'],
      ms: Float64Array.from([T0 - 30, T0 - 20]),
      c: Uint32Array.from([0, 0]),
      n: ['W', 'W'],
      v: JSON.stringify([{ lat: 1, lon: 2 }, { at: D }]),
      s: JSON.stringify([0, 0]),
      g: new Uint8Array(0),
      gl: Int32Array.from([-1, -1]),
      rm: [],
    });
    v1.close();
    const clock = { now: T0 };
    const node = await open(await openIdbStorage(name), clock);
    expect((await node.stats()).rejected['damaged-in-storage'] ?? 0).toBe(0);
    const stored = [...node.versions()].find((v) => v.kind === 'expiry');
    expect(stored?.value).toStrictEqual({ at: D });
    expect((await node.get('x'))?.components.position).toEqual({ lat: 1, lon: 2 });
    // After the deadline, with no purge run yet, the node revives x with a new expiry: it carries D.
    clock.now = D + 500;
    expect(await node.get('x')).toBeUndefined();
    const view = await node.create({ id: 'x', components: { expiry: { at: D + 60_000 } } });
    expect(view.components.expiry).toEqual({ at: D + 60_000, floor: D });
    expect(view.components.position).toBeUndefined();
    await node.close();
    const again = await open(await openIdbStorage(name), clock);
    expect([...again.versions()].map((v) => v.value)).toEqual([{ at: D + 60_000, floor: D }]);
    expect((await again.get('x'))?.components.position).toBeUndefined();
    await again.close();
    await deleteIdbStorage(name);
  });
});
