import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { NodeId } from '../../../src/core/ids';
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
