/**
 * Many versions in one IndexedDB record (schema version 2), stored column by column. The shape is
 * chosen for the structured clone, which IndexedDB runs on the calling thread when it writes and
 * when it reads: its cost grows with the number of JavaScript values in a record, not their bytes.
 * So a record holds a handful of values whatever its size: the strings of every column packed into
 * one dictionary string, the numbers in two typed arrays, the values as one JSON text.
 *
 * The dictionary also means each entity, kind and node id is stored once per segment and loads as
 * one shared string. Its separator, a line feed, cannot occur in ids (entity ids, node ids and
 * kinds follow core/ids.ts; `$deleted` too) nor in the output of JSON.stringify; storage refuses
 * an id holding one (or a NUL, versionKey's separator) rather than store a different one.
 *
 * Removals are stored as the parts of the versionKeys they remove (dictionary indexes and
 * numbers), like puts: a commit parses each key once, and a replay matches removals against puts
 * by number and dictionary string, never by building or parsing key strings.
 */
export interface Segment {
  /** Puts in this segment. */
  readonly n: number;
  /** Removals in this segment: applied after its puts, and to everything logged before it. */
  readonly r: number;
  /** Dictionary: the entity ids, kinds and node ids of the puts, `seen` entries and removals, joined by SEP. */
  readonly d: string;
  /**
   * Column by column: per put (n each) entity, kind and author as dictionary indexes, then the
   * counter; per `seen` entry (s each, in put order) its put's index, counter and node index; per
   * removal (r each) the entity, kind, author and counter of the versionKey it removes.
   */
  readonly u: Uint32Array;
  /** The ms of each put, then of each `seen` entry, then of each removal (n + s + r numbers). */
  readonly f: Float64Array;
  /** The values as one JSON array text (valueOffsets finds each value's text in it). */
  readonly v: string;
  /**
   * The signatures, concatenated: per-version signatures and whole proofs as encodeStoredProof writes them,
   * or a proof leaning on the previous put's (leaf-proof.ts SHARED_PROOF): read them in order.
   */
  readonly g: Uint8Array;
  /** Byte length of each put's signature, -1 when it has none; empty when no put has one. */
  readonly gl: Int32Array;
}

export const SEP = '\n';

/** The columns of a key (a put's, or a removal's) in `u`, each `count` long from the block's start. */
export const U_ENTITY = 0;
export const U_KIND = 1;
export const U_AUTHOR = 2;
export const U_COUNTER = 3;
export const U_KEY_COLUMNS = 4;

/** The `seen` entries a segment holds. */
export function seenCount(seg: Segment): number {
  return seg.f.length - seg.n - seg.r;
}

/** Where the `seen` block starts in `u` (its ms start at f[n]). */
export function seenBase(seg: Segment): number {
  return U_KEY_COLUMNS * seg.n;
}

/** Where the removals' block starts in `u`. */
export function removalsU(seg: Segment): number {
  return U_KEY_COLUMNS * seg.n + 3 * seenCount(seg);
}

/** Where the removals' ms start in `f`. */
export function removalsF(seg: Segment): number {
  return seg.n + seenCount(seg);
}

/**
 * Puts per record. Chromium pays a fixed cost per record on top of its bytes: reading 100k
 * position versions took ~75 ms in 1k-put records, ~41 ms in 4k, ~25 ms in 16k, ~21 ms in 32k,
 * and writing them ~240 / 160 / 115 / 100 ms. 16k keeps each of compaction's write transactions
 * (one record) short enough not to stall commits behind it for long.
 */
export const SEGMENT_SIZE = 16_384;

/**
 * Where each value's JSON text starts in seg.v, plus seg.v.length: value i is
 * v.slice(at[i], at[i + 1] - 1). A scan of JSON.stringify output for the commas between top-level
 * elements (outside strings, at depth 1): compaction needs it, commits and loads do not.
 */
export function valueOffsets(seg: Segment): Uint32Array {
  const v = seg.v;
  const at = new Uint32Array(seg.n + 1);
  let k = 0;
  if (seg.n > 0) at[k++] = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) inString = true;
    else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) depth++;
    else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) depth--;
    else if (ch === COMMA && depth === 1) {
      if (k >= seg.n) break;
      at[k++] = i + 1;
    }
  }
  if (k !== seg.n) throw new Error(`corrupt segment: ${seg.n} puts but ${k} values`);
  at[k] = v.length;
  return at;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
