/**
 * Unsigned LEB128 varints of JavaScript safe integers: 7 bits per byte, low group first, the high
 * bit set on every byte but the last. 8 groups cover 2^53 - 1. Arithmetic rather than bit
 * operations: values go beyond JavaScript's 32-bit bitwise operators.
 *
 * Only the shortest encoding of each value is accepted (no trailing 0x80 … 0x00 groups), so every
 * value has exactly one encoding and equal values always give equal bytes.
 */
export const MAX_VARINT_BYTES = 8;

/** Bytes `writeVarUint(n)` takes. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}
