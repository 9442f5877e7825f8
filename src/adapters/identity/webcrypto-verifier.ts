import type { SignatureVerifier } from '../../ports/signature-verifier';
import { nodeIdOf } from './node-key';

/** Imported public keys kept (one per author; a roster is far smaller). */
const KEY_CACHE = 1024;

/**
 * Ed25519 verification with WebCrypto (Chromium and Node 20 both have it), imported keys cached.
 *
 * A key already imported is used at once: the check is handed to WebCrypto within the call, not a
 * microtask later. The verifier hashes a frame's author batches one after the other and asks for
 * each root's check as soon as that root is known (docs/security.md, "Signed versions on ingest");
 * WebCrypto runs the check off the calling thread, so the check of one batch then runs while the
 * next batch is hashed. Behind an `await` every check of a frame started only once the whole frame
 * was hashed, and the thread waited for them all (docs/benchmarks.md, scenario 13).
 */
export function webCryptoVerifier(): SignatureVerifier {
  const keys = new Map<string, Promise<CryptoKey>>();
  /** The keys of `keys` whose import has succeeded, as CryptoKeys (evicted with them). */
  const imported = new Map<string, CryptoKey>();
  const keyId = (raw: Uint8Array): string => String.fromCharCode(...raw);
  const importKey = (id: string, raw: Uint8Array): Promise<CryptoKey> => {
    let key = keys.get(id);
    if (key === undefined) {
      key = crypto.subtle.importKey('raw', raw as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      keys.set(id, key);
      key.then(
        (k) => void (keys.get(id) === key && imported.set(id, k)),
        () => undefined,
      );
      if (keys.size > KEY_CACHE) {
        const old = keys.keys().next().value as string;
        keys.delete(old);
        imported.delete(old);
      }
    }
    return key;
  };
  const check = (key: CryptoKey, bytes: Uint8Array, sig: Uint8Array): Promise<boolean> =>
    crypto.subtle.verify({ name: 'Ed25519' }, key, sig as BufferSource, bytes as BufferSource);
  return {
    verify(publicKey, bytes, sig) {
      if (publicKey.length !== 32 || sig.length !== 64) return Promise.resolve(false);
      const id = keyId(publicKey);
      const key = imported.get(id);
      try {
        const answer =
          key !== undefined ? check(key, bytes, sig) : importKey(id, publicKey).then((k) => check(k, bytes, sig));
        // 32 bytes that are not a point on the curve (the import or the check rejects).
        return answer.catch(() => false);
      } catch {
        return Promise.resolve(false);
      }
    },
    nodeIdOf,
  };
}
