/**
 * Issue 8 ("a damaged database never bricks a node") with issue 12's roster: a node opens with its
 * stored proofs unchecked (LatticeNode.storedChecked, docs/security.md "Stored proofs on load"),
 * and the roster's cut-offs read from storage take nothing out before the check has run. Before, a
 * stored removal whose clock was damaged (its proof then fails) cut, at open, the intact write its
 * member made after that clock: the check then set the removal aside and the member stood again,
 * but its write was gone from the store and from storage, until a peer served it again.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../../src/adapters/memory-storage';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import type { Version } from '../../../../src/core/merge/version';
import { RosterService } from '../../../../src/node/roster/roster-service';
import { MeshSecurity } from '../../../../src/node/security/mesh-security';
import { versionKey } from '../../../../src/ports/storage';
import { testIdentity } from '../../support/test-keys';
import { deliver, fakeDevice, invitedNode, manualClock, rosterNode, rosterVersions } from './roster-harness';
import { openTestNode } from '../../support/test-node';

describe('cut-offs read from storage wait for the stored proofs to be checked', () => {
  it('a damaged stored removal takes out none of its member’s intact writes', async () => {
    const clock = manualClock();
    const device = fakeDevice();
    const a = await rosterNode('sc-founder', clock, device);
    const y = await invitedNode(a, 'sc-member', clock);
    clock.advance(20);
    await y.node.create({ id: 'trk-y', components: { speed: { kts: 3 } } });
    const write = [...y.node.versions()].find((v) => v.entity === 'trk-y')!;
    expect(deliver(a, [write]).accepted).toHaveLength(1);
    clock.advance(60_000);
    await a.roster.removeMember(y.id);
    await a.node.flushed();
    const remove = rosterVersions(a).find((v) => (v.value as { type?: string }).type === 'remove')!;
    expect(remove).toBeDefined();
    a.roster.close();
    await a.node.close();

    // The disk reads the removal back with an earlier clock: before y's write. Its proof fails.
    const key = versionKey(remove);
    const stored = a.backing.versions.get(key)!;
    a.backing.versions.set(key, { ...stored, ts: { ...stored.ts, ms: write.ts.ms - 5 } } as Version);

    const me = testIdentity('sc-founder');
    const security = await MeshSecurity.create({
      self: me.id,
      publicKey: me.publicKey,
      crypto: webCryptoVerifier(),
      signer: me.signer,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      now: clock.now,
      stored: [me.publicKey, testIdentity('sc-member').publicKey],
    });
    let n = 0;
    const node = await openTestNode({
      identity: me,
      lattice: 'ops',
      storage: new MemoryStorage({ backing: a.backing }),
      now: clock.now,
      newId: () => `r${n++}`,
      checkStored: (vs) => security.verifier.checkStored(vs),
    });
    const roster = await RosterService.open({
      host: node,
      device,
      now: clock.now,
      randomBytes: (k) => new Uint8Array(randomBytes(k)),
    });
    await node.storedChecked();
    await node.flushed();
    expect((await node.stats()).rejected['damaged-in-storage']).toBe(1);
    expect((await roster.members()).members.map((m) => m.id)).toContain(y.id);
    expect((await node.get('trk-y'))?.components.speed).toEqual({ kts: 3 });
    expect(a.backing.versions.has(versionKey(write))).toBe(true);
    roster.close();
    await node.close();
  });
});
