/**
 * The precheck before the signature check (docs/security.md, "New registers per author"): versions
 * it has not verified never count against an honest one, and what it refuses is set aside on the
 * sending link only, never held back from every peer.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { versionId } from '../../../src/core/sync/version-id';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { signNow, testIdentity } from '../support/test-keys';
import { note, scene } from './attack-scene';

const of = (v: Version, kind: string): Version => ({ ...v, kind: kind as ComponentKind });
const small = { registerLimits: { burst: 10, ratePerSecond: 0.01, maxAuthors: 4096 } };

describe('attack suite: junk ahead of an honest new entity in a relay’s batch', () => {
  it('the honest version passes, and the junk is held back on the relay’s link alone', async () => {
    const s = await scene(small);
    // Mallory spends its own bucket: from now on its new registers are refused by the precheck.
    s.mallory.send(
      versionsFrame(
        Array.from({ length: 10 }, (_, i) => note(`f${i}`, 'x', T0 - 5000, '')),
        true,
      ),
    );
    s.h.tick(0);
    const v = signNow(testIdentity('a'), of(note('newtrack', 'a', T0 - 1000, 'real'), 'zz_pos'));
    // 32 junk versions "by x" with garbage signatures (a's key), earlier on the same entity, then v.
    const junk = Array.from({ length: 32 }, (_, i) =>
      signNow(testIdentity('a'), of(note('newtrack', 'x', T0 - 2000, 'p'), `zz_p${i}`)),
    );
    const checked = s.h.mesh.securityStats().checked;
    s.mallory.send(versionsFrame([...junk, v], true));
    s.h.tick(0);
    expect(await s.h.node.get('newtrack')).toBeDefined();
    expect(s.h.mesh.securityStats().checked - checked).toBe(1); // v alone was verified
    expect(s.h.mesh.securityStats().rejected['entity-limit']).toBe(32);
    const index = (s.h.mesh as unknown as { index: { isHeldBack(id: Uint8Array, now: number): boolean } }).index;
    // Not held back from every peer: a genuine copy of a junk id could still come by another link.
    expect(junk.some((j) => index.isHeldBack(versionId(j), T0))).toBe(false);
  });

  it('a relay whose author can pay gets its junk checked and is charged for the bad signatures', async () => {
    const s = await scene();
    const v = signNow(testIdentity('a'), of(note('newtrack', 'a', T0 - 1000, 'real'), 'zz_pos'));
    const junk = Array.from({ length: 32 }, (_, i) =>
      signNow(testIdentity('a'), of(note('newtrack', 'x', T0 - 2000, 'p'), `zz_p${i}`)),
    );
    s.mallory.send(versionsFrame([...junk, v], true));
    s.h.tick(0);
    expect(await s.h.node.get('newtrack')).toBeDefined();
    expect(s.h.mesh.securityStats().rejected['kinds-per-entity'] ?? 0).toBe(0);
    expect(s.h.mesh.securityStats().rejected['bad-signature']).toBeGreaterThan(0);
  });
});
