/**
 * Every byte a node puts on a link goes through that link's budgeter (docs/budgeter.md, "What is
 * wired"): besides the session's frames (handshake, pings, anti-entropy, bye) and live versions,
 * the page's relayed signaling and the `bye` that refuses a link. A real MeshNode on a virtual
 * clock; the links are fakes that record what they were handed.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { decodeMessage, MessageType } from '../../../../src/core/sync';
import type { Link } from '../../../../src/ports/transport';
import { MeshSim } from './mesh-sim';

interface Recorded {
  readonly link: Link;
  readonly frames: Uint8Array[];
  readonly signals: Uint8Array[];
}

function fakeLink(peer: string): Recorded {
  const frames: Uint8Array[] = [];
  const signals: Uint8Array[] = [];
  const link: Link = {
    peer: peer as NodeId,
    bufferedAmount: 0,
    send: (frame) => void frames.push(frame.slice()),
    sendSignal: (payload) => void signals.push(payload.slice()),
    close: () => undefined,
  };
  return { link, frames, signals };
}

describe('bytes outside the sync session on a budgeted link', () => {
  it('sends relayed signaling through the link budget: control class, charged, waiting past the debt bound', async () => {
    const sim = new MeshSim({ seed: 11 });
    const { node, mesh } = await sim.add('a');
    // 1,000 B/s: the debt a borrowing class may run up is one second of it.
    await node.setBudget('*', { bytesPerSecond: 1000, burstBytes: 1000 });
    const z = fakeLink('z');
    const handler = mesh.accept(z.link);
    expect(z.frames.map((f) => decodeMessage(f).type)).toEqual([MessageType.Hello]);

    // 900 B + 93 B of headers borrow below zero; a second one would pass the debt bound.
    handler.signal?.(new Uint8Array(900).fill(1));
    handler.signal?.(new Uint8Array(900).fill(2));
    expect(z.signals.map((s) => s[0])).toEqual([1]);
    const stats = await node.budgetStats('z');
    expect(stats.classes.control.sent).toBe(2); // the hello and the first signal
    expect(stats.classes.control.queued).toBe(1);
    expect(stats.sentBytesPerSecond).toBeGreaterThan(0);

    await sim.advance(1_500);
    expect(z.signals.map((s) => s[0])).toEqual([1, 2]);
    expect((await node.budgetStats('z')).classes.control.sent).toBe(3);
  });

  it('charges the bye that refuses a link to the node-wide budget', async () => {
    const sim = new MeshSim({ seed: 12, maxLinks: 1 });
    const { node, mesh } = await sim.add('a');
    await node.setBudget('node', { bytesPerSecond: 1000, burstBytes: 1000 });
    const first = fakeLink('y');
    const handler = mesh.accept(first.link);
    // Small signals (10 B + 93 B of headers) until one is held: the node-wide bucket is then
    // within 103 B of its debt bound (one second of its rate).
    for (let i = 1; first.signals.length === i - 1 && i < 100; i++) handler.signal?.(new Uint8Array(10));
    expect(first.signals.length).toBeGreaterThan(5);

    // Refused (mesh full): its bye may not go past the node's budget either.
    const refused = fakeLink('x');
    mesh.accept(refused.link);
    expect(refused.frames).toEqual([]);

    // With room in the node budget, the refusal's bye goes.
    await sim.advance(3_000);
    const later = fakeLink('w');
    mesh.accept(later.link);
    expect(later.frames.map((f) => decodeMessage(f).type)).toEqual([MessageType.Bye]);
  });
});
