/**
 * MeshLink tells its session when an anti-entropy frame leaves the link's budgeter for the wire
 * (PeerSession.wired), so a round's idle clocks do not count the time its frames waited in our own
 * queue (docs/budgeter.md, "Anti-entropy rounds under a flood"; the session's side is
 * test/unit/core/sync/late-rounds.test.ts). Real nodes, a thin budgeted link, virtual clock.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeerSession } from '../../../../src/core/sync';
import { MeshSim } from './mesh-sim';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('round clocks on a budgeted link', () => {
  it('a session hears when its anti-entropy frames leave the budgeter, at the time they leave', async () => {
    const sim = new MeshSim({
      seed: 14,
      shape: () => ({ bytesPerSecond: 4_000, latencyMs: 50, jitterMs: 0, loss: 0, seed: 14 }),
    });
    const { node: a } = await sim.add('a');
    const { node: b } = await sim.add('b');
    for (let i = 0; i < 150; i++)
      await a.create({ id: `t${i}`, components: { position: { lat: 50, lon: 8 + i * 1e-3 } } });
    await b.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    for (const n of [a, b]) await n.setBudget('*', { bytesPerSecond: 4_000 });
    const wired: number[] = [];
    const original = PeerSession.prototype.wired;
    vi.spyOn(PeerSession.prototype, 'wired').mockImplementation(function (this: PeerSession, now: number) {
      wired.push(now);
      original.call(this, now);
    });
    sim.link('a', 'b');
    await sim.settle(120_000);
    expect((await b.list()).length).toBe(151);
    // Repair frames queued at once went out over seconds, each telling its session as it left.
    expect(wired.length).toBeGreaterThan(5);
    expect(Math.max(...wired) - Math.min(...wired)).toBeGreaterThan(1_000);
  });
});
