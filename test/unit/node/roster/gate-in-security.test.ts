/** The roster gate runs inside MeshSecurity.verify after the signature checks, counted in securityStats by reason. */
import { describe, expect, it } from 'vitest';
import type { VerifyVerdict } from '../../../../src/core/sync';
import { testIdentity, testSecurity } from '../../support/test-keys';
import { manualClock, rosterNode, versionsOf } from './roster-harness';

describe('the membership gate in MeshSecurity', () => {
  it('refuses a stranger’s verified write in a closed lattice: not charged to the link, asked for next round, counted', async () => {
    const clock = manualClock();
    const me = await rosterNode('gate-owner', clock);
    const stranger = await rosterNode('gate-stranger', clock);
    const security = await testSecurity('gate-owner', clock.now, 'hashed');
    await security.trust(testIdentity('gate-stranger').publicKey);
    security.gate = (versions) => me.roster.gate(versions);
    await stranger.node.create({ id: 'x', components: { threat: { level: 'LOW' } } });
    const verdict = await new Promise<VerifyVerdict>((resolve) =>
      security.verify(versionsOf(stranger, 'x'), stranger.id, (v) => resolve(v)),
    );
    expect(verdict.accepted).toEqual([]);
    expect(verdict.rejected.map((r) => [r.reason, r.penalise, r.later])).toEqual([
      ['not-a-member', false, 'next-round'],
    ]);
    expect(security.stats().rejected['not-a-member']).toBe(1);
    expect(security.stats().rejected['bad-signature']).toBe(0);
  });
});
