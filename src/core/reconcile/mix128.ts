/**
 * A fast, non-cryptographic, INVERTIBLE mixing permutation of 128 bits (four 32-bit lanes), built
 * from Math.imul by odd constants, xor-shifts and cross-lane add/xor-rotate steps — every step is a
 * bijection, so the whole round is one and unmix128 undoes it exactly.
 *
 * Being a bijection, the mix neither adds nor removes collisions: it whitens the linear sum put on
 * the wire, and lets the receiver recover the sender's (sum + count term) from a fingerprint. That
 * recovery is what makes single-difference detection possible (see fingerprint.ts).
 */

const M = [0x85ebca6b, 0xc2b2ae35, 0x9e3779b1, 0x27d4eb2f] as const;
const S = [16, 13, 16, 15] as const;
const ROUNDS = 3;

function inverseOdd(m: number): number {
  // Newton iteration: each step doubles the number of correct low bits (3 -> 6 -> 12 -> 24 -> 48).
  let x = m;
  for (let i = 0; i < 4; i++) x = Math.imul(x, 2 - Math.imul(m, x));
  return x >>> 0;
}

const MI = [inverseOdd(M[0]), inverseOdd(M[1]), inverseOdd(M[2]), inverseOdd(M[3])] as const;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function unxorshift(y: number, s: number): number {
  // Inverse of x ^ (x >>> s): each iteration recovers s more high bits.
  let x = y;
  for (let k = 0; k < 32; k += s) x = (y ^ (x >>> s)) >>> 0;
  return x;
}

/** Mixes lanes in place: v[off..off+4]. */
export function mix128(v: Uint32Array, off: number): void {
  let a = v[off]!;
  let b = v[off + 1]!;
  let c = v[off + 2]!;
  let d = v[off + 3]!;
  for (let r = 0; r < ROUNDS; r++) {
    a = Math.imul((a ^ (a >>> S[0])) >>> 0, M[0]) >>> 0;
    b = Math.imul((b ^ (b >>> S[1])) >>> 0, M[1]) >>> 0;
    c = Math.imul((c ^ (c >>> S[2])) >>> 0, M[2]) >>> 0;
    d = Math.imul((d ^ (d >>> S[3])) >>> 0, M[3]) >>> 0;
    b = (b + rotl(a, 7)) >>> 0;
    c = (c ^ rotl(b, 13)) >>> 0;
    d = (d + rotl(c, 17)) >>> 0;
    a = (a ^ rotl(d, 23)) >>> 0;
  }
  v[off] = a;
  v[off + 1] = b;
  v[off + 2] = c;
  v[off + 3] = d;
}

/** Undoes mix128 in place. */
export function unmix128(v: Uint32Array, off: number): void {
  let a = v[off]!;
  let b = v[off + 1]!;
  let c = v[off + 2]!;
  let d = v[off + 3]!;
  for (let r = 0; r < ROUNDS; r++) {
    a = (a ^ rotl(d, 23)) >>> 0;
    d = (d - rotl(c, 17)) >>> 0;
    c = (c ^ rotl(b, 13)) >>> 0;
    b = (b - rotl(a, 7)) >>> 0;
    d = unxorshift(Math.imul(d, MI[3]) >>> 0, S[3]);
    c = unxorshift(Math.imul(c, MI[2]) >>> 0, S[2]);
    b = unxorshift(Math.imul(b, MI[1]) >>> 0, S[1]);
    a = unxorshift(Math.imul(a, MI[0]) >>> 0, S[0]);
  }
  v[off] = a;
  v[off + 1] = b;
  v[off + 2] = c;
  v[off + 3] = d;
}
