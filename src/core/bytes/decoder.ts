import { bytesFailure, type Failure } from './errors';
import { F32, F32_BYTES, F64, F64_BYTES, LITTLE_ENDIAN } from './floats';
import { MAX_VARINT_BYTES } from './varint';

/**
 * Reads untrusted bytes (after lib0's `decoding`). Every read checks the bytes left, so a
 * truncated or crafted input ends in an error naming the offset, never in a read past the end;
 * varints must be canonical (varint.ts). `failure` makes that error, so each protocol throws its
 * own error type; `fail` is there for the protocol's own checks.
 */
export class Decoder {
  /**
   * One decoder kept for the life of the class, so that the decoders' hidden class never dies.
   * Decoders are short-lived: at a full GC with none alive, V8 dropped their hidden class (held only
   * weakly by the constructor's transitions) and with it the optimized code of every function that
   * had read one (deopt reason "weak objects"), so each full GC sent every decoding function back
   * to the interpreter until it warmed up again: the wire decoder ran at a quarter to a half of
   * its warm speed for the next 100,000 versions (docs/benchmarks.md, scenario 1, "Decoder after a full GC").
   */
  static readonly shapeKeeper: Decoder = new Decoder(new Uint8Array(0));

  pos = 0;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    private readonly failure: Failure = bytesFailure,
  ) {
    this.end = buf.length;
  }

  get left(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw this.failure(`at byte ${this.pos}: ${message}`);
  }

  /** Fails unless `n` more bytes are there. */
  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`truncated: ${n} more bytes needed, ${this.end - this.pos} left`);
  }

  readU8(): number {
    if (this.pos >= this.end) this.fail('truncated');
    return this.buf[this.pos++]!;
  }

  readU16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p]! | (b[p + 1]! << 8);
  }

  readI32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }

  /** A canonical unsigned LEB128 varint: at most 8 bytes, at most 2^53 - 1, no redundant high groups. */
  readVarUint(): number {
    const b = this.buf;
    let p = this.pos;
    // One byte is the common case (indices, counts, small deltas).
    if (p < this.end) {
      const first = b[p]!;
      if (first < 0x80) {
        this.pos = p + 1;
        return first;
      }
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (p >= this.end) this.fail('truncated varint');
      const byte = b[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        // A last group of 0 after others means a shorter encoding of the same value exists.
        if (byte === 0 && i > 0) this.fail('non-canonical varint');
        if (value > Number.MAX_SAFE_INTEGER) this.fail('varint exceeds 2^53 - 1');
        this.pos = p;
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('varint longer than 8 bytes');
  }

  /** A count of items that each take at least `minBytes`: bounded by what is left, so no huge allocation. */
  readCount(what: string, max: number, minBytes = 1): number {
    const n = this.readVarUint();
    if (n > max) this.fail(`${n} ${what} exceeds the limit of ${max}`);
    if (n * minBytes > this.left) this.fail(`${n} ${what} cannot fit in the ${this.left} bytes left`);
    return n;
  }

  readF32(): number {
    this.need(4);
    this.readLittleEndian(F32_BYTES);
    return F32[0]!;
  }

  readF64(): number {
    this.need(8);
    this.readLittleEndian(F64_BYTES);
    return F64[0]!;
  }

  private readLittleEndian(out: Uint8Array): void {
    const n = out.length;
    for (let i = 0; i < n; i++) out[LITTLE_ENDIAN ? i : n - 1 - i] = this.buf[this.pos + i]!;
    this.pos += n;
  }

  /** A copy of the next n bytes (a view would keep the whole input alive wherever it is stored). */
  readBytes(n: number): Uint8Array {
    return this.readView(n).slice();
  }

  /** A view of the next n bytes into the input (no copy), for data used while the input is. */
  readView(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
