/**
 * Attack (session 20, `attack20`): a responder peer drives our initiator's rounds as fast as it
 * likes with `request`, past the failure backoff, and each round recomputes the whole set's keyed
 * prefix sums when the peer has moved one early item of the set.
 *
 * The node is the initiator of a link to a peer whose id sorts after ours. A `request` from that
 * peer (AntiEntropy.onReconcile, ReconcilePhase.Request) calls Initiator.syncNow, which sets
 * nextSyncAt = now: a round starts at once, whatever backoff a failed round set (Initiator.fail).
 * Reconcile opens are rate-limited only in the other direction (Responder.opens,
 * RECONCILE_OPENS_PER_MINUTE, for opens the PEER makes). So the peer loops: abort our round, send
 * `request`, and we open another. Since sync protocol 10 each round's first fingerprint sums the
 * AES-128 term of the items under the session key (reconcile/fingerprint.ts), and a snapshot reuses
 * its predecessor's sums only up to the first item that changed (SlotVectorStorage.rebuilt). The
 * peer changes the FIRST item of the set each time at the cost of one version of its own: it keeps
 * one register dated before everything we hold and updates it (the new version replaces the old one
 * at the front of the order). Every round is then a whole-set AES pass: ~28 ms at 100k items
 * (fingerprint.ts), per `abort, versions, request` of a few dozen bytes.
 *
 * On main: one whole-set pass and one open per loop. Suggested fix: treat `request` as a hint that
 * keeps the failure backoff (nextSyncAt = max(now, backoff)) and rate-limit it like opens
 * (a token bucket per link or per peer id); and/or keep per-key prefix sums robust to front edits
 * (e.g. a Fenwick tree of terms per key, O(log n) per changed item instead of a rebuild from it).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FingerprintKey } from '../../../src/core/reconcile/fingerprint';
import { MessageType, ReconcilePhase, type SyncMessage } from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { Harness, pos, T0, versionsFrame, type Peer } from '../node/mesh/scripted-peers';

const N = 3_000;
const LOOPS = 20;

function stored(n: number): Version[] {
  return Array.from({ length: n }, (_, i) => pos(`e${i}`, 'w', T0 - 100_000 + i));
}

const opens = (p: Peer): number[] =>
  p.msgs().flatMap((m) => (m.type === MessageType.Reconcile && m.phase === ReconcilePhase.Open ? [m.session] : []));

afterEach(() => vi.restoreAllMocks());

describe('request-driven initiator rounds', () => {
  it('a responder peer cannot make us open rounds back to back, past the backoff, each a whole-set pass', async () => {
    const h = await Harness.create('m');
    h.node.applyRemote(stored(N));
    await h.node.flushed();
    const evil = h.peer('z'); // m < z: the node is the initiator
    evil.hello();
    h.tick();
    expect(opens(evil).length).toBe(1); // the handshake's first round
    const terms = vi.spyOn(FingerprintKey.prototype, 'term');
    for (let loop = 0; loop < LOOPS; loop++) {
      // One version of its own register, dated before every item we hold: the set's first item changes.
      evil.send(versionsFrame([pos('front', 'z', T0 - 200_000 + loop)], true));
      const round = opens(evil).at(-1)!;
      const abort: SyncMessage = {
        type: MessageType.Reconcile,
        session: round,
        phase: ReconcilePhase.Abort,
        payload: new Uint8Array(0),
      };
      evil.send(abort);
      const request: SyncMessage = {
        type: MessageType.Reconcile,
        session: 0,
        phase: ReconcilePhase.Request,
        payload: new Uint8Array(0),
      };
      evil.send(request);
      h.tick(10);
    }
    const rounds = opens(evil).length - 1;
    const passes = terms.mock.calls.length / N;
    console.log(
      `request loop: ${LOOPS} aborts + requests in ${LOOPS * 10} ms drew ${rounds} rounds, ${passes.toFixed(1)} whole-set AES passes`,
    );
    // Our rounds after failures back off; a peer's requests must not open them faster than a handful.
    expect(rounds).toBeLessThanOrEqual(3);
    expect(passes).toBeLessThanOrEqual(3);
  });
});
