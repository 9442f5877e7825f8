/**
 * 128-bit unsigned integers modulo 2^128, held as four little-endian 32-bit lanes in a Uint32Array
 * (lane 0 = least significant). Plain arithmetic on numbers: no BigInt in the hot loops, no
 * platform endianness assumptions (lanes are assembled from bytes explicitly).
 */
export type Sum128 = Uint32Array;

const TWO_32 = 0x1_0000_0000;

export function zeroSum(): Sum128 {
  return new Uint32Array(4);
}

/** Reads 16 bytes at `off` as a little-endian 128-bit integer into out[outOff..outOff+4]. */
export function lanesFromBytes(bytes: Uint8Array, off: number, out: Uint32Array, outOff: number): void {
  for (let i = 0; i < 4; i++) {
    const p = off + i * 4;
    out[outOff + i] = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
  }
}

/** Writes lanes a[aOff..aOff+4] as 16 little-endian bytes. */
export function lanesToBytes(a: Uint32Array, aOff: number, out: Uint8Array, off: number): void {
  for (let i = 0; i < 4; i++) {
    const v = a[aOff + i]!;
    const p = off + i * 4;
    out[p] = v & 0xff;
    out[p + 1] = (v >>> 8) & 0xff;
    out[p + 2] = (v >>> 16) & 0xff;
    out[p + 3] = v >>> 24;
  }
}

/** out = a + b (mod 2^128). Any of the arrays may alias. */
export function add128(
  a: Uint32Array,
  aOff: number,
  b: Uint32Array,
  bOff: number,
  out: Uint32Array,
  oOff: number,
): void {
  let carry = 0;
  for (let i = 0; i < 4; i++) {
    const s = a[aOff + i]! + b[bOff + i]! + carry;
    carry = s >= TWO_32 ? 1 : 0;
    out[oOff + i] = s >>> 0;
  }
}

/** out = a - b (mod 2^128). Any of the arrays may alias. */
export function sub128(
  a: Uint32Array,
  aOff: number,
  b: Uint32Array,
  bOff: number,
  out: Uint32Array,
  oOff: number,
): void {
  let borrow = 0;
  for (let i = 0; i < 4; i++) {
    let d = a[aOff + i]! - b[bOff + i]! - borrow;
    if (d < 0) {
      d += TWO_32;
      borrow = 1;
    } else {
      borrow = 0;
    }
    out[oOff + i] = d;
  }
}

export function equal128(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number): boolean {
  return (
    a[aOff] === b[bOff] && a[aOff + 1] === b[bOff + 1] && a[aOff + 2] === b[bOff + 2] && a[aOff + 3] === b[bOff + 3]
  );
}
