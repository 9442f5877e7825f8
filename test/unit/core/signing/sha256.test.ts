/**
 * The one SHA-256 the signing code hashes with (src/core/signing/sha256.ts): each engine, the
 * WebAssembly one (hash-wasm) and the JavaScript one it stands in for until it is compiled, gives
 * the digest of Node's own SHA-256 (OpenSSL, an implementation neither shares) on random inputs,
 * call after call on the reused state, around the block boundaries where padding changes, and for
 * the parts of a leaf or an interior node. fast-check; replay a failure with SEED=<printed seed>.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsSha256, sha256, sha256Engine, sha256Parts, sha256Ready } from '../../../../src/core/signing/sha256';
import { leafHash, nodeHash } from '../../../../src/core/signing/merkle';
import { seededParams } from '../../support/test-keys';

const params = seededParams('sha256', 500);

const reference = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Inputs of 0 to 300 bytes, weighted toward the lengths where a block ends (55, 56, 64, 119, 120, 128). */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .constantFrom(0, 1, 55, 56, 63, 64, 65, 79, 80, 119, 120, 127, 128, 129)
    .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
);

describe('sha256', () => {
  beforeAll(async () => {
    await sha256Ready;
  });

  it('runs on WebAssembly once ready', () => {
    expect(sha256Engine()).toBe('wasm');
  });

  it('gives the standard digest on random inputs, call after call (WebAssembly engine)', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), (inputs) => {
        for (const bytes of inputs) expect(hex(sha256(bytes))).toBe(reference(bytes));
      }),
      params('wasm'),
    );
  });

  it('gives the standard digest on random inputs, call after call (JavaScript engine)', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), (inputs) => {
        for (const bytes of inputs) expect(hex(jsSha256(bytes))).toBe(reference(bytes));
      }),
      params('js'),
    );
  });

  it('hashes parts as their concatenation, views into larger buffers included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(input, fc.nat(8), fc.nat(8)), { minLength: 1, maxLength: 3 }), (specs) => {
        // Each part a view with bytes on either side, as the leaf form's scratch buffer hands out.
        const parts = specs.map(([bytes, before, after]) => {
          const buffer = new Uint8Array(before + bytes.length + after).fill(0xa5);
          buffer.set(bytes, before);
          return buffer.subarray(before, before + bytes.length);
        });
        const [a, b, c] = parts;
        expect(hex(sha256Parts(a!, b, c))).toBe(reference(concat(parts)));
      }),
      params('parts'),
    );
  });

  it('makes leaves and interior nodes with their domain bytes', () => {
    fc.assert(
      fc.property(
        input,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (leaf, left, right) => {
          expect(hex(leafHash(leaf))).toBe(reference(concat([Uint8Array.of(0), leaf])));
          expect(hex(nodeHash(left, right))).toBe(reference(concat([Uint8Array.of(1), left, right])));
        },
      ),
      params('tree'),
    );
  });

  it('returns a fresh array each call (a digest kept is never overwritten by the next)', () => {
    const first = sha256(Uint8Array.of(1));
    const kept = hex(first);
    sha256(Uint8Array.of(2));
    sha256Parts(Uint8Array.of(3), Uint8Array.of(4));
    jsSha256(Uint8Array.of(5));
    expect(hex(first)).toBe(kept);
  });
});
