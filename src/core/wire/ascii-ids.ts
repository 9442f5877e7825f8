/**
 * Builds id strings from ASCII codes, reusing the string of an id seen before when a cache is
 * given. A sync session keeps one cache per peer: ids repeat across batches, and reusing one
 * string for them lets every stored version share one copy of its entity id instead of holding its
 * own, and lets the store compare them by reference. A lookup costs what building the string
 * costs or more (hashing and comparing every character), so the tables hand it what they already
 * have: an entity id's hash from its front-coded prefix (getHashed), a node id by its packed bytes
 * (getPacked); docs/benchmarks.md, scenario 1, "Id cache lookups".
 */
export class IdCache {
  /**
   * One kept for the life of the class: a node with no session alive at a full GC held no cache,
   * V8 dropped the class's hidden class (held only weakly by the constructor's transitions) and
   * deoptimized the table readers built on it (reason "weak objects"), so the next frames decoded
   * with a cache ran at half speed (as the Decoder's keeper, docs/benchmarks.md, scenario 1,
   * "Decoder after a full GC").
   */
  static readonly shapeKeeper: IdCache = new IdCache(1);

  private readonly map = new Map<number, string>();
  /** Node ids by the hash of their packed form (getPacked), with that form to check a hit against. */
  private readonly packed = new Map<number, PackedId>();

  constructor(private readonly maxEntries = 65_536) {}

  get(codes: readonly number[], n: number): string {
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ codes[i]!, FNV_PRIME);
    return this.getHashed(codes, n, h);
  }

  /**
   * get() for a caller that has `h`, the hash get() computes for the `n` codes (FNV-1a from
   * FNV_OFFSET, one Math.imul by FNV_PRIME per code): the entity table builds each id from the
   * previous one's prefix, so it hashes only the suffix (tables.ts).
   */
  getHashed(codes: readonly number[], n: number, h: number): string {
    const hit = this.map.get(h);
    if (hit !== undefined && sameCodes(hit, codes, n)) return hit;
    const s = fromCodes(codes, n);
    this.keep(h, s);
    return s;
  }

  /**
   * The node id packed in `buf` from `at` (`bytes` bytes, node-ids.ts) as `len` characters, if this
   * cache holds it: looked up by the packed bytes themselves, so a known id is neither unpacked
   * nor hashed character by character (a frame names each of its authors by its 33-byte key).
   * Undefined: not held; the caller unpacks it and hands it to putPacked.
   */
  getPacked(buf: Uint8Array, at: number, bytes: number, len: number): string | undefined {
    const hit = this.packed.get(packedHash(buf, at, bytes, len));
    if (hit === undefined || hit.id.length !== len) return undefined;
    const held = hit.packed;
    if (held.length !== bytes) return undefined;
    for (let i = 0; i < bytes; i++) if (held.charCodeAt(i) !== buf[at + i]) return undefined;
    return hit.id;
  }

  /** Keeps the node id `id`, packed in `buf` from `at` (`bytes` bytes), for getPacked. */
  putPacked(buf: Uint8Array, at: number, bytes: number, id: string): void {
    if (this.map.size + this.packed.size >= this.maxEntries) this.clear();
    // The packed bytes as a one-byte string: ~50 B where a Uint8Array of its own took about 150.
    const packed = String.fromCharCode.apply(null, Array.from(buf.subarray(at, at + bytes)));
    this.packed.set(packedHash(buf, at, bytes, id.length), { packed, id });
  }

  private keep(h: number, s: string): void {
    // Bounded: a peer sending ever new ids cannot grow it without limit.
    if (this.map.size + this.packed.size >= this.maxEntries) this.clear();
    this.map.set(h, s);
  }

  private clear(): void {
    this.map.clear();
    this.packed.clear();
  }
}

/** A node id held by IdCache.getPacked: its packed bytes (one char each) and the id they decode to. */
interface PackedId {
  readonly packed: string;
  readonly id: string;
}

/** The hash of IdCache.get: FNV-1a over the char codes, one step per code (tables.ts steps it itself). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** getPacked's key: FNV-1a over the id's length and its packed bytes. */
function packedHash(buf: Uint8Array, at: number, bytes: number, len: number): number {
  let h = Math.imul(FNV_OFFSET ^ len, FNV_PRIME);
  for (let i = 0; i < bytes; i++) h = Math.imul(h ^ buf[at + i]!, FNV_PRIME);
  return h;
}

function sameCodes(s: string, codes: readonly number[], n: number): boolean {
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== codes[i]) return false;
  return true;
}

/** A flat string from char codes (apply over a plain array is the fastest of the ways measured). */
export function fromCodes(codes: number[] | readonly number[], n: number): string {
  const arr = codes as number[];
  if (arr.length === n) return String.fromCharCode.apply(null, arr);
  return String.fromCharCode.apply(null, arr.slice(0, n));
}

/** Entity id characters (ids.ts: first [A-Za-z0-9], then [A-Za-z0-9._:@-]), checked per byte, no regex. */
const ENTITY_FIRST = new Uint8Array(128);
const ENTITY_REST = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) ENTITY_FIRST[c] = ENTITY_REST[c] = 1;
  if (/[._:@-]/.test(ch)) ENTITY_REST[c] = 1;
}

export function isEntityIdCode(c: number, first: boolean): boolean {
  return c < 128 && (first ? ENTITY_FIRST[c] : ENTITY_REST[c]) === 1;
}
