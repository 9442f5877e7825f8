import { MAX_VARINT_BYTES, putVarUint } from '../bytes/varint';
import { isWellFormed } from '../bytes/utf8';
import { compareTs, type Timestamp } from '../clock/timestamp';
import type { SignedPart } from './version-signing';
import { versionSigningBytes } from './version-signing';
import { LEAF_DOMAIN, leafHash } from './merkle';
import { sha256 } from './sha256';

/**
 * How a version becomes a leaf of a signed batch (docs/security.md, "One signature per batch",
 * "Leaf forms"). The form travels with every batch (the wire's batch table, the stored proof) and
 * is signed with the root (batchRootSigningBytes), so a tree of one form never passes for another.
 *
 * - `LEAF_FORM_TEXT` (1): the version's signing text (versionSigningBytes: JSON of the value with
 *   sorted keys). What batches signed before the binary form carry; still verified and served.
 * - `LEAF_FORM_BINARY` (2): the canonical binary form below, what new batches are signed with.
 *   Building the JSON text cost as much as hashing it; this form is written in one pass into a
 *   reused buffer, and is shorter (a position update: 79 B against 160 B, two SHA-256 blocks
 *   instead of three).
 */
export type LeafForm = 1 | 2;
export const LEAF_FORM_TEXT = 1;
export const LEAF_FORM_BINARY = 2;

export function isLeafForm(x: number): x is LeafForm {
  return x === LEAF_FORM_TEXT || x === LEAF_FORM_BINARY;
}

/**
 * Form 2, all integers unsigned LEB128 varints:
 *
 *   u8 2 · entity (varint UTF-8 length, bytes) · kind (the same) · ts.ms · ts.c ·
 *   seen count, then per entry in timestamp order (compareTs): ms · c · node (length, bytes) ·
 *   value
 *
 * value, tagged: 0 null · 1 false · 2 true · 3 number (IEEE 754 double, little-endian) · 4 string
 * (length, UTF-8) · 5 array (count, items) · 6 object (count, then each member in sorted key order:
 * key as a string without tag, value).
 *
 * The author is left out: it is signed once with the root, and every leaf of a batch must be by it
 * (the signer and the verifier both refuse another). The value follows canonicalContent's JSON
 * exactly, so two values have one form iff they have one JSON text: -0 is written as 0, a
 * non-finite number as null, an undefined array item as null, an undefined member left out. Every
 * field is length-prefixed or of fixed size and the value grammar is prefix-free, so the form
 * decodes one way only (no two versions share one).
 */
export function versionLeafBytes(v: SignedPart, form: LeafForm): Uint8Array {
  if (form === LEAF_FORM_TEXT) return versionSigningBytes(v);
  writeBinary(v);
  return buf.slice(1, pos);
}

/** The version's leaf: SHA-256 over 0x00 and its leaf bytes in `form` (merkle.ts leafHash). */
export function versionLeafHash(v: SignedPart, form: LeafForm): Uint8Array {
  return form === LEAF_FORM_TEXT ? leafHash(versionSigningBytes(v)) : versionContentDigest(v);
}

/**
 * The version's content digest: SHA-256 over 0x00 and its binary form (form 2), i.e. its form-2
 * leaf hash, whatever form its signature was made over. Entity, kind, clock, context and value, each
 * written one way only, so two versions of one author have one digest exactly when they have one
 * content (and one signing text, leaf-form.test.ts). The verified-versions cache keys contents by
 * it, so an author's two contents under one timestamp are told apart (an equivocation) even when
 * one was signed in the text form and the other in the binary form. For a version under a batch
 * of form 2 it is the leaf hash the proof walk needs anyway: hashed once.
 */
export function versionContentDigest(v: SignedPart): Uint8Array {
  writeBinary(v);
  return sha256(buf.subarray(0, pos));
}

/**
 * The leaf hash's input into the module's scratch buffer (no allocation once it is large enough):
 * the leaf domain byte (merkle.ts leafHash) at 0, then form 2 up to `pos`, so the leaf is hashed
 * from where it was written, in one call (sha256.ts: the calls cost as much as the blocks).
 * Valid until the next call (the core is synchronous).
 */
function writeBinary(v: SignedPart): void {
  pos = 0;
  byte(LEAF_DOMAIN);
  byte(LEAF_FORM_BINARY);
  str(v.entity);
  str(v.kind);
  uint(v.ts.ms);
  uint(v.ts.c);
  const seen = v.seen.length < 2 ? v.seen : [...v.seen].sort(compareTs);
  uint(seen.length);
  for (const s of seen as readonly Timestamp[]) {
    uint(s.ms);
    uint(s.c);
    str(s.node);
  }
  value(v.value);
}

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_NUMBER = 3;
const TAG_STRING = 4;
const TAG_ARRAY = 5;
const TAG_OBJECT = 6;

let buf = new Uint8Array(1024);
let view = new DataView(buf.buffer);
let pos = 0;
const utf8 = new TextEncoder();

function reserve(n: number): void {
  if (pos + n <= buf.length) return;
  let cap = buf.length * 2;
  while (cap < pos + n) cap *= 2;
  const next = new Uint8Array(cap);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function byte(b: number): void {
  reserve(1);
  buf[pos++] = b;
}

function uint(n: number): void {
  reserve(MAX_VARINT_BYTES);
  pos = putVarUint(buf, pos, n);
}

function str(s: string): void {
  const n = s.length;
  // ASCII (ids, kinds, keys: nearly every string) in one pass: its UTF-8 length is its length, so
  // the length goes first and the characters after it, checked as they are copied; at the first
  // other character the copy is dropped and the string is encoded below.
  const start = pos;
  uint(n);
  reserve(n);
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[pos + i] = c;
  }
  if (i === n) {
    pos += n;
    return;
  }
  pos = start;
  // UTF-8 cannot carry a lone surrogate: encoded, it would become U+FFFD and two contents would
  // share one leaf. Every path validates text before it is signed or verified (validateComponent
  // refuses such strings); this keeps "one leaf, one content" from resting on that alone.
  if (!isWellFormed(s)) throw new TypeError('a string with a lone surrogate has no leaf form');
  const bytes = utf8.encode(s);
  uint(bytes.length);
  reserve(bytes.length);
  buf.set(bytes, pos);
  pos += bytes.length;
}

function value(x: unknown): void {
  switch (typeof x) {
    case 'number':
      if (!Number.isFinite(x)) return byte(TAG_NULL);
      reserve(9);
      buf[pos++] = TAG_NUMBER;
      view.setFloat64(pos, x === 0 ? 0 : x, true);
      pos += 8;
      return;
    case 'string':
      byte(TAG_STRING);
      return str(x);
    case 'boolean':
      return byte(x ? TAG_TRUE : TAG_FALSE);
    case 'object': {
      if (x === null) return byte(TAG_NULL);
      if (Array.isArray(x)) {
        byte(TAG_ARRAY);
        uint(x.length);
        for (const item of x) value(item);
        return;
      }
      const record = x as Record<string, unknown>;
      const keys = sortedKeys(record);
      byte(TAG_OBJECT);
      // The count of defined members, written once they are: under 128 members (every value the
      // app makes) its varint is one byte, so its place is kept and filled after one pass.
      if (keys.length < 0x80) {
        const at = pos;
        byte(0);
        let defined = 0;
        for (const k of keys) {
          const item = record[k];
          if (item === undefined) continue;
          defined++;
          str(k);
          value(item);
        }
        buf[at] = defined;
        return;
      }
      let defined = 0;
      for (const k of keys) if (record[k] !== undefined) defined++;
      uint(defined);
      for (const k of keys) {
        const item = record[k];
        if (item === undefined) continue;
        str(k);
        value(item);
      }
      return;
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      // undefined (an array item) is null, as JSON writes it; the others are never values.
      return byte(TAG_NULL);
  }
}

/**
 * The object's own keys in the order Array.prototype.sort puts them by default (UTF-16 code
 * units, which `<` on strings compares too): a value's few keys by insertion, in place, without
 * the general sort's set-up per value (leaf-form.test.ts checks the bytes against the signing text).
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}
