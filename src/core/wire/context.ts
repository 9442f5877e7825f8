import type { EntityId, NodeId } from '../ids';
import type { WireLimits } from './limits';
import type { Decoder } from '../bytes/decoder';
import type { Encoder } from '../bytes/encoder';

/** Assigns table indices in first-use order. */
export class Interner<T extends string> {
  /**
   * One interner kept for the life of the class (two are made a batch and dropped with it), so
   * that a full GC does not drop their hidden class and deoptimize the encoder with it (see
   * Encoder.shapeKeeper).
   */
  static readonly shapeKeeper: Interner<string> = new Interner<string>();

  readonly list: T[] = [];
  private readonly index = new Map<T, number>();

  get(s: T): number | undefined {
    return this.index.get(s);
  }

  add(s: T): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** State shared by the value encoders of one batch. */
export interface EncodeContext {
  readonly w: Encoder;
  readonly nodes: Interner<NodeId>;
  /** Index of each entity id in the batch's sorted entity table. */
  readonly entities: ReadonlyMap<EntityId, number>;
  readonly strings: Interner<string>;
  /** The previous position of the batch, on the 1e-7° grid: the base of position deltas. */
  latQ: number;
  lonQ: number;
  /** The batch's smallest latitude and longitude (1e-7°), when it has positions. */
  readonly baseLatQ: number | undefined;
  readonly baseLonQ: number;
  /** The current version's HLC milliseconds: the base of epoch-ms fields (deadline, expiry). */
  ms: number;
}

export interface DecodeContext {
  readonly r: Decoder;
  readonly limits: WireLimits;
  readonly nodes: readonly NodeId[];
  readonly entities: readonly EntityId[];
  readonly strings: readonly string[];
  latQ: number;
  lonQ: number;
  readonly baseLatQ: number | undefined;
  readonly baseLonQ: number;
  ms: number;
}
