import type { EntityId } from '../ids';

/**
 * One number per entity, kept beside a store by someone other than the store (the mesh's link
 * budget, the C2 pipeline's classifier): 0 for an entity never set, and again once the store
 * forgets it. A Map keyed by the entity's id took ~36 bytes per entity at 100k entities; a store's
 * column (EntityStore.column) is a typed array indexed by the entity's number (numberOf), 1 or 8
 * bytes, zeroed when the number is freed, so a number given again never reads the value of the
 * entity that held it before (docs/benchmarks.md, scenario 10).
 */
export interface EntityColumn {
  /** The entity's value: 0 if never set, or if the store does not hold it. */
  get(id: EntityId): number;
  /** Sets the entity's value; ignored (reads 0) while the store does not hold it. 0 clears it. */
  set(id: EntityId, value: number): void;
}

/** The values a column holds: `u8` integers 0..255, `f64` any number. */
export type ColumnType = 'u8' | 'f64';

/** An EntityColumn over a Map, for a consumer given no store (tests, a node without numbers). */
export class MapColumn implements EntityColumn {
  private readonly values = new Map<EntityId, number>();

  get(id: EntityId): number {
    return this.values.get(id) ?? 0;
  }

  set(id: EntityId, value: number): void {
    if (value === 0) this.values.delete(id);
    else this.values.set(id, value);
  }

  /** How many entities hold a value other than 0. */
  get size(): number {
    return this.values.size;
  }
}

/** A store's column (EntityStore.column): by the entity's number, zeroed when it is freed. */
export class NumberedColumn implements EntityColumn {
  private values: Uint8Array | Float64Array;

  constructor(
    readonly type: ColumnType,
    private readonly numberOf: (id: EntityId) => number | undefined,
  ) {
    this.values = type === 'u8' ? new Uint8Array(0) : new Float64Array(0);
  }

  get(id: EntityId): number {
    const n = this.numberOf(id);
    return n === undefined || n >= this.values.length ? 0 : this.values[n]!;
  }

  set(id: EntityId, value: number): void {
    const n = this.numberOf(id);
    if (n === undefined) return;
    if (n >= this.values.length) {
      if (value === 0) return;
      // Numbers are dense (the store gives the first free one): grown by half, as the sync index's arrays.
      const next = Math.max(64, n + 1, Math.ceil(this.values.length * 1.5));
      const grown = this.type === 'u8' ? new Uint8Array(next) : new Float64Array(next);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[n] = value;
  }

  /** The store freed number `n`: whoever is given it next starts at 0. */
  freed(n: number): void {
    if (n < this.values.length) this.values[n] = 0;
  }
}
