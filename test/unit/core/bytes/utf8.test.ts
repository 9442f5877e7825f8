import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytesError, Decoder, Encoder, isWellFormed, readString, writeString } from '../../../../src/core/bytes';

const roundTrip = (s: string): string => {
  const w = new Encoder(1);
  writeString(w, s);
  const r = new Decoder(w.finish());
  const out = readString(r, 1000, 's');
  expect(r.left).toBe(0);
  return out;
};

describe('strings', () => {
  it('round-trip as UTF-8 with a varint byte length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(roundTrip(s)).toBe(s);
        const w = new Encoder();
        writeString(w, s);
        const n = new TextEncoder().encode(s).length;
        expect(w.length).toBe(encodedLength(n) + n);
      }),
    );
  });

  it('refuse invalid UTF-8 and strings over the limit', () => {
    expect(() => readString(new Decoder(new Uint8Array([1, 0xff])), 10, 'label')).toThrow(BytesError);
    expect(() => readString(new Decoder(new Uint8Array([1, 0xff])), 10, 'label')).toThrow(/not valid UTF-8/);
    expect(() => readString(new Decoder(new Uint8Array([3, 0x61, 0x62, 0x63])), 2, 'label')).toThrow(
      /label of 3 bytes exceeds the limit of 2/,
    );
  });

  it('tell lone surrogates apart', () => {
    expect(isWellFormed('a\ud83d\ude00b')).toBe(true);
    expect(isWellFormed('a\ud83d')).toBe(false);
    expect(isWellFormed('\ude00')).toBe(false);
  });
});

function encodedLength(n: number): number {
  const w = new Encoder();
  w.writeVarUint(n);
  return w.length;
}
