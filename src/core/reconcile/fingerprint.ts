import { unsafe as aes } from '@noble/ciphers/aes.js';
import { mix128, unmix128 } from './mix128';
import { add128, lanesFromBytes, lanesToBytes, sub128 } from './sum128';

/**
 * Range fingerprints.
 *
 * A range's fingerprint, under the reconciliation session's key k (FingerprintKey), is
 *
 *     fingerprint_k(R) = mix128( (Σ_{id ∈ R} term_k(id)  mod 2^128)  +  countTerm(|R|) )   → 16 bytes
 *     term_k(id)       = AES-128_k(id as one 16-byte block), read as a little-endian 128-bit integer
 *
 * The addition-based (group) fingerprint is what allows O(log n) range fingerprints: the
 * fingerprint of a range is derived from the sums of sub-ranges, so a balanced tree (or, as in
 * SortedVectorStorage, a prefix-sum array giving O(1)) answers any range without touching its
 * items. Citation: A. Meyer, "Range-Based Set Reconciliation", arXiv:2212.13567 (2022), fingerprints
 * as monoid homomorphisms over an augmented search tree; D. Hoyt, negentropy (2023), which uses
 * the sum of ids mod 2^256 plus the count, hashed with SHA-256 and truncated to 16 bytes.
 *
 * Why the term is keyed. A sum of PUBLIC per-item values is not collision resistant against the
 * one who picks the items: until sync protocol 10 the term was mix128(id), and a signing member ran
 * a generalised birthday search (D. Wagner, "A Generalized Birthday Problem", CRYPTO 2002) offline
 * over contents of its own versions to find two sets of 64 with one term sum; one set given to each
 * side of a partition, the two reconciled as equal after the heal
 * (test/unit/attack/fingerprint-sum-collision.test.ts). With the term a pseudorandom permutation
 * under a key that only exists once both ends of a session have sent fresh nonces
 * (sync/fingerprint-key.ts), the terms of any sets chosen beforehand are, to their writer,
 * independent uniform values: two different sets share a sum with odds about 2^-128 per comparison,
 * and no search can be run before the key exists. The peer at the other end knows the key, but it
 * could misreport its own set anyway (docs/security.md, "What remains").
 *
 * The term is a permutation, not a hash, so single differences still need no ids on the wire: the
 * outer mix128 is a public bijection, so a fingerprint turns back into its "sum + countTerm" state
 * (decodeFingerprint); a receiver that holds exactly one extra item in a range subtracts the sums
 * and decrypts the difference back to that item's id (FingerprintKey.idFromTerm), then checks it
 * against its own items. The count term and the outer mix stay public: they only need to be
 * bijective and to keep the count from cancelling sums; the secrecy is all in the terms.
 *
 * AES-128 is used as one single-block pseudorandom permutation, not as a mode of encryption: nothing
 * is encrypted for anyone, there is no message longer than a block, no IV and no padding, and
 * decryption gives the inverse (idFromTerm). A mode's API could do it too (@noble/ciphers'
 * `ecb(key, { disablePadding: true })` encrypts and decrypts one block); the low-level block
 * functions on an expanded key are used for speed, with no allocation or framing per call. Upstream
 * exports them as `unsafe`, internals that may change in any release: hence the exact version pin
 * of @noble/ciphers in package.json and the test of term against Node's AES
 * (test/unit/core/reconcile/fingerprint-key.test.ts). About 0.25 µs a block in Node 20.
 * Cost: a key's whole-set fingerprint of 100,000 items with no prefix sums to start from computes
 * every term, ~28 ms; a storage then keeps that key's prefix sums, and a range costs at most 2 × 7
 * terms on top. A sync snapshot rebuilt from an earlier one starts each key's sums from the key's
 * newest ones, up to the first block changed since (slot-vector-storage.ts, Lineage), so a link's
 * round computes the terms from that block on: with new versions at the end, those added since its
 * last round; after a change near the start, nearly all (docs/security.md, "What remains").
 */
export const FINGERPRINT_SIZE = 16;

const COUNT_SALT_0 = 0x6c617474; // 'latt'
const COUNT_SALT_1 = 0x6d657368; // 'mesh'
const TWO_32 = 0x1_0000_0000;

const scratch = new Uint32Array(4);

/** out[oOff..] = the count's contribution: mix128 of (count, salt), so counts never cancel sums. */
export function countTerm(count: number, out: Uint32Array, oOff: number): void {
  out[oOff] = count % TWO_32;
  out[oOff + 1] = Math.floor(count / TWO_32);
  out[oOff + 2] = COUNT_SALT_0;
  out[oOff + 3] = COUNT_SALT_1;
  mix128(out, oOff);
}

/** out = sum + countTerm(count): the pre-mix state ("X") of a range fingerprint. */
export function combineState(sum: Uint32Array, sOff: number, count: number, out: Uint32Array, oOff: number): void {
  countTerm(count, scratch, 0);
  add128(sum, sOff, scratch, 0, out, oOff);
}

/** sumOut = state - countTerm(count): the sum a state would have if it covered `count` items. */
export function sumFromState(state: Uint32Array, sOff: number, count: number, sumOut: Uint32Array, oOff: number): void {
  countTerm(count, scratch, 0);
  sub128(state, sOff, scratch, 0, sumOut, oOff);
}

/** The 16 wire bytes of a pre-mix state. */
export function encodeFingerprint(state: Uint32Array, sOff: number, out: Uint8Array, off: number): void {
  const t = new Uint32Array(4);
  t.set(state.subarray(sOff, sOff + 4));
  mix128(t, 0);
  lanesToBytes(t, 0, out, off);
}

/** The pre-mix state behind 16 fingerprint bytes (inverse of encodeFingerprint). */
export function decodeFingerprint(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
  lanesFromBytes(bytes, off, out, oOff);
  unmix128(out, oOff);
}

/** The key's length in bytes (AES-128). */
export const FINGERPRINT_KEY_BYTES = 16;

/**
 * The keyed term of a reconciliation session: term(id) = AES-128_k(id) and its inverse, on the
 * expanded encryption and decryption keys (expanded once per session). Lanes are the 16 bytes as
 * four little-endian 32-bit words, as lanesFromBytes reads them and as the cipher reads a block, so
 * term(id) is the standard AES-128 encryption of the id's bytes (checked against Node's AES in
 * test/unit/core/reconcile/fingerprint-key.test.ts) on every platform.
 *
 * Storages cache prefix sums per key (the identity of this object): one object per session.
 */
export class FingerprintKey {
  private readonly enc: Uint32Array;
  private readonly dec: Uint32Array;

  constructor(key: Uint8Array) {
    if (key.length !== FINGERPRINT_KEY_BYTES)
      throw new RangeError(`a fingerprint key has ${FINGERPRINT_KEY_BYTES} bytes`);
    this.enc = aes.expandKeyLE(key.slice());
    this.dec = aes.expandKeyDecLE(key.slice());
  }

  /** out[oOff..oOff+4] = term(id at bytes[off..off+16]): what a range sum adds for this id. */
  term(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
    const r = aes.encrypt(
      this.enc,
      word(bytes, off),
      word(bytes, off + 4),
      word(bytes, off + 8),
      word(bytes, off + 12),
    );
    out[oOff] = r.s0 >>> 0;
    out[oOff + 1] = r.s1 >>> 0;
    out[oOff + 2] = r.s2 >>> 0;
    out[oOff + 3] = r.s3 >>> 0;
  }

  /** The id whose term is term[tOff..tOff+4] (inverse of term). */
  idFromTerm(term: Uint32Array, tOff: number): Uint8Array {
    const r = aes.decrypt(this.dec, term[tOff]! | 0, term[tOff + 1]! | 0, term[tOff + 2]! | 0, term[tOff + 3]! | 0);
    const t = new Uint32Array([r.s0 >>> 0, r.s1 >>> 0, r.s2 >>> 0, r.s3 >>> 0]);
    const id = new Uint8Array(16);
    lanesToBytes(t, 0, id, 0);
    return id;
  }
}

function word(bytes: Uint8Array, p: number): number {
  return bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
}

/**
 * A fixed key (all zero bytes) for reconciliation outside a sync session: tests and benchmarks pass
 * it by name (a Reconciler has no default key). Anyone can compute its terms, so a writer can craft
 * colliding sets for it as for the public mix: a link's session never uses it (it derives its own,
 * sync/fingerprint-key.ts).
 */
export const UNSESSIONED_FINGERPRINT_KEY = new FingerprintKey(new Uint8Array(FINGERPRINT_KEY_BYTES));

/**
 * out[oOff..oOff+4] = the PUBLIC mix of an id (mix128 of its lanes): a position in an id hash table
 * (the storages' indexOfId), never a fingerprint term — anyone can compute it, so sums of it are
 * what a writer can make collide (the term is FingerprintKey.term).
 */
export function idMix(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
  lanesFromBytes(bytes, off, out, oOff);
  mix128(out, oOff);
}

/** Fingerprint of a set given its term sum (mod 2^128) and its size. */
export function fingerprintOf(sum: Uint32Array, count: number): Uint8Array {
  const state = new Uint32Array(4);
  combineState(sum, 0, count, state, 0);
  const out = new Uint8Array(FINGERPRINT_SIZE);
  encodeFingerprint(state, 0, out, 0);
  return out;
}
