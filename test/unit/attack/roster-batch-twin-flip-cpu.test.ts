/**
 * Attack (session 16, the batch gate's replaceChangesChecks): "a twin in place of an op that takes
 * effect" joins the batch's state at once, a roster copy and a view each (membership-gate.ts
 * replaceChangesChecks). docs/security.md ("The roster in the store") bounds that by "an author has
 * at most MAX_ROSTER_OPS_PER_AUTHOR ids, each taking one version per batch that counts", but a
 * register takes any number of its author's versions in one batch as long as each is stamped later
 * than the last (same author: the later dominates, version.ts). So one member's batch of 1,000
 * twins of one op, flipping its content each time, costs a view of the whole roster per version.
 * Asserted as views counted; the time is printed.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { Version } from '../../../src/core/merge/version';
import { testIdentity } from '../support/test-keys';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from '../node/roster/roster-harness';
import { openTestNode } from '../support/test-node';

// Counts how often the roster view (which orders every op held) is computed.
const calls = vi.hoisted(() => ({ views: 0 }));
vi.mock('../../../src/core/roster/roster-anchor', async (original) => {
  const actual = await original<typeof import('../../../src/core/roster/roster-anchor')>();
  return {
    ...actual,
    anchoredView: (...args: Parameters<typeof actual.anchoredView>) => {
      calls.views++;
      return actual.anchoredView(...args);
    },
  };
});

describe('a member’s batch of twins of one of its ops, each later than the last', () => {
  beforeEach(() => {
    calls.views = 0;
  });

  it('costs the gate a few views, not one per version', async () => {
    const clock = manualClock();
    const a = await rosterNode('tf-founder', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const x = await rosterNode('tf-member', clock, fakeDevice(), { invitation: token });
    expect(await a.roster.admit(x.id, token)).toEqual({ ok: true });
    const { token: tv } = await a.roster.invite('https://app.example/');
    const v = await rosterNode('tf-victim', clock, fakeDevice(), { invitation: tv });
    expect(await a.roster.admit(v.id, tv)).toEqual({ ok: true });
    deliver(v, rosterVersions(a));
    const me = testIdentity('tf-member');
    const xs = await openTestNode({
      identity: me,
      lattice: 'ops',
      storage: new MemoryStorage({ backing: createMemoryBacking() }),
      now: clock.now,
    });
    // A roster of a field team's years: x's 1,000 admissions of the founder (each takes effect).
    const ops: Version[] = [];
    for (let i = 1; i <= 1_000; i++)
      ops.push((await xs.writeRosterOp({ author: x.id, seq: i, lamport: 10 + i, type: 'add', member: a.id }))!);
    expect(deliver(v, ops).rejected).toEqual([]);
    // Then one batch: x's last op written again 1,000 times, its member flipping (founder, victim).
    const twins: Version[] = [];
    for (let k = 0; k < 1_000; k++) {
      clock.advance(1);
      const member = k % 2 === 0 ? v.id : a.id;
      twins.push((await xs.writeRosterOp({ author: x.id, seq: 1_000, lamport: 1_010, type: 'add', member }))!);
    }
    calls.views = 0;
    const t0 = performance.now();
    const out = v.roster.gate(twins);
    const gateMs = performance.now() - t0;
    const views = calls.views;
    v.node.applyRemote(out.accepted);
    console.log(
      `1,000 twins of one op in one batch over a 1,003-op roster: accepted ${out.accepted.length}, ` +
        `gate ${views} views, ${gateMs.toFixed(0)} ms`,
    );
    expect(out.rejected).toEqual([]);
    expect(views).toBeLessThanOrEqual(4);
  }, 600_000);
});
