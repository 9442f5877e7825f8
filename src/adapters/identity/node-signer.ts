import type { NodeId } from '../../core/ids';
import type { Signer } from '../../ports/signer';
import { openIdentityDb } from './identity-db';
import type { NodeKey } from './node-key';

/** Signs with the node's non-extractable Ed25519 key (WebCrypto). */
export function signerOf(key: NodeKey): Signer {
  return {
    publicKey: key.publicKey,
    sign: async (bytes) =>
      new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, bytes as BufferSource)),
  };
}

/**
 * The signer of a node this browser profile holds, read from the identity database. The page
 * uses it to prove its node id at the signaling server while the worker runs the node: a
 * CryptoKey read from IndexedDB stays non-extractable, so the private key is still never exposed.
 */
export async function loadNodeSigner(nodeId: NodeId): Promise<Signer> {
  const db = await openIdentityDb();
  try {
    const key = await db.get('keys', nodeId);
    if (key === undefined) throw new Error(`no key for node ${nodeId} in this browser profile`);
    return signerOf(key);
  } finally {
    db.close();
  }
}
