import { bytesFailure, type Failure } from './errors';
import { F32, F32_BYTES, F64, F64_BYTES, LITTLE_ENDIAN } from './floats';
import { MAX_VARINT_BYTES, putVarUint } from './varint';

/**
 * A growable little-endian byte buffer (after lib0's `encoding`): fixed-width integers, varints
 * (varint.ts), floats and raw bytes. `failure` makes the error for a value it cannot write, so
 * each protocol throws its own error type.
 */
export class Encoder {
  /**
   * One encoder kept for the life of the class, as Decoder.shapeKeeper is for decoders: encoders
   * are short-lived (one or two a batch, one a sync or reconcile message), so at a full GC with
   * none alive V8 dropped their hidden class and the optimized code of every function that had
   * written to one (deopt reason "weak objects"), and each full GC sent the encoding functions back
   * to the interpreter (docs/benchmarks.md, scenario 1, "Encoder after a full GC").
   */
  static readonly shapeKeeper: Encoder = new Encoder(8);

  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(
    initialCapacity = 256,
    private readonly failure: Failure = bytesFailure,
  ) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** The low 8 bits of `b`. */
  writeU8(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  /** The low 16 bits of `n`. */
  writeU16(n: number): void {
    this.reserve(2);
    this.buf[this.length++] = n & 0xff;
    this.buf[this.length++] = (n >>> 8) & 0xff;
  }

  /** The low 32 bits of `n` (read back as a signed int32). */
  writeI32(n: number): void {
    this.reserve(4);
    this.buf[this.length++] = n & 0xff;
    this.buf[this.length++] = (n >>> 8) & 0xff;
    this.buf[this.length++] = (n >>> 16) & 0xff;
    this.buf[this.length++] = (n >>> 24) & 0xff;
  }

  /** Unsigned LEB128 of a safe non-negative integer, in its shortest form. */
  writeVarUint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw this.failure(`cannot encode ${n} as a varint`);
    this.reserve(MAX_VARINT_BYTES);
    this.length = putVarUint(this.buf, this.length, n);
  }

  writeF32(x: number): void {
    F32[0] = x;
    this.writeLittleEndian(F32_BYTES);
  }

  writeF64(x: number): void {
    F64[0] = x;
    this.writeLittleEndian(F64_BYTES);
  }

  private writeLittleEndian(bytes: Uint8Array): void {
    if (LITTLE_ENDIAN) return this.writeBytes(bytes);
    this.reserve(bytes.length);
    for (let i = bytes.length - 1; i >= 0; i--) this.buf[this.length++] = bytes[i]!;
  }

  writeBytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Drops everything after the first `length` bytes (takes back a speculative write). */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** A view of the written bytes, valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** The written bytes (a copy, so the buffer can be reused or dropped). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
