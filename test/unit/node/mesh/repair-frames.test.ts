/**
 * Repair frames on a thin link (docs/budgeter.md, "Packing"): the `versions` frames anti-entropy
 * makes (the responder's push ahead of its reply, the initiator's push of what the peer lacks)
 * stay within the link's frame size, each through the budgeter, so pings keep flowing and the
 * link stays alive while a large repair crosses it. Real nodes over the in-memory transport, each
 * direction a shaped 4 kB/s link, on a virtual clock. Replay with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { MessageType, peekMessage } from '../../../../src/core/sync';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('repair-frames seed', seed);

const RATE = 4000;
/** The budgeter's frame size at this rate: rate × 250 ms (docs/budgeter.md, "Packing"). */
const FRAME_BYTES = RATE / 4;
/** The session's dead timer (SessionOptions.deadAfterMs default). */
const DEAD_AFTER_MS = 8_000;

describe('repair on a thin link', () => {
  it('keeps every repair frame within the budget frame size, pings flowing and the link alive', async () => {
    let links = 0;
    const sim = new MeshSim({
      seed,
      // No repairFrameBytes here: the default (64 KiB) is 16 s of wire at this rate.
      shape: (from, to) => ({
        bytesPerSecond: RATE,
        latencyMs: 100,
        jitterMs: 20,
        loss: 0,
        seed: (seed ^ (from < to ? 1 : 2) ^ (++links << 8)) >>> 0,
      }),
    });
    await sim.add('a');
    await sim.add('b');
    for (const id of ['a', 'b']) await sim.get(id).node.setBudget('*', { bytesPerSecond: RATE });
    // b (the responder: 'a' < 'b') holds most: it pushes ahead of its replies; a pushes what b lacks.
    const note = 'n'.repeat(40);
    for (let i = 0; i < 300; i++)
      await sim
        .get('b')
        .node.create({ id: `b${i}`, components: { position: { lat: 50, lon: 8 + i * 1e-3 }, zz_note: { note } } });
    for (let i = 0; i < 60; i++) await sim.get('a').node.create({ id: `a${i}`, components: { zz_note: { note } } });

    sim.link('a', 'b');
    expect(sim.shaped).toHaveLength(2);
    // Every message on the thin wire, by sender: repair versions frames' sizes, ping times.
    const repairSizes: number[] = [];
    const pings: Record<string, number[]> = { a: [], b: [] };
    for (const { from, link } of sim.shaped) {
      const send = link.send.bind(link);
      link.send = (frame: Uint8Array): void => {
        const peek = peekMessage(frame);
        if (peek?.type === MessageType.Versions && !peek.live) repairSizes.push(frame.length);
        if (peek?.type === MessageType.Ping) pings[from]!.push(sim.clock);
        send(frame);
      };
    }
    const took = await sim.settle(180_000);
    console.log(
      `repair of ${repairSizes.length} frames (largest ${Math.max(...repairSizes)} B) settled in ${took} ms of virtual time`,
    );

    // The link never died (a dead link is reconnected by the sim, which shapes a new pair).
    expect(sim.shaped).toHaveLength(2);
    expect(await sim.dump('b')).toBe(await sim.dump('a'));
    // The repair took many frames, none over the frame size.
    expect(repairSizes.length).toBeGreaterThan(20);
    expect(Math.max(...repairSizes)).toBeLessThanOrEqual(FRAME_BYTES);
    // Pings went out all along, well inside the dead timer (every 2 s when nothing delays them).
    for (const times of Object.values(pings)) {
      expect(times.length).toBeGreaterThan(took / 4_000);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.max(...gaps)).toBeLessThan(DEAD_AFTER_MS / 2);
    }
  });
});
