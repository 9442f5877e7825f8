/**
 * Attack (session 15): one member's batch of roster ops costs the receiving node quadratic CPU.
 *
 * `gateVersions` (src/node/roster/membership-gate.ts:76-84) checks a batch's roster ops one at a
 * time, each against `now.with(op)`: a new RosterState whose merge copies every op held
 * (RosterState.withAll, roster-state.ts:55-66) and whose view, read by the next op's check
 * (`writtenAfterRemoval` → `removedAt` → `view`, `founded`, `known`), sorts every op held
 * (rosterView, roster-view.ts:30). K ops in one batch cost O(K · N log N). A member's roster ops
 * passed every per-author bound (they are new registers within its burst of 16,384, and any member's
 * op is taken: `known(author)`), and a `versions` frame may carry 16,384 of them. The docs
 * (docs/security.md, "The roster in the store") say a batch of ops costs one view.
 *
 * Fixed: the gate checks a batch's ops against one state and adds the accepted ones to it only when
 * one may change a later check (membership-gate.ts, changesChecks); and an author's ops past
 * MAX_ROSTER_OPS_PER_AUTHOR (1,024) are refused as `roster-op-limit`. The second case checks the
 * cost with 6,000 ops under the limit (six members). Asserted as views counted (at most one a
 * frame); the time is printed.
 */
import { describe, expect, it, vi } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { MAX_ROSTER_OPS_PER_AUTHOR } from '../../../src/core/roster/roster-op';
import { MAX_SYNC_FRAME_BYTES } from '../../../src/core/sync';
import { encodeVersions } from '../../../src/core/wire/encode';
import { testIdentity } from '../support/test-keys';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from '../node/roster/roster-harness';
import { openTestNode } from '../support/test-node';

// Counts how often the roster view (which orders every op held) is computed: the work a frame
// costs, asserted as a count (the time is printed, never asserted).
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

let n = 0;
/** The member's key in a scratch node: it signs `count` adds of made-up node ids. */
async function phantomAdds(name: string, from: number, count: number, now: () => number, base = 0): Promise<Version[]> {
  const me = testIdentity(name);
  const scratch = await openTestNode({
    identity: me,
    lattice: 'ops',
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    now,
    newId: () => `s${n++}`,
  });
  const out: Version[] = [];
  for (let i = 0; i < count; i++) {
    const member = (base + i + 1).toString(16).padStart(32, '0') as NodeId;
    const v = await scratch.writeRosterOp({ author: me.id, seq: i + 1, lamport: from + i, type: 'add', member });
    out.push(v!);
  }
  return out;
}

/** Delivers `ops` frame by frame (as many as fit in MAX_SYNC_FRAME_BYTES) and times each frame. */
function deliverInFrames(j: Awaited<ReturnType<typeof rosterNode>>, ops: readonly Version[], label: string) {
  const bytesPerOp = encodeVersions(ops.slice(0, 1_000)).length / Math.min(1_000, ops.length);
  const perFrame = Math.floor(MAX_SYNC_FRAME_BYTES / bytesPerOp);
  const frames: { ops: number; ms: number; views: number }[] = [];
  let taken = 0;
  const refused: Record<string, number> = {};
  for (let i = 0; i < ops.length; i += perFrame) {
    const frame = ops.slice(i, i + perFrame);
    const t0 = performance.now();
    const views0 = calls.views;
    const outcome = deliver(j, frame);
    frames.push({ ops: frame.length, ms: performance.now() - t0, views: calls.views - views0 });
    taken += outcome.accepted.length;
    for (const r of outcome.rejected) refused[r.reason] = (refused[r.reason] ?? 0) + 1;
  }
  const first = frames[0]!;
  const last = frames[frames.length - 1]!;
  const total = frames.reduce((s, f) => s + f.ms, 0);
  const bytes = ops.length * bytesPerOp;
  console.log(
    `${label}: ${bytesPerOp.toFixed(0)} B each, ${perFrame} per frame; ${ops.length} ops (${(bytes / 1024).toFixed(0)} KiB) in ` +
      `${frames.length} frames cost ${(total / 1000).toFixed(2)} s of gate+merge (${((total * 1000) / bytes).toFixed(2)} µs CPU per byte received); ` +
      `first frame ${first.ms.toFixed(0)} ms (${(first.ms / first.ops).toFixed(3)} ms/op), ` +
      `last ${last.ms.toFixed(0)} ms (${(last.ms / last.ops).toFixed(3)} ms/op); taken ${taken}, refused ${JSON.stringify(refused)}`,
  );
  return { frames, taken, refused };
}

describe('a member sends its roster ops in full frames', () => {
  it('gating one frame of a member’s roster ops costs about one view per frame, and ops past the per-author limit are refused', async () => {
    const clock = manualClock();
    const a = await rosterNode('rc-founder', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const x = await rosterNode('rc-member', clock, fakeDevice(), { invitation: token });
    expect(await a.roster.admit(x.id, token)).toEqual({ ok: true }); // a:2 add x, lamport 2

    const TOTAL = 6_000;
    // Signed after its admission, as a member's ops are (one stamped before it is without effect:
    // `before-admission`, docs/security.md "Ops written under a founding given up").
    clock.advance(1_000);
    const ops = await phantomAdds('rc-member', 3, TOTAL, clock.now);
    // A replica holding a's roster (a joiner, or a after a restart) gets them frame by frame.
    const { token: tj } = await a.roster.invite('https://app.example/');
    const j = await rosterNode('rc-joiner', clock, fakeDevice(), { invitation: tj });
    await a.roster.admit(j.id, tj);
    deliver(j, rosterVersions(a));
    const { frames, taken, refused } = deliverInFrames(j, ops, 'one member’s roster ops');
    // The limit (roster-op.ts): the member's first 1,024 ops are taken, every later one refused.
    expect(taken).toBe(MAX_ROSTER_OPS_PER_AUTHOR);
    expect(refused).toEqual({ 'roster-op-limit': TOTAL - MAX_ROSTER_OPS_PER_AUTHOR });
    expect((await j.roster.members()).members.length).toBe(3 + MAX_ROSTER_OPS_PER_AUTHOR);
    // Promise (docs/security.md, "The roster in the store": "a batch of ops costs one view, not one
    // per op"): one frame of ops costs about one view, i.e. well under a second here.
    for (const f of frames) expect(f.views).toBeLessThanOrEqual(1);
  }, 300_000);

  it('6,000 roster ops of six members, each under the limit, cost about one view per frame', async () => {
    const clock = manualClock();
    const a = await rosterNode('rc6-founder', clock);
    const members = [];
    for (let k = 0; k < 6; k++) {
      const { token } = await a.roster.invite('https://app.example/');
      const m = await rosterNode(`rc6-member-${k}`, clock, fakeDevice(), { invitation: token });
      expect(await a.roster.admit(m.id, token)).toEqual({ ok: true });
      members.push(m);
    }
    const { token: tj } = await a.roster.invite('https://app.example/');
    const j = await rosterNode('rc6-joiner', clock, fakeDevice(), { invitation: tj });
    await a.roster.admit(j.id, tj);
    deliver(j, rosterVersions(a));
    const PER = 1_000;
    clock.advance(1_000); // signed after their admissions, as members' ops are
    const each = await Promise.all(
      members.map((_, k) => phantomAdds(`rc6-member-${k}`, 9, PER, clock.now, (k + 1) * 1_000_000)),
    );
    // Interleaved, as anti-entropy would send them (by entity, not by author).
    const ops = Array.from({ length: PER }, (_, i) => each.map((e) => e[i]!)).flat();
    const { frames, taken } = deliverInFrames(j, ops, 'six members’ roster ops');
    expect(taken).toBe(6 * PER);
    expect((await j.roster.members()).members.length).toBe(8 + 6 * PER);
    for (const f of frames) expect(f.views).toBeLessThanOrEqual(1);
  }, 300_000);
});
