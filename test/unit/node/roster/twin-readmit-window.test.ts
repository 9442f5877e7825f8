/**
 * A removed member admitted again by a twin `add` (docs/security.md, "An admission signed over")
 * keeps its removal's refused window ("A removed device invited again"), as when an ordinary `add`
 * admits it again: what it wrote while removed stays refused on every node, in every order and
 * batch; what it writes after the re-admission is taken. Before, the windows replayed only the op
 * held under each id, so the twin's re-admission left no window and the writes came in.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  deliver,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  signerAt,
  versionsOf,
  type RosterNode,
} from './roster-harness';

const reasons = (out: { rejected: readonly { reason: string }[] }): string[] => out.rejected.map((r) => r.reason);
const ids = async (n: RosterNode): Promise<NodeId[]> => (await n.roster.members()).members.map((m) => m.id).sort();

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/**
 * a removes b; b, not knowing, writes `trk-captured`; c then admits b again by an `add` it signs
 * over at once with an `add` of z under the same id, stamped later (the twin holds the admission).
 */
async function readmittedByTwin(replicaCount = 0) {
  const clock = manualClock();
  const a = await rosterNode('twin-window-founder', clock);
  const c = await invitedNode(a, 'twin-window-member', clock);
  const b = await invitedNode(a, 'twin-window-removed', clock);
  const z = await rosterNode('twin-window-z', clock);
  // Replicas admitted before the removal, that receive nothing of it yet.
  const replicas: RosterNode[] = [];
  for (let i = 0; i < replicaCount; i++) replicas.push(await invitedNode(a, `twin-window-replica-${i}`, clock));
  for (const n of [b, c]) deliver(n, rosterVersions(a));
  await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
  const before = versionsOf(b, 'trk-before');
  const founding = rosterVersions(a);
  clock.advance(1000);
  await a.roster.removeMember(b.id);
  const removal = rosterVersions(a).filter((v) => !founding.some((f) => f.entity === v.entity));
  expect(reasons(deliver(c, removal))).toEqual([]);
  clock.advance(1000);
  await b.node.create({ id: 'trk-captured', components: { speed: { kts: 1 } } });
  const captured = versionsOf(b, 'trk-captured');
  expect(reasons(a.roster.gate(captured))).toEqual(['removed-member']);
  clock.advance(1000);
  const lamport = Math.max(...rosterVersions(a).map((v) => (v.value as { lamport: number }).lamport)) + 1;
  const seq =
    1 +
    Math.max(
      0,
      ...rosterVersions(c)
        .filter((v) => v.ts.node === c.id)
        .map((v) => (v.value as { seq: number }).seq),
    );
  const readmit = (await c.node.writeRosterOp({ author: c.id, seq, lamport, type: 'add', member: b.id }))!;
  const over = (await (
    await signerAt('twin-window-member', clock.now() + 1000)
  ).writeRosterOp({
    author: c.id,
    seq,
    lamport,
    type: 'add',
    member: z.id,
  }))!;
  clock.advance(5000);
  await b.node.create({ id: 'trk-after', components: { speed: { kts: 2 } } });
  const after = versionsOf(b, 'trk-after');
  return { a, b, c, replicas, founding, removal, before, captured, twins: [readmit, over], after };
}

describe('a removed member admitted again by a twin add', () => {
  it('keeps its removal window: its writes made while removed stay refused, its later ones are taken', async () => {
    const { a, b, twins, captured, after } = await readmittedByTwin();
    expect(reasons(deliver(a, twins))).toEqual([]);
    expect(await ids(a)).toContain(b.id);
    expect(reasons(a.roster.gate(captured))).toEqual(['removed-member']);
    expect(reasons(a.roster.gate(after))).toEqual([]);
  });

  it('every node ends with the same versions, whatever the order and batches (captured held back, withdrawn)', async () => {
    const parts = (x: Awaited<ReturnType<typeof readmittedByTwin>>): Version[][] => [
      x.removal,
      [x.twins[0]!],
      [x.twins[1]!],
      x.captured,
    ];
    const orders = permutations([0, 1, 2, 3]);
    const x = await readmittedByTwin(orders.length * 2);
    const { founding, before, after, replicas } = x;
    let want: string | undefined;
    let n = 0;
    for (const order of orders) {
      for (const batch of [false, true]) {
        const r = replicas[n++]!;
        deliver(r, founding);
        deliver(r, before);
        const seq = order.map((i) => parts(x)[i]!);
        if (batch) deliver(r, seq.flat());
        else for (const part of seq) deliver(r, part);
        deliver(r, after);
        const got = JSON.stringify({
          members: (await ids(r)).filter((m) => !replicas.some((o) => o.id === m)),
          captured: versionsOf(r, 'trk-captured').length,
          after: versionsOf(r, 'trk-after').length,
          before: versionsOf(r, 'trk-before').length,
        });
        want ??= got;
        expect(got, `${batch ? 'batch' : 'one by one'}: ${order.join(',')}`).toBe(want);
      }
    }
    expect(JSON.parse(want!)).toMatchObject({ captured: 0, after: 1, before: 1 });
  }, 120_000);
});
