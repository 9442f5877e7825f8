/**
 * A removal leaves a refused window (docs/security.md, "A removed device invited again"): what a
 * removed device wrote while removed (here: before it learnt of its removal) stays refused on every
 * node after a member admits it again with a fresh invitation, whatever order the versions come in,
 * and after a restart; what it writes after its re-admission is taken. Before, re-admission lifted
 * the cut-off and the captured writes were accepted everywhere.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../../src/core/merge/version';
import {
  deliver,
  fakeDevice,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  versionsOf,
  type RosterNode,
} from './roster-harness';

const reasons = (out: { rejected: readonly { reason: string }[] }): string[] => out.rejected.map((r) => r.reason);

/** The keys of the versions of `entity` a node holds. */
const held = (n: RosterNode, entity: string): string[] =>
  versionsOf(n, entity)
    .map((v) => `${v.ts.ms}.${v.ts.c}.${v.ts.node}`)
    .sort();

/**
 * a removes b, b never learns of it and writes `trk-captured`; c then invites b again and admits it.
 * Returns the versions each step left: the removal, the capture, the re-admission.
 */
async function capturedThenReadmitted(replicaCount = 0) {
  const clock = manualClock();
  const a = await rosterNode('window-founder', clock);
  const c = await invitedNode(a, 'window-member', clock);
  const b = await invitedNode(a, 'window-removed', clock);
  // Replicas admitted before the removal, that receive nothing of it yet.
  const replicas: RosterNode[] = [];
  const devices: ReturnType<typeof fakeDevice>[] = [];
  for (let i = 0; i < replicaCount; i++) {
    const device = fakeDevice();
    const { token } = await a.roster.invite('https://app.example/');
    const r = await rosterNode(`window-replica-${i}`, clock, device, { invitation: token });
    expect(await a.roster.admit(r.id, token)).toEqual({ ok: true });
    replicas.push(r);
    devices.push(device);
  }
  for (const n of [b, c, ...replicas]) deliver(n, rosterVersions(a));
  await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
  for (const n of [a, c, ...replicas]) expect(reasons(deliver(n, versionsOf(b, 'trk-before')))).toEqual([]);
  const founding = rosterVersions(a);
  clock.advance(1000);
  await a.roster.removeMember(b.id);
  const removal = rosterVersions(a).filter((v) => !founding.some((f) => f.entity === v.entity));
  deliver(c, removal);
  // b never receives the removal: it writes on as a member.
  clock.advance(1000);
  await b.node.create({ id: 'trk-captured', components: { speed: { kts: 1 } } });
  const captured = versionsOf(b, 'trk-captured');
  expect(captured).toHaveLength(1);
  expect(reasons(a.roster.gate(captured))).toEqual(['removed-member']);
  clock.advance(1000);
  const { token } = await c.roster.invite('https://app.example/');
  expect(await c.roster.admit(b.id, token)).toEqual({ ok: true });
  const readmission = rosterVersions(c).filter(
    (v) => !founding.some((f) => f.entity === v.entity) && !removal.some((r) => r.entity === v.entity),
  );
  expect(readmission.length).toBeGreaterThan(0);
  return { clock, a, b, c, replicas, devices, founding, removal, captured, readmission };
}

describe('a removed device invited again: the window of its removal stays refused', () => {
  it('its writes made while removed are refused after the re-admission; its writes after it are taken', async () => {
    const { a, b, c, captured } = await capturedThenReadmitted();
    for (const n of [a, b]) expect(reasons(deliver(n, rosterVersions(c))), n.id).toEqual([]);
    for (const n of [a, b, c]) {
      const members = await n.roster.members();
      expect(
        members.members.map((m) => m.id),
        n.id,
      ).toContain(b.id);
    }
    // The same captured version, delivered again: refused on every member (before: accepted).
    for (const n of [a, c]) {
      expect(reasons(deliver(n, captured)), n.id).toEqual(['removed-member']);
      expect(await n.node.get('trk-captured'), n.id).toBeUndefined();
    }
    // b learnt of its removal and re-admission: what it writes now is taken everywhere.
    await b.node.create({ id: 'trk-after', components: { speed: { kts: 7 } } });
    await b.node.update('trk-before', { speed: { kts: 9 } });
    const after = [...versionsOf(b, 'trk-after'), ...versionsOf(b, 'trk-before')];
    for (const n of [a, c]) {
      expect(reasons(deliver(n, after)), n.id).toEqual([]);
      expect((await n.node.get('trk-after'))?.components.speed, n.id).toEqual({ kts: 7 });
      expect((await n.node.get('trk-before'))?.components.speed, n.id).toEqual({ kts: 9 });
    }
    // Its write from before the removal stays attributed where it was.
    expect(held(a, 'trk-before')).toEqual(held(c, 'trk-before'));
  });

  it('replicas receiving the removal, the capture and the re-admission in different orders converge', async () => {
    const { b, replicas, removal, captured, readmission } = await capturedThenReadmitted(6);
    const orders: readonly (readonly (readonly Version[])[])[] = [
      [captured, removal, readmission],
      [removal, captured, readmission],
      [removal, readmission, captured],
      [captured, [...removal, ...readmission]],
      [[...removal, ...readmission, ...captured]],
      [readmission, captured, removal],
    ];
    for (const [i, r] of replicas.entries()) for (const batch of orders[i]!) deliver(r, batch);
    for (const r of replicas) {
      expect(await r.node.get('trk-captured'), r.id).toBeUndefined();
      expect(held(r, 'trk-captured'), r.id).toEqual([]);
      expect((await r.node.get('trk-before'))?.components.speed, r.id).toEqual({ kts: 5 });
      const members = await r.roster.members();
      expect(
        members.members.map((m) => m.id),
        r.id,
      ).toContain(b.id);
      // Delivered once more, still refused.
      expect(reasons(deliver(r, captured)), r.id).toEqual(['removed-member']);
    }
    // Every replica holds the same versions of b's entities.
    for (const r of replicas.slice(1)) expect(held(r, 'trk-before'), r.id).toEqual(held(replicas[0]!, 'trk-before'));
  });

  it('a restart keeps the window: the captured write is still refused and stays out of the store', async () => {
    const { clock, c, replicas, devices, captured } = await capturedThenReadmitted(1);
    // d takes the capture before it holds the removal: the re-admission's window withdraws it.
    const d = replicas[0]!;
    expect(reasons(deliver(d, captured))).toEqual([]);
    expect(await d.node.get('trk-captured')).toBeDefined();
    deliver(d, rosterVersions(c));
    expect(await d.node.get('trk-captured')).toBeUndefined();
    await d.node.flushed();
    await d.node.close();
    d.roster.close();
    const again = await rosterNode('window-replica-0', clock, devices[0], { backing: d.backing });
    expect(await again.node.get('trk-captured')).toBeUndefined();
    expect(reasons(deliver(again, captured))).toEqual(['removed-member']);
    expect(held(again, 'trk-captured')).toEqual([]);
  });
});
