/**
 * A node's signing key, as the code that proves its identity sees it: the raw Ed25519 public key
 * (its node id is derived from it) and a signature over given bytes. The private key never leaves
 * the adapter that holds it (a non-extractable WebCrypto key in the browser).
 */
export interface Signer {
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /**
   * A 64-byte Ed25519 signature over `bytes`. WebCrypto answers asynchronously; an adapter that can
   * answer at once (Node's synchronous `crypto.sign` in the in-memory mesh simulations, whose
   * virtual clock runs in one synchronous loop) may return the bytes themselves, as
   * SignatureVerifier.verify may.
   */
  sign(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
}
