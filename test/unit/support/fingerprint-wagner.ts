/**
 * Test helper (not a test file, not run by the suite): the search behind
 * test/unit/attack/fingerprint-sum-collision.test.ts. Wagner's k-tree (D. Wagner, "A Generalized
 * Birthday Problem", CRYPTO 2002) for k = 128 lists over Z/2^128: list j holds the terms
 * (fingerprint.ts idMix: the public term until sync protocol 10) of versions `trk-j` / `note` / { n: k } for k < L, negated for j ≥ 64;
 * each level zeroes 16 more low bits of pairwise sums, the last the top 32. Prints the k picked
 * from each list: Σ term(A) = Σ term(B) for A = lists 0..63, B = lists 64..127.
 * Run: flock /tmp/heavy.lock node --max-old-space-size=2048 --import tsx test/unit/support/fingerprint-wagner.ts
 */
import { createHash } from 'node:crypto';
import { versionId } from '../../../src/core/sync/version-id';
import { idMix } from '../../../src/core/reconcile/fingerprint';

const T = 1_700_000_000_000;
const NODE = 'evil';
const K = 128;
const L = Number(process.env['L'] ?? 72000);
const CAP = 1 << 18;
const enc = new TextEncoder();
const ver = (j: number, k: number) => ({
  entity: `trk-${j}`,
  kind: 'note',
  ts: { ms: T, c: 0, node: NODE },
  value: { n: k },
  seen: [],
});

/** versionId's layout (version-id.ts keyBytes) for version (j, k), hashed by node:crypto (faster). */
function layout(j: number, k: number): Uint8Array {
  const head = enc.encode(`trk-${j}\0note\0`);
  const tail = enc.encode(`${NODE}\0{"n":${k}}`);
  const out = new Uint8Array(head.length + 8 + tail.length);
  out.set(head, 0);
  const hi = Math.floor(T / 0x1_0000_0000);
  const lo = T >>> 0;
  out.set(
    [(hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff, 0, 0],
    head.length,
  );
  out.set(tail, head.length + 8);
  return out;
}
for (const [j, k] of [
  [0, 0],
  [5, 12345],
  [127, 71999],
] as const) {
  const a = versionId(ver(j, k) as never);
  const b = createHash('sha256').update(layout(j, k)).digest().subarray(0, 16);
  if (Buffer.compare(Buffer.from(a), b) !== 0) throw new Error(`layout differs from versionId at ${j} ${k}`);
}

interface Level {
  lanes: Uint32Array;
  left: Int32Array;
  right: Int32Array;
  n: number;
}
interface TreeNode {
  lv: Level;
  kids?: [TreeNode, TreeNode];
}
const tmp = new Uint32Array(4);

function leaf(j: number): Level {
  const lanes = new Uint32Array(4 * L);
  for (let k = 0; k < L; k++) {
    idMix(createHash('sha256').update(layout(j, k)).digest(), 0, tmp, 0);
    if (j >= K / 2) {
      let carry = 1;
      for (let i = 0; i < 4; i++) {
        const v = (~tmp[i]! >>> 0) + carry;
        tmp[i] = v >>> 0;
        carry = v > 0xffffffff ? 1 : 0;
      }
    }
    lanes.set(tmp, 4 * k);
  }
  return { lanes, left: new Int32Array(0), right: new Int32Array(0), n: L };
}

/** Pairs of a and b whose sum has 16 more zero low bits (level t), or a zero top lane (final). */
function merge(a: Level, b: Level, t: number, final: boolean): Level {
  const lane = t >> 1;
  const sh = 16 * (t & 1);
  const key = (x: Level, i: number): number => (final ? x.lanes[4 * i + 3]! : (x.lanes[4 * i + lane]! >>> sh) & 0xffff);
  const byKey = new Map<number, number[]>();
  for (let i = 0; i < b.n; i++) {
    const kk = key(b, i);
    const at = byKey.get(kk);
    if (at === undefined) byKey.set(kk, [i]);
    else at.push(i);
  }
  const lanes = new Uint32Array(4 * CAP);
  const left = new Int32Array(CAP);
  const right = new Int32Array(CAP);
  let n = 0;
  const mod = final ? 0x1_0000_0000 : 0x10000;
  for (let i = 0; i < a.n && n < CAP; i++) {
    for (const r of byKey.get((mod - key(a, i)) % mod) ?? []) {
      if (n >= CAP) break;
      let carry = 0;
      for (let q = 0; q < 4; q++) {
        const v = a.lanes[4 * i + q]! + b.lanes[4 * r + q]! + carry;
        lanes[4 * n + q] = v >>> 0;
        carry = v > 0xffffffff ? 1 : 0;
      }
      left[n] = i;
      right[n] = r;
      n++;
    }
  }
  return { lanes: lanes.slice(0, 4 * n), left: left.slice(0, n), right: right.slice(0, n), n };
}

const LEVELS = Math.log2(K);
function solve(start: number, t: number): TreeNode {
  if (t === 0) return { lv: leaf(start) };
  const half = 1 << (t - 1);
  const l = solve(start, t - 1);
  const r = solve(start + half, t - 1);
  const lv = merge(l.lv, r.lv, t - 1, t === LEVELS);
  l.lv.lanes = new Uint32Array(0);
  r.lv.lanes = new Uint32Array(0);
  return { lv, kids: [l, r] };
}
const root = solve(0, LEVELS);
if (root.lv.n === 0) throw new Error('no solution: raise L');
const picks = new Array<number>(K);
function back(node: TreeNode, i: number, start: number, t: number): void {
  if (t === 0) {
    picks[start] = i;
    return;
  }
  back(node.kids![0], node.lv.left[i]!, start, t - 1);
  back(node.kids![1], node.lv.right[i]!, start + (1 << (t - 1)), t - 1);
}
back(root, 0, 0, LEVELS);
console.log(JSON.stringify(picks));
