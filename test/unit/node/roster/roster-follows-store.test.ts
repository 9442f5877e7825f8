/**
 * The roster follows the store (docs/security.md, "The roster in the store"): the op under an id is
 * the one the register's heads stand for (opOfHeads), so twins (two different ops one author signed
 * under one id) never split replicas. Property (fast-check; replay with SEED=<printed seed>): two
 * replicas get a pool of roster versions (ordinary ops, superseding twins, concurrent twins, a
 * removal) in different orders and batches, then sync; they hold the same versions, see the same
 * roster (ops, view, removal stamps) and so does each after a restart from its storage.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { RosterOpValue } from '../../../../src/core/roster/roster-entity';
import { canonicalOp } from '../../../../src/core/roster/roster-op';
import type { RosterState } from '../../../../src/node/roster/roster-state';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  type RosterNode,
  rosterVersions,
  signerAt,
  T0,
} from './roster-harness';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 12);

function plain(s: RosterState): unknown {
  const ops = [...s.roster].map(([id, op]) => `${id}=${canonicalOp(op)}`).sort();
  const v = s.view;
  return {
    ops,
    founder: v.founder,
    members: [...v.members].sort(),
    removed: [...v.removed].sort(),
    rejected: [...v.rejected].sort(),
    removedAt: [...v.removed.keys()].sort().map((m) => s.removedAt(m)),
  };
}

const held = (r: RosterNode): string[] =>
  rosterVersions(r)
    .map((v) => `${v.entity}@${v.ts.ms}.${v.ts.c}=${JSON.stringify(v.value)}`)
    .sort();

describe('the roster follows the store', () => {
  it('replicas given twins and ordinary ops in any order and batches agree, also after a restart', async () => {
    console.log(`roster-follows-store seed ${seed}; replay with SEED=${seed}`);
    const clock = manualClock();
    const a = await rosterNode('fs-founder', clock);
    const admitted: RosterNode[] = [];
    for (const name of ['fs-x', 'fs-b']) {
      const { token } = await a.roster.invite('https://app.example/');
      const m = await rosterNode(name, clock, fakeDevice(), { invitation: token });
      expect(await a.roster.admit(m.id, token)).toEqual({ ok: true });
      admitted.push(m);
    }
    const [x, b] = admitted as [RosterNode, RosterNode];
    deliver(x, rosterVersions(a));
    deliver(b, rosterVersions(a));
    const someone = (i: number): NodeId => `${'f'.repeat(31)}${i}` as NodeId;
    const add = (author: NodeId, seq: number, lamport: number, member: NodeId): RosterOpValue => ({
      author,
      seq,
      lamport,
      type: 'add',
      member,
    });
    const base = new Set(rosterVersions(a).map((v) => v.entity));
    const pool: Version[] = [];
    clock.advance(1_000);
    pool.push((await x.node.writeRosterOp(add(x.id, 1, 4, someone(1))))!);
    clock.advance(1_000);
    // Superseding twin: x's node saw its first, so the store keeps this one.
    pool.push((await x.node.writeRosterOp(add(x.id, 1, 4, someone(2))))!);
    // Concurrent twins from another store with x's key, one backdated.
    pool.push((await (await signerAt('fs-x', T0 + 500)).writeRosterOp(add(x.id, 1, 4, someone(3))))!);
    pool.push((await (await signerAt('fs-x', T0 + 1_500)).writeRosterOp(add(x.id, 2, 5, someone(4))))!);
    clock.advance(1_000);
    pool.push((await x.node.writeRosterOp(add(x.id, 2, 5, someone(5))))!);
    pool.push((await b.node.writeRosterOp(add(b.id, 1, 4, someone(6))))!);
    pool.push((await (await signerAt('fs-b', T0 + 2_500)).writeRosterOp(add(b.id, 1, 4, someone(7))))!);
    // b's op removing x (stamped after every op of x above), and a concurrent twin of it by b's node.
    pool.push(
      (await (
        await signerAt('fs-b', T0 + 3_500)
      ).writeRosterOp({ ...add(b.id, 2, 6, x.id), type: 'remove', observed: [] } as RosterOpValue))!,
    );
    clock.advance(1_000);
    pool.push((await b.node.writeRosterOp(add(b.id, 2, 6, someone(8))))!);
    for (const v of pool) expect(base.has(v.entity)).toBe(false);

    const order = fc.tuple(
      fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: pool.length, maxLength: pool.length }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(order, order, async ([o1, c1], [o2, c2]) => {
        run++;
        const replicas: { r: RosterNode; device: ReturnType<typeof fakeDevice>; name: string }[] = [];
        for (const [k, [vs, cuts]] of [[o1, c1] as const, [o2, c2] as const].entries()) {
          const { token } = await a.roster.invite('https://app.example/');
          const device = fakeDevice();
          const name = `fs-r${run}-${k}`;
          const r = await rosterNode(name, clock, device, { invitation: token });
          await a.roster.admit(r.id, token);
          deliver(r, rosterVersions(a));
          for (let i = 0, c = 0; i < vs.length; i += cuts[c++]!) deliver(r, vs.slice(i, i + cuts[c]!));
          replicas.push({ r, device, name });
        }
        const [p, q] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
        for (let round = 0; round < 2; round++) {
          deliver(p.r, rosterVersions(q.r));
          deliver(q.r, rosterVersions(p.r));
        }
        // They hold the same versions (both have a's ops for each other's admission too).
        deliver(p.r, rosterVersions(a));
        deliver(q.r, rosterVersions(a));
        expect(held(p.r)).toEqual(held(q.r));
        expect(plain(p.r.roster.current)).toEqual(plain(q.r.roster.current));
        for (const s of [p, q]) {
          await s.r.node.flushed();
          const live = plain(s.r.roster.current);
          s.r.roster.close();
          await s.r.node.close();
          const again = await rosterNode(s.name, clock, s.device, { backing: s.r.backing });
          expect(plain(again.roster.current)).toEqual(live);
          again.roster.close();
          await again.node.close();
        }
      }),
      { seed, numRuns },
    );
  }, 120_000);
});
