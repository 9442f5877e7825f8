/**
 * Attack (session 16, CPU): every change of a removed member's cut-off made the node scan its whole
 * store (RosterService.applyCutoffs -> LatticeNode.withdraw -> EntityStore.withdraw, which asks
 * every entity holdsAfter). The cut-off was the stamp of the remove op's register head, and the
 * remover (any member) may sign its own op again, later, as often as it likes. So each ~300-byte
 * version, one per frame, cost the receiver a walk of every entity it holds (12–18 ms at 100k
 * entities); then a cut-off that moved later withdrew nothing, without a scan (docs/security.md
 * "Writes withdrawn at a removal"). Now an op counts at the stamp of its first version, which its
 * register keeps (docs/security.md, "An op signed again"): the re-signs move no cut-off at all.
 * Counted in scans, not time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { EntityStore } from '../../../src/core/store/entity-store';
import {
  deliver,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  T0,
  versionsOf,
} from '../node/roster/roster-harness';

const ENTITIES = 200;
const ROUNDS = 20;

afterEach(() => vi.restoreAllMocks());

describe('a member signs its removal of a node again and again, one version per frame', () => {
  it('leaves the cut-off where it was, without a store scan', async () => {
    const clock = manualClock();
    const a = await rosterNode('rs-founder', clock);
    const join = (name: string) => invitedNode(a, name, clock);
    const x = await join('rs-member');
    const h = await join('rs-honest');
    const b = await join('rs-b');
    for (const n of [x, h, b]) deliver(n, rosterVersions(a));
    const tracks: Version[] = [];
    for (let i = 0; i < ENTITIES; i++) {
      tracks.push({
        entity: `trk-${i}` as EntityId,
        kind: 'position' as Version['kind'],
        value: { lat: (i % 90) / 2, lon: (i % 180) / 2 },
        ts: { ms: T0 + 1 + i, c: 0, node: h.id as NodeId },
        seen: [],
      });
    }
    expect(deliver(b, tracks).rejected).toEqual([]);
    const scans = vi.spyOn(EntityStore.prototype, 'withdraw');
    const scanned = () => scans.mock.calls.filter(([cutoffs]) => cutoffs.size > 0).length;

    clock.advance(60_000);
    await a.roster.removeMember(x.id);
    deliver(b, rosterVersions(a));
    const before = scanned(); // the removal merged: a scan at a and at b
    expect(before).toBeGreaterThan(0);
    const removeOp = [...a.roster.current.roster.values()].find((op) => op.body.type === 'remove')!;
    const first = a.roster.current.removedAt(x.id)!;

    // The founder's remove of x signed again, later each time, one per frame, reaching b only.
    const stamps = new Set<string>();
    const resigned: Version[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      clock.advance(10);
      const v = await a.node.writeRosterOp(valueOfOp(removeOp));
      resigned.push(v!);
      expect(deliver(b, [v!]).rejected).toEqual([]);
      const at = b.roster.current.removedAt(x.id)!;
      stamps.add(`${at.ms}.${at.c}`);
    }
    expect([...stamps]).toEqual([`${first.ms}.${first.c}`]); // no re-sign moved the cut-off
    expect(scanned() - before).toBe(0); // and none scanned a store again

    // x's write stamped after the first cut-off stays refused.
    clock.advance(10);
    const late: Version = {
      entity: 'x-late' as EntityId,
      kind: 'note' as Version['kind'],
      value: { n: 1 },
      ts: { ms: first.ms + 5, c: 0, node: x.id },
      seen: [],
    };
    expect(deliver(b, [late]).rejected.map((r) => r.reason)).toEqual(['removed-member']);
    expect(versionsOf(b, 'x-late')).toHaveLength(0);
  });
});
