import { mulberry32 } from '../../src/core/random/mulberry32';

/** A seeded PRNG, so every run of a bench sees the same workload. */
export const prng = mulberry32;

export function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A node id shaped like ours: a base64url Ed25519 public key, 43 characters. */
export function fakeNodeId(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 43; i++) s += B64URL[randInt(rand, 64)];
  return s;
}
