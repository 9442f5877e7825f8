/**
 * Attack (session 20, `attack20`): a member that reconnects cleanly, over and over, makes the node
 * recompute the keyed prefix sums of its whole reconciliation set on every reconnect, and gets a
 * fresh burst of reconcile opens each time.
 *
 * Sync protocol 10 keys range fingerprints per session (reconcile/fingerprint.ts: the AES-128 term
 * of every id under a key derived from both hellos' nonces, sync/fingerprint-key.ts). A new session
 * is a new key, and its first round sums the AES term of every item: ~28 ms at 100k items. The
 * opens a peer may make were limited per SESSION (Responder.opens: RECONCILE_OPEN_BURST, then
 * RECONCILE_OPENS_PER_MINUTE), and a clean close or a new link that replaces the old one ("replaced
 * by a new link") is not an invalid close, so InvalidBackoff never refuses the next link. A member
 * that loops "link, hello + proof, open one round, relink" costs us one Ed25519 check and a whole-set
 * AES pass (plus the round's reply and pushes) per loop, for a hello, a proof and a 4-byte open of
 * its own: nothing bounded the loops per node id over time.
 *
 * Fixed: MeshNode keeps the reconcile-open allowance per peer node id across its links
 * (open-allowances.ts), and each open is charged by the whole-set pass it causes (openCharge,
 * limits.ts): a set of RECONCILE_OPEN_FULL_ITEMS or more costs a whole open, so the passes of a
 * relinking member are bounded by RECONCILE_OPENS_PER_MINUTE; a smaller set costs a fraction, so
 * the AES terms it can make us compute are bounded in items, and an honest link that flaps over a
 * small set relinks without waiting (docs/security.md, "Per-link limits").
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FingerprintKey } from '../../../src/core/reconcile/fingerprint';
import { Reconciler, SortedVectorStorage } from '../../../src/core/reconcile';
import {
  MessageType,
  RECONCILE_OPEN_BURST,
  RECONCILE_OPEN_FULL_ITEMS,
  RECONCILE_OPENS_PER_MINUTE,
  type SyncMessage,
} from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { Harness, pos, T0 } from '../node/mesh/scripted-peers';

function stored(n: number): Version[] {
  return Array.from({ length: n }, (_, i) => pos(`e${i}`, 'w', T0 - 100_000 + i));
}

afterEach(() => vi.restoreAllMocks());

/**
 * Peer `a` (the initiator: a < m) relinks `loops` times, `everyMs` apart, opening one round each
 * time against a node holding `n` versions; returns the replies it drew, the opens refused and the
 * AES terms the node computed.
 */
async function relinks(n: number, loops: number, everyMs: number) {
  const h = await Harness.create('m');
  h.node.applyRemote(stored(n));
  await h.node.flushed();
  const terms = vi.spyOn(FingerprintKey.prototype, 'term');
  let replies = 0;
  for (let loop = 0; loop < loops; loop++) {
    const evil = h.peer('a'); // replaces the previous link: a clean close, no backoff
    evil.hello();
    h.tick();
    const open = new Reconciler(new SortedVectorStorage([]), { key: evil.fingerprintKey() }).initiate();
    const m: SyncMessage = { type: MessageType.Reconcile, session: 1, phase: 'open', payload: open };
    evil.send(m);
    h.tick(everyMs - 50);
    replies += evil.msgs().filter((x) => x.type === MessageType.Reconcile && x.phase === 'reply').length;
  }
  return { replies, refused: h.mesh.securityStats().limitsHit.reconcileOpens, terms: terms.mock.calls.length };
}

describe('reconnect loop against the keyed reconciliation', () => {
  it('a member relinking in a loop over a large set gets no more whole-set passes than one allowance', async () => {
    const n = RECONCILE_OPEN_FULL_ITEMS;
    const r = await relinks(n, 20, 50);
    const passes = r.terms / n;
    console.log(
      `reconnect loop: 20 relinks over ${n} items drew ${r.replies} replies and ${passes.toFixed(1)} whole-set AES passes`,
    );
    // One member's opens, across its links, within about a second: no more than one burst.
    expect(r.replies).toBeLessThanOrEqual(RECONCILE_OPEN_BURST);
    expect(passes).toBeLessThanOrEqual(RECONCILE_OPEN_BURST + 1);
    expect(r.refused).toBeGreaterThanOrEqual(20 - RECONCILE_OPEN_BURST);
  }, 60_000);

  it('a member relinking every 2 s over a small set is answered every time, its AES terms bounded in items', async () => {
    const n = 3_000; // enough for the first round to sum fingerprints (a few hundred go as ids)
    const r = await relinks(n, 30, 2_000);
    console.log(
      `reconnect loop: 30 relinks in a minute over ${n} items drew ${r.replies} replies, ${r.terms} AES terms`,
    );
    // Before, one whole open each: the burst, then one per 5 s (18 of 30 answered in the minute).
    expect(r.replies).toBe(30);
    expect(r.refused).toBe(0);
    // Each open a whole-set pass of the new session's key (terms of every item)...
    expect(r.terms).toBeGreaterThanOrEqual(30 * n);
    // ...within what a minute of opens may cost in items (limits.ts): 12 whole opens' worth after the burst.
    expect(r.terms).toBeLessThanOrEqual(
      (RECONCILE_OPEN_BURST + RECONCILE_OPENS_PER_MINUTE) * RECONCILE_OPEN_FULL_ITEMS,
    );
  });

  it('a member relinking every 2 s over a large set is still refused past its allowance', async () => {
    const n = RECONCILE_OPEN_FULL_ITEMS;
    const r = await relinks(n, 30, 2_000);
    console.log(
      `reconnect loop: 30 relinks in a minute over ${n} items drew ${r.replies} replies (${r.refused} refused)`,
    );
    // The burst, then one whole open per 5 s over the 58 s between the first open and the last.
    expect(r.replies).toBeLessThanOrEqual(RECONCILE_OPEN_BURST + Math.floor((58 * RECONCILE_OPENS_PER_MINUTE) / 60));
    expect(r.refused).toBe(30 - r.replies);
    expect(r.terms / n).toBeLessThanOrEqual(r.replies + 1);
  }, 60_000);
});
