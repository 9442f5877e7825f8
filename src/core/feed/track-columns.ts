/**
 * The columns of a track row, defined once: what a compact change batch carries of each changed
 * entity (compact-batch.ts, across the worker → page boundary) and what the page keeps of every
 * entity it holds (src/ui/picture.ts). Struct of arrays over one ArrayBuffer: each column is
 * `capacity` long, the float columns first, then the 32-bit ones, then the bytes, so every column is
 * aligned without padding. What each column holds, and how a row is read from and back into a view,
 * is track-row.ts.
 */

/** Float64 columns, in buffer order. */
export const FLOAT_COLUMNS = [
  'lat',
  'lon',
  'alt',
  'accuracy',
  'cov0',
  'cov1',
  'cov2',
  'east',
  'north',
  'up',
  'positionTime',
  'velocityTime',
  'updatedAt',
  'expiryAt',
  'confidence',
] as const;
/** Uint32 columns, in buffer order. */
export const U32_COLUMNS = [
  'index',
  'flags',
  'positionAuthor',
  'velocityAuthor',
  'positionCounter',
  'velocityCounter',
] as const;
/** Uint8 columns, in buffer order. */
export const U8_COLUMNS = ['threat', 'disposition', 'environment'] as const;

const ROW_BYTES = FLOAT_COLUMNS.length * 8 + U32_COLUMNS.length * 4 + U8_COLUMNS.length;

export class TrackColumns {
  /** Bytes the columns of `capacity` rows take, rounded up to 8 (whatever follows stays aligned). */
  static byteLength(capacity: number): number {
    return Math.ceil((capacity * ROW_BYTES) / 8) * 8;
  }

  /** Columns for `capacity` rows in a buffer of their own. */
  static allocate(capacity: number): TrackColumns {
    return new TrackColumns(new ArrayBuffer(TrackColumns.byteLength(capacity)), 0, capacity);
  }

  readonly lat: Float64Array;
  readonly lon: Float64Array;
  readonly alt: Float64Array;
  readonly accuracy: Float64Array;
  readonly cov0: Float64Array;
  readonly cov1: Float64Array;
  readonly cov2: Float64Array;
  readonly east: Float64Array;
  readonly north: Float64Array;
  readonly up: Float64Array;
  readonly positionTime: Float64Array;
  readonly velocityTime: Float64Array;
  readonly updatedAt: Float64Array;
  readonly expiryAt: Float64Array;
  readonly confidence: Float64Array;
  readonly index: Uint32Array;
  readonly flags: Uint32Array;
  readonly positionAuthor: Uint32Array;
  readonly velocityAuthor: Uint32Array;
  readonly positionCounter: Uint32Array;
  readonly velocityCounter: Uint32Array;
  readonly threat: Uint8Array;
  readonly disposition: Uint8Array;
  readonly environment: Uint8Array;

  /** Views `capacity` rows of columns in `buffer` from `byteOffset` (a multiple of 8). */
  constructor(
    readonly buffer: ArrayBuffer,
    byteOffset: number,
    readonly capacity: number,
  ) {
    let at = byteOffset;
    const take = <A>(make: new (b: ArrayBuffer, o: number, n: number) => A, bytes: number): A => {
      const array = new make(buffer, at, capacity);
      at += bytes * capacity;
      return array;
    };
    const f64 = (): Float64Array => take(Float64Array, 8);
    const u32 = (): Uint32Array => take(Uint32Array, 4);
    const u8 = (): Uint8Array => take(Uint8Array, 1);
    // In FLOAT_COLUMNS, U32_COLUMNS and U8_COLUMNS order.
    this.lat = f64();
    this.lon = f64();
    this.alt = f64();
    this.accuracy = f64();
    this.cov0 = f64();
    this.cov1 = f64();
    this.cov2 = f64();
    this.east = f64();
    this.north = f64();
    this.up = f64();
    this.positionTime = f64();
    this.velocityTime = f64();
    this.updatedAt = f64();
    this.expiryAt = f64();
    this.confidence = f64();
    this.index = u32();
    this.flags = u32();
    this.positionAuthor = u32();
    this.velocityAuthor = u32();
    this.positionCounter = u32();
    this.velocityCounter = u32();
    this.threat = u8();
    this.disposition = u8();
    this.environment = u8();
  }

  /** Copies row `from` of `source` into row `to` of these columns, every column (written out: the page does it per moved track). */
  copyRow(source: TrackColumns, from: number, to: number): void {
    this.lat[to] = source.lat[from]!;
    this.lon[to] = source.lon[from]!;
    this.alt[to] = source.alt[from]!;
    this.accuracy[to] = source.accuracy[from]!;
    this.cov0[to] = source.cov0[from]!;
    this.cov1[to] = source.cov1[from]!;
    this.cov2[to] = source.cov2[from]!;
    this.east[to] = source.east[from]!;
    this.north[to] = source.north[from]!;
    this.up[to] = source.up[from]!;
    this.positionTime[to] = source.positionTime[from]!;
    this.velocityTime[to] = source.velocityTime[from]!;
    this.updatedAt[to] = source.updatedAt[from]!;
    this.expiryAt[to] = source.expiryAt[from]!;
    this.confidence[to] = source.confidence[from]!;
    this.index[to] = source.index[from]!;
    this.flags[to] = source.flags[from]!;
    this.positionAuthor[to] = source.positionAuthor[from]!;
    this.velocityAuthor[to] = source.velocityAuthor[from]!;
    this.positionCounter[to] = source.positionCounter[from]!;
    this.velocityCounter[to] = source.velocityCounter[from]!;
    this.threat[to] = source.threat[from]!;
    this.disposition[to] = source.disposition[from]!;
    this.environment[to] = source.environment[from]!;
  }

  /** New columns of `capacity` rows (at least this one's) holding this one's rows. */
  grown(capacity: number): TrackColumns {
    const next = TrackColumns.allocate(Math.max(capacity, this.capacity));
    for (const name of FLOAT_COLUMNS) next[name].set(this[name]);
    for (const name of U32_COLUMNS) next[name].set(this[name]);
    for (const name of U8_COLUMNS) next[name].set(this[name]);
    return next;
  }
}
