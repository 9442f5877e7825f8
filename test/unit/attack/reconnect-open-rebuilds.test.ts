/**
 * Attack (session 20, `attack20`): a member that reconnects cleanly, over and over, makes the node
 * recompute the keyed prefix sums of its whole reconciliation set on every reconnect, and gets a
 * fresh burst of reconcile opens each time.
 *
 * Sync protocol 10 keys range fingerprints per session (reconcile/fingerprint.ts: the AES-128 term
 * of every id under a key derived from both hellos' nonces, sync/fingerprint-key.ts). A new session
 * is a new key, and its first round sums the AES term of every item: ~28 ms at 100k items. The
 * opens a peer may make are limited per SESSION (Responder.opens: RECONCILE_OPEN_BURST, then
 * RECONCILE_OPENS_PER_MINUTE), and a clean close or a new link that replaces the old one ("replaced
 * by a new link") is not an invalid close, so InvalidBackoff never refuses the next link. A member
 * that loops "link, hello + proof, open one round, relink" costs us one Ed25519 check and a whole-set
 * AES pass (plus the round's reply and pushes) per loop, for a hello, a proof and a 4-byte open of
 * its own: nothing bounds the loops per node id over time.
 *
 * Here peer `a` (the initiator: a < m) relinks 20 times within a second, opening one round each
 * time. On main every loop recomputes all N terms and is answered (20 replies, ~20·N AES terms).
 * Suggested fix: keep the reconcile-open token bucket per peer node id in MeshNode across its
 * links (as InvalidBackoff is kept), so reconnects share one budget; the whole-set passes are then
 * bounded by RECONCILE_OPENS_PER_MINUTE per member, as the per-session limit already intends.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FingerprintKey } from '../../../src/core/reconcile/fingerprint';
import { Reconciler, SortedVectorStorage } from '../../../src/core/reconcile';
import { MessageType, RECONCILE_OPEN_BURST, type SyncMessage } from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { Harness, pos, T0 } from '../node/mesh/scripted-peers';

const N = 3_000;
const LOOPS = 20;

function stored(n: number): Version[] {
  return Array.from({ length: n }, (_, i) => pos(`e${i}`, 'w', T0 - 100_000 + i));
}

afterEach(() => vi.restoreAllMocks());

describe('reconnect loop against the keyed reconciliation', () => {
  it('a member relinking in a loop gets no more whole-set passes than one session would', async () => {
    const h = await Harness.create('m');
    h.node.applyRemote(stored(N));
    await h.node.flushed();
    const terms = vi.spyOn(FingerprintKey.prototype, 'term');
    let replies = 0;
    for (let loop = 0; loop < LOOPS; loop++) {
      const evil = h.peer('a'); // replaces the previous link: a clean close, no backoff
      evil.hello();
      h.tick();
      const open = new Reconciler(new SortedVectorStorage([]), { key: evil.fingerprintKey() }).initiate();
      const m: SyncMessage = { type: MessageType.Reconcile, session: 1, phase: 'open', payload: open };
      evil.send(m);
      h.tick();
      replies += evil.msgs().filter((x) => x.type === MessageType.Reconcile && x.phase === 'reply').length;
    }
    const passes = terms.mock.calls.length / N;
    console.log(
      `reconnect loop: ${LOOPS} relinks drew ${replies} replies and ${passes.toFixed(1)} whole-set AES passes`,
    );
    // One member's opens, across its links, within about a second: no more than one burst.
    expect(replies).toBeLessThanOrEqual(RECONCILE_OPEN_BURST);
    expect(passes).toBeLessThanOrEqual(RECONCILE_OPEN_BURST + 1);
  });
});
