/**
 * Attack (session 15): one member's batch of roster ops costs the receiving node quadratic CPU.
 *
 * `gateVersions` (src/node/roster/membership-gate.ts:76-84) checks a batch's roster ops one at a
 * time, each against `now.with(op)`: a new RosterState whose merge copies every op held
 * (RosterState.withAll, roster-state.ts:55-66) and whose view, read by the next op's check
 * (`writtenAfterRemoval` → `removedAt` → `view`, `founded`, `known`), sorts every op held
 * (rosterView, roster-view.ts:30). K ops in one batch cost O(K · N log N). A member's roster ops
 * pass every per-author bound (they are new registers within its burst of 16,384, and any member's
 * op is taken: `known(author)`), and a `versions` frame may carry 16,384 of them. The docs
 * (docs/security.md, "The roster in the store") say a batch of ops costs one view.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { Version } from '../../../src/core/merge/version';
import { MAX_SYNC_FRAME_BYTES } from '../../../src/core/sync';
import { encodeVersions } from '../../../src/core/wire/encode';
import { LatticeNode } from '../../../src/node/lattice-node';
import { testIdentity } from '../support/test-keys';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from '../node/roster/roster-harness';

let n = 0;
/** The member's key in a scratch node: it signs `count` adds of made-up node ids. */
async function phantomAdds(name: string, from: number, count: number, now: () => number): Promise<Version[]> {
  const me = testIdentity(name);
  const scratch = await LatticeNode.open({
    nodeId: me.id,
    lattice: 'ops',
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    backend: 'memory',
    now,
    newId: () => `s${n++}`,
    scheduleChanges: (fn) => queueMicrotask(fn),
    signer: me.signer,
  });
  const out: Version[] = [];
  for (let i = 0; i < count; i++) {
    const member = (i + 1).toString(16).padStart(32, '0');
    const v = await scratch.writeRosterOp({ author: me.id, seq: i + 1, lamport: from + i, type: 'add', member });
    out.push(v!);
  }
  return out;
}

describe('a member sends its roster ops in full frames', () => {
  it('gating one frame of a member’s roster ops costs about one view per frame, whatever the frame and the ops held', async () => {
    const clock = manualClock();
    const a = await rosterNode('rc-founder', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const x = await rosterNode('rc-member', clock, fakeDevice(), { invitation: token });
    expect(await a.roster.admit(x.id, token)).toEqual({ ok: true }); // a:2 add x, lamport 2

    const TOTAL = 6_000;
    const ops = await phantomAdds('rc-member', 3, TOTAL, clock.now);
    // As many as fit in one frame (MAX_SYNC_FRAME_BYTES; the framer packs up to 16,384 versions).
    const bytesPerOp = encodeVersions(ops.slice(0, 1_000)).length / 1_000;
    const perFrame = Math.floor(MAX_SYNC_FRAME_BYTES / bytesPerOp);
    // A replica holding a's roster (a joiner, or a after a restart) gets them frame by frame.
    const { token: tj } = await a.roster.invite('https://app.example/');
    const j = await rosterNode('rc-joiner', clock, fakeDevice(), { invitation: tj });
    await a.roster.admit(j.id, tj);
    deliver(j, rosterVersions(a));
    const frames: { ops: number; ms: number }[] = [];
    let taken = 0;
    for (let i = 0; i < TOTAL; i += perFrame) {
      const frame = ops.slice(i, i + perFrame);
      const t0 = performance.now();
      taken += deliver(j, frame).accepted.length;
      frames.push({ ops: frame.length, ms: performance.now() - t0 });
    }
    const first = frames[0]!;
    const last = frames[frames.length - 1]!;
    const total = frames.reduce((s, f) => s + f.ms, 0);
    const bytes = TOTAL * bytesPerOp;
    console.log(
      `roster ops: ${bytesPerOp.toFixed(0)} B each, ${perFrame} per frame; ${TOTAL} ops (${(bytes / 1024).toFixed(0)} KiB) in ` +
        `${frames.length} frames cost ${(total / 1000).toFixed(1)} s of gate+merge (${((total * 1000) / bytes).toFixed(1)} µs CPU per byte received); ` +
        `first frame ${first.ms.toFixed(0)} ms (${(first.ms / first.ops).toFixed(2)} ms/op), ` +
        `last ${last.ms.toFixed(0)} ms (${(last.ms / last.ops).toFixed(2)} ms/op)`,
    );
    expect(taken).toBe(TOTAL);
    // Promise (docs/security.md, "The roster in the store": "a batch of ops costs one view, not one
    // per op"): one frame of ops costs about one view, i.e. well under a second here.
    expect(first.ms).toBeLessThan(250);
    expect(last.ms).toBeLessThan(250);
  }, 300_000);
});
