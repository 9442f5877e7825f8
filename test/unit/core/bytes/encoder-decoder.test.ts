import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytesError, Decoder, Encoder } from '../../../../src/core/bytes';
import { expected, op, read, write } from './ops';

describe('Encoder and Decoder', () => {
  it('read back every writer’s value, in any sequence, to the last byte', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const w = new Encoder(1);
        for (const o of ops) write(w, o);
        const r = new Decoder(w.finish());
        for (const o of ops) expect(read(r, o)).toEqual(expected(o));
        expect(r.left).toBe(0);
      }),
    );
  });

  it('refuse every truncation of a sequence, at every cut', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 10 }), (ops) => {
        const w = new Encoder();
        for (const o of ops) write(w, o);
        const bytes = w.finish();
        for (let cut = 0; cut < bytes.length; cut++) {
          const r = new Decoder(bytes.subarray(0, cut));
          expect(() => {
            for (const o of ops) read(r, o);
          }, `cut at ${cut} of ${bytes.length}`).toThrow(BytesError);
        }
      }),
    );
  });

  it('fail with the error the caller names, at the offset', () => {
    class CustomError extends Error {}
    const r = new Decoder(new Uint8Array([1, 0x80]), (m) => new CustomError(m));
    expect(r.readU8()).toBe(1);
    expect(() => r.readVarUint()).toThrow(CustomError);
    expect(() => r.readVarUint()).toThrow('at byte 1: truncated varint');
    expect(() => new Encoder(8, (m) => new CustomError(m)).writeVarUint(-1)).toThrow(CustomError);
    expect(() => new Decoder(new Uint8Array(0)).readU8()).toThrow(BytesError);
  });

  it('bound counts by the bytes left', () => {
    expect(() => new Decoder(new Uint8Array([5])).readCount('items', 10)).toThrow(/cannot fit/);
    expect(() => new Decoder(new Uint8Array([11, ...new Uint8Array(11)])).readCount('items', 10)).toThrow(
      /exceeds the limit of 10/,
    );
    const r = new Decoder(new Uint8Array([2, 0, 0, 0, 0]));
    expect(r.readCount('pairs', 10, 2)).toBe(2);
  });

  it('copy with readBytes, share with readView', () => {
    const input = new Uint8Array([1, 2, 3, 4]);
    const r = new Decoder(input);
    const copy = r.readBytes(2);
    const view = r.readView(2);
    input.fill(9);
    expect(Array.from(copy)).toEqual([1, 2]);
    expect(Array.from(view)).toEqual([9, 9]);
  });

  it('take back a speculative write with truncate; finish copies, view shares', () => {
    const w = new Encoder(1);
    w.writeU8(1);
    w.writeVarUint(300);
    w.truncate(1);
    w.writeU8(2);
    const view = w.view();
    const copy = w.finish();
    expect(Array.from(copy)).toEqual([1, 2]);
    w.truncate(0);
    w.writeU8(7);
    expect(view[0]).toBe(7);
    expect(copy[0]).toBe(1);
  });
});
