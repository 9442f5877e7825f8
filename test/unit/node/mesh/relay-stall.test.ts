import { describe, expect, it } from 'vitest';
import { RELAY_QUIET_MS } from '../../../../src/adapters/port-link';
import type { NodeId } from '../../../../src/core/ids';
import { LatticeNode } from '../../../../src/node/lattice-node';
import { MeshNode } from '../../../../src/node/mesh';
import type { Link, LinkHandler } from '../../../../src/ports/transport';
import { testIdentity, testSecurity } from '../../support/test-keys';
import { openTestNode } from '../../support/test-node';

const T0 = 1_700_000_000_000;
const A = 'a0000000000000000000000000000001' as NodeId;
const B = 'b0000000000000000000000000000002' as NodeId;
const STEP_MS = 50;

/**
 * Two real nodes on one link whose frames, both ways, cross A's relay (in the app: A's page main
 * thread between its worker and the data channel). The relay can stall (the page busy rendering):
 * frames wait in it, in order, and go on when it resumes; A's link reports the stall as a PortLink
 * does (quiet beyond RELAY_QUIET_MS). B can also fall silent for good (its frames are lost).
 */
async function pair() {
  let now = T0;
  const open = async (id: NodeId) => {
    let n = 0;
    const node = await openTestNode({
      nodeId: id,
      lattice: 'relay-stall',
      now: () => now,
      newId: () => `${id.slice(0, 1)}${(n++).toString()}`,
      signer: testIdentity(id).signer,
    });
    const clock = (): number => now;
    return { node, mesh: new MeshNode({ node, now: clock, security: await testSecurity(id, clock, 'named') }) };
  };
  const a = await open(A);
  const b = await open(B);
  const relay: (() => void)[] = [];
  let stalledSince: number | undefined;
  let bSilent = false;
  const closed: string[] = [];
  const to: { a?: LinkHandler; b?: LinkHandler } = {};
  const linkOfA: Link = {
    peer: B,
    send: (f) => {
      const copy = f.slice();
      relay.push(() => to.b?.receive(copy));
    },
    bufferedAmount: 0,
    close: (reason) => void closed.push(`A closed: ${reason}`),
    stalledMs: (t) => (stalledSince === undefined ? 0 : Math.max(0, t - stalledSince - RELAY_QUIET_MS)),
  };
  const linkOfB: Link = {
    peer: A,
    send: (f) => {
      if (bSilent) return;
      const copy = f.slice();
      relay.push(() => to.a?.receive(copy));
    },
    bufferedAmount: 0,
    close: (reason) => void closed.push(`B closed: ${reason}`),
  };
  to.b = b.mesh.accept(linkOfB);
  to.a = a.mesh.accept(linkOfA);
  let writes = 0;
  /** Runs `ms` of virtual time; A writes a track update every 100 ms when `writing`. */
  const run = async (ms: number, writing = false): Promise<void> => {
    for (const end = now + ms; now < end;) {
      now += STEP_MS;
      if (writing && now % 100 === 0) {
        writes += 1;
        await a.node
          .create({ id: `trk-${(writes % 20).toString()}`, components: { threat: { level: 'LOW' } } })
          .catch(() =>
            a.node.update(`trk-${(writes % 20).toString()}`, {
              threat: { level: writes % 2 === 0 ? 'LOW' : 'MEDIUM' },
            }),
          );
      }
      if (stalledSince === undefined) {
        for (let i = 0; i < 10_000 && relay.length > 0; i++) relay.shift()!();
      }
      a.mesh.tick();
      b.mesh.tick();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return {
    a,
    b,
    closed,
    run,
    stall: () => (stalledSince = now),
    resume: () => (stalledSince = undefined),
    silenceB: () => (bSilent = true),
  };
}

describe("a node's own relay stalls (its page busy), its peer is alive", () => {
  it('keeps the link through a 7.5 s stall of its relay, and the writes made meanwhile arrive', async () => {
    const p = await pair();
    await p.run(5_000);
    expect(p.a.mesh.peers().map((s) => s.state)).toEqual(['synced']);
    await p.run(2_000, true);
    p.stall();
    // B hears A's live pushes up to the stall, A heard B's last ping up to 2 s before it.
    await p.run(7_500, true);
    p.resume();
    await p.run(10_000, true);
    expect(p.closed).toEqual([]);
    expect(p.a.mesh.peers().map((s) => s.state)).toEqual(['synced']);
    expect(p.b.mesh.peers().map((s) => s.state)).toEqual(['synced']);
    const heads = async (n: LatticeNode) =>
      (await n.list({})).map((v) => `${v.id}:${JSON.stringify(v.components)}`).sort();
    await p.run(1_000);
    expect(await heads(p.b.node)).toEqual(await heads(p.a.node));
    expect((await heads(p.b.node)).length).toBe(20);
  });

  it('still drops a peer that falls silent while its own relay works', async () => {
    const p = await pair();
    await p.run(5_000);
    p.silenceB();
    await p.run(10_000);
    expect(p.closed[0]).toMatch(/^A closed: dead: nothing heard for/);
  });
});
