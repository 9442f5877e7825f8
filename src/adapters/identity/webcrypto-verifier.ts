import type { SignatureVerifier } from '../../ports/signature-verifier';
import { nodeIdOf } from './node-key';

/** Imported public keys kept (one per author; a roster is far smaller). */
const KEY_CACHE = 1024;

/** Ed25519 verification with WebCrypto (Chromium and Node 20 both have it), imported keys cached. */
export function webCryptoVerifier(): SignatureVerifier {
  const keys = new Map<string, Promise<CryptoKey>>();
  const importKey = (raw: Uint8Array): Promise<CryptoKey> => {
    const id = String.fromCharCode(...raw);
    let key = keys.get(id);
    if (key === undefined) {
      key = crypto.subtle.importKey('raw', raw as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      keys.set(id, key);
      if (keys.size > KEY_CACHE) keys.delete(keys.keys().next().value as string);
    }
    return key;
  };
  return {
    async verify(publicKey, bytes, sig) {
      if (publicKey.length !== 32 || sig.length !== 64) return false;
      try {
        return await crypto.subtle.verify(
          { name: 'Ed25519' },
          await importKey(publicKey),
          sig as BufferSource,
          bytes as BufferSource,
        );
      } catch {
        // 32 bytes that are not a point on the curve.
        return false;
      }
    },
    nodeIdOf,
  };
}
