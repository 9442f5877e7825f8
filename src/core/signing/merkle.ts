import { sha256, sha256Parts } from './sha256';

/**
 * The Merkle tree over one signed batch of versions (docs/security.md, "One signature per batch").
 *
 * Leaves are SHA-256 of 0x00 followed by the leaf's bytes; an interior node is SHA-256 of 0x01,
 * its left child and its right child, so a leaf can never pass for an interior node nor the other
 * way round. Level 0 holds the `count` leaves in batch order; level l + 1 pairs level l's nodes
 * left to right, and a last node without a right sibling is carried up unchanged (so level l has
 * ceil(count / 2^l) nodes, and the shape is fixed by `count`, which the signature covers).
 *
 * A multiproof for a set of leaf indices is the list of sibling hashes the walk from those leaves
 * to the root needs and cannot compute itself, level by level from the leaves up, left to right
 * within a level. Its order and length are fixed by (count, indices), so there is one valid proof
 * for each subset: a proof hash out of place, missing or extra changes the root or is refused.
 */

export const HASH_BYTES = 32;
/** Most versions one signature covers (the wire's version bound): depth at most 16. */
export const MAX_BATCH_LEAVES = 65_536;
export const MAX_TREE_DEPTH = 16;

/** The first byte hashed for a leaf (leaf-form.ts writes it ahead of the binary form). */
export const LEAF_DOMAIN = 0x00;
const NODE_DOMAIN = 0x01;
const LEAF = Uint8Array.of(LEAF_DOMAIN);
const NODE = Uint8Array.of(NODE_DOMAIN);
/** An interior node's input, reused: 0x01, left, right (the core is synchronous). */
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_BYTES);
NODE_INPUT[0] = NODE_DOMAIN;

export function leafHash(bytes: Uint8Array): Uint8Array {
  return sha256Parts(LEAF, bytes);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) return sha256Parts(NODE, left, right);
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_BYTES);
  return sha256(NODE_INPUT);
}

/** Nodes at `level` of a tree of `count` leaves. */
export function levelWidth(count: number, level: number): number {
  // ceil(count / 2^level) in integers: count is at most MAX_BATCH_LEAVES (2^16).
  return (count + (1 << level) - 1) >>> level;
}

/** Levels above the leaves (0 for a single leaf). */
export function treeDepth(count: number): number {
  let depth = 0;
  while (levelWidth(count, depth) > 1) depth++;
  return depth;
}

export function isValidCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_BATCH_LEAVES;
}

/** True when `indices` are strictly ascending leaf indices of a tree of `count` leaves, at least one. */
export function isValidSubset(count: number, indices: readonly number[]): boolean {
  if (!isValidCount(count) || indices.length === 0 || indices.length > count) return false;
  let prev = -1;
  for (const i of indices) {
    if (!Number.isInteger(i) || i <= prev || i >= count) return false;
    prev = i;
  }
  return true;
}

/** One node of the tree: level 0 is the leaves. */
export interface TreePosition {
  readonly level: number;
  readonly index: number;
}

/**
 * The positions whose hashes a multiproof for `indices` carries, in proof order (no hashing).
 * `indices` must satisfy isValidSubset.
 */
export function proofPositions(count: number, indices: readonly number[]): TreePosition[] {
  const out: TreePosition[] = [];
  let cur = [...indices];
  for (let level = 0; levelWidth(count, level) > 1; level++) {
    const width = levelWidth(count, level);
    const next: number[] = [];
    for (let k = 0; k < cur.length; k++) {
      const i = cur[k]!;
      if (i % 2 === 0) {
        if (i + 1 < width) {
          if (cur[k + 1] === i + 1) k++;
          else out.push({ level, index: i + 1 });
        }
      } else {
        out.push({ level, index: i - 1 });
      }
      next.push(i >> 1);
    }
    cur = next;
  }
  return out;
}

/** How many hashes a multiproof for `indices` carries. */
export function proofLength(count: number, indices: readonly number[]): number {
  return proofPositions(count, indices).length;
}

/** Called with every node the walk learns (the leaves, the proof hashes, every node computed). */
export type NodeSink = (level: number, index: number, hash: Uint8Array) => void;

/**
 * The root that leaves `hashes` at `indices` (strictly ascending) and `proof` lead to, or a reason
 * they lead nowhere (indices out of order or range, a proof of the wrong length).
 */
export function rootFromProof(
  count: number,
  indices: readonly number[],
  hashes: readonly Uint8Array[],
  proof: readonly Uint8Array[],
  sink?: NodeSink,
): Uint8Array | string {
  if (!isValidSubset(count, indices)) return 'leaf indices out of order or range';
  if (hashes.length !== indices.length) return 'one hash per leaf index';
  let curI = [...indices];
  let curH = [...hashes];
  if (sink !== undefined) for (let k = 0; k < curI.length; k++) sink(0, curI[k]!, curH[k]!);
  let p = 0;
  for (let level = 0; levelWidth(count, level) > 1; level++) {
    const width = levelWidth(count, level);
    const nextI: number[] = [];
    const nextH: Uint8Array[] = [];
    for (let k = 0; k < curI.length; k++) {
      const i = curI[k]!;
      const h = curH[k]!;
      let parent: Uint8Array;
      if (i % 2 === 0) {
        if (i + 1 >= width) parent = h;
        else if (curI[k + 1] === i + 1) parent = nodeHash(h, curH[++k]!);
        else {
          const s = proof[p++];
          if (s === undefined || s.length !== HASH_BYTES) return 'proof too short';
          sink?.(level, i + 1, s);
          parent = nodeHash(h, s);
        }
      } else {
        const s = proof[p++];
        if (s === undefined || s.length !== HASH_BYTES) return 'proof too short';
        sink?.(level, i - 1, s);
        parent = nodeHash(s, h);
      }
      nextI.push(i >> 1);
      nextH.push(parent);
      sink?.(level + 1, i >> 1, parent);
    }
    curI = nextI;
    curH = nextH;
  }
  if (p !== proof.length) return 'proof too long';
  return curH[0]!;
}

/** Every level of the tree over `leaves`, level 0 first, the root last. */
export function buildTree(leaves: readonly Uint8Array[]): Uint8Array[][] {
  if (!isValidCount(leaves.length)) throw new Error(`a batch holds 1 to ${MAX_BATCH_LEAVES} leaves`);
  const levels: Uint8Array[][] = [[...leaves]];
  for (let cur = levels[0]!; cur.length > 1;) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < cur.length; i += 2) next.push(i + 1 < cur.length ? nodeHash(cur[i]!, cur[i + 1]!) : cur[i]!);
    levels.push(next);
    cur = next;
  }
  return levels;
}

/**
 * A leaf's path: the sibling hashes on the way from its leaf to the root, bottom up, skipping the
 * levels where the node is carried up without a sibling, each HASH_BYTES long. Kept as the hashes
 * themselves, not concatenated: the versions of one batch share the tree's nodes (a version's path
 * costs an array of references, not ~300 bytes of its own; docs/security.md, "One signature per
 * batch"); storage writes them one after the other (leaf-proof.ts encodeStoredProof).
 */
export type MerklePath = readonly Uint8Array[];

/** The path of leaf `index` (see MerklePath). `node` answers any position (a full tree). */
export function pathOf(
  count: number,
  index: number,
  node: (level: number, index: number) => Uint8Array | undefined,
): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (let level = 0, i = index; levelWidth(count, level) > 1; level++, i >>= 1) {
    const s = i ^ 1;
    if (s >= levelWidth(count, level)) continue;
    const h = node(level, s);
    if (h === undefined) return undefined;
    out.push(h);
  }
  return out;
}

/**
 * pathOf in a whole tree (buildTree's levels, every node known): the same hashes, read straight
 * from the levels (level l's width is ceil(count / 2^l), the levels' lengths). The hashes are the
 * tree's own arrays, shared by every path that names them (none is copied).
 */
export function pathInTree(levels: readonly (readonly Uint8Array[])[], index: number): Uint8Array[] {
  const top = levels.length - 1;
  let n = 0;
  for (let level = 0, i = index; level < top; level++, i >>= 1) if ((i ^ 1) < levels[level]!.length) n++;
  // Sized once: the array is held with the version (pushing would leave it room to grow).
  const out = new Array<Uint8Array>(n);
  n = 0;
  for (let level = 0, i = index; level < top; level++, i >>= 1) {
    const nodes = levels[level]!;
    const s = i ^ 1;
    if (s < nodes.length) out[n++] = nodes[s]!;
  }
  return out;
}

/** True when `path` is a well-formed path for leaf `index` of `count` leaves (its length, each hash HASH_BYTES). */
export function isPathFor(count: number, index: number, path: unknown): path is MerklePath {
  if (!Array.isArray(path) || path.length * HASH_BYTES !== pathBytes(count, index)) return false;
  for (const h of path) if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) return false;
  return true;
}

/** The path's hashes one after the other (the bytes storage and the old proofs carried). */
export function concatPath(path: MerklePath): Uint8Array {
  const out = new Uint8Array(path.length * HASH_BYTES);
  path.forEach((h, k) => out.set(h, k * HASH_BYTES));
  return out;
}

/** The path whose hashes are the consecutive HASH_BYTES of `bytes` (each copied into an array of its own). */
export function splitPath(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + HASH_BYTES <= bytes.length; at += HASH_BYTES) out.push(bytes.slice(at, at + HASH_BYTES));
  return out;
}

/** The length in bytes of leaf `index`'s path (pathOf: its hashes, HASH_BYTES each) in a tree of `count` leaves. */
export function pathBytes(count: number, index: number): number {
  let n = 0;
  for (let level = 0, i = index; levelWidth(count, level) > 1; level++, i >>= 1) {
    if ((i ^ 1) < levelWidth(count, level)) n++;
  }
  return n * HASH_BYTES;
}

/**
 * Every node the paths of the given leaves reveal: each path's sibling hashes, keyed by position.
 * With it, a node that holds some leaves of a batch can prove any subset of them (proveFrom).
 */
export function siblingsFromPaths(
  count: number,
  leaves: readonly { readonly index: number; readonly path: MerklePath }[],
): Map<number, Uint8Array> {
  const known = new Map<number, Uint8Array>();
  for (const { index, path } of leaves) {
    let k = 0;
    for (let level = 0, i = index; levelWidth(count, level) > 1; level++, i >>= 1) {
      const s = i ^ 1;
      if (s >= levelWidth(count, level)) continue;
      const h = path[k++];
      if (h !== undefined) known.set(positionKey(level, s), h);
    }
  }
  return known;
}

export function positionKey(level: number, index: number): number {
  return level * MAX_BATCH_LEAVES + index;
}

/**
 * The multiproof for `indices` from what a node knows (`known`, keyed by positionKey: sibling
 * hashes from the paths it holds, siblingsFromPaths), or undefined if it cannot prove them. A
 * needed sibling that is itself one of the proven leaves' ancestors never arises: the walk only
 * asks for siblings outside the subset, and a path names every sibling of its leaf's ancestors.
 */
export function proveFrom(
  count: number,
  indices: readonly number[],
  known: ReadonlyMap<number, Uint8Array>,
): Uint8Array[] | undefined {
  if (!isValidSubset(count, indices)) return undefined;
  const out: Uint8Array[] = [];
  for (const { level, index } of proofPositions(count, indices)) {
    const h = known.get(positionKey(level, index));
    if (h === undefined) return undefined;
    out.push(h);
  }
  return out;
}
