import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { NodeId } from '../../../src/core/ids';
import type { SignatureVerifier } from '../../../src/ports/signature-verifier';
import type { Signer } from '../../../src/ports/signer';

/** A test node's identity: an Ed25519 key derived from a name, and the node id derived from the key. */
export interface TestIdentity {
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
  readonly signer: Signer;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const cache = new Map<string, TestIdentity>();

/** The same name gives the same key in every run, so fixtures can name nodes ('nodeA') and get real ids. */
export function testIdentity(name: string): TestIdentity {
  let identity = cache.get(name);
  if (identity !== undefined) return identity;
  const seed = createHash('sha256').update(`test key ${name}`).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const jwk = privateKey.export({ format: 'jwk' });
  const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  const id = createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex') as NodeId;
  identity = {
    id,
    publicKey,
    privateKey,
    signer: { publicKey, sign: (bytes) => Promise.resolve(new Uint8Array(sign(null, bytes, privateKey))) },
  };
  cache.set(name, identity);
  return identity;
}

/** The node id of the named test node. */
export const idOf = (name: string): NodeId => testIdentity(name).id;

/**
 * Ed25519 verification with Node's synchronous `crypto.verify` (real signatures, checked for
 * real), for the in-memory mesh simulations, whose virtual clock runs in one synchronous loop that
 * no WebCrypto promise could settle inside.
 *
 * `names`: test nodes that go by a readable name ('a', 'b') instead of their real id; each one's
 * key stands for its name. This is the one thing it changes against production, where the id is
 * the key's hash (checked with the real derivation in test/unit/node/security): which id a key
 * is filed under. A key of any other node still stands only for its real id.
 */
export function syncVerifier(names: readonly string[] = []): SignatureVerifier {
  const byKey = new Map<string, NodeId>();
  for (const name of names) byKey.set(Buffer.from(testIdentity(name).publicKey).toString('hex'), name as NodeId);
  const keys = new Map<string, KeyObject>();
  return {
    verify(publicKey, bytes, sig) {
      if (publicKey.length !== 32 || sig.length !== 64) return false;
      const hex = Buffer.from(publicKey).toString('hex');
      let key = keys.get(hex);
      try {
        key ??= createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
          format: 'jwk',
        });
        keys.set(hex, key);
        return verify(null, bytes, key, sig);
      } catch {
        return false;
      }
    },
    nodeIdOf(publicKey) {
      return (
        byKey.get(Buffer.from(publicKey).toString('hex')) ??
        (createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex') as NodeId)
      );
    },
  };
}
