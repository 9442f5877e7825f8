import { isNodeId, type NodeId } from '../ids';

/**
 * A Hybrid Logical Clock timestamp (Kulkarni et al., "Logical Physical Clocks", 2014):
 * physical milliseconds, a logical counter for events within one millisecond, and the
 * node id as the final tie-breaker, so that any two timestamps of different events differ.
 */
export interface Timestamp {
  readonly ms: number;
  readonly c: number;
  readonly node: NodeId;
}

/** Total order: physical time, then counter, then node id. */
export function compareTs(a: Timestamp, b: Timestamp): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.c !== b.c) return a.c < b.c ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

const MS_DIGITS = 12; // 48 bits of milliseconds: good until the year 10889
const C_DIGITS = 4; // 16-bit counter

/**
 * Fixed-width, lexicographically sortable text form: `<ms hex 12><counter hex 4><node id>`.
 * Comparing two encodings as strings gives the same order as compareTs (TinyBase uses the
 * same idea for its HLC strings).
 */
export function encodeTs(ts: Timestamp): string {
  const slot = (Math.imul(ts.ms | 0, 0x9e3779b1) ^ Math.imul((ts.ms / 0x100000000) | 0, 0x85ebca6b) ^ ts.c) & SLOT_MASK;
  const text = encoded[slot];
  if (text !== undefined && encodedMs[slot] === ts.ms && encodedC[slot] === ts.c && encodedNode[slot] === ts.node)
    return text;
  // Joined, not added: `+` gives a tree of the pieces (two concatenations over the padded hex
  // strings, ~120 B), which the cache would keep whole; join gives one flat string (~64 B for a
  // 32-character node id). See ENCODE_CACHE_SLOTS.
  const fresh = [ts.ms.toString(16).padStart(MS_DIGITS, '0'), ts.c.toString(16).padStart(C_DIGITS, '0'), ts.node].join(
    '',
  );
  encoded[slot] = fresh;
  encodedMs[slot] = ts.ms;
  encodedC[slot] = ts.c;
  encodedNode[slot] = ts.node;
  return fresh;
}

/**
 * The last encodings, one per slot (a direct-mapped cache keyed by the timestamp's fields, so a
 * copy of a timestamp hits too, and it holds at most ENCODE_CACHE_SLOTS strings however many
 * versions a store keeps). Every entity view encodes each component's winning timestamp, and under
 * scenario 12 one version is viewed many times (classifier, fusion, gate, change feed): encoding
 * was 6–14 % of each worker's time (docs/benchmarks.md, scenario 12). A pure function of its
 * input either way. Full (a worker that stored 8,192 versions has filled it), it is ~0.9 MB of the
 * worker's heap, the strings kept flat (~80 B each) and 32 B of arrays per slot: a cost of the
 * process, not of any store. It was ~1.2 MB while the strings were kept as the trees `+` builds
 * (docs/benchmarks.md, scenario 10).
 */
const ENCODE_CACHE_SLOTS = 8192;
const SLOT_MASK = ENCODE_CACHE_SLOTS - 1;
const encoded: (string | undefined)[] = new Array<string | undefined>(ENCODE_CACHE_SLOTS);
const encodedMs = new Float64Array(ENCODE_CACHE_SLOTS);
const encodedC = new Float64Array(ENCODE_CACHE_SLOTS);
const encodedNode: (string | undefined)[] = new Array<string | undefined>(ENCODE_CACHE_SLOTS);

export function decodeTs(text: string): Timestamp | undefined {
  if (text.length <= MS_DIGITS + C_DIGITS) return undefined;
  const msPart = text.slice(0, MS_DIGITS);
  const cPart = text.slice(MS_DIGITS, MS_DIGITS + C_DIGITS);
  if (!/^[0-9a-f]+$/.test(msPart) || !/^[0-9a-f]+$/.test(cPart)) return undefined;
  const node = text.slice(MS_DIGITS + C_DIGITS);
  if (!isNodeId(node)) return undefined;
  return { ms: parseInt(msPart, 16), c: parseInt(cPart, 16), node };
}

/** Whether `text` is a timestamp in its one canonical text form (so string order is timestamp order). */
export function isEncodedTs(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const ts = decodeTs(text);
  return ts !== undefined && encodeTs(ts) === text;
}
