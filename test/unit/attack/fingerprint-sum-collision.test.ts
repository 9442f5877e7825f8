/**
 * Attack (session 19, `attack19`): range fingerprints are additive (fingerprint.ts: the sum mod
 * 2^128 of term(id) = mix128(id), plus a count term), and sync protocol 9 made each id SHA-256 of
 * content the writer chooses (version-id.ts). A sum of a set of hashes is not collision resistant
 * against the one who picks the set: a generalized birthday search (D. Wagner, "A Generalized
 * Birthday Problem", CRYPTO 2002) over 128 lists of ~2^16 candidate contents each (~9.2M SHA-256
 * and a few sorts: one run of test/unit/support/fingerprint-wagner.ts on one core) found the
 * contents below, one per list, such that the 64 versions A of a signing member and its 64 other
 * versions B have equal term sums: Σ term(A) = Σ term(B).
 * The member sends A to one side of a partition and B to the other (no id is shared, so no lazy
 * push, want or announcement of one is ever matched against the other). Once the two sides link,
 * every range fingerprint the reconciliation compares holds both clusters or neither, and is equal:
 * the two nodes hold different versions (64 entities on each side the other never sees) and every
 * link reports synced — what sync protocol 9 set out to rule out (docs/security.md, "What remains").
 * Sync protocol 10 keys the term per session (term_k(id) = AES-128_k(id), the key from both hellos'
 * fresh nonces, sync/fingerprint-key.ts): the sums found for the public mix (idMix, the term until
 * then) say nothing of the sums under a key no one knew when the contents were picked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { measureReconciliation } from '../../../src/core/reconcile/measure';
import { idMix } from '../../../src/core/reconcile/fingerprint';
import { add128 } from '../../../src/core/reconcile/sum128';
import { fingerprintKeyOf } from '../../../src/core/sync/fingerprint-key';
import { HANDSHAKE_NONCE_BYTES } from '../../../src/core/sync/messages';
import { idKey, versionId } from '../../../src/core/sync/version-id';

const T = 1_700_000_000_000;
/** Found offline (Wagner's k-tree, k = 128, 16 bits a level): version j carries { n: PICKS[j] }. */
const PICKS: readonly number[] = [
  251, 69747, 27988, 11990, 42280, 17805, 70297, 11690, 61302, 69076, 63903, 12163, 38922, 31, 46040, 26290, 48674,
  42855, 43145, 24129, 50170, 67899, 52162, 14928, 45469, 71827, 61070, 30217, 4957, 26863, 57670, 31846, 4139, 53116,
  32985, 5659, 44173, 13008, 55498, 41934, 41606, 12613, 14521, 61489, 44764, 1556, 37826, 57598, 1477, 5203, 48846,
  36369, 33152, 65168, 67949, 14936, 36083, 47689, 1789, 24024, 40402, 18525, 70518, 31563, 2258, 41897, 71042, 31592,
  25159, 63762, 28602, 40230, 48615, 34600, 57306, 65334, 23607, 56383, 47938, 42876, 14577, 11333, 33368, 47786, 24208,
  65371, 53307, 13146, 3116, 59345, 55628, 17179, 43530, 49750, 65056, 5187, 15224, 48240, 36637, 39141, 51449, 36801,
  15067, 41333, 17950, 62377, 70998, 45291, 28370, 70797, 47661, 68988, 33993, 46640, 15117, 39424, 11296, 54631, 61502,
  24738, 28817, 47805, 65596, 643, 23546, 26930, 33499, 30077,
];

/** The member's version j: an entity of its own, one timestamp for all (its clock's ms; c 0). */
const evil = (j: number): Version =>
  ({
    entity: `trk-${j}`,
    kind: 'note',
    ts: { ms: T, c: 0, node: 'evil' },
    value: { n: PICKS[j] },
    seen: [],
  }) as unknown as Version;

const sumOf = (ids: readonly Uint8Array[]): Uint32Array => {
  const s = new Uint32Array(4);
  const t = new Uint32Array(4);
  for (const id of ids) {
    idMix(id, 0, t, 0);
    add128(s, 0, t, 0, s, 0);
  }
  return s;
};

describe('two clusters of one member’s versions with equal fingerprint sums', () => {
  it('are still found different by reconciliation', () => {
    const a = PICKS.slice(0, 64).map((_, j) => versionId(evil(j)));
    const b = PICKS.slice(64).map((_, j) => versionId(evil(64 + j)));
    // The crafted pair: 128 distinct ids, and the sums the fingerprints add up agree.
    expect(new Set([...a, ...b].map((id) => idKey(id))).size).toBe(128);
    expect([...sumOf(a)]).toEqual([...sumOf(b)]);

    // What both sides hold in common: honest versions written after (newer timestamps).
    const common = Array.from({ length: 4000 }, (_, i) => ({
      ts: T + 1000 + i * 250,
      id: new Uint8Array(createHash('sha256').update(`honest ${i}`).digest().subarray(0, 16)),
    }));
    const x = [...common, ...a.map((id) => ({ ts: T, id }))];
    const y = [...common, ...b.map((id) => ({ ts: T, id }))];
    // The two honest nodes' link session: its key comes from both hellos' fresh nonces.
    const key = fingerprintKeyOf(
      { node: 'honest-x' as NodeId, nonce: randomBytes(HANDSHAKE_NONCE_BYTES) },
      { node: 'honest-y' as NodeId, nonce: randomBytes(HANDSHAKE_NONCE_BYTES) },
    );
    const found = measureReconciliation(x, y, { key });
    // x holds the 64 of A that y lacks, y the 64 of B that x lacks.
    expect({ have: found.have.length, need: found.need.length + found.pushed.length }).toEqual({ have: 64, need: 64 });
  });
});
