import type { NodeId } from '../core/ids';

/**
 * Ed25519 verification and the node-id binding, as the code that checks signed versions sees them
 * (docs/security.md, "Signed versions"). A node id is derived from its key (the first 16 bytes of
 * SHA-256 of the raw public key, 32 hex digits; src/adapters/identity/node-key.ts), so a key can
 * be accepted from any source once `nodeIdOf(key)` equals the id it is offered for.
 */
export interface SignatureVerifier {
  /**
   * True when `sig` is the 64-byte Ed25519 signature of `bytes` under the raw 32-byte `publicKey`.
   * WebCrypto answers asynchronously; an adapter that can answer at once (Node's synchronous
   * `crypto.verify`, used by the in-memory mesh simulations) may return the boolean itself, and the
   * verifier then settles a batch without waiting for a later task.
   */
  verify(publicKey: Uint8Array, bytes: Uint8Array, sig: Uint8Array): boolean | Promise<boolean>;
  /** The node id the key stands for (synchronous or not, like verify). */
  nodeIdOf(publicKey: Uint8Array): NodeId | Promise<NodeId>;
}
