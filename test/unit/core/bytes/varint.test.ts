import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BytesError,
  Decoder,
  Encoder,
  MAX_VARINT_BYTES,
  unzigzag,
  varintSize,
  zigzag,
} from '../../../../src/core/bytes';

const safeNat = fc.oneof(fc.nat(0x7f), fc.nat(0x3fff), fc.nat(), fc.maxSafeNat());

function encode(n: number): Uint8Array {
  const w = new Encoder(1);
  w.writeVarUint(n);
  return w.finish();
}

/** `n` in `length` bytes: its canonical bytes, then groups of zero (never shorter than canonical). */
function padded(n: number, length: number): Uint8Array {
  const canonical = encode(n);
  const out = new Uint8Array(length);
  out.set(canonical);
  for (let i = canonical.length - 1; i < length - 1; i++) out[i]! |= 0x80;
  return out;
}

describe('varints', () => {
  it('round-trip every safe non-negative integer in varintSize bytes, at most 8', () => {
    fc.assert(
      fc.property(fc.array(safeNat, { maxLength: 20 }), (values) => {
        const w = new Encoder(1);
        for (const v of values) w.writeVarUint(v);
        const bytes = w.finish();
        expect(bytes.length).toBe(values.reduce((s, v) => s + varintSize(v), 0));
        const r = new Decoder(bytes);
        for (const v of values) expect(r.readVarUint()).toBe(v);
        expect(r.left).toBe(0);
      }),
    );
    fc.assert(
      fc.property(safeNat, (n) => {
        expect(encode(n).length).toBe(varintSize(n));
        expect(varintSize(n)).toBeLessThanOrEqual(MAX_VARINT_BYTES);
      }),
    );
    expect(encode(Number.MAX_SAFE_INTEGER).length).toBe(MAX_VARINT_BYTES);
  });

  it('are written in the same bytes as before (unsigned LEB128)', () => {
    expect(Array.from(encode(0))).toEqual([0]);
    expect(Array.from(encode(127))).toEqual([0x7f]);
    expect(Array.from(encode(128))).toEqual([0x80, 0x01]);
    expect(Array.from(encode(300))).toEqual([0xac, 0x02]);
    expect(Array.from(encode(2 ** 53 - 1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('refuse values that are not safe non-negative integers', () => {
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Encoder().writeVarUint(bad), String(bad)).toThrow(BytesError);
    }
  });

  it('refuse every non-canonical encoding of every value', () => {
    fc.assert(
      fc.property(safeNat, fc.integer({ min: 1, max: MAX_VARINT_BYTES }), (n, extra) => {
        const length = varintSize(n) + extra;
        const message = length > MAX_VARINT_BYTES ? /longer than 8 bytes/ : /non-canonical varint/;
        expect(() => new Decoder(padded(n, length)).readVarUint()).toThrow(message);
      }),
    );
    expect(() => new Decoder(new Uint8Array([0x80, 0x00])).readVarUint()).toThrow(/non-canonical/);
  });

  it('accept only canonical bytes: whatever decodes re-encodes to the bytes read', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 10 }), (bytes) => {
        const r = new Decoder(bytes);
        let value: number;
        try {
          value = r.readVarUint();
        } catch (error) {
          expect(error).toBeInstanceOf(BytesError);
          return;
        }
        expect(Array.from(encode(value))).toEqual(Array.from(bytes.subarray(0, r.pos)));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuse values above 2^53 - 1 and more than 8 bytes', () => {
    const over = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10]);
    expect(() => new Decoder(over).readVarUint()).toThrow(/exceeds 2\^53 - 1/);
    const long = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => new Decoder(long).readVarUint()).toThrow(/longer than 8 bytes/);
  });

  it('refuse truncation at every cut', () => {
    fc.assert(
      fc.property(safeNat, (n) => {
        const bytes = encode(n);
        for (let cut = 0; cut < bytes.length; cut++) {
          expect(() => new Decoder(bytes.subarray(0, cut)).readVarUint()).toThrow(/truncated/);
        }
      }),
    );
  });
});

describe('zigzag', () => {
  it('keeps small magnitudes small and is its own inverse from -2^52 to 2^52 - 1 (whose zigzag is 2^53 - 2, still a safe integer)', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 - 1 }), (n) => {
        expect(unzigzag(zigzag(n))).toBe(n + 0);
        expect(varintSize(zigzag(n))).toBe(encode(zigzag(n)).length);
      }),
    );
    expect(Object.is(unzigzag(zigzag(-0)), 0)).toBe(true);
  });
});
