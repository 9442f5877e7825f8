/**
 * Issue 8 ("zero divergence"): a priority commit (write-lane.ts) fails while the bulk commit made
 * beside it lands, and the node crashes before the retry. The bulk commit held what the failed
 * priority versions had made true of their entity: its meta as the live store had it (an entity's
 * meta names the knowledge of all its registers, EntityState.meta), or the removal of a head one
 * of them superseded (a delivery's removals go in its bulk part: remote-merge.ts). Landed without
 * them, the restarted node knew of a request it lacked, or had lost a durable head and kept
 * nothing that replaced it: it equalled no node given what was durable. A bulk commit now carries
 * the pending priority versions of the entities whose metas or removals it stores
 * (WriteBehind.commitLane, docs/c2-pipeline.md "The priority lane").
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MemoryBacking } from '../../../src/adapters/memory-storage';
import { encodeTs } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StorageBatch } from '../../../src/ports/storage';
import { dump } from '../core/support/merge-sim';
import { sortedJson } from '../support/restart-replay';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const e = 'e' as EntityId;
const p1 = 'p1' as NodeId;
const p2 = 'p2' as NodeId;
const speed = (node: NodeId, ms: number, seen: Version[] = []): Version => ({
  entity: e,
  kind: 'speed' as ComponentKind,
  value: { kts: ms - T0 },
  ts: { ms, c: 0, node },
  seen: seen.map((v) => v.ts),
});
/** A gate request p2 raises on e: an approval, so it commits in the priority lane. */
const request: Version = {
  entity: e,
  kind: 'approval' as ComponentKind,
  value: {
    requestId: encodeTs({ ms: T0, c: 0, node: p2 }),
    reason: 'HIGH',
    requestedAt: T0,
    deadline: T0 + 1e9,
    state: 'pending',
  },
  ts: { ms: T0, c: 0, node: p2 },
  seen: [],
};
/** p1's LOW threat, then p2's HIGH one that saw it (the priority lane), superseding it. */
const low: Version = {
  entity: e,
  kind: 'threat' as ComponentKind,
  value: { level: 'LOW' },
  ts: { ms: T0 + 3, c: 0, node: p1 },
  seen: [],
};
const high: Version = {
  entity: e,
  kind: 'threat' as ComponentKind,
  value: { level: 'HIGH' },
  ts: { ms: T0 + 4, c: 0, node: p2 },
  seen: [low.ts],
};

/**
 * MemoryStorage whose priority commits, once `failing`, stay in flight until fail() rejects them
 * (applying nothing); a bulk commit called meanwhile waits for them (StorageBatch.priority), then
 * lands. After the crash (`dead`) nothing lands.
 */
class PriorityFails extends MemoryStorage {
  failing = false;
  dead = false;
  private pending: (() => void)[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  constructor(backing?: MemoryBacking) {
    super(backing === undefined ? {} : { backing });
  }
  override commit(batch: StorageBatch): Promise<void> {
    if (this.dead) return new Promise<void>(() => undefined);
    if (!this.failing) return super.commit(batch);
    if (batch.priority === true) {
      const failed = new Promise<void>((_, reject) => this.pending.push(() => reject(new Error('disk error'))));
      this.inFlight = failed.catch(() => undefined);
      return failed;
    }
    return this.inFlight.then(() => super.commit(batch));
  }
  fail(): void {
    for (const f of this.pending.splice(0)) f();
  }
}

const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;
const open = (storage: MemoryStorage): Promise<LatticeNode> => openTestNode({ storage, now: () => T0 + 100 });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Heads, knowledge, floors, tombstones (merge-sim dump) and the entity's view, its components in
 * one order (a view lists them in the order its entity first held them, which a restart changes).
 */
async function stateOf(node: LatticeNode): Promise<string> {
  return `${dump(storeOf(node), true)}\n${sortedJson((await node.get(e))?.components ?? null)}`;
}

/** The state of a node that never crashed, given `versions` delivery by delivery. */
async function given(deliveries: readonly (readonly Version[])[]): Promise<string> {
  const twin = await open(new MemoryStorage());
  for (const vs of deliveries) twin.applyRemote(structuredClone(vs));
  const state = await stateOf(twin);
  await twin.close();
  return state;
}

describe('a priority commit that fails while the bulk commit beside it lands, then a crash', () => {
  for (const { name, before, window } of [
    {
      name: 'a meta that knows of the failed request',
      before: [] as Version[][],
      // The request's priority commit is in flight as two speeds arrive, the second naming the first
      // (a context: the entity needs a meta, EntityState.restoredByVersions; two concurrent
      // context-free speeds no longer do): their bulk commit stores e's meta, which knows of the request.
      window: [[request], [speed(p1, T0 + 1), speed(p2, T0 + 2, [speed(p1, T0 + 1)])]],
    },
    {
      name: 'the removal of the head the failed HIGH threat superseded',
      before: [[low]],
      window: [[high]],
    },
  ]) {
    it(`restarts equal to a node given what was durable (${name})`, async () => {
      const storage = new PriorityFails();
      const node = await open(storage);
      for (const vs of before) node.applyRemote(structuredClone(vs));
      await node.durable();
      storage.failing = true;
      for (const vs of window) {
        node.applyRemote(structuredClone(vs));
        await settle(); // its commits are made
      }
      storage.fail();
      await settle(); // the bulk commit lands
      storage.dead = true; // the crash, before the priority retry
      const again = await open(new MemoryStorage({ backing: storage.backing }));
      // Either the window's priority versions were lost with their commit, or they landed.
      const lost = await given([...before, ...window.map((vs) => vs.filter((v) => v !== request && v !== high))]);
      const kept = await given([...before, ...window]);
      expect([lost, kept]).toContain(await stateOf(again));
      // Anti-entropy brings back what was lost: it agrees with a node given everything.
      for (const vs of [...before, ...window]) again.applyRemote(structuredClone(vs));
      expect(await stateOf(again)).toBe(kept);
      await again.close();
    });
  }
});
