import { WireError } from './errors';

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads what ByteWriter wrote, checking every length against the bytes left: a truncated or
 * crafted batch ends in a WireError naming the offset, never in a read past the end.
 */
export class ByteReader {
  pos = 0;
  readonly end: number;

  constructor(readonly buf: Uint8Array) {
    this.end = buf.length;
  }

  get left(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new WireError(`wire: at byte ${this.pos}: ${message}`);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`truncated: ${n} more bytes needed, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('truncated');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  i32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }

  /** Unsigned LEB128; at most 8 bytes and never above 2^53 - 1 (varint overflow is an error). */
  varint(): number {
    const b = this.buf;
    let p = this.pos;
    if (p < this.end) {
      const first = b[p]!;
      if (first < 0x80) {
        this.pos = p + 1;
        return first;
      }
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= this.end) this.fail('truncated varint');
      const byte = b[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) this.fail('varint exceeds 2^53 - 1');
        this.pos = p;
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('varint longer than 8 bytes');
  }

  /** A count of items that each take at least `minBytes`: bounded by what is left, so no huge allocation. */
  count(what: string, max: number, minBytes = 1): number {
    const n = this.varint();
    if (n > max) this.fail(`${n} ${what} exceeds the limit of ${max}`);
    if (n * minBytes > this.left) this.fail(`${n} ${what} cannot fit in the ${this.left} bytes left`);
    return n;
  }

  f32(): number {
    this.need(4);
    this.copyTo(F32_BYTES);
    return F32[0]!;
  }

  f64(): number {
    this.need(8);
    this.copyTo(F64_BYTES);
    return F64[0]!;
  }

  private copyTo(out: Uint8Array): void {
    const n = out.length;
    for (let i = 0; i < n; i++) out[LITTLE_ENDIAN ? i : n - 1 - i] = this.buf[this.pos + i]!;
    this.pos += n;
  }

  /** A copy of the next n bytes (a view would keep the whole batch alive in the store). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
