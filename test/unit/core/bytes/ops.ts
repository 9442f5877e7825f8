import fc from 'fast-check';
import type { Decoder, Encoder } from '../../../../src/core/bytes';
import { readString, writeString } from '../../../../src/core/bytes';

/** One value of each Encoder writer (and string), written then read back by its Decoder reader. */
export type Op =
  | { readonly kind: 'u8'; readonly v: number }
  | { readonly kind: 'u16'; readonly v: number }
  | { readonly kind: 'i32'; readonly v: number }
  | { readonly kind: 'varuint'; readonly v: number }
  | { readonly kind: 'f32'; readonly v: number }
  | { readonly kind: 'f64'; readonly v: number }
  | { readonly kind: 'bytes'; readonly v: Uint8Array }
  | { readonly kind: 'string'; readonly v: string };

export const op: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ kind: 'u8', v }) as const),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ kind: 'u16', v }) as const),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ kind: 'i32', v }) as const),
  fc.oneof(fc.nat(0x3fff), fc.nat(), fc.maxSafeNat()).map((v) => ({ kind: 'varuint', v }) as const),
  fc.double().map((v) => ({ kind: 'f32', v }) as const),
  fc.double().map((v) => ({ kind: 'f64', v }) as const),
  fc.uint8Array({ maxLength: 20 }).map((v) => ({ kind: 'bytes', v }) as const),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((v) => ({ kind: 'string', v }) as const),
);

export function write(w: Encoder, o: Op): void {
  switch (o.kind) {
    case 'u8':
      return w.writeU8(o.v);
    case 'u16':
      return w.writeU16(o.v);
    case 'i32':
      return w.writeI32(o.v);
    case 'varuint':
      return w.writeVarUint(o.v);
    case 'f32':
      return w.writeF32(o.v);
    case 'f64':
      return w.writeF64(o.v);
    case 'bytes':
      return w.writeBytes(o.v);
    case 'string':
      return writeString(w, o.v);
    default: {
      const never: never = o;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

/** What reading `o` back gives (its value as the codec keeps it), or throws. */
export function read(r: Decoder, o: Op): unknown {
  switch (o.kind) {
    case 'u8':
      return r.readU8();
    case 'u16':
      return r.readU16();
    case 'i32':
      return r.readI32();
    case 'varuint':
      return r.readVarUint();
    case 'f32':
      return r.readF32();
    case 'f64':
      return r.readF64();
    case 'bytes':
      return r.readBytes(o.v.length);
    case 'string':
      return readString(r, 1000, 'string');
    default: {
      const never: never = o;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

/** The value `read` returns for `o`: floats are rounded to float32, everything else is exact. */
export function expected(o: Op): unknown {
  return o.kind === 'f32' ? Math.fround(o.v) : o.v;
}
