import { removalsF, removalsU, SEP, U_AUTHOR, U_COUNTER, U_ENTITY, U_KIND, type Segment } from './format';

/** Which entries of a run of consecutive segments still count. */
export interface Resolution {
  /** Per segment, 1 for each put that survives (the latest entry for its key is this put). */
  readonly alive: readonly Uint8Array[];
  /** Per segment its dictionary. */
  readonly words: readonly (readonly string[])[];
  /** Surviving puts. */
  readonly live: number;
  /** Puts plus removals read. */
  readonly entries: number;
  /**
   * Removals whose key has no later entry in the run (so they may still remove a version logged
   * before it), as [segment, removal index] pairs, flattened. Collected only when the run is not
   * the whole log's prefix: a prefix has nothing before it.
   */
  readonly removals: readonly number[];
}

/**
 * Replays segments (in log order) backwards: the first entry met for a key is its latest, so a put
 * survives unless a later put or removal of the same key was met already. See Resolver.
 */
export function resolveLog(segments: readonly Segment[], prefix: boolean, hash: KeyHash = keyHash): Resolution {
  const resolver = new Resolver(segments, prefix, hash);
  for (let s = segments.length - 1; s >= 0; s--) resolver.resolve(s);
  return resolver.result();
}

/**
 * resolveLog one segment at a time, last to first, so a long job can yield between segments.
 *
 * The entries met so far sit in one open-addressing hash table of typed arrays, keyed by a hash
 * of (entity, kind, node, ms, counter) made from a hash of each dictionary word (computed once per
 * segment), so neither a versionKey string nor any object is built per entry: on a 100k-version
 * log, building keys and per-key objects cost more than everything else in a load (most of it in
 * the garbage collector). Equal hashes are confirmed by comparing the fields themselves: a 100k
 * log with as many superseded versions resolved in ~130 ms in Node this way, against ~140 ms when
 * words were first mapped to shared numbers (a map lookup per word) and ~500 ms with a map keyed by
 * entity holding small per-component objects.
 */
export class Resolver {
  private readonly words: string[][];
  private readonly alive: Uint8Array[];
  private readonly kept: number[] = [];
  private readonly table: KeyTable;
  private live = 0;
  private entries = 0;
  private next: number;

  constructor(
    private readonly segments: readonly Segment[],
    private readonly prefix: boolean,
    /** Tests pass a weak one, so that every lookup has to be settled by comparing fields. */
    private readonly hash: KeyHash = keyHash,
  ) {
    this.words = new Array<string[]>(segments.length);
    this.alive = new Array<Uint8Array>(segments.length);
    let entries = 0;
    for (const seg of segments) entries += seg.n + seg.r;
    this.table = new KeyTable(entries);
    this.next = segments.length - 1;
  }

  /** Resolves segment `s`; segments must be resolved from the last to the first. */
  resolve(s: number): void {
    if (s !== this.next) throw new Error(`segments resolve last to first: expected ${this.next}, got ${s}`);
    this.next--;
    const seg = this.segments[s]!;
    const n = seg.n;
    const words = seg.d === '' && n === 0 && seg.r === 0 ? [] : seg.d.split(SEP);
    const hashes = new Int32Array(words.length);
    for (let w = 0; w < words.length; w++) hashes[w] = hashText(words[w]!);
    this.words[s] = words;
    const mask = new Uint8Array(n);
    this.alive[s] = mask;
    this.entries += n + seg.r;
    const table = this.table;
    const keyHash = this.hash;
    const u = seg.u;
    const f = seg.f;
    // Removals apply after the segment's puts: met first, going backwards.
    const ru = removalsU(seg);
    const rf = removalsF(seg);
    const r = seg.r;
    for (let j = r - 1; j >= 0; j--) {
      const h = keyHash(
        hashes[u[ru + U_ENTITY * r + j]!]!,
        hashes[u[ru + U_KIND * r + j]!]!,
        hashes[u[ru + U_AUTHOR * r + j]!]!,
        f[rf + j]!,
        u[ru + U_COUNTER * r + j]!,
      );
      if (table.findOrAdd(h, -(s + 1), j, this)) continue;
      if (!this.prefix) this.kept.push(s, j);
    }
    let live = 0;
    for (let i = n - 1; i >= 0; i--) {
      const h = keyHash(
        hashes[u[U_ENTITY * n + i]!]!,
        hashes[u[U_KIND * n + i]!]!,
        hashes[u[U_AUTHOR * n + i]!]!,
        f[i]!,
        u[U_COUNTER * n + i]!,
      );
      if (table.findOrAdd(h, s + 1, i, this)) continue;
      mask[i] = 1;
      live++;
    }
    this.live += live;
  }

  result(): Resolution {
    if (this.next !== -1) throw new Error('not every segment was resolved');
    return { alive: this.alive, words: this.words, live: this.live, entries: this.entries, removals: this.kept };
  }

  /** Whether two entries (tag: segment + 1 for a put, -(segment + 1) for a removal) have one key. */
  sameKey(tagA: number, a: number, tagB: number, b: number): boolean {
    const sa = tagA > 0 ? tagA - 1 : -tagA - 1;
    const sb = tagB > 0 ? tagB - 1 : -tagB - 1;
    const x = this.segments[sa]!;
    const y = this.segments[sb]!;
    // Puts' columns start at 0 and have n rows; removals' start at removalsU and have r.
    const xb = tagA > 0 ? 0 : removalsU(x);
    const yb = tagB > 0 ? 0 : removalsU(y);
    const xf = tagA > 0 ? a : removalsF(x) + a;
    const yf = tagB > 0 ? b : removalsF(y) + b;
    const xc = tagA > 0 ? x.n : x.r;
    const yc = tagB > 0 ? y.n : y.r;
    const xu = x.u;
    const yu = y.u;
    if (x.f[xf] !== y.f[yf] || xu[xb + U_COUNTER * xc + a] !== yu[yb + U_COUNTER * yc + b]) return false;
    const wx = this.words[sa]!;
    const wy = this.words[sb]!;
    return (
      wx[xu[xb + U_ENTITY * xc + a]!] === wy[yu[yb + U_ENTITY * yc + b]!] &&
      wx[xu[xb + U_KIND * xc + a]!] === wy[yu[yb + U_KIND * yc + b]!] &&
      wx[xu[xb + U_AUTHOR * xc + a]!] === wy[yu[yb + U_AUTHOR * yc + b]!]
    );
  }
}

/**
 * Entries by key hash in one typed array, no object per entry: linear probing over slots of
 * [hash, tag, index] side by side, so a probe touches one cache line.
 */
class KeyTable {
  /** Per slot: hash; tag (0 empty, segment + 1 for a put, -(segment + 1) for a removal); index. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(entries: number) {
    let capacity = 16;
    while (capacity * 0.7 < entries + 1) capacity *= 2;
    this.slots = new Int32Array(3 * capacity);
    this.mask = capacity - 1;
  }

  /** True when an entry with the same key is in the table; otherwise adds this one. */
  findOrAdd(h: number, tag: number, index: number, keys: Resolver): boolean {
    const slots = this.slots;
    let p = h & this.mask;
    for (;;) {
      const at = 3 * p;
      const t = slots[at + 1]!;
      if (t === 0) {
        slots[at] = h;
        slots[at + 1] = tag;
        slots[at + 2] = index;
        return false;
      }
      if (slots[at] === h && keys.sameKey(t, slots[at + 2]!, tag, index)) return true;
      p = (p + 1) & this.mask;
    }
  }
}

/** FNV-1a. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The table's hash of a key, given as its words' hashes, ms and counter. */
export type KeyHash = (entity: number, kind: number, node: number, ms: number, c: number) => number;

function keyHash(entity: number, kind: number, node: number, ms: number, c: number): number {
  let h = mix(0x9747b28c, entity);
  h = mix(h, kind);
  h = mix(h, node);
  h = mix(h, ms >>> 0);
  h = mix(h, (ms / 0x100000000) >>> 0);
  h = mix(h, c);
  // murmur3's finaliser, so linear probing sees well-spread low bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function mix(h: number, x: number): number {
  return (Math.imul(h ^ x, 0x9e3779b1) + 0x7f4a7c15) | 0;
}
