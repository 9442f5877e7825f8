/**
 * The batch Merkle tree and its multiproofs (src/core/signing/merkle.ts): any subset of a batch
 * proves its root; any tampered leaf, index, count, proof hash or order does not; a node that
 * holds only some leaves (with their paths) can prove any subset of those.
 * fast-check; replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTree,
  leafHash,
  nodeHash,
  pathBytes,
  pathInTree,
  pathOf,
  proofLength,
  proveFrom,
  rootFromProof,
  siblingsFromPaths,
  treeDepth,
} from '../../../../src/core/signing/merkle';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 200);
const params = (name: string): fc.Parameters<unknown> => {
  console.log(`merkle seed ${seed} (${name}); replay with SEED=${seed}`);
  return { seed, numRuns };
};

const leaves = (n: number, salt = 0): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i} ${salt}`)));

interface Tree {
  readonly count: number;
  readonly hashes: Uint8Array[];
  readonly root: Uint8Array;
  readonly node: (level: number, index: number) => Uint8Array | undefined;
}

function tree(count: number, salt = 0): Tree {
  const hashes = leaves(count, salt);
  const levels = buildTree(hashes);
  return { count, hashes, root: levels[levels.length - 1]![0]!, node: (l, i) => levels[l]?.[i] };
}

/** The multiproof of `indices` from the paths of those leaves alone. */
function proofOf(t: Tree, indices: number[], holders: number[] = indices): Uint8Array[] | undefined {
  const paths = holders.map((index) => ({ index, path: pathOf(t.count, index, t.node)! }));
  return proveFrom(t.count, indices, siblingsFromPaths(t.count, paths));
}

/** A batch size and a non-empty ascending subset of its indices. */
const batchAndSubset = fc
  .integer({ min: 1, max: 300 })
  .chain((count) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: count - 1 }), { minLength: 1, maxLength: Math.min(count, 40) })
      .map((xs) => ({ count, indices: [...xs].sort((a, b) => a - b) })),
  );

const same = (a: Uint8Array | string, b: Uint8Array): boolean =>
  typeof a !== 'string' && a.length === b.length && a.every((x, i) => x === b[i]);

describe('batch Merkle tree', () => {
  it('leaves and interior nodes are domain-separated; one leaf is its own root', () => {
    const [a, b] = leaves(2);
    expect(same(leafHash(new Uint8Array([1])), nodeHash(new Uint8Array(0), new Uint8Array([1])))).toBe(false);
    expect(same(tree(1).root, tree(1).hashes[0]!)).toBe(true);
    expect(same(buildTree([a!, b!])[1]![0]!, nodeHash(a!, b!))).toBe(true);
    expect(treeDepth(1)).toBe(0);
    expect(treeDepth(2)).toBe(1);
    expect(treeDepth(65_536)).toBe(16);
  });

  it('any subset of a batch verifies against the root; the whole batch needs no proof hashes', () => {
    fc.assert(
      fc.property(batchAndSubset, ({ count, indices }) => {
        const t = tree(count);
        const proof = proofOf(t, indices)!;
        expect(proof).toHaveLength(proofLength(count, indices));
        expect(proof.length).toBeLessThanOrEqual(indices.length * treeDepth(count));
        const root = rootFromProof(
          count,
          indices,
          indices.map((i) => t.hashes[i]!),
          proof,
        );
        expect(same(root, t.root)).toBe(true);
        const all = Array.from({ length: count }, (_, i) => i);
        expect(proofLength(count, all)).toBe(0);
        expect(same(rootFromProof(count, all, t.hashes, []), t.root)).toBe(true);
      }),
      params('any subset'),
    );
  });

  it('each leaf path has the length pathBytes gives', () => {
    fc.assert(
      fc.property(batchAndSubset, ({ count, indices }) => {
        const t = tree(count);
        for (const i of indices) expect(pathOf(count, i, t.node)!.length * 32).toBe(pathBytes(count, i));
      }),
      params('path length'),
    );
  });

  it('a path read from the whole tree is the path walked, and leads its leaf to the root', () => {
    fc.assert(
      fc.property(batchAndSubset, ({ count, indices }) => {
        const hashes = leaves(count);
        const levels = buildTree(hashes);
        const t = tree(count);
        for (const i of indices) {
          const path = pathInTree(levels, i);
          expect(path).toEqual(pathOf(count, i, t.node));
          expect(same(rootFromProof(count, [i], [hashes[i]!], path), t.root)).toBe(true);
        }
      }),
      params('path in tree'),
    );
  });

  it('a tampered leaf, index, proof hash or order does not lead to the root', () => {
    fc.assert(
      fc.property(batchAndSubset, fc.nat(), fc.nat(), ({ count, indices }, pick, bit) => {
        const t = tree(count);
        const proof = proofOf(t, indices)!;
        const hashes = indices.map((i) => t.hashes[i]!);
        const wrong = (root: Uint8Array | string): boolean => !same(root, t.root);
        const k = pick % indices.length;
        // A leaf flipped.
        const flipped = hashes.map((h, j) => (j === k ? h.map((x, b) => (b === bit % 32 ? x ^ 1 : x)) : h));
        expect(wrong(rootFromProof(count, indices, flipped, proof))).toBe(true);
        // A leaf moved to another index (its hash under another index).
        const moved = indices.map((i, j) => (j === k ? (i + 1) % count : i));
        if (count > 1 && new Set(moved).size === moved.length) {
          const order = moved.map((i, j) => [i, hashes[j]!] as const).sort((a, b) => a[0] - b[0]);
          const root = rootFromProof(
            count,
            order.map((x) => x[0]),
            order.map((x) => x[1]),
            proof,
          );
          expect(wrong(root)).toBe(true);
        }
        // Another leaf count may lead to the same root (leaf 0 of 23 or of 24 walks the same
        // nodes), which is why the signed message names the count (batch-signing.ts); the
        // verifier's tests refuse a tampered count.
        // A proof hash flipped, dropped or added.
        if (proof.length > 0) {
          const p = pick % proof.length;
          const bad = proof.map((h, j) => (j === p ? h.map((x, b) => (b === bit % 32 ? x ^ 1 : x)) : h));
          expect(wrong(rootFromProof(count, indices, hashes, bad))).toBe(true);
          expect(wrong(rootFromProof(count, indices, hashes, proof.slice(1)))).toBe(true);
        }
        expect(wrong(rootFromProof(count, indices, hashes, [...proof, t.root]))).toBe(true);
        // Two leaves swapped (reordered).
        if (indices.length > 1 && !same(hashes[0]!, hashes[1]!)) {
          const swapped = [hashes[1]!, hashes[0]!, ...hashes.slice(2)];
          expect(wrong(rootFromProof(count, indices, swapped, proof))).toBe(true);
        }
        // Indices out of order or repeated are refused outright.
        if (indices.length > 1) {
          expect(typeof rootFromProof(count, [...indices].reverse(), hashes, proof)).toBe('string');
          expect(typeof rootFromProof(count, [indices[0]!, ...indices.slice(0, -1)], hashes, proof)).toBe('string');
        }
      }),
      params('tampering'),
    );
  });

  it('a node holding a subset can prove any sub-subset of it, and forward it on again', () => {
    fc.assert(
      fc.property(
        batchAndSubset,
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        ({ count, indices }, keep) => {
          const t = tree(count);
          // Received: the subset, its leaves and its multiproof; the receiver rebuilds each leaf's path.
          const nodes = new Map<string, Uint8Array>();
          const root = rootFromProof(
            count,
            indices,
            indices.map((i) => t.hashes[i]!),
            proofOf(t, indices)!,
            (l, i, h) => nodes.set(`${l}/${i}`, h),
          );
          expect(same(root, t.root)).toBe(true);
          const held = indices.map((index) => ({
            index,
            path: pathOf(count, index, (l, i) => nodes.get(`${l}/${i}`))!,
          }));
          const sub = indices.filter((_, j) => keep[j]);
          if (sub.length === 0) return;
          const known = siblingsFromPaths(
            count,
            held.filter((h) => sub.includes(h.index)),
          );
          const proof = proveFrom(count, sub, known)!;
          expect(
            same(
              rootFromProof(
                count,
                sub,
                sub.map((i) => t.hashes[i]!),
                proof,
              ),
              t.root,
            ),
          ).toBe(true);
        },
      ),
      params('partial knowledge'),
    );
  });

  it('cannot prove a leaf it holds no path for', () => {
    const t = tree(8);
    expect(proofOf(t, [0, 5], [0])).toBeUndefined();
    expect(proveFrom(8, [3, 1], new Map())).toBeUndefined();
  });
});
