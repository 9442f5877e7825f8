import { _SHA256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 of many short inputs (Merkle leaves and nodes, docs/security.md "One signature per
 * batch"). `sha256(bytes)` of @noble/hashes builds a new hash object per call (its block buffer,
 * a DataView, the state); on inputs of one or two blocks that was a third of the time. Here one
 * state is reset from a pristine copy (the library's own `_cloneInto`) and reused, the parts are
 * fed without concatenating them first, and the digest is copied out of the state's buffer. Same function, same bytes: checked against `sha256` in
 * test/unit/core/signing/sha256.test.ts.
 *
 * Synchronous (the core has no async): nothing can interleave between the reset and the digest.
 */
class ReusedSha256 extends _SHA256 {
  /** The digest, written into the state's own block buffer (whose DataView the library keeps), copied out. */
  digestCopy(): Uint8Array {
    this.digestInto(this.buffer);
    return this.buffer.slice(0, 32);
  }
}

const PRISTINE = new _SHA256();
const STATE = new ReusedSha256();

/** SHA-256 of `a` followed by `b` and `c` (when given). */
export function sha256Parts(a: Uint8Array, b?: Uint8Array, c?: Uint8Array): Uint8Array {
  PRISTINE._cloneInto(STATE);
  STATE.update(a);
  if (b !== undefined) STATE.update(b);
  if (c !== undefined) STATE.update(c);
  return STATE.digestCopy();
}
