/**
 * MurmurHash3 x86_128 (seed 0), the reconciliation id until sync protocol 9, and a forger of its
 * collisions: in it one 16-byte block maps any state to any state, so a content with the id of any
 * other content (of printable ASCII, under one key) is found in milliseconds. The attack tests use
 * it to show what a non-cryptographic id let a writer do (src/core/sync/version-id.ts).
 */
import type { Version } from '../../../src/core/merge/version';
import { canonicalContent } from '../../../src/core/merge/version-content';

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;
const ADD = [0x561ccd1b, 0x0bcaa747, 0x96cd1c35, 0x32ac3b17];
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r)) | 0;
const rotr = (x: number, r: number): number => (x >>> r) | (x << (32 - r)) | 0;
const inv = (a: number): number => {
  let x = a | 0;
  for (let i = 0; i < 5; i++) x = Math.imul(x, (2 - Math.imul(a, x)) | 0);
  return x | 0;
};
const INV5 = inv(5);
const LANE: [number, number, number][] = [
  [C1, 15, C2],
  [C2, 16, C3],
  [C3, 17, C4],
  [C4, 18, C1],
];
const kOf = (lane: number, m: number): number => {
  const [a, r, b] = LANE[lane]!;
  return Math.imul(rotl(Math.imul(m, a), r), b);
};
const mOf = (lane: number, k: number): number => {
  const [a, r, b] = LANE[lane]!;
  return Math.imul(rotr(Math.imul(k, inv(b)), r), inv(a));
};
type State = [number, number, number, number];
function round(h: State, m: readonly number[]): State {
  let [h1, h2, h3, h4] = h;
  h1 ^= kOf(0, m[0]!);
  h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + ADD[0]!) | 0;
  h2 ^= kOf(1, m[1]!);
  h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + ADD[1]!) | 0;
  h3 ^= kOf(2, m[2]!);
  h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + ADD[2]!) | 0;
  h4 ^= kOf(3, m[3]!);
  h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + ADD[3]!) | 0;
  return [h1, h2, h3, h4];
}
function unround(n: State, m: readonly number[]): State {
  const t = (x: number, i: number, prev: number): number => (Math.imul((x - ADD[i]!) | 0, INV5) - prev) | 0;
  const h4 = rotr(t(n[3], 3, n[0]), 13) ^ kOf(3, m[3]!);
  const h3 = rotr(t(n[2], 2, h4), 15) ^ kOf(2, m[2]!);
  const h2 = rotr(t(n[1], 1, h3), 17) ^ kOf(1, m[1]!);
  const h1 = rotr(t(n[0], 0, h2), 19) ^ kOf(0, m[0]!);
  return [h1 | 0, h2 | 0, h3 | 0, h4 | 0];
}
/** The block taking state s to state x. */
function solve(s: State, x: State): number[] {
  const t = (xi: number, i: number, prev: number): number => (Math.imul((xi - ADD[i]!) | 0, INV5) - prev) | 0;
  const k1 = rotr(t(x[0], 0, s[1]), 19) ^ s[0];
  const k2 = rotr(t(x[1], 1, s[2]), 17) ^ s[1];
  const k3 = rotr(t(x[2], 2, s[3]), 15) ^ s[2];
  const k4 = rotr(t(x[3], 3, x[0]), 13) ^ s[3];
  return [mOf(0, k1), mOf(1, k2), mOf(2, k3), mOf(3, k4)];
}
const word = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const words = (b: Uint8Array, at: number): number[] => [0, 4, 8, 12].map((o) => word(b, at + o));
/** State after the full blocks of b[0..end). */
function absorb(b: Uint8Array, end: number): State {
  let h: State = [0, 0, 0, 0];
  for (let i = 0; i < end; i += 16) h = round(h, words(b, i));
  return h;
}
/** What the tail XORs into the state (per lane), for a message of length len. */
function tailK(b: Uint8Array, len: number): State {
  const blocks = len & ~15;
  const t = new Uint8Array(16);
  t.set(b.subarray(blocks, len));
  const tail = len - blocks;
  return [0, 1, 2, 3].map((i) => (tail > i * 4 ? kOf(i, word(t, i * 4)) : 0)) as State;
}
const ok = (c: number): boolean => c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;
const okWord = (w: number): boolean => ok(w & 0xff) && ok((w >>> 8) & 0xff) && ok((w >>> 16) & 0xff) && ok(w >>> 24);
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
let seed = 1;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0;
const randWord = (): number => {
  let w = 0;
  for (let i = 0; i < 4; i++) w |= ALPHA.charCodeAt(rnd() % ALPHA.length) << (8 * i);
  return w;
};
const utf8 = new TextEncoder();
/** The bytes versionId hashes (entity 0 kind 0 ms(6) c(2) node 0 content). */
function idBytes(v: Version, content: string): Uint8Array {
  const head = [...utf8.encode(v.entity), 0, ...utf8.encode(v.kind), 0];
  const hi = Math.floor(v.ts.ms / 0x1_0000_0000);
  const lo = v.ts.ms >>> 0;
  head.push((hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
  head.push((v.ts.c >>> 8) & 0xff, v.ts.c & 0xff, ...utf8.encode(v.ts.node), 0, ...utf8.encode(content));
  return Uint8Array.from(head);
}

/**
 * A `{text}` value under honest's key whose reconciliation id equals honest's: text starts with
 * `want`, then a tuning block and the solved block (printable ASCII), then padding to the same length.
 */
export function collide(honest: Version, want: string): Version {
  const hb = idBytes(honest, canonicalContent(honest));
  const len = hb.length;
  const target = absorb(hb, len & ~15).map((x, i) => x ^ tailK(hb, len)[i]!) as State;
  const head = idBytes(honest, `{"text":"${want}`);
  const tuneAt = Math.ceil(head.length / 16) * 16;
  const blockAt = tuneAt + 16;
  const restLen = len - (blockAt + 16);
  if (restLen < 2) throw new Error('honest text too short for this layout');
  const b = new Uint8Array(len);
  b.set(head);
  for (let i = head.length; i < tuneAt; i++) b[i] = 0x2e; // '.'
  for (let i = blockAt + 16; i < len - 2; i++) b[i] = 0x2e;
  b[len - 2] = 0x22; // "
  b[len - 1] = 0x7d; // }
  // State required after the solved block: undo the fixed blocks after it, and the forged tail.
  let need = target.map((x, i) => x ^ tailK(b, len)[i]!) as State;
  for (let at = (len & ~15) - 16; at >= blockAt + 16; at -= 16) need = unround(need, words(b, at));
  const before = absorb(b, tuneAt);
  const tune = [randWord(), randWord(), randWord(), randWord()];
  let m: number[] = [];
  const attempt = (): boolean => {
    m = solve(round(before, tune), need);
    return true;
  };
  // Lane by lane: t1,t2 → m1; t3 → m2; t4 → m3, m4 (see the derivation in the report).
  for (let i = 0; ; i++) {
    tune[0] = randWord();
    tune[1] = randWord();
    attempt();
    if (okWord(m[0]!)) break;
    if (i > 1e6) throw new Error('no m1');
  }
  for (let i = 0; ; i++) {
    tune[2] = randWord();
    attempt();
    if (okWord(m[1]!)) break;
    if (i > 1e6) throw new Error('no m2');
  }
  for (let i = 0; ; i++) {
    tune[3] = randWord();
    attempt();
    if (okWord(m[2]!) && okWord(m[3]!) && okWord(m[0]!) && okWord(m[1]!)) break;
    if (i > 1e7) throw new Error('no m3/m4');
  }
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      b[tuneAt + i * 4 + j] = (tune[i]! >>> (8 * j)) & 0xff;
      b[blockAt + i * 4 + j] = (m[i]! >>> (8 * j)) & 0xff;
    }
  }
  const headLen = idBytes(honest, '').length;
  const content = new TextDecoder().decode(b.subarray(headLen));
  const value = JSON.parse(content) as { text: string };
  return { ...honest, value };
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** MurmurHash3_x86_128 with seed 0 of data[0..len), written to out as four little-endian words. */
export function murmur128(data: Uint8Array, len: number, out: Uint8Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = len & ~15;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = word(data, i);
    let k2 = word(data, i + 4);
    let k3 = word(data, i + 8);
    let k4 = word(data, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const tail = len - blocks;
  const t = new Uint8Array(16);
  t.set(data.subarray(blocks, len));
  if (tail > 12) h4 ^= Math.imul(rotl(Math.imul(word(t, 12), C4), 18), C1);
  if (tail > 8) h3 ^= Math.imul(rotl(Math.imul(word(t, 8), C3), 17), C4);
  if (tail > 4) h2 ^= Math.imul(rotl(Math.imul(word(t, 4), C2), 16), C3);
  if (tail > 0) h1 ^= Math.imul(rotl(Math.imul(word(t, 0), C1), 15), C2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  putWord(out, 0, h1);
  putWord(out, 4, h2);
  putWord(out, 8, h3);
  putWord(out, 12, h4);
}

function putWord(out: Uint8Array, i: number, h: number): void {
  out[i] = h & 0xff;
  out[i + 1] = (h >>> 8) & 0xff;
  out[i + 2] = (h >>> 16) & 0xff;
  out[i + 3] = h >>> 24;
}

/** The Murmur id version-id.ts gave `v` until sync protocol 9, as hex. */
export function murmurId(v: Version): string {
  const bytes = idBytes(v, canonicalContent(v));
  const out = new Uint8Array(16);
  murmur128(bytes, bytes.length, out);
  return Buffer.from(out).toString('hex');
}
