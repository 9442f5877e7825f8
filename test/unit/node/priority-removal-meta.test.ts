/**
 * Issue 8 ("zero divergence"), found by priority-meta-window.test.ts: a priority write whose entity
 * the bulk lane still writes leaves its meta to that lane (WriteBehind.leaveToBulk), which may hold
 * it for long (its commits stall, or keep failing). Its versions land meanwhile, and so did what it
 * removed: a head it superseded (the node's own gate write over a peer's HIGH threat), or a twin it
 * replaced under the same timestamp (a peer's second content of its HIGH threat). What made that
 * head droppable without keeping it as evidence was a tombstone in the bulk lane, covering the
 * rest marker its context named. A crash then lost the tombstone and kept the removal: the node
 * restarted knowing nothing of the dropped head (neither it, nor its marker, nor evidence), where a
 * node given what was durable (the head, then the write over it) keeps it as evidence. Now the
 * removals of such an entity go with its meta in the bulk lane, and a priority version that replaced
 * a twin commits with the bulk part of its delivery (RemoteMerge.announce); the priority write's
 * own versions still land ahead.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type MemoryBacking } from '../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import type { EntityStore } from '../../../src/core/store/entity-store';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { StorageBatch } from '../../../src/ports/storage';
import { dump } from '../core/support/merge-sim';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const E = 'e' as EntityId;
const P1 = 'p1' as NodeId;
const SELF = 'self' as NodeId;
/** p1 deletes e, then raises its threat to HIGH naming a rest marker below the tombstone. */
const tomb: Version = { entity: E, kind: DELETED, value: null, ts: { ms: T0, c: 0, node: P1 }, seen: [] };
const marked: Version = {
  entity: E,
  kind: 'threat' as ComponentKind,
  value: { level: 'HIGH' },
  ts: { ms: T0, c: 1, node: P1 },
  seen: [{ ms: T0 - 1, c: 0, node: P1 }],
};
/** The same write of p1's with another context (an equivocating member's twin): it replaces `marked`. */
const plain: Version = { ...marked, seen: [] };

/** The bulk lane's commits stall or fail; priority ones land, and what they put is recorded. */
class BulkHeld extends MemoryStorage {
  mode: 'ok' | 'stall' | 'fail' = 'ok';
  readonly landed: Version[][] = [];
  constructor(backing?: MemoryBacking) {
    super(backing === undefined ? {} : { backing });
  }
  override commit(batch: StorageBatch): Promise<void> {
    if (batch.priority === true) {
      this.landed.push([...batch.put]);
      return super.commit(batch);
    }
    if (this.mode === 'ok') return super.commit(batch);
    if (this.mode === 'fail') return Promise.reject(new Error('disk error'));
    return new Promise<void>(() => undefined);
  }
}
const storeOf = (node: LatticeNode): EntityStore => (node as unknown as { parts: { store: EntityStore } }).parts.store;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
/** Heads, what each register knows, floors, tombstone time, and the evidence kept. */
const stateOf = (node: LatticeNode): string =>
  [dump(storeOf(node), true), ...[...storeOf(node).evidence()].map((v) => JSON.stringify(v)).sort()].join('\n');
const open = (storage: MemoryStorage, nodeId = SELF): Promise<LatticeNode> =>
  openTestNode({ nodeId, storage, now: () => T0 + 5 });

/** Runs `window` with the bulk lane held, crashes, and compares the reopened node with a twin given what landed. */
async function crashInWindow(
  mode: 'stall' | 'fail',
  window: (node: LatticeNode) => Promise<void>,
): Promise<{ again: LatticeNode; twin: LatticeNode }> {
  const storage = new BulkHeld();
  const node = await open(storage);
  storage.mode = mode;
  await window(node);
  await settle();
  // The crash: the priority commits landed, the bulk ones never will.
  const again = await open(new MemoryStorage({ backing: storage.backing }));
  const twin = await open(new MemoryStorage(), 'twin' as NodeId);
  for (const put of storage.landed) twin.applyRemote(structuredClone(put));
  again.tick();
  twin.tick();
  return { again, twin };
}

describe('a priority write’s removals while the bulk lane holds its entity’s meta, then a crash', () => {
  for (const mode of ['stall', 'fail'] as const) {
    it(`the node's gate write over a peer's HIGH threat (bulk commits ${mode})`, async () => {
      const { again, twin } = await crashInWindow(mode, async (node) => {
        node.applyRemote([tomb, marked]);
        await settle();
        await node.update(E, { threat: { level: 'HIGH' } });
      });
      // The twin holds p1's threat as evidence (nothing covers its marker there), and so does the
      // reopened node: storage still held it when the node crashed.
      expect([...storeOf(twin).evidence()]).toHaveLength(1);
      expect(stateOf(again)).toBe(stateOf(twin));
    });

    it(`a peer's twin replacing its HIGH threat (bulk commits ${mode})`, async () => {
      const { again, twin } = await crashInWindow(mode, async (node) => {
        node.applyRemote([marked]);
        await settle();
        node.applyRemote([tomb, plain]);
        return Promise.resolve();
      });
      expect(stateOf(again)).toBe(stateOf(twin));
      // What `marked` taught (its rest marker) is known on both.
      expect(dump(storeOf(again), true)).toContain('cut');
    });
  }
});
