/**
 * The WebCrypto Ed25519 adapter (src/adapters/identity/webcrypto-verifier.ts): its answers, and
 * that a check under a key already imported is handed to WebCrypto within the call, so the
 * verifier's check of one author batch runs while the next batch is hashed (docs/benchmarks.md,
 * scenario 13).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';

async function signed(message: Uint8Array) {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, message as BufferSource));
  return { publicKey, sig };
}

afterEach(() => vi.restoreAllMocks());

describe('webCryptoVerifier', () => {
  it('answers true for a signature of the message under the key, false for anything altered', async () => {
    const message = Uint8Array.from({ length: 96 }, (_, i) => i);
    const { publicKey, sig } = await signed(message);
    const v = webCryptoVerifier();
    expect(await v.verify(publicKey, message, sig)).toBe(true);
    // Again, the key now imported (the path that skips the import).
    expect(await v.verify(publicKey, message, sig)).toBe(true);
    const altered = message.slice();
    altered[5] ^= 1;
    expect(await v.verify(publicKey, altered, sig)).toBe(false);
    const badSig = sig.slice();
    badSig[0] ^= 1;
    expect(await v.verify(publicKey, message, badSig)).toBe(false);
    const other = await signed(message);
    expect(await v.verify(other.publicKey, message, sig)).toBe(false);
    expect(await v.verify(publicKey, message, sig.subarray(0, 63))).toBe(false);
    expect(await v.verify(publicKey.subarray(0, 31), message, sig)).toBe(false);
  });

  it('answers false, never throws, for 32 bytes that are not a key', async () => {
    const message = new Uint8Array(8);
    const { sig } = await signed(message);
    const v = webCryptoVerifier();
    // Not a point on the curve (y = 2 has no x): the import rejects, the answer is false.
    const notAKey = new Uint8Array(32);
    notAKey[0] = 2;
    expect(await v.verify(notAKey, message, sig)).toBe(false);
    expect(await v.verify(notAKey, message, sig)).toBe(false);
  });

  it('hands a check under an imported key to WebCrypto within the call', async () => {
    const message = new Uint8Array(32);
    const { publicKey, sig } = await signed(message);
    const v = webCryptoVerifier();
    expect(await v.verify(publicKey, message, sig)).toBe(true);
    const spy = vi.spyOn(crypto.subtle, 'verify');
    const answers = [v.verify(publicKey, message, sig), v.verify(publicKey, message, sig)];
    // Before any await: both checks are already running.
    expect(spy).toHaveBeenCalledTimes(2);
    expect(await Promise.all(answers)).toEqual([true, true]);
  });
});
