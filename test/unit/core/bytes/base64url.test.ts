import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '../../../../src/core/bytes/base64url';

describe('base64url', () => {
  it('matches Node’s encoder and round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64url(text)).toEqual(bytes);
      }),
    );
  });

  it('refuses text that is not canonical unpadded base64url', () => {
    for (const bad of ['A', 'AB=', 'a+b/', 'AB', 'ABC', 'é']) {
      const decoded = fromBase64url(bad);
      // 'AB' and 'ABC' have non-zero leftover bits; the rest are not base64url at all.
      expect(decoded, bad).toBe(undefined);
    }
    expect(fromBase64url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64url('')).toEqual(new Uint8Array([]));
  });
});
