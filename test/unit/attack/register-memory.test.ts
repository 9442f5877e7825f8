/**
 * What one member can make a node hold (docs/security.md, "New registers per author"), with the
 * node's default limits: a member floods new registers over its own link, in legal frames of whole
 * signed batches. The victim holds at most the author's share of NODE_REGISTER_BUDGET and its
 * NEW_REGISTER_BURST (49,152, ~123 MB at REGISTER_HEAP_BYTES) plus the rate; the rest is refused as `entity-limit`, counted and logged, not
 * charged to any link (an honest sensor's first sync goes over the bound too); an honest author's writes still land; and
 * what was refused of an honest author arrives by anti-entropy once the hold-back ran out.
 * Before (NEW_REGISTER_BURST = 100,000) the whole flood was held: ~75 MB for these 30,000.
 */
import { describe, expect, it, vi } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { encodeMessage } from '../../../src/core/sync';
import {
  NODE_REGISTER_BUDGET,
  OPEN_LATTICE_SHARERS,
  NEW_REGISTER_BURST,
  NEW_REGISTERS_PER_SECOND,
  REGISTER_HEAP_BYTES,
} from '../../../src/node/security/new-entity-limit';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { Harness, pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { syncSigner, testIdentity } from '../support/test-keys';

// The flood comes in one instant over one link, so the link's pace (MAX_VERSIONS_APPLIED_PER_SECOND
// after APPLIED_BURST, applied-rate.test.ts) would hold most of it back: lifted here, so that what
// binds is the bound on new registers this file is about.
vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1e9,
  APPLIED_BURST: 1e9,
}));

/**
 * What one author may make a node hold at once: its share of the node budget (an open lattice: a
 * quarter) and its burst, ~123 MB at REGISTER_HEAP_BYTES (docs/security.md): what an honest
 * member's first sync of a large picture needs too.
 */
const BOUND = NODE_REGISTER_BUDGET / OPEN_LATTICE_SHARERS + NEW_REGISTER_BURST;
const AFFORDABLE_BYTES = 128 * 1024 * 1024;
const FLOOD = 60_000;
const PER_FRAME = 2_000;

describe('attack suite: the memory one member can make a node hold', () => {
  it('holds a member’s flood of new registers to its burst, refuses and counts the rest without charging a link, and serves an honest author', async () => {
    const h = await Harness.create('m');
    const evil = h.peer('x');
    evil.hello();
    const alice = h.peer('a');
    alice.hello();
    h.tick();
    for (let f = 0; f * PER_FRAME < FLOOD; f++) {
      const tiny = Array.from({ length: PER_FRAME }, (_, i) =>
        pos(`x${f}-${i}`, 'x', T0 - 100_000 + f * PER_FRAME + i),
      );
      const frame = versionsFrame(await signedBatch(syncSigner(testIdentity('x')), 'x' as NodeId, tiny), true);
      evil.handler.receive(encodeMessage(frame));
      h.tick(0);
    }
    const held = [...h.node.versions()].filter((v) => v.ts.node === 'x').length;
    // No time passed: the burst, not a version more.
    expect(held).toBe(BOUND);
    expect(held * REGISTER_HEAP_BYTES).toBeLessThanOrEqual(AFFORDABLE_BYTES);
    const stats = h.mesh.securityStats();
    expect(stats.rejected['entity-limit']).toBe(FLOOD - BOUND);
    expect(stats.newRegistersRefused).toBe(FLOOD - BOUND);
    expect(h.logs.some((l) => l.includes('versions of new registers from x') && l.includes('MB of heap'))).toBe(true);
    // Not charged to its link: going over the bound is what an honest sensor's first sync of a large picture does too.
    expect(h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames ?? 0).toBe(0);
    expect(evil.closedWith).toBeUndefined();

    // A relay passing the flooder's versions on is not at fault: refused, its link not marked.
    const relayed = Array.from({ length: 100 }, (_, i) => pos(`r${i}`, 'x', T0 - 60, i));
    alice.handler.receive(
      encodeMessage(versionsFrame(await signedBatch(syncSigner(testIdentity('x')), 'x' as NodeId, relayed), true)),
    );
    h.tick(0);
    expect(h.mesh.securityStats().rejected['entity-limit']).toBe(FLOOD - BOUND + 100);
    expect(h.mesh.peers().find((p) => p.peer === 'a')?.invalidFrames ?? 0).toBe(0);

    // An honest author's new entity and the flooder's updates of what m holds still land.
    alice.send(versionsFrame([pos('a-1', 'a', T0 - 50)], true));
    evil.send(versionsFrame([pos('x0-0', 'x', T0 - 40, 1)], true));
    h.tick(0);
    expect(await h.node.get('a-1')).toBeDefined();
    expect((await h.node.heads('x0-0', 'position')).map((v) => v.time)).toEqual([T0 - 40]);

    // Five seconds later the flooder may add NEW_REGISTERS_PER_SECOND a second more, and no more.
    h.tick(5_000);
    const more = Array.from({ length: 4_000 }, (_, i) => pos(`y${i}`, 'x', T0 - 30, i));
    evil.handler.receive(
      encodeMessage(versionsFrame(await signedBatch(syncSigner(testIdentity('x')), 'x' as NodeId, more), true)),
    );
    h.tick(0);
    const after = [...h.node.versions()].filter((v) => v.ts.node === 'x').length;
    expect(after).toBeLessThanOrEqual(BOUND + Math.ceil(5.05 * NEW_REGISTERS_PER_SECOND));
    expect(after).toBeGreaterThan(BOUND);
  }, 120_000); // 60,000 versions signed and checked: 13 s alone, past 30 s beside the rest of the suite on 2 cores
});
