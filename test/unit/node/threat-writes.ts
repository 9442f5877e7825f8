/**
 * Set-up shared by the node tests that store a batch of writes and then read it back (the stored
 * proofs on open, stored-proofs.test.ts): entities that hold only a threat, written in one call.
 */
import type { Version } from '../../../src/core/merge/version';
import type { LatticeNode } from '../../../src/node/lattice-node';
import type { WriteItem } from '../../../src/node/node-api';

/**
 * `count` writes of a threat at `level` to the entities `${prefix}${from}`, `${prefix}${from + 1}`,
 * …: given to one writeMany they are one group commit, and one batch signature on a node that signs.
 */
export function threats(prefix: string, count: number, level = 'LOW', from = 0): WriteItem[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${from + i}`, components: { threat: { level } } }));
}

/**
 * Writes `threats(prefix, count)` through `node` in one call, waits until they are stored, closes
 * the node, and returns the stored version of the entity `pick` (the one a test then damages).
 */
export async function storeThreats(node: LatticeNode, prefix: string, count: number, pick: string): Promise<Version> {
  await node.writeMany(threats(prefix, count));
  await node.flushed();
  const version = [...node.versions()].find((v) => v.entity === pick);
  if (version === undefined) throw new Error(`no stored version of ${pick}`);
  await node.close();
  return version;
}
