import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVersions, encodeVersions, quantizeVersion } from '../../../../src/core/wire';
import { batch, version } from './arbitraries';
import { expectValid } from './expect-valid';

describe('wire round trip', () => {
  it('decodes what it encodes, after the documented quantisation', () => {
    fc.assert(
      fc.property(batch, (vs) => {
        const decoded = decodeVersions(encodeVersions(vs));
        expect(decoded).toEqual(vs.map(quantizeVersion));
        expectValid(decoded);
      }),
      { numRuns: 400 },
    );
  });

  it('is exact for values already quantised, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(batch, (vs) => {
        const bytes = encodeVersions(vs);
        const once = decodeVersions(bytes);
        const twice = decodeVersions(encodeVersions(once));
        expect(twice).toEqual(once);
        expect(encodeVersions(once)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result with revalidation through validateComponent', () => {
    fc.assert(
      fc.property(batch, (vs) => {
        const bytes = encodeVersions(vs);
        expect(decodeVersions(bytes, { revalidate: true })).toEqual(decodeVersions(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips single versions of every shape', () => {
    fc.assert(
      fc.property(version(), (v) => {
        expect(decodeVersions(encodeVersions([v]))).toEqual([quantizeVersion(v)]);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes an empty batch', () => {
    expect(decodeVersions(encodeVersions([]))).toEqual([]);
  });
});
