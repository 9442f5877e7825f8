import {
  SHARED_RUN,
  sharedProofLength,
  sharedTail,
  storedProofLength,
  writeSharedProof,
  writeStoredProof,
  type LeafProof,
} from '../../core/signing/leaf-proof';
import { MAX_COUNTER } from '../../core/clock/hlc';
import type { Timestamp } from '../../core/clock/timestamp';
import type { ComponentValue } from '../../core/entity/component-types';
import type { Version } from '../../core/merge/version';
import { findNonJson } from './assert-json';
import {
  removalsF,
  removalsU,
  seenBase,
  seenCount,
  SEGMENT_SIZE,
  SEP,
  U_AUTHOR,
  U_COUNTER,
  U_ENTITY,
  U_KEY_COLUMNS,
  U_KIND,
  type Segment,
} from './format';

const MAX_MS = 2 ** 48; // encodeTs writes 12 hex digits
/** encodeTs: 12 hex digits of ms, then 4 of counter, then the node id. */
const TS_DIGITS = 16;

/**
 * The records for one commit: puts in order, removals on the last record (applied after all puts).
 * Validates everything first (values are JSON, ids hold no separator, timestamps fit a versionKey),
 * so a bad batch throws before any transaction exists.
 */
export function encodeSegments(put: readonly Version[], remove: readonly string[], size = SEGMENT_SIZE): Segment[] {
  const out: Segment[] = [];
  let builder = new SegmentBuilder();
  for (let i = 0; i < put.length; i++) {
    if (builder.size === size) {
      out.push(builder.build());
      builder = new SegmentBuilder();
    }
    builder.addVersion(put[i]!);
  }
  for (const key of remove) builder.addRemoval(key);
  if (builder.size > 0 || builder.removals > 0) out.push(builder.build());
  return out;
}

/** The columns of a run of keys (puts' or removals'), gathered before their length is known. */
class KeyColumns {
  private readonly entity: number[] = [];
  private readonly kind: number[] = [];
  private readonly author: number[] = [];
  private readonly counter: number[] = [];
  private readonly ms: number[] = [];

  get length(): number {
    return this.entity.length;
  }

  add(entity: number, kind: number, author: number, counter: number, ms: number): void {
    this.entity.push(entity);
    this.kind.push(kind);
    this.author.push(author);
    this.counter.push(counter);
    this.ms.push(ms);
  }

  write(u: Uint32Array, uBase: number, f: Float64Array, fBase: number): void {
    const count = this.entity.length;
    u.set(this.entity, uBase + U_ENTITY * count);
    u.set(this.kind, uBase + U_KIND * count);
    u.set(this.author, uBase + U_AUTHOR * count);
    u.set(this.counter, uBase + U_COUNTER * count);
    f.set(this.ms, fBase);
  }
}

/**
 * Accumulates puts and removals into one segment: from Version objects and versionKeys (a commit)
 * or column by column from other segments (compaction, which never parses the values it keeps).
 */
export class SegmentBuilder {
  /**
   * One builder (with its two KeyColumns) kept for the life of the class: builders live for one
   * commit's segments, so at a full GC with none alive V8 dropped their hidden classes and
   * deoptimized encodeSegments and the builder's methods (deopt reason "weak objects"), as it did
   * the wire's encoder (src/core/bytes/encoder.ts, Encoder.shapeKeeper). KeyColumns is declared
   * above this class so that it exists when this line runs.
   */
  static readonly shapeKeeper: SegmentBuilder = new SegmentBuilder();

  private readonly dict = new Map<string, number>();
  private readonly words: string[] = [];
  private readonly put = new KeyColumns();
  private readonly removed = new KeyColumns();
  private readonly seenOwner: number[] = [];
  private readonly seenC: number[] = [];
  private readonly seenNode: number[] = [];
  private readonly seenMs: number[] = [];
  /** The values of addVersion, stringified together in build(). */
  private readonly values: (ComponentValue | null)[] = [];
  /** Or the JSON texts of copied values, each one value or several joined by commas. */
  private readonly valueTexts: string[] = [];
  private copiedValues = 0;
  /** Each put's stored signature (leaf-proof.ts encodeStoredProof): bytes, or a proof written into `g` by build(). */
  private readonly sigs: (Uint8Array | LeafProof | undefined)[] = [];
  /** Per put, the hashes its proof takes from the previous put's (a shared proof, leaf-proof.ts SHARED_PROOF), or -1. */
  private readonly tails: number[] = [];
  /** Shared proofs in a row so far (at most SHARED_RUN - 1). */
  private run = 0;
  private sigBytes = 0;
  private signed = false;

  /** Puts so far. */
  get size(): number {
    return this.put.length;
  }

  get removals(): number {
    return this.removed.length;
  }

  addVersion(v: Version): void {
    const problem = findNonJson(v.value, '');
    if (problem !== undefined) throw new TypeError(`the value of version ${describe(v)} is not JSON: ${problem}`);
    const ts = v.ts;
    checkTs(ts, v);
    const i = this.put.length;
    this.put.add(
      this.word(v.entity, 'entity id', v),
      this.word(v.kind, 'kind', v),
      this.word(ts.node, 'node id', v),
      ts.c,
      ts.ms,
    );
    const seen = v.seen;
    for (let j = 0; j < seen.length; j++) {
      const s = seen[j]!;
      checkTs(s, v);
      this.seenOwner.push(i);
      this.seenC.push(s.c);
      this.seenNode.push(this.word(s.node, 'node id', v));
      this.seenMs.push(s.ms);
    }
    this.values.push(v.value);
    this.addStored(v);
  }

  /**
   * A removal, given as the versionKey it removes (`${entity}\0${kind}\0${encodeTs(ts)}`). A key
   * of any other shape, or naming an id storage refuses, cannot be the key of a stored version, so
   * removing it would change nothing: it is dropped.
   */
  addRemoval(key: string): void {
    if (typeof key !== 'string') throw new TypeError(`a removal key must be a string, not ${typeof key}`);
    const a = key.indexOf('\u0000');
    const b = a === -1 ? -1 : key.indexOf('\u0000', a + 1);
    if (b === -1 || key.length < b + 1 + TS_DIGITS) return;
    let ms = 0;
    let c = 0;
    for (let i = 0; i < TS_DIGITS; i++) {
      const d = hexDigit(key.charCodeAt(b + 1 + i));
      if (d < 0) return;
      if (i < 12) ms = ms * 16 + d;
      else c = c * 16 + d;
    }
    const entity = this.wordOrUndefined(key.slice(0, a));
    const kind = this.wordOrUndefined(key.slice(a + 1, b));
    const node = this.wordOrUndefined(key.slice(b + 1 + TS_DIGITS));
    if (entity === undefined || kind === undefined || node === undefined) return;
    this.removed.add(entity, kind, node, c, ms);
  }

  /**
   * Copies put `i` of `seg` (dictionary `words`) but its value: its `seen` entries [seenFrom,
   * seenTo) and its signature, which starts at byte `sigAt` of seg.g. The value comes separately
   * (copyValues), as text, so compaction never parses or re-serialises values.
   */
  copyPut(
    seg: Segment,
    words: readonly string[],
    i: number,
    seenFrom: number,
    seenTo: number,
    /** Its stored signature: as read back (a proof: written again, shared with the previous put's where it can be), or its bytes as stored. */
    stored: LeafProof | Uint8Array | undefined,
  ): void {
    const at = this.put.length;
    this.copyKey(this.put, seg, words, 0, seg.n, 0, i);
    const u = seg.u;
    const base = seenBase(seg);
    const s = seenCount(seg);
    for (let j = seenFrom; j < seenTo; j++) {
      this.seenOwner.push(at);
      this.seenC.push(u[base + s + j]!);
      this.seenNode.push(this.known(words[u[base + 2 * s + j]!]!));
      this.seenMs.push(seg.f[seg.n + j]!);
    }
    if (stored === undefined || stored instanceof Uint8Array) this.addSig(stored);
    else this.addProof(stored);
  }

  /** The JSON text of the next `count` copied values, joined by commas. */
  copyValues(text: string, count: number): void {
    this.valueTexts.push(text);
    this.copiedValues += count;
  }

  /** Copies removal `r` of `seg` (dictionary `words`). */
  copyRemoval(seg: Segment, words: readonly string[], r: number): void {
    this.copyKey(this.removed, seg, words, removalsU(seg), seg.r, removalsF(seg), r);
  }

  build(): Segment {
    const n = this.put.length;
    const r = this.removed.length;
    const s = this.seenOwner.length;
    const u = new Uint32Array(U_KEY_COLUMNS * (n + r) + 3 * s);
    const f = new Float64Array(n + s + r);
    this.put.write(u, 0, f, 0);
    const base = U_KEY_COLUMNS * n;
    u.set(this.seenOwner, base);
    u.set(this.seenC, base + s);
    u.set(this.seenNode, base + 2 * s);
    f.set(this.seenMs, n);
    this.removed.write(u, base + 3 * s, f, n + s);
    let v: string;
    if (this.valueTexts.length === 0 && this.values.length === n) v = JSON.stringify(this.values);
    else if (this.values.length === 0 && this.copiedValues === n) v = `[${this.valueTexts.join(',')}]`;
    else throw new Error(`segment builder: ${n} puts but ${this.values.length + this.copiedValues} values`);
    const g = new Uint8Array(this.sigBytes);
    const gl = new Int32Array(this.signed ? n : 0);
    if (this.signed) {
      let at = 0;
      for (let i = 0; i < n; i++) {
        const sig = this.sigs[i];
        if (sig === undefined) gl[i] = -1;
        else if (sig instanceof Uint8Array) {
          g.set(sig, at);
          gl[i] = sig.byteLength;
          at += sig.byteLength;
        } else {
          const tail = this.tails[i]!;
          const end = tail < 0 ? writeStoredProof(sig, g, at) : writeSharedProof(sig, tail, g, at);
          gl[i] = end - at;
          at = end;
        }
      }
    }
    return { n, r, d: this.words.join(SEP), u, f, v, g, gl };
  }

  private copyKey(
    into: KeyColumns,
    seg: Segment,
    words: readonly string[],
    uBase: number,
    count: number,
    fBase: number,
    i: number,
  ): void {
    const u = seg.u;
    into.add(
      this.known(words[u[uBase + U_ENTITY * count + i]!]!),
      this.known(words[u[uBase + U_KIND * count + i]!]!),
      this.known(words[u[uBase + U_AUTHOR * count + i]!]!),
      u[uBase + U_COUNTER * count + i]!,
      seg.f[fBase + i]!,
    );
  }

  /**
   * What storage keeps of v's signature: its per-version signature, or its proof (as
   * encodeStoredProof lays it out, or shared: leaf-proof.ts SHARED_PROOF), written straight into
   * the segment by build().
   */
  private addStored(v: Version): void {
    const p = v.proof;
    if (p === undefined) return this.addSig(v.sig);
    if (p.kind !== 'path') throw new Error('a version under an unchecked frame proof cannot be stored');
    this.addProof(p);
  }

  /** A proof, shared with the previous put's when both are of one batch (leaf-proof.ts SHARED_PROOF). */
  private addProof(p: LeafProof): void {
    const prev = this.sigs[this.sigs.length - 1];
    const tail =
      prev === undefined || prev instanceof Uint8Array || this.run >= SHARED_RUN - 1 ? undefined : sharedTail(p, prev);
    this.run = tail === undefined ? 0 : this.run + 1;
    this.sigs.push(p);
    this.tails.push(tail ?? -1);
    this.signed = true;
    this.sigBytes += tail === undefined ? storedProofLength(p) : sharedProofLength(p, tail);
  }

  private addSig(sig: Uint8Array | undefined): void {
    this.sigs.push(sig);
    this.tails.push(-1);
    if (sig === undefined) return;
    this.signed = true;
    this.sigBytes += sig.byteLength;
  }

  /** The dictionary index of an id, checked the first time this segment meets it. */
  private word(word: string, what: string, v: Version): number {
    const index = this.wordOrUndefined(word);
    if (index === undefined) {
      throw new TypeError(
        `cannot store version ${describe(v)}: its ${what} must be a string without line feeds or NULs`,
      );
    }
    return index;
  }

  private wordOrUndefined(word: string): number | undefined {
    const known = this.dict.get(word);
    if (known !== undefined) return known;
    if (typeof word !== 'string' || word.includes(SEP) || word.includes('\u0000')) return undefined;
    return this.add(word);
  }

  /** The dictionary index of a string that came from a stored (so already checked) dictionary. */
  private known(word: string): number {
    return this.dict.get(word) ?? this.add(word);
  }

  private add(word: string): number {
    const index = this.words.length;
    this.words.push(word);
    this.dict.set(word, index);
    return index;
  }
}

/** A lower-case hex digit's value (encodeTs writes lower case), else -1. */
function hexDigit(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  if (ch >= 0x61 && ch <= 0x66) return ch - 0x61 + 10;
  return -1;
}

/** Timestamps must survive encodeTs unchanged (12 hex digits of ms, 4 of counter) and a Uint32Array. */
function checkTs(ts: Timestamp, v: Version): void {
  const { ms, c } = ts;
  if (!(Number.isInteger(ms) && ms >= 0 && ms < MAX_MS && Number.isInteger(c) && c >= 0 && c <= MAX_COUNTER)) {
    throw new TypeError(`cannot store version ${describe(v)}: timestamp ms ${ms} / counter ${c} out of range`);
  }
}

function describe(v: Version): string {
  const ts = v.ts as Partial<Timestamp> | undefined;
  return JSON.stringify(`${String(v.entity)}/${String(v.kind)}@${String(ts?.ms)}.${String(ts?.c)}.${String(ts?.node)}`);
}
