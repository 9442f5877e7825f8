/**
 * Zigzag maps signed integers to unsigned ones so small magnitudes of either sign stay short as
 * varints (Protocol Buffers `sint`). Arithmetic rather than bit operations: values reach 2^49
 * (millisecond deltas), beyond JavaScript's 32-bit bitwise operators. Exact for -2^52 ≤ n < 2^52,
 * whose image stays a safe integer.
 */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  // `+ 0` turns -0 into 0 so a decoded value never differs from its quantised form by sign of zero.
  return z % 2 === 0 ? z / 2 + 0 : -(z + 1) / 2;
}
