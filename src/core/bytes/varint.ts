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

/**
 * Writes `n` (a safe non-negative integer, checked by the caller) at `buf[at]`, in its shortest
 * form; returns the position after it. The caller has room for MAX_VARINT_BYTES. The one varint
 * writer of the core: Encoder.writeVarUint and the binary leaf form (signing/leaf-form.ts) call it.
 */
export function putVarUint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}
