import { MemoryStorage } from '../../../src/adapters/memory-storage';
import type { NodeId } from '../../../src/core/ids';
import type { EntityStore } from '../../../src/core/store/entity-store';
import { LatticeNode, type LatticeNodeOptions } from '../../../src/node/lattice-node';
import type { TestIdentity } from './test-keys';

/**
 * What openTestNode takes: the wall clock, and whatever differs from a unit test's usual node.
 * `identity` gives the node its key: its id and signer (either given on its own wins).
 */
export type TestNodeOptions = Partial<LatticeNodeOptions> &
  Pick<LatticeNodeOptions, 'now'> & { readonly identity?: TestIdentity };

/**
 * A LatticeNode as most unit tests open one: node `n1` (or `identity`'s), lattice `test`, fresh
 * in-memory storage, unsigned, new entities named e0, e1, … (counted afresh at each open), change
 * batches delivered on a microtask; any option given wins.
 */
export function openTestNode({ identity, ...options }: TestNodeOptions): Promise<LatticeNode> {
  let n = 0;
  return LatticeNode.open({
    nodeId: identity?.id ?? ('n1' as NodeId),
    ...(identity === undefined ? {} : { signer: identity.signer }),
    lattice: 'test',
    storage: new MemoryStorage(),
    backend: 'memory',
    newId: () => `e${n++}`,
    scheduleChanges: (fn) => queueMicrotask(fn),
    ...options,
  });
}

/** A node's entity store (its private parts): what the restart tests compare and feed each other. */
export const storeOf = (node: LatticeNode): EntityStore =>
  (node as unknown as { parts: { store: EntityStore } }).parts.store;
