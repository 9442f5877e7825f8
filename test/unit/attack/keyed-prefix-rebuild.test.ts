/**
 * Attack (session 20, `attack20`): keyed prefix sums are rebuilt in full on every round of a node
 * with two or more links while anything is written between rounds.
 *
 * Sync protocol 10 keys each range fingerprint's terms per session (term_k(id) = AES-128_k(id),
 * reconcile/fingerprint.ts), so the sync index's snapshot (SlotVectorStorage) keeps its prefix
 * sums per key, and a snapshot rebuilt from the previous one is meant to start each key's sums
 * "from the previous snapshot's up to the first item that changed (new versions mostly land at the
 * end)". It inherits from the IMMEDIATELY previous snapshot only. The sync index (SyncIndex.storage)
 * makes a snapshot lazily, when some session asks for one after a change; a node with links A and
 * B, with writes arriving between rounds (its own tracks, any member's, or versions a peer pushes
 * for this purpose), gives A's round snapshot S2 and B's round snapshot S3: S3 inherits S2's sums,
 * which hold A's key but not B's, so B's round recomputes the AES term of every item in the set —
 * ~28 ms at 100k items (fingerprint.ts), although one item was appended at the end. Every link's
 * every round is then a whole-set rebuild, and a member can trigger them at will: a write of its
 * own between each pair of rounds, plus opens (RECONCILE_OPEN_BURST per session, and a clean
 * reconnect — no InvalidBackoff — is a new session, a new key, a new burst and a new full rebuild).
 *
 * This test builds the snapshots the sync index would build (one append between rounds of two
 * sessions) and counts the AES terms B's round computes. On main it computes all n of them.
 * Suggested fix: let a snapshot inherit each key's sums from the newest ancestor that holds them,
 * with the lowest changed position since then (e.g. carry `inherit` along the chain as a per-key
 * map of {sums, blocks = min over the hops}), or refresh every live key's sums when a snapshot is
 * made; a per-session cost bound (opens per link across reconnects of one node id) also helps.
 */
import { describe, expect, it } from 'vitest';
import { FingerprintKey } from '../../../src/core/reconcile/fingerprint';
import { SlotVectorStorage, type SlotItem } from '../../../src/core/reconcile/slot-vector-storage';

/** A session key that counts the terms computed under it. */
class CountingKey extends FingerprintKey {
  terms = 0;
  override term(bytes: Uint8Array, off: number, out: Uint32Array, oOff: number): void {
    this.terms++;
    super.term(bytes, off, out, oOff);
  }
}

const N = 4096;

function ids(n: number): { bytes: Uint8Array; words: Uint32Array } {
  const bytes = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) {
    bytes[i * 16] = i & 0xff;
    bytes[i * 16 + 1] = (i >> 8) & 0xff;
    bytes[i * 16 + 2] = 0x5a;
  }
  return { bytes, words: new Uint32Array(bytes.buffer) };
}

describe('keyed prefix sums across the sync index snapshots of two sessions', () => {
  it('a round after one appended item recomputes a bounded number of terms, whichever session ran last', () => {
    const table = ids(N + 2);
    const items: SlotItem[] = Array.from({ length: N }, (_, slot) => ({ ts: 1_000 + slot, slot }));
    const a = new CountingKey(new Uint8Array(16).fill(1));
    const b = new CountingKey(new Uint8Array(16).fill(2));

    // Both links' first rounds on snapshot S1: each key's sums are built once (expected).
    const s1 = SlotVectorStorage.rebuilt(SlotVectorStorage.empty(), [], items, table);
    s1.fingerprint(a, 0, s1.size);
    s1.fingerprint(b, 0, s1.size);

    // A write lands at the end; link A's round asks for a snapshot (S2): A's sums are inherited.
    const s2 = SlotVectorStorage.rebuilt(s1, [], [{ ts: 1_000 + N, slot: N }], table);
    a.terms = 0;
    s2.fingerprint(a, 0, s2.size);
    expect(a.terms).toBeLessThan(32);

    // Another write at the end; link B's round asks for a snapshot (S3).
    const s3 = SlotVectorStorage.rebuilt(s2, [], [{ ts: 1_001 + N, slot: N + 1 }], table);
    b.terms = 0;
    s3.fingerprint(b, 0, s3.size);
    // On main: b.terms === N + 2 (every item's AES term again: S2 never held B's sums).
    expect(b.terms).toBeLessThan(32);
  });
});
