import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError } from '../../../../src/core/wire';
import { readNodeId, writeNodeId } from '../../../../src/core/wire/node-ids';
import { ByteReader } from '../../../../src/core/wire/reader';
import { readString, writeString } from '../../../../src/core/wire/utf8';
import { ByteWriter } from '../../../../src/core/wire/writer';
import { unzigzag, zigzag } from '../../../../src/core/wire/zigzag';
import { nodeId } from './arbitraries';

const roundTrip = <T>(write: (w: ByteWriter, x: T) => void, read: (r: ByteReader) => T, x: T): T => {
  const w = new ByteWriter(1);
  write(w, x);
  const r = new ByteReader(w.finish());
  const out = read(r);
  expect(r.left).toBe(0);
  return out;
};

describe('wire primitives', () => {
  it('varints round-trip every safe non-negative integer, in at most 8 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), (n) => {
        expect(
          roundTrip(
            (w, x) => w.varint(x),
            (r) => r.varint(),
            n,
          ),
        ).toBe(n);
        const w = new ByteWriter();
        w.varint(n);
        expect(w.pos).toBeLessThanOrEqual(8);
      }),
    );
    expect(() => new ByteWriter().varint(-1)).toThrow(WireError);
    expect(() => new ByteWriter().varint(2 ** 53)).toThrow(WireError);
  });

  it('zigzag keeps small magnitudes small and is its own inverse up to 2^52', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n) => {
        expect(unzigzag(zigzag(n))).toBe(n + 0);
      }),
    );
    expect(Object.is(unzigzag(zigzag(-0)), 0)).toBe(true);
  });

  it('fixed-width integers and floats', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.double(),
        (i, u, d) => {
          expect(
            roundTrip(
              (w, x) => w.i32(x),
              (r) => r.i32(),
              i,
            ),
          ).toBe(i);
          expect(
            roundTrip(
              (w, x) => w.u16(x),
              (r) => r.u16(),
              u,
            ),
          ).toBe(u);
          expect(
            roundTrip(
              (w, x) => w.f64(x),
              (r) => r.f64(),
              d,
            ),
          ).toBe(d);
          expect(
            roundTrip(
              (w, x) => w.f32(x),
              (r) => r.f32(),
              d,
            ),
          ).toBe(Math.fround(d));
        },
      ),
    );
  });

  it('node ids pack into 6 bits per character', () => {
    fc.assert(
      fc.property(nodeId, (id) => {
        expect(roundTrip(writeNodeId, readNodeId, id)).toBe(id);
      }),
    );
    const w = new ByteWriter();
    writeNodeId(w, 'A'.repeat(43) as never);
    expect(w.pos).toBe(1 + 33);
  });

  it('strings round-trip as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(roundTrip(writeString, (r) => readString(r, 1000, 's'), s)).toBe(s);
      }),
    );
  });

  it('reads never run past the end', () => {
    const r = new ByteReader(new Uint8Array([0x80]));
    expect(() => r.varint()).toThrow(/truncated varint/);
    expect(() => new ByteReader(new Uint8Array(3)).i32()).toThrow(/truncated/);
    expect(() => new ByteReader(new Uint8Array(7)).f64()).toThrow(/truncated/);
    expect(() => new ByteReader(new Uint8Array([5])).count('items', 10)).toThrow(/cannot fit/);
  });
});
