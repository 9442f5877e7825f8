import { WireError } from './errors';

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A growable little-endian byte buffer: varints, fixed-width integers and floats, raw bytes. */
export class ByteWriter {
  private buf: Uint8Array;
  pos = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  u16(n: number): void {
    this.ensure(2);
    this.buf[this.pos++] = n & 0xff;
    this.buf[this.pos++] = n >>> 8;
  }

  i32(n: number): void {
    this.ensure(4);
    this.buf[this.pos++] = n & 0xff;
    this.buf[this.pos++] = (n >>> 8) & 0xff;
    this.buf[this.pos++] = (n >>> 16) & 0xff;
    this.buf[this.pos++] = (n >>> 24) & 0xff;
  }

  /** Unsigned LEB128 of a safe non-negative integer. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new WireError(`cannot encode ${n} as a varint`);
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  f32(x: number): void {
    F32[0] = x;
    this.raw(F32_BYTES, LITTLE_ENDIAN);
  }

  f64(x: number): void {
    F64[0] = x;
    this.raw(F64_BYTES, LITTLE_ENDIAN);
  }

  private raw(bytes: Uint8Array, inOrder: boolean): void {
    this.ensure(bytes.length);
    if (inOrder) this.buf.set(bytes, this.pos);
    else for (let i = 0; i < bytes.length; i++) this.buf[this.pos + i] = bytes[bytes.length - 1 - i]!;
    this.pos += bytes.length;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The written bytes (a copy, so the buffer can be reused or dropped). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A view of the written bytes, valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
