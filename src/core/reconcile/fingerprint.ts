import { mix128, unmix128 } from './mix128';
import { add128, lanesFromBytes, lanesToBytes, sub128 } from './sum128';

/**
 * Range fingerprints.
 *
 * The ids are themselves hashes of the version content, so they are uniform 128-bit values and a
 * plain sum of them is already a good set digest. A range's fingerprint is
 *
 *     fingerprint(R) = mix128( (Σ_{id ∈ R} term(id)  mod 2^128)  +  countTerm(|R|) )   → 16 bytes
 *     term(id)       = mix128(id as a little-endian 128-bit integer)
 *
 * Each id is whitened by the same bijective mix before it is added: for real (hash) ids this changes
 * nothing, but ids with structure (tests, a buggy caller, ids sharing long prefixes) would otherwise
 * make sums collide ({a, b} and {c, d} with a + b = c + d) and hide differences. Because term() is
 * a bijection an id can still be recovered from a term (idFromTerm).
 *
 * The addition-based (group) fingerprint is what allows O(log n) range fingerprints: the
 * fingerprint of a range is derived from the sums of sub-ranges, so a balanced tree (or, as in
 * SortedVectorStorage, a prefix-sum array giving O(1)) answers any range without touching its
 * items. Citation: A. Meyer, "Range-Based Set Reconciliation", arXiv:2212.13567 (2022), fingerprints
 * as monoid homomorphisms over an augmented search tree; D. Hoyt, negentropy (2023), which uses
 * the sum of ids mod 2^256 plus the count, hashed with SHA-256 and truncated to 16 bytes.
 *
 * Here the hash is replaced by mix128, a fast non-cryptographic bijection (the module must be pure
 * and synchronous). Because it is a bijection, a peer's fingerprint can be turned back into its
 * "sum + countTerm" state (decodeFingerprint): a receiver that holds exactly one extra item in a
 * range can then compute that item's id as the difference of the sums and check it against its own
 * items — single differences are found without listing ids. Not collision resistant against a
 * writer crafting ids: a signing member can find two sets of its own versions with one sum (a
 * generalised birthday search, minutes on one core) and give one to each side of a partition, which
 * then reconcile as equal. An open hole, docs/security.md "What remains".
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

/** out[oOff..oOff+4] = term(id at bytes[off..off+16]): what a range sum adds for this id. */
export function idTerm(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
  lanesFromBytes(bytes, off, out, oOff);
  mix128(out, oOff);
}

/** The id whose term is term[tOff..tOff+4] (inverse of idTerm). */
export function idFromTerm(term: Uint32Array, tOff: number): Uint8Array {
  const t = term.slice(tOff, tOff + 4);
  unmix128(t, 0);
  const id = new Uint8Array(16);
  lanesToBytes(t, 0, id, 0);
  return id;
}

/** Fingerprint of a set given its term sum (mod 2^128) and its size. */
export function fingerprintOf(sum: Uint32Array, count: number): Uint8Array {
  const state = new Uint32Array(4);
  combineState(sum, 0, count, state, 0);
  const out = new Uint8Array(FINGERPRINT_SIZE);
  encodeFingerprint(state, 0, out, 0);
  return out;
}
