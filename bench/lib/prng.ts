/** mulberry32: a small seeded PRNG so every run of a bench sees the same workload (lib0's `prng` idea). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
