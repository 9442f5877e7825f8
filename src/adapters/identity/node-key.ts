import type { NodeId } from '../../core/ids';

/** A node's signing identity. The private key is a non-extractable WebCrypto key. */
export interface NodeKey {
  readonly nodeId: NodeId;
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKey;
  readonly created: number;
}

/** Node id = the first 16 bytes of SHA-256 of the raw Ed25519 public key, as 32 hex digits. */
export async function nodeIdOf(publicKey: Uint8Array): Promise<NodeId> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey as BufferSource));
  let hex = '';
  for (let i = 0; i < 16; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return hex as NodeId;
}

export async function generateNodeKey(now: number): Promise<NodeKey> {
  // extractable=false applies to the private key; WebCrypto always lets the public key be exported.
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { nodeId: await nodeIdOf(publicKey), publicKey, privateKey: pair.privateKey, created: now };
}
