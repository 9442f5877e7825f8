/**
 * Attack (session 25, `h25-attack`) on opens charged by the set's size (openCharge): a member opens
 * and aborts rounds in a loop on one link, as fast as it likes, against a set just at
 * RECONCILE_OPEN_MIN_ITEMS (where an open is cheapest: 1/16 of a whole one). Holds: every open is
 * charged before the whole-set pass, an abort refunds nothing, so the passes and pushes stay within
 * 12 × max(n, 65,536) items a minute after the burst, and at most 192 opens a minute are answered.
 * The bytes it draws per byte it sends are logged (each answered open pushes up to
 * PUSH_FLOOR_VERSIONS versions for an 8-byte open: the amplification docs/security.md accepts,
 * bounded in items by the allowance).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FingerprintKey } from '../../../src/core/reconcile/fingerprint';
import { Reconciler, SortedVectorStorage } from '../../../src/core/reconcile';
import {
  MessageType,
  RECONCILE_OPEN_BURST,
  RECONCILE_OPEN_FULL_ITEMS,
  RECONCILE_OPEN_MIN_ITEMS,
  RECONCILE_OPENS_PER_MINUTE,
} from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { Harness, pos, T0 } from '../node/mesh/scripted-peers';

afterEach(() => vi.restoreAllMocks());

describe('open/abort loop over a small set', () => {
  it('stays within the per-peer bound in items and opens a minute', async () => {
    const n = RECONCILE_OPEN_MIN_ITEMS;
    const h = await Harness.create('m');
    h.node.applyRemote(Array.from({ length: n }, (_, i): Version => pos(`e${i}`, 'w', T0 - 100_000 + i)));
    await h.node.flushed();
    const evil = h.peer('a');
    evil.hello();
    h.tick();
    const terms = vi.spyOn(FingerprintKey.prototype, 'term');
    const open = new Reconciler(new SortedVectorStorage([]), { key: evil.fingerprintKey() }).initiate();
    let replies = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    // 600 open + abort pairs over one minute (one every 100 ms).
    for (let i = 0; i < 600; i++) {
      evil.reset();
      const session = i + 1;
      evil.send({ type: MessageType.Reconcile, session, phase: 'open', payload: open });
      evil.send({ type: MessageType.Reconcile, session, phase: 'abort', payload: new Uint8Array(0) });
      bytesIn += 2 * (open.length + 8);
      h.tick(100);
      replies += evil.msgs().filter((x) => x.type === MessageType.Reconcile && x.phase === 'reply').length;
      bytesOut += evil.bytes();
    }
    const perOpen = RECONCILE_OPEN_FULL_ITEMS / n;
    console.log(
      `open/abort loop: 600 over ${n} items drew ${replies} replies, ${terms.mock.calls.length} AES terms, ` +
        `${bytesOut} B out for ${bytesIn} B in (${(bytesOut / bytesIn).toFixed(0)}×)`,
    );
    expect(replies).toBeLessThanOrEqual((RECONCILE_OPEN_BURST + RECONCILE_OPENS_PER_MINUTE) * perOpen);
    expect(replies).toBeLessThanOrEqual(RECONCILE_OPEN_BURST * perOpen + 192);
    expect(terms.mock.calls.length).toBeLessThanOrEqual(
      (RECONCILE_OPEN_BURST + RECONCILE_OPENS_PER_MINUTE) * RECONCILE_OPEN_FULL_ITEMS,
    );
    expect(h.mesh.securityStats().limitsHit.reconcileOpens).toBe(600 - replies);
  }, 120_000);
});
