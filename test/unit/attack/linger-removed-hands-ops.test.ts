/**
 * Attack (session 18, `attack18`): the refuser's linger (peer-session.ts refuse/lingered,
 * REFUSAL_LINGER_MS) reads the refused peer's bye and hands the proof it carries to
 * MeshSecurity.refusalProof, which merges whatever roster ops pass the signature check and the gate.
 * A removed member's ops stamped before its cut-off pass the gate (membership-gate.ts opRefusal),
 * and docs/security.md ("Known limit", the backdating window) bounds how long a removed member can
 * hand such an op over by refusing it at the handshake. The linger reopens that door for good: b,
 * removed by a, signs an `add` of a node z of its choosing stamped below its cut-off and, each time
 * it links to a member, answers that member's refusal with a refusal of its own carrying the add.
 * The member refused b and merges it all the same: z is a member on a, admitted by a removed
 * member long after its removal.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import type { AcceptLink, LinkHandler } from '../../../src/ports/transport';
import { MeshNode } from '../../../src/node/mesh';
import type { Admission } from '../../../src/node/mesh/mesh-types';
import type { MeshSecurity } from '../../../src/node/security/mesh-security';
import { testSecurity } from '../support/test-keys';
import {
  deliver,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  signerAt,
  type RosterNode,
} from '../node/roster/roster-harness';

interface Meshed {
  readonly mesh: MeshNode;
  readonly security: MeshSecurity;
  readonly logs: string[];
}

/** The node on the mesh as the worker wires it: security with the roster's gate, the roster's admission. */
async function meshed(r: RosterNode, name: string, clock: { now: () => number }, admit?: Admission): Promise<Meshed> {
  const logs: string[] = [];
  const log = (m: string): void => void logs.push(m);
  const security = await testSecurity(name, clock.now, 'hashed', log, r.node);
  security.gate = (versions) => r.roster.gate(versions);
  const mesh = new MeshNode({ node: r.node, security, now: clock.now, admit: admit ?? r.roster.admit, log });
  return { mesh, security, logs };
}

/**
 * Two ends of an ordered link, as a data channel is: frames arrive in order, and a close arrives
 * after the frames sent before it, unless the wire is `lossy`.
 */
class Wire {
  private readonly queue: (() => void)[] = [];
  /**
   * `lossy`: a close loses the frames in flight either way, as MemoryNetwork does (and a WebRTC
   * peer connection closed at once): the far end hears the close, nothing after it.
   */
  constructor(a: { id: NodeId; accept: AcceptLink }, b: { id: NodeId; accept: AcceptLink }, lossy = false) {
    const ends: { handler?: LinkHandler; open: boolean; lost: boolean }[] = [
      { open: true, lost: false },
      { open: true, lost: false },
    ];
    const end = (me: number, peer: NodeId) => ({
      peer,
      bufferedAmount: 0,
      send: (frame: Uint8Array) => {
        const copy = frame.slice();
        if (!ends[me]!.open) return;
        this.queue.push(() => {
          if (ends[me]!.lost) return;
          if (ends[1 - me]!.open) ends[1 - me]!.handler?.receive(copy);
        });
      },
      close: (reason: string) => {
        if (!ends[me]!.open) return;
        ends[me]!.open = false;
        if (lossy) {
          ends[me]!.lost = true;
          ends[1 - me]!.lost = true;
        }
        this.queue.push(() => {
          const far = ends[1 - me]!;
          if (!far.open) return;
          far.open = false;
          far.handler?.closed(reason);
        });
      },
    });
    ends[0]!.handler = a.accept(end(0, b.id));
    ends[1]!.handler = b.accept(end(1, a.id));
  }

  /** Runs the frames and the promises (admission, storage) until nothing moves. */
  async settle(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      while (this.queue.length > 0) this.queue.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}

describe("a removed member answers a member's refusal with a refusal of its own", () => {
  it('does not get the roster ops it signed below its cut-off merged by the member that refused it', async () => {
    const clock = manualClock();
    const a = await rosterNode('lg-founder', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'lg-removed', clock);
    deliver(b, rosterVersions(a));
    clock.advance(60_000);
    await a.roster.removeMember(b.id);
    const cutoff = a.roster.current.removedAt(b.id)!;
    expect(cutoff).toBeDefined();

    // Long after, b signs an add of z with a clock just below its cut-off (what it held then).
    clock.advance(60 * 60_000);
    const z = 'lg-sybil' as NodeId;
    const scratch = await signerAt('lg-removed', cutoff.ms - 1);
    scratch.applyRemote(rosterVersions(b));
    const add = (await scratch.writeRosterOp(valueOfOp(b.roster.current.next(b.id, { type: 'add', member: z }))))!;
    expect(add.ts.ms).toBeLessThan(cutoff.ms);

    // b links to a; a refuses it (removed), b refuses a back with its add as the "proof".
    const ma = await meshed(a, 'lg-founder', clock);
    const hostile: Admission = () => ({ ok: false, reason: `${a.id} was removed`, removal: [add] });
    const mb = await meshed(b, 'lg-removed', clock, hostile);
    await new Wire({ id: b.id, accept: mb.mesh.accept }, { id: a.id, accept: ma.mesh.accept }).settle();
    expect(ma.security.stats().notAdmitted).toBe(1);

    expect({ z: a.roster.current.view.members.has(z), merged: ma.security.stats().refusalProofs.merged }).toEqual({
      z: false,
      merged: 0,
    });
    ma.mesh.close();
    mb.mesh.close();
  });
});
