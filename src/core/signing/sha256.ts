import { _SHA256 } from '@noble/hashes/sha2.js';
import { createSHA256, type IHasher } from 'hash-wasm';

/**
 * SHA-256 of many short inputs (Merkle leaves and nodes, docs/security.md "One signature per
 * batch"): the one definition the signing code hashes with. Synchronous (the core has no async:
 * nothing can interleave between a hasher's init and its digest).
 *
 * The engine is hash-wasm's WebAssembly SHA-256 (one reused hasher). WebAssembly is compiled
 * asynchronously (a browser page may not compile it synchronously), so until `sha256Ready` has
 * settled, and wherever WebAssembly cannot run, the same function is computed in JavaScript by
 * @noble/hashes through one reused state. Both give the bytes of the standard: checked against
 * Node's own SHA-256 on random inputs, each engine, in test/unit/core/signing/sha256.test.ts.
 *
 * Measured on the leaves and nodes the tree hashes (docs/benchmarks.md, scenario 13): a binary
 * leaf (0x00 and 79 bytes) and an interior node (0x01 and two hashes, 65 bytes) are two blocks
 * each; the WebAssembly engine takes about 60 % of the JavaScript one's time per hash, of which
 * half is the calls across the boundary, not the blocks. So the parts of a hash are copied into
 * one scratch buffer first and the hasher is fed once.
 */

let wasm: IHasher | undefined;

/** Settles (never rejects) once the WebAssembly engine is in use, or known not to run here. */
export const sha256Ready: Promise<void> = createSHA256().then(
  (hasher) => void (wasm = hasher),
  () => undefined,
);

/** Which engine hashes now (tests, benchmarks). */
export function sha256Engine(): 'wasm' | 'js' {
  return wasm === undefined ? 'js' : 'wasm';
}

/** SHA-256 of `bytes`, a new array of 32 bytes. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return wasm === undefined ? jsSha256(bytes) : wasm.init().update(bytes).digest('binary');
}

let scratch = new Uint8Array(256);

/** SHA-256 of `a` followed by `b` and `c` (when given). */
export function sha256Parts(a: Uint8Array, b?: Uint8Array, c?: Uint8Array): Uint8Array {
  const n = a.length + (b?.length ?? 0) + (c?.length ?? 0);
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  scratch.set(a);
  if (b !== undefined) scratch.set(b, a.length);
  if (c !== undefined) scratch.set(c, a.length + (b?.length ?? 0));
  return sha256(scratch.subarray(0, n));
}

/**
 * The JavaScript engine. `sha256(bytes)` of @noble/hashes builds a new hash object per call (its
 * block buffer, a DataView, the state); on inputs of one or two blocks that was a third of the
 * time. Here one state is reset from a pristine copy (the library's own `_cloneInto`) and reused,
 * and the digest is copied out of the state's buffer.
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

/** The JavaScript engine alone (what `sha256` computes before the WebAssembly engine is ready). */
export function jsSha256(bytes: Uint8Array): Uint8Array {
  PRISTINE._cloneInto(STATE);
  STATE.update(bytes);
  return STATE.digestCopy();
}
