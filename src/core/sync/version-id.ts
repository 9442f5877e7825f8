import type { Version } from '../merge/version';
import { compareTs } from '../clock/timestamp';
import { sha256 } from '../signing/sha256';
import { SYNC_ID_BYTES } from './messages';

/** What a reconciliation id covers: the version's key and its content. */
export type IdentifiedVersion = Pick<Version, 'entity' | 'kind' | 'ts' | 'value' | 'seen'>;

/**
 * The reconciliation id of a version: the first 16 bytes of SHA-256 (FIPS 180-4) of its key —
 * entity, kind and HLC timestamp, the same triple as storage's versionKey — and its content (value
 * and causal context, see version-content.ts), laid out as
 *   UTF-8(entity) 0x00 UTF-8(kind) 0x00 ms (6 bytes BE) counter (2 bytes BE) UTF-8(node) 0x00
 *   UTF-8(canonicalContent)
 * The content is in it so that two versions under one timestamp with different values (a relay
 * that rewrote one in transit, a peer that equivocated) never pass for one: reconciliation sees
 * them differ, exchanges them, and the merge keeps the same one on both sides. Pure and
 * synchronous (sha256.ts: hash-wasm's WebAssembly engine, JavaScript until it is ready).
 *
 * Why a cryptographic hash: the writer chooses the content, and the id is what every dedup on the
 * sync path trusts (the lazy push's announcements, a `want`, reconciliation's ranges). With a fast
 * non-cryptographic hash (MurmurHash3 until sync protocol 9) a signing member found, in
 * milliseconds, a second content of one timestamp with the first one's id, sent one content to
 * one node and the other to another, and the two never exchanged them: two pictures, each link
 * "synced" (test/unit/node/mesh/equivocation.test.ts). Truncated to 128 bits a collision costs
 * about 2^64 hashes (birthday bound), and a chance one for n honest versions about n² / 2^129. It
 * costs ~1.35 µs more per id than MurmurHash3 did in Node (docs/security.md, "What remains").
 */
export function versionId(v: IdentifiedVersion): Uint8Array {
  const n = keyBytes(v);
  return sha256(buf.subarray(0, n)).slice(0, SYNC_ID_BYTES);
}

/**
 * The id key (idKey) of a version's reconciliation id, hashed without keeping the id's bytes: what
 * the sync index keys by. One array fewer than idKey(versionId(v)) (the digest is read in place,
 * not sliced to its first 16 bytes): an ArrayBuffer each, which garbage collection sweeps one by one.
 */
export function versionIdKey(v: IdentifiedVersion): string {
  const n = keyBytes(v);
  return idKey(sha256(buf.subarray(0, n)));
}

/**
 * Ids computed ahead of the sync index (prepareVersionIds), by version object, as id keys (idKey): a
 * local write's versions and the heads it supersedes are hashed while its storage commit is in
 * flight, when the worker would otherwise wait, instead of in the index's add and remove once the
 * commit is durable (those hashes were ~9 µs of a writeMany component's ~76 in Chromium:
 * docs/benchmarks.md, scenario 6). Kept as the key the index uses, not as bytes: no array a
 * version (docs/benchmarks.md, scenario 6). Weak: an entry goes with its version. An id is a pure
 * function of the version's key and content, which nothing changes once a version is stamped (a
 * signature adds sig and proof, which the id does not cover), so an id computed ahead is the id
 * computed later.
 */
const ahead = new WeakMap<IdentifiedVersion, string>();

/** Computes the ids of `versions` now, for the sync index to take later (preparedKey). */
export function prepareVersionIds(versions: readonly IdentifiedVersion[], from = 0, to = versions.length): void {
  for (let i = from; i < to; i++) {
    const v = versions[i]!;
    if (!ahead.has(v)) ahead.set(v, versionIdKey(v));
  }
}

/** Records the id key known for this very object (idKey of its own versionId), for the sync index to take. */
export function noteVersionKey(v: IdentifiedVersion, key: string): void {
  ahead.set(v, key);
}

/** The id key prepareVersionIds computed (or noteVersionKey recorded) for this very object, if any (`take`: and forget it). */
export function preparedKey(v: IdentifiedVersion, take = false): string | undefined {
  const key = ahead.get(v);
  if (take && key !== undefined) ahead.delete(v);
  return key;
}

/** preparedKey's id as bytes (tests). */
export function preparedId(v: IdentifiedVersion, take = false): Uint8Array | undefined {
  const key = preparedKey(v, take);
  return key === undefined ? undefined : idOfKey(key);
}

let buf = new Uint8Array(256);

/** Makes room for `n` more bytes after `p`. */
function ensure(p: number, n: number): void {
  if (p + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, p + n));
  next.set(buf.subarray(0, p));
  buf = next;
}

/**
 * The layout above, written straight into `buf`: the content's canonical text (version-content.ts
 * canonicalContent) is written as it is made, not built as a string and encoded after (the ids of a
 * received frame were ~13 µs a version in a receiving worker, half of it building and copying that
 * text: docs/benchmarks.md, scenario 7). The bytes are those of UTF-8(canonicalContent(v)) exactly
 * (version-id.test.ts compares them).
 */
function keyBytes(v: IdentifiedVersion): number {
  const { entity, kind, ts } = v;
  let p = putString(entity, 0);
  ensure(p, 1);
  buf[p++] = 0;
  p = putString(kind, p);
  ensure(p, 9);
  buf[p++] = 0;
  const hi = Math.floor(ts.ms / 0x1_0000_0000);
  const lo = ts.ms >>> 0;
  buf[p++] = (hi >>> 8) & 0xff;
  buf[p++] = hi & 0xff;
  buf[p++] = lo >>> 24;
  buf[p++] = (lo >>> 16) & 0xff;
  buf[p++] = (lo >>> 8) & 0xff;
  buf[p++] = lo & 0xff;
  buf[p++] = (ts.c >>> 8) & 0xff;
  buf[p++] = ts.c & 0xff;
  p = putString(ts.node, p);
  ensure(p, 1);
  buf[p++] = 0;
  p = putJson(v.value, p);
  const seen = v.seen.length < 2 ? v.seen : [...v.seen].sort(compareTs);
  for (const t of seen) {
    ensure(p, 1);
    buf[p++] = 0x7c; // '|'
    p = putString(`${t.ms}.${t.c}.${t.node}`, p);
  }
  return p;
}

/** canonicalJson (version-content.ts) of `x`, as UTF-8. */
function putJson(x: unknown, p: number): number {
  if (typeof x === 'string') return putJsonString(x, p);
  // JSON.stringify writes a finite number as String() does (-0 as 0), any other as null.
  if (typeof x === 'number') return putString(Number.isFinite(x) ? String(x) : 'null', p);
  if (x === null || typeof x !== 'object') return putString(JSON.stringify(x) ?? 'null', p);
  if (Array.isArray(x)) {
    ensure(p, 1);
    buf[p++] = 0x5b; // '['
    for (let i = 0; i < x.length; i++) {
      ensure(p, 1);
      if (i > 0) buf[p++] = 0x2c; // ','
      // A hole is written as nothing (join of a mapped sparse array), an undefined item as null.
      if (i in x) p = putJson(x[i], p);
    }
    ensure(p, 1);
    buf[p++] = 0x5d; // ']'
    return p;
  }
  const record = x as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  ensure(p, 1);
  buf[p++] = 0x7b; // '{'
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    ensure(p, 1);
    if (!first) buf[p++] = 0x2c;
    first = false;
    p = putJsonString(key, p);
    ensure(p, 1);
    buf[p++] = 0x3a; // ':'
    p = putJson(item, p);
  }
  ensure(p, 1);
  buf[p++] = 0x7d; // '}'
  return p;
}

/** JSON.stringify(s) as UTF-8: printable ASCII without a quote or backslash is copied as it is. */
function putJsonString(s: string, p: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return putString(JSON.stringify(s), p);
  }
  ensure(p, n + 2);
  buf[p++] = 0x22;
  for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
  buf[p++] = 0x22;
  return p;
}

/** Writes UTF-8 (ids are ASCII in practice; other code points are encoded by hand). */
function putString(s: string, p: number): number {
  ensure(p, s.length * 3);
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/** A compact Map key for a 16-byte id: eight UTF-16 code units, two bytes each. */
export function idKey(id: Uint8Array, off = 0): string {
  return String.fromCharCode(
    id[off]! | (id[off + 1]! << 8),
    id[off + 2]! | (id[off + 3]! << 8),
    id[off + 4]! | (id[off + 5]! << 8),
    id[off + 6]! | (id[off + 7]! << 8),
    id[off + 8]! | (id[off + 9]! << 8),
    id[off + 10]! | (id[off + 11]! << 8),
    id[off + 12]! | (id[off + 13]! << 8),
    id[off + 14]! | (id[off + 15]! << 8),
  );
}

/** The 16-byte id an idKey() was made from. */
export function idOfKey(key: string): Uint8Array {
  const id = new Uint8Array(16);
  writeIdOfKey(key, id, 0);
  return id;
}

/** Writes the 16-byte id an idKey() was made from at `out[off..off+16]` (idKey(out, off) reads it back). */
export function writeIdOfKey(key: string, out: Uint8Array, off: number): void {
  for (let i = 0; i < 8; i++) {
    const u = key.charCodeAt(i);
    out[off + 2 * i] = u & 0xff;
    out[off + 2 * i + 1] = u >>> 8;
  }
}
