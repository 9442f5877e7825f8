/**
 * Hostile-peer attack on the verified-versions cache (core/signing/verified-versions.ts): until
 * sync protocol 9 a version's reconciliation id (sync/version-id.ts) was MurmurHash3 x86_128, in
 * which a forged content with the id of an honest, already-verified version is found in
 * milliseconds (support/murmur-collide.ts). When the cache remembered versions by that id, mallory
 * could copy alice's signature onto the forgery and m took it from the cache with no Ed25519
 * check, merged it (the forged content sorts first, compareContent) and reconciliation never
 * repaired it. The cache compares the exact signed bytes and signature; the id is now SHA-256.
 */
import { describe, expect, it } from 'vitest';
import { canonicalContent } from '../../../src/core/merge/version-content';
import { encodeMessage, MessageType } from '../../../src/core/sync';
import { idKey, versionId } from '../../../src/core/sync/version-id';
import { encodeVersions } from '../../../src/core/wire';
import { collide, murmurId } from '../support/murmur-collide';
import { signNow, testIdentity } from '../support/test-keys';
import { T0, versionsFrame } from '../node/mesh/scripted-peers';
import { note, scene } from './attack-scene';

describe('attack: the verified-versions cache', () => {
  it('a forged content with the Murmur id of alice’s verified write is verified and refused, not taken from the cache', async () => {
    const { h, alice, mallory, honest } = await scene();

    const real = signNow(
      testIdentity('a'),
      note('t1', 'a', T0 - 1000, 'hold position, do not engage the convoy until ordered'),
    );
    alice.send(versionsFrame([real], true));
    h.tick();
    expect((await h.node.heads('t1', 'zz_note')).map((v) => (v.value as { text: string }).text)).toEqual([
      'hold position, do not engage the convoy until ordered',
    ]);
    honest.reset();

    const forged = { ...collide(real, 'ENGAGE'), sig: real.sig };
    expect(canonicalContent(forged)).not.toBe(canonicalContent(real));
    // The two shared an id until sync protocol 9 (MurmurHash3); they no longer do (SHA-256).
    expect(murmurId(forged)).toBe(murmurId(real));
    expect(idKey(versionId(forged))).not.toBe(idKey(versionId(real)));

    const checkedBefore = h.mesh.securityStats().checked;
    mallory.handler.receive(
      encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions([forged]) }),
    );
    h.tick();

    // What security requires (FAILS today): the forged content is checked against alice's key and
    // refused, and alice's entity keeps her text. Today m makes no verification at all (a cache
    // hit), refuses nothing, and alice's entity shows mallory's 'ENGAGE…' text in alice's name,
    // with the honest version's reconciliation id, so anti-entropy never repairs it.
    const stats = h.mesh.securityStats();
    const texts = (await h.node.heads('t1', 'zz_note')).map((v) => (v.value as { text: string }).text);
    expect(texts).toEqual(['hold position, do not engage the convoy until ordered']);
    expect(stats.rejected['bad-signature']).toBe(1);
    expect(stats.checked).toBeGreaterThan(checkedBefore);
  });
});
