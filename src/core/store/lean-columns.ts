import { MAX_COUNTER } from '../clock/hlc';
import type { Timestamp } from '../clock/timestamp';
import type { ComponentValue } from '../entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../ids';
import type { Version } from '../merge/version';
import { Interner } from '../wire/context';

/**
 * The columnar form of the lean registers of the fixed kinds (docs/architecture.md, "Toward a
 * columnar store"): a register whose one head is all it knows (a sensor's own track) keeps that
 * head here, as numbers in typed arrays indexed by its entity's row, instead of as a Version, a
 * Timestamp and a value object. Everything else (conflicts, contexts, tombstones, floors, other
 * kinds) stays in EntityState's side table, so the merge's general path and its
 * laws are untouched.
 *
 * Per fixed kind (its index in FIXED_KINDS) and row: the head's timestamp (ms as a uint32 offset
 * from the columns' epoch, EPOCH_MID; counter as uint16: the clock's and the wire's bound,
 * MAX_COUNTER in src/core/clock/hlc.ts; author as a uint16 index into the interned node ids) and
 * the value: its shape (the ordered list of its keys, each a number or a string, interned per
 * kind), its numbers as int32 on the wire's grid for their key (SCALES; up to NUMBERS[kind]) and
 * its strings as uint16 indices into the interned strings (up to STRINGS[kind]), each in the order
 * of its keys. A string as a float64 took 8 bytes where its index needs 2, and a counter and an
 * author 4 each where 2 hold every one the columns take (docs/benchmarks.md, scenario 10: 48.5 →
 * 35 B per component at 100k entities); an ms and a number 8 where 4 hold every one the wire
 * carries within ±24.8 days of the epoch. A signed head's signature or
 * batch proof is kept by its entity beside the columns (EntityState), by kind. A value reads back with the
 * same keys in the same order and the same numbers bit for bit (no quantisation: a number is held
 * as an int32 only if it reads back exactly): a head that does not fit (another key, a nested
 * value, no room left in a table, a number off its grid, an ms or deadline out of the epoch's
 * range) stays a Version in the side table.
 */

/**
 * Number and string fields per fixed kind, in FIXED_KINDS order: position, velocity,
 * classification, threat, source, expiry: the shapes of docs/data-model.md's components (a position
 * {lat, lon, alt, accuracy}, a classification three strings and a confidence, a source two strings).
 * A value with more of either stays in the side table. At most four fields in all per kind (Replaced).
 */
const NUMBERS = [4, 3, 1, 0, 0, 1] as const;
const STRINGS = [0, 0, 3, 1, 2, 0] as const;
const KINDS = NUMBERS.length;
/**
 * Bounds on the interned tables, so a hostile stream of distinct strings or shapes cannot grow them
 * without end; strings and authors are held as uint16 indices.
 */
const MAX_SHAPES = 255;
const MAX_STRINGS = 1 << 16;
const MAX_NODES = 1 << 16;
/**
 * A head's ms is held as a uint32 offset from the columns' epoch (the ms of the first head they
 * took) plus EPOCH_MID, so ±24.8 days around it; an `at` (expiry) as an int32 offset from it. A
 * head out of that range stays in the side table.
 */
const EPOCH_MID = 2 ** 31;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/**
 * A number is held as an int32 on the wire's grid for its key (src/core/wire/quantize.ts: what a
 * decoded or quantised value holds), any other key's as an integer; a number that does not read
 * back bit for bit from its int32 (off the grid, out of range, -0, NaN) keeps its head in the side
 * table. Where a float64 took 8 bytes per number, 4 hold every value the wire carries.
 */
const SCALES: Readonly<Record<string, number>> = {
  lat: 1e7,
  lon: 1e7,
  alt: 10,
  accuracy: 10,
  east: 100,
  north: 100,
  up: 100,
  confidence: 10_000,
};
/** The key whose number is epoch ms (an expiry's deadline): held as an offset from the columns' epoch. */
const EPOCH_KEY = 'at';
/** Rows from which the columns grow by an eighth rather than doubling (alloc). */
const GROW_BY_EIGHTH = 4096;
/**
 * The most rows the columns hold: an entity keeps its row and the bits of its kinds held here in one
 * 31-bit integer (EntityState.lean, six bits for the kinds). Past it, alloc() gives none and the
 * register stays in the side table, as a head that does not fit does.
 */
export const MAX_ROWS = 2 ** 25;
const NO_SEEN: readonly Timestamp[] = Object.freeze([]);
/** A Replaced's fields while made() reads them (at most four: NUMBERS, STRINGS). */
const SCRATCH = new Float64Array(4);
/** A row's numbers while read() reads them. */
const READ_SCRATCH = new Float64Array(4);
const SCRATCH_STRINGS = new Uint16Array(4);
/** A Replaced's numbers as held (code()), while made() reads them. */
const SCRATCH_INTS = new Int32Array(4);

/** What a version carries to vouch for its content, kept by its entity beside the columns. */
export type Mark = Pick<Version, 'sig' | 'proof'>;

/** The signature and proof of `v`, if it carries either. */
export function markOf(v: Version): Mark | undefined {
  if (v.sig === undefined && v.proof === undefined) return undefined;
  return v.proof === undefined
    ? { sig: v.sig }
    : v.sig === undefined
      ? { proof: v.proof }
      : { sig: v.sig, proof: v.proof };
}

/**
 * One value shape: its keys in order, for each whether it is a string (interned) or a number, and
 * its place among the row's numbers or among its strings.
 */
interface Shape {
  readonly keys: readonly string[];
  readonly strings: readonly boolean[];
  readonly slots: readonly number[];
  /** Per key, the scale of its number on the int32 grid (SCALES; 1 for a string or any other key). */
  readonly scales: readonly number[];
  /** Per key, whether its number is held as an offset from the columns' epoch (EPOCH_KEY). */
  readonly epochal: readonly boolean[];
  /**
   * Builds the value from its numbers at `at` in `f` and its strings' indices at `as` in `s` (into
   * the interned `table`); a literal for the known kinds' shapes.
   */
  readonly make: Make;
}

type Make = (
  f: Float64Array,
  at: number,
  s: Uint16Array,
  as: number,
  table: readonly string[],
) => Record<string, unknown>;

/**
 * Builders of the values the wire decoder and validateComponent make (src/core/wire/value-codec.ts),
 * by shape text (see shapeOf): an object literal has one hidden class from the start, where
 * adding keys one by one walks a transition per key.
 */
const LITERALS: Readonly<Record<string, Make>> = {
  'nlat\0nlon\0': (f, at) => ({ lat: f[at], lon: f[at + 1] }),
  'nlat\0nlon\0nalt\0': (f, at) => ({ lat: f[at], lon: f[at + 1], alt: f[at + 2] }),
  'nlat\0nlon\0naccuracy\0': (f, at) => ({ lat: f[at], lon: f[at + 1], accuracy: f[at + 2] }),
  'nlat\0nlon\0nalt\0naccuracy\0': (f, at) => ({ lat: f[at], lon: f[at + 1], alt: f[at + 2], accuracy: f[at + 3] }),
  'neast\0nnorth\0': (f, at) => ({ east: f[at], north: f[at + 1] }),
  'neast\0nnorth\0nup\0': (f, at) => ({ east: f[at], north: f[at + 1], up: f[at + 2] }),
  'slabel\0sdisposition\0senvironment\0nconfidence\0': (f, at, s, as, t) => ({
    label: t[s[as]!],
    disposition: t[s[as + 1]!],
    environment: t[s[as + 2]!],
    confidence: f[at],
  }),
  'slevel\0': (_f, _at, s, as, t) => ({ level: t[s[as]!] }),
  'ssensorId\0ssensorType\0': (_f, _at, s, as, t) => ({ sensorId: t[s[as]!], sensorType: t[s[as + 1]!] }),
  'nat\0': (f, at) => ({ at: f[at] }),
};

/** The builder of any other shape: keys added one by one, in the shape's order. */
function generic(keys: readonly string[], strings: readonly boolean[], slots: readonly number[]): Make {
  return (f, at, s, as, t) => {
    const value: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) value[keys[i]!] = strings[i] ? t[s[as + slots[i]!]!] : f[at + slots[i]!];
    return value;
  };
}

class KindColumns {
  /** The head's ms as an offset from the columns' epoch, plus EPOCH_MID. */
  ms: Uint32Array;
  counter: Uint16Array;
  author: Uint16Array;
  shape: Uint8Array;
  /** The value's numbers on their int32 grid (SCALES, EPOCH_KEY), `width` per row. */
  fields: Int32Array;
  /** The value's strings as indices into the interned strings, `strWidth` per row. */
  strs: Uint16Array;
  readonly shapes: Shape[] = [];
  /** Shapes by their keys and types as one text. */
  readonly shapeIds = new Map<string, number>();
  /** The shape last seen: a kind's values nearly always share one. */
  lastShape = 0;

  constructor(
    readonly kind: ComponentKind,
    readonly width: number,
    readonly strWidth: number,
    capacity: number,
  ) {
    this.ms = new Uint32Array(capacity);
    this.counter = new Uint16Array(capacity);
    this.author = new Uint16Array(capacity);
    this.shape = new Uint8Array(capacity);
    this.fields = new Int32Array(capacity * width);
    this.strs = new Uint16Array(capacity * strWidth);
  }

  grow(capacity: number): void {
    this.ms = grown(this.ms, new Uint32Array(capacity));
    this.counter = grown(this.counter, new Uint16Array(capacity));
    this.author = grown(this.author, new Uint16Array(capacity));
    this.shape = grown(this.shape, new Uint8Array(capacity));
    this.fields = grown(this.fields, new Int32Array(capacity * this.width));
    this.strs = grown(this.strs, new Uint16Array(capacity * this.strWidth));
  }
}

function grown<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

export class LeanColumns {
  private capacity = 0;
  private rows = 0;
  private readonly freeRows: number[] = [];
  private readonly kinds: KindColumns[];
  /** Authors and value strings, interned as the wire encoder interns its tables (src/core/wire/context.ts). */
  private readonly nodes = new Interner<NodeId>();
  private readonly strings = new Interner<string>();
  /**
   * The last author interned: a batch's versions mostly share one. Set here, not on first use, so
   * columns that have taken no head yet (a new store's, REPLACED_SHAPE_KEEPER's) have the hidden
   * class of those that have: each method sees one (docs/benchmarks.md, scenario 1, "One merge for
   * mixed traffic").
   */
  private lastNode: NodeId | undefined = undefined;
  private lastNodeIndex = 0;
  /** The ms of the first head the columns took (see EPOCH_MID); NaN until then. */
  private epoch = Number.NaN;

  constructor(kinds: readonly string[]) {
    if (kinds.length !== KINDS) throw new Error('LeanColumns: one width per fixed kind');
    this.kinds = kinds.map((k, i) => new KindColumns(k as ComponentKind, NUMBERS[i]!, STRINGS[i]!, 0));
  }

  /** A row for one entity (-1: none, MAX_ROWS are taken); give it back with release() when its last column entry goes. */
  alloc(): number {
    const free = this.freeRows.pop();
    if (free !== undefined) return free;
    if (this.rows >= MAX_ROWS) return -1;
    if (this.rows === this.capacity) {
      // Doubled while small, then grown by an eighth: doubling left up to half the rows unused (at
      // 100k entities 131,072 rows, ~11 B per component; docs/benchmarks.md, scenario 10); an eighth
      // leaves at most 1 in 9, and copies each row about 8 times over a fill instead of once.
      this.capacity =
        this.capacity < GROW_BY_EIGHTH ? Math.max(64, this.capacity * 2) : this.capacity + (this.capacity >> 3);
      for (const k of this.kinds) k.grow(this.capacity);
    }
    return this.rows++;
  }

  release(row: number): void {
    this.freeRows.push(row);
  }

  /**
   * Whether `v` can be held in the columns of fixed kind `i` (see the header): its value's shape
   * for write(), which then holds it exactly, or -1.
   */
  fits(i: number, v: Version): number {
    if (v.seen.length !== 0) return -1;
    const ts = v.ts;
    const c = ts.c;
    if (!(c >= 0 && c <= MAX_COUNTER && Math.floor(c) === c)) return -1;
    if (ts.node !== this.lastNode && this.nodes.list.length >= MAX_NODES && this.nodes.get(ts.node) === undefined)
      return -1;
    const s = this.shapeOf(i, v.value);
    if (s < 0) return -1;
    if (Number.isNaN(this.epoch) && Number.isSafeInteger(ts.ms)) this.epoch = ts.ms;
    if (this.msCode(ts.ms) < 0) return -1;
    const shape = this.kinds[i]!.shapes[s]!;
    const record = v.value as Record<string, unknown>;
    for (let f = 0; f < shape.keys.length; f++) {
      if (shape.strings[f]) continue;
      if (this.code(record[shape.keys[f]!] as number, shape.scales[f]!, shape.epochal[f]!) === undefined) return -1;
    }
    return s;
  }

  /** `ms` as held in the ms column (see EPOCH_MID), or -1 when it cannot be. */
  private msCode(ms: number): number {
    const u = ms - this.epoch + EPOCH_MID;
    return u >= 0 && u <= 0xffffffff && Math.floor(u) === u ? u : -1;
  }

  /**
   * `x` as held in a number column, on the grid of `scale` and, `epochal`, as an offset from the
   * epoch: undefined when it would not read back bit for bit (numberAt).
   */
  private code(x: number, scale: number, epochal: boolean): number | undefined {
    const o = epochal ? this.epoch : 0;
    const q = Math.round((x - o) * scale);
    return q >= INT32_MIN && q <= INT32_MAX && q / scale + o === x && (x !== 0 || 1 / x > 0) ? q : undefined;
  }

  /** The number held as `q` in a number column (code()). */
  private numberAt(q: number, scale: number, epochal: boolean): number {
    return epochal ? q / scale + this.epoch : q / scale;
  }

  /** The numbers of a value of `shape` held from `at` in `fields`, as float64 in `out` from 0. */
  numbersOf(shape: Shape, fields: Int32Array, at: number, out: Float64Array): Float64Array {
    for (let f = 0; f < shape.keys.length; f++) {
      if (shape.strings[f]) continue;
      const slot = shape.slots[f]!;
      out[slot] = this.numberAt(fields[at + slot]!, shape.scales[f]!, shape.epochal[f]!);
    }
    return out;
  }

  /** Holds `v` as the head of fixed kind `i` in `row`; `s`: what fits() returned for it (not -1). */
  write(row: number, i: number, v: Version, s: number): void {
    const k = this.kinds[i]!;
    const value = v.value as Record<string, unknown>;
    const shape = k.shapes[s]!;
    // An update mostly keeps the row's author and strings: what the row holds is checked first
    // (an entry of an interned table that equals the one wanted is its index, whatever the row held
    // before), sparing a Map lookup per author and string.
    const node = v.ts.node;
    const a = k.author[row]!;
    k.ms[row] = this.msCode(v.ts.ms);
    k.counter[row] = v.ts.c;
    k.author[row] = this.nodes.list[a] === node ? a : this.nodeOf(node);
    k.shape[row] = s;
    const fields = k.fields;
    const strs = k.strs;
    const at = row * k.width;
    const as = row * k.strWidth;
    const keys = shape.keys;
    const slots = shape.slots;
    for (let f = 0; f < keys.length; f++) {
      const x = value[keys[f]!];
      if (shape.strings[f]) {
        const held = strs[as + slots[f]!]!;
        const strings = this.strings.list;
        if (!(held < strings.length && strings[held] === x)) strs[as + slots[f]!] = this.strings.add(x as string);
      } else fields[at + slots[f]!] = this.code(x as number, shape.scales[f]!, shape.epochal[f]!)!;
    }
  }

  /**
   * The head of fixed kind `i` in `row`, as a Version made now (nothing keeps it), with the
   * signature or proof its entity keeps beside the columns (`mark`).
   */
  read(row: number, i: number, entity: EntityId, mark?: Mark): Version {
    const k = this.kinds[i]!;
    const shape = k.shape[row]!;
    return this.made(
      k,
      shape,
      this.numbersOf(k.shapes[shape]!, k.fields, row * k.width, READ_SCRATCH),
      0,
      k.strs,
      row * k.strWidth,
      entity,
      this.msOfCode(k.ms[row]!),
      k.counter[row]!,
      k.author[row]!,
      mark,
    );
  }

  /**
   * Overwrites the head of fixed kind `i` in `row` with `v`, a later write by the same author (the
   * caller checked), when `v` fits (see fits()) and its value has the shape the row holds: the same
   * keys in the same order, of the same types. One pass over the value checks its keys against the
   * row's shape and stores its fields, with no shape lookup and no author lookup (a sensor's updates
   * keep their shape). False when it does not: the row's fields may then be partly overwritten, and
   * the caller stores `v` by fits() and write() (or in the side table), having copied the replaced
   * head first (Replaced).
   */
  update(row: number, i: number, v: Version): boolean {
    const c = v.ts.c;
    if (v.seen.length !== 0 || !(c >= 0 && c <= MAX_COUNTER && Math.floor(c) === c)) return false;
    const ms = this.msCode(v.ts.ms);
    return ms >= 0 && this.store(this.kinds[i]!, row, v.value, ms, c);
  }

  /**
   * A sole author's update of its own head in the columns (EntityState.applySoleAuthorColumns), in
   * one step on the row's numbers. When `v` carries no context and is by the head's author, with a
   * stamp the columns hold (fits()), later than the head's: the head is copied as the Replaced
   * returned and `v` is stored over it by update()'s one pass; `held` then says whether it was
   * (false: the caller stores `v` by fits() and write(), or in the side table, as after update()).
   * -1: `v` is by the head's author and older than the head. Undefined when it cannot decide this
   * way (another author, the head's own stamp, a stamp the columns cannot hold): nothing has
   * changed, and the caller takes the general steps (compareOwn, read, update).
   */
  updateOwn(row: number, i: number, v: Version, entity: EntityId, mark: Mark | undefined): Replaced | -1 | undefined {
    const k = this.kinds[i]!;
    const ts = v.ts;
    if (v.seen.length !== 0 || this.nodes.list[k.author[row]!] !== ts.node) return undefined;
    const c = ts.c;
    const ms = this.msCode(ts.ms);
    if (ms < 0 || !(c >= 0 && c <= MAX_COUNTER && Math.floor(c) === c)) return undefined;
    // The ms codes order as the ms do (msCode: an offset), so the stamps compare as compareOwn does.
    const heldMs = k.ms[row]!;
    if (ms < heldMs) return -1;
    if (ms === heldMs) {
      const heldC = k.counter[row]!;
      if (c < heldC) return -1;
      if (c === heldC) return undefined;
    }
    const out = new Replaced(this, k, row, entity, mark);
    this.held = this.store(k, row, v.value, ms, c);
    return out;
  }

  /** Whether updateOwn's last Replaced had its version stored in the row (see updateOwn). */
  held = false;

  /**
   * update()'s pass over `value`: stores it in `row` of `k` with the stamp `ms` (msCode) and `c`
   * when it has the row's shape; false otherwise (the row's fields may then be partly overwritten).
   */
  private store(k: KindColumns, row: number, value: unknown, ms: number, c: number): boolean {
    if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
    const shape = k.shapes[k.shape[row]!]!;
    const keys = shape.keys;
    const isString = shape.strings;
    const scales = shape.scales;
    const epochal = shape.epochal;
    const fields = k.fields;
    const strs = k.strs;
    // A shape's numbers and its strings each take the next field of their own array, in key order.
    let at = row * k.width;
    let as = row * k.strWidth;
    const record = value as Record<string, unknown>;
    let f = 0;
    for (const key in record) {
      if (key !== keys[f]) return false;
      const x = record[key];
      if (isString[f]) {
        if (typeof x !== 'string') return false;
        if (this.strings.list[strs[as]!] !== x) {
          if (!this.internable(x)) return false;
          strs[as] = this.strings.add(x);
        }
        as++;
      } else if (typeof x === 'number') {
        const q = this.code(x, scales[f]!, epochal[f]!);
        if (q === undefined) return false;
        fields[at++] = q;
      } else return false;
      f++;
    }
    if (f !== keys.length) return false;
    k.ms[row] = ms;
    k.counter[row] = c;
    return true;
  }

  /**
   * The head of fixed kind `i` in `row`, which the caller is about to overwrite, as the merge's
   * `removed` outcome: its numbers are copied now and the Version is made only if a consumer asks
   * (see Replaced).
   */
  replaced(row: number, i: number, entity: EntityId, mark: Mark | undefined): Replaced {
    return new Replaced(this, this.kinds[i]!, row, entity, mark);
  }

  /**
   * The Version a head in the columns stands for: the head of kind `k` (index `i`) whose numbers
   * are `fields` from `at` (as float64: numbersOf) and whose strings `strs` from `as`, with its timestamp and its signature
   * or proof (`mark`). read() gives it for a row, a Replaced for the copy it took.
   */
  made(
    k: KindColumns,
    shape: number,
    fields: Float64Array,
    at: number,
    strs: Uint16Array,
    as: number,
    entity: EntityId,
    ms: number,
    c: number,
    author: number,
    mark: Mark | undefined,
  ): Version {
    // The shapes, strings and nodes tables only ever grow, so indices copied earlier still name the same entries.
    const value = k.shapes[shape]!.make(fields, at, strs, as, this.strings.list) as ComponentValue;
    const ts = { ms, c, node: this.nodes.list[author]! };
    // One object, with markOf's fields as a spread of the mark would add them (a local write's
    // update makes one per component, for the sync index and storage: docs/benchmarks.md, scenario 6).
    if (mark === undefined) return { entity, kind: k.kind, value, ts, seen: NO_SEEN };
    if (mark.sig === undefined) return { entity, kind: k.kind, value, ts, seen: NO_SEEN, proof: mark.proof };
    if (mark.proof === undefined) return { entity, kind: k.kind, value, ts, seen: NO_SEEN, sig: mark.sig };
    return { entity, kind: k.kind, value, ts, seen: NO_SEEN, sig: mark.sig, proof: mark.proof };
  }

  /** The author of the head of fixed kind `i` in `row`. */
  authorOf(row: number, i: number): NodeId {
    return this.nodes.list[this.kinds[i]!.author[row]!]!;
  }

  /**
   * compareTs(t, head's timestamp) for a `t` by the head's own author (the caller checked), so only
   * ms and counter decide.
   */
  compareOwn(row: number, i: number, t: Timestamp): number {
    const k = this.kinds[i]!;
    const ms = this.msOfCode(k.ms[row]!);
    if (t.ms !== ms) return t.ms < ms ? -1 : 1;
    const c = k.counter[row]!;
    return t.c === c ? 0 : t.c < c ? -1 : 1;
  }

  /** The head's physical time, epoch ms. */
  msOf(row: number, i: number): number {
    return this.msOfCode(this.kinds[i]!.ms[row]!);
  }

  /** The ms held as `u` in the ms column (msCode). */
  msOfCode(u: number): number {
    return u - EPOCH_MID + this.epoch;
  }

  /** A numeric field of the head's value by key (the expiry's `at`), or undefined when its shape has none. */
  numberOf(row: number, i: number, key: string): number | undefined {
    const k = this.kinds[i]!;
    const shape = k.shapes[k.shape[row]!]!;
    const f = shape.keys.indexOf(key);
    return f < 0 || shape.strings[f]
      ? undefined
      : this.numberAt(k.fields[row * k.width + shape.slots[f]!]!, shape.scales[f]!, shape.epochal[f]!);
  }

  /** The interned shape of `value` for fixed kind `i`, or -1 when it has none (and cannot get one). */
  private shapeOf(i: number, value: unknown): number {
    if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return -1;
    const k = this.kinds[i]!;
    const record = value as Record<string, unknown>;
    // The common case first: the shape of the last value of this kind, checked key by key in the
    // value's own order (for-in: the order Object.keys gives, and the order read() rebuilds).
    const last = k.shapes[k.lastShape];
    if (last !== undefined) {
      const lastKeys = last.keys;
      let f = 0;
      let same = true;
      for (const key in record) {
        if (f >= lastKeys.length || key !== lastKeys[f]) {
          same = false;
          break;
        }
        const x = record[key];
        if (last.strings[f] ? typeof x !== 'string' || !this.internable(x) : typeof x !== 'number') {
          same = false;
          break;
        }
        f++;
      }
      if (same && f === lastKeys.length) return k.lastShape;
    }
    const keys = Object.keys(record);
    if (keys.length === 0 || keys.length > k.width + k.strWidth) return -1;
    let id = '';
    let numbers = 0;
    for (let f = 0; f < keys.length; f++) {
      // A key holding the separator could make two shapes one id (expert review): such a value
      // stays in the side table, whatever validation allowed.
      if (keys[f]!.includes('\u0000')) return -1;
      const x = record[keys[f]!];
      const t = typeof x;
      if (t === 'string') {
        if (!this.internable(x as string)) return -1;
        id += `s${keys[f]}\u0000`;
      } else if (t === 'number') {
        id += `n${keys[f]}\u0000`;
        numbers++;
      } else return -1;
    }
    if (numbers > k.width || keys.length - numbers > k.strWidth) return -1;
    const known = k.shapeIds.get(id);
    if (known !== undefined) return (k.lastShape = known);
    if (k.shapes.length >= MAX_SHAPES) return -1;
    const s = k.shapes.length;
    const strings = keys.map((key) => typeof record[key] === 'string');
    let n = 0;
    let s2 = 0;
    const slots = strings.map((isString) => (isString ? s2++ : n++));
    const scales = keys.map((key, f) => (strings[f] ? 1 : (SCALES[key] ?? 1)));
    const epochal = keys.map((key, f) => !strings[f] && key === EPOCH_KEY);
    k.shapes.push({ keys, strings, slots, scales, epochal, make: LITERALS[id] ?? generic(keys, strings, slots) });
    k.shapeIds.set(id, s);
    return (k.lastShape = s);
  }

  /** Whether `s` is interned or can be. */
  private internable(s: string): boolean {
    return this.strings.list.length < MAX_STRINGS || this.strings.get(s) !== undefined;
  }

  private nodeOf(node: NodeId): number {
    if (node === this.lastNode) return this.lastNodeIndex;
    const n = this.nodes.add(node);
    this.lastNode = node;
    this.lastNodeIndex = n;
    return n;
  }
}

/**
 * The outcome of a sole-author update of a head held in the columns: `applied`, with the replaced
 * head as `removed`. The head is kept as the numbers it was stored as and made into a Version only
 * when `removed` is read, once (then the same array each time): the merge alone (a store with no
 * listener, a benchmark) never reads it, and making it on every update halved the sole-author merge.
 * Its state is in #private fields, so `kind` is its one own property (toEqual and spreads see no
 * internals; `removed` is a getter).
 */
export class Replaced {
  readonly kind = 'applied' as const;
  #list: readonly Version[] | undefined;
  readonly #cols: LeanColumns;
  readonly #k: KindColumns;
  readonly #entity: EntityId;
  readonly #mark: Mark | undefined;
  /**
   * The head's ms column entry less EPOCH_MID (its ms less the epoch): a small integer, where the ms
   * itself is a float64 that a field would hold as an object of its own.
   */
  readonly #ms: number;
  /** The head's counter and, from bit 16, its shape. */
  readonly #cs: number;
  readonly #author: number;
  /** The head's fields, copied: its numbers, then its strings' indices; up to four (NUMBERS, STRINGS). */
  readonly #f0: number;
  readonly #f1: number;
  readonly #f2: number;
  readonly #f3: number;

  /** Copies the head of `k` (a fixed kind's columns in `cols`) in `row`. */
  constructor(cols: LeanColumns, k: KindColumns, row: number, entity: EntityId, mark: Mark | undefined) {
    const w = k.width;
    const f = k.fields;
    const at = row * w;
    const sw = k.strWidth;
    const s = k.strs;
    const as = row * sw;
    this.#cols = cols;
    this.#k = k;
    this.#entity = entity;
    this.#mark = mark;
    this.#ms = k.ms[row]! - EPOCH_MID;
    this.#cs = k.counter[row]! | (k.shape[row]! << 16);
    this.#author = k.author[row]!;
    // The kinds' fields (NUMBERS, STRINGS): 4 + 0, 3 + 0, 1 + 3, 0 + 1, 0 + 2, 1 + 0.
    this.#f0 = w > 0 ? f[at]! : s[as]!;
    this.#f1 = w > 1 ? f[at + 1]! : sw > 1 - w ? s[as + 1 - w]! : 0;
    this.#f2 = w > 2 ? f[at + 2]! : sw > 2 - w ? s[as + 2 - w]! : 0;
    this.#f3 = w > 3 ? f[at + 3]! : sw > 3 - w ? s[as + 3 - w]! : 0;
  }

  get removed(): readonly Version[] {
    if (this.#list !== undefined) return this.#list;
    // Numbers first, then strings, as the constructor copied them.
    const ints = SCRATCH_INTS;
    const strs = SCRATCH_STRINGS;
    const w = this.#k.width;
    const f = [this.#f0, this.#f1, this.#f2, this.#f3];
    for (let i = 0; i < 4; i++) {
      if (i < w) ints[i] = f[i]!;
      else strs[i - w] = f[i]!;
    }
    const shape = this.#cs >>> 16;
    const v = this.#cols.made(
      this.#k,
      shape,
      this.#cols.numbersOf(this.#k.shapes[shape]!, ints, 0, SCRATCH),
      0,
      strs,
      0,
      this.#entity,
      this.#cols.msOfCode(this.#ms + EPOCH_MID),
      this.#cs & 0xffff,
      this.#author,
      this.#mark,
    );
    return (this.#list = [v]);
  }
}

/**
 * One Replaced kept for the life of the module, as the wire's Decoder.shapeKeeper is kept for its
 * class (src/core/bytes): a Replaced lives for one apply, so at a full GC none was alive, V8 dropped
 * the class's hidden class and deoptimized the merge built on it (the reason "weak objects"), and
 * every major GC of a worker sent the sole-author merge back to the interpreter (docs/benchmarks.md,
 * scenario 1, "The store after a full GC"). A head of a store of its own, made as updateOwn makes
 * one. (Not a static field: the class's own name is not bound until its static fields are made.)
 */
export const REPLACED_SHAPE_KEEPER: Replaced = ((cols: LeanColumns) =>
  cols.replaced(cols.alloc(), 0, '' as EntityId, undefined))(
  new LeanColumns(['position', 'velocity', 'classification', 'threat', 'source', 'expiry']),
);
