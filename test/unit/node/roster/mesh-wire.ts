/**
 * Test helper (not a test file): roster nodes on the mesh as the worker wires them, over an ordered
 * (optionally lossy) in-memory link, for the refusal tests (removal-proof.test.ts,
 * test/unit/attack/linger-removed-hands-ops.test.ts).
 */
import type { AcceptLink, LinkHandler } from '../../../../src/ports/transport';
import type { NodeId } from '../../../../src/core/ids';
import { MeshNode } from '../../../../src/node/mesh';
import type { Admission } from '../../../../src/node/mesh/mesh-types';
import type { MeshSecurity } from '../../../../src/node/security/mesh-security';
import { testSecurity } from '../../support/test-keys';
import type { RosterNode } from './roster-harness';

export interface Meshed {
  readonly mesh: MeshNode;
  readonly security: MeshSecurity;
  readonly logs: string[];
}

/** The node on the mesh as the worker wires it: security with the roster's gate, the roster's admission. */
export async function meshed(
  r: RosterNode,
  name: string,
  clock: { now: () => number },
  admit?: Admission,
): Promise<Meshed> {
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
export class Wire {
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
