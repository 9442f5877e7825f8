import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVersions, encodeVersions, FORMAT_VERSION, WireError } from '../../../../src/core/wire';
import { batch } from './arbitraries';
import { expectValid } from './expect-valid';

/**
 * Hostile input (yjs#687 is a crafted-update denial of service): whatever the bytes, decoding
 * returns valid versions or throws a WireError, and never anything else. A hang would trip
 * vitest's 30 s timeout; every loop in the decoder is bounded by the bytes left.
 */
function decodeOrWireError(bytes: Uint8Array): void {
  let result;
  try {
    result = decodeVersions(bytes);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return;
  }
  expectValid(result);
}

const validBatch = batch.filter((vs) => vs.length > 0).map((vs) => encodeVersions(vs));

describe('wire decoding of hostile bytes', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodeOrWireError), { numRuns: 2000 });
  });

  it('random bytes after a valid header', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.uint8Array({ maxLength: 512 }), (flags, tail) =>
        decodeOrWireError(new Uint8Array([FORMAT_VERSION, flags, ...tail])),
      ),
      { numRuns: 3000 },
    );
  });

  it('every truncation of valid batches', () => {
    let cases = 0;
    for (const bytes of fc.sample(validBatch, { numRuns: 40, seed: 42 })) {
      for (let n = 0; n < bytes.length; n++) {
        expect(() => decodeVersions(bytes.subarray(0, n))).toThrow(WireError);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('bit flips in valid batches', () => {
    fc.assert(
      fc.property(validBatch, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (bytes, flips) => {
        const copy = bytes.slice();
        for (const f of flips) copy[Math.floor(f / 8) % copy.length]! ^= 1 << (f % 8);
        decodeOrWireError(copy);
      }),
      { numRuns: 3000 },
    );
  });

  it('byte overwrites, insertions and deletions in valid batches', () => {
    fc.assert(
      fc.property(
        validBatch,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0, 1, 2),
        (bytes, at, b, op) => {
          const i = at % bytes.length;
          const arr = [...bytes];
          if (op === 0) arr[i] = b;
          else if (op === 1) arr.splice(i, 0, b);
          else arr.splice(i, 1);
          decodeOrWireError(new Uint8Array(arr));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
