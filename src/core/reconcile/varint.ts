import { ReconcileError, ReconcileErrorCode } from './errors';

/** Longest varint accepted: 8 groups of 7 bits cover every safe integer (2^53 - 1). */
const MAX_VARINT_BYTES = 8;

/**
 * Growable output buffer with unsigned LEB128 varints. Values are JS safe integers, so the
 * arithmetic avoids 32-bit bit operations above 2^31.
 */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
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

  byte(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ReconcileError(ReconcileErrorCode.Usage, `varint out of range: ${v}`);
    }
    this.reserve(MAX_VARINT_BYTES);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** Appends what another writer holds. */
  append(w: ByteWriter): void {
    this.bytes(w.view());
  }

  /** Drops everything after `length` bytes. */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bytes a varint of `v` takes. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/**
 * Reads untrusted bytes. Every read checks the bytes left and throws a malformed ReconcileError
 * naming the offset; nothing here loops more than a constant number of times per byte consumed.
 */
export class ByteReader {
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  fail(message: string): never {
    throw new ReconcileError(ReconcileErrorCode.Malformed, `at byte ${this.pos}: ${message}`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('truncated');
    return this.buf[this.pos++]!;
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Uint8Array {
    if (n > this.left) this.fail(`truncated: ${n} bytes needed, ${this.left} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A canonical (shortest-form) unsigned LEB128 varint holding a safe integer. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail('non-canonical varint');
        if (!Number.isSafeInteger(value)) this.fail('varint exceeds 2^53 - 1');
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('varint longer than 8 bytes');
  }
}
