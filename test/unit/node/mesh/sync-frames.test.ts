/**
 * Anti-entropy on a thin link (docs/budgeter.md, "Parts"): every message on the wire — reconciler
 * messages, wants, repair versions — stays within the link's frame size, so a HIGH change written
 * while a large reconciliation crosses the link still arrives within its deadline. Real nodes over
 * the in-memory transport, each direction a shaped 4 kB/s link, on a virtual clock. Replay with
 * SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { MessageType, peekMessage } from '../../../../src/core/sync';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('sync-frames seed', seed);

const RATE = 4000;
/** The budgeter's frame size at this rate: rate × 250 ms (docs/budgeter.md, "Packing"). */
const FRAME_BYTES = RATE / 4;
/** A HIGH change crosses within this (virtual ms); one 64 KiB want alone holds this wire for 16 s. */
const HIGH_DEADLINE_MS = 1_000;
const TRACKS = 800;
const DIVERGENT = 300;

describe('anti-entropy on a thin link', () => {
  it('keeps reconciler messages and wants within the frame size, HIGH changes crossing meanwhile', async () => {
    const random = mulberry32(seed);
    let thin = false;
    let links = 0;
    const sim = new MeshSim({
      seed,
      // The first sync runs on a fast link; after the partition the link is thin.
      shape: (from, to) => ({
        bytesPerSecond: thin ? RATE : 50_000_000,
        latencyMs: 100,
        jitterMs: 20,
        loss: 0,
        seed: (seed ^ (from < to ? 1 : 2) ^ (++links << 8)) >>> 0,
      }),
    });
    const { node: a } = await sim.add('a');
    const { node: b } = await sim.add('b');
    for (let i = 0; i < TRACKS; i++)
      await a.create({ id: `t${i}`, components: { position: { lat: 50, lon: 8 + i * 1e-3 } } });
    await a.create({ id: 'alarm', components: { threat: { level: 'HIGH' }, zz_note: { n: 0 } } });
    sim.link('a', 'b');
    await sim.settle();

    // A partition, both sides writing: the heal reconciles hundreds of differences both ways.
    sim.unlink('a', 'b');
    for (let k = 0; k < DIVERGENT; k++) {
      const i = Math.floor(random() * TRACKS);
      await a.update(`t${i}`, { position: { lat: 51 + k * 1e-4, lon: 8 } });
      const j = Math.floor(random() * TRACKS);
      await b.update(`t${j}`, { position: { lat: 52 + k * 1e-4, lon: 9 } });
      await b.create({ id: `n${k}`, components: { zz_note: { note: 'x'.repeat(20 + (k % 30)) } } });
    }
    thin = true;
    for (const n of [a, b]) await n.setBudget('*', { bytesPerSecond: RATE });
    const before = sim.shaped.length;
    sim.link('a', 'b');

    // Every message on the thin wire, by type: the largest of each.
    const largest = new Map<string, number>();
    for (const { link } of sim.shaped.slice(before)) {
      const send = link.send.bind(link);
      link.send = (frame: Uint8Array): void => {
        const type = peekMessage(frame)?.type ?? 'unknown';
        largest.set(type, Math.max(largest.get(type) ?? 0, frame.length));
        send(frame);
      };
    }

    // While anti-entropy runs, b changes a HIGH-threat entity every 400 ms; a must see each in time.
    const writtenAt: number[] = [];
    const latencies: number[] = [];
    for (let step = 0; step < 400; step++) {
      if (step % 8 === 0 && writtenAt.length < 40) {
        writtenAt.push(sim.clock);
        await b.update('alarm', { zz_note: { n: writtenAt.length } });
      }
      await sim.advance(50);
      const seen = ((await a.get('alarm'))?.components.zz_note as { n?: number } | undefined)?.n ?? 0;
      while (latencies.length < seen) latencies.push(sim.clock - writtenAt[latencies.length]!);
    }
    const took = await sim.settle(300_000);
    console.log(
      `largest frame by type ${JSON.stringify(Object.fromEntries(largest))}; HIGH latency max ${Math.max(...latencies)} ms; settled ${took} ms after the changes`,
    );

    expect(sim.shaped.length - before).toBe(2); // the link never died
    // Anti-entropy did run over the thin link: reconciler messages, larger ones as parts.
    expect(largest.get(MessageType.Reconcile)).toBeGreaterThan(0);
    expect(largest.get(MessageType.Part)).toBeGreaterThan(0);
    for (const [type, bytes] of largest) expect({ type, bytes }).toEqual({ type, bytes: Math.min(bytes, FRAME_BYTES) });
    // Each HIGH change arrived (40 of them), none later than its deadline.
    expect(latencies).toHaveLength(writtenAt.length);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(HIGH_DEADLINE_MS);
    // The same pictures, but for the alarm itself: its HIGH threat opened an approval request,
    // which each node's gate times out with a write of its own after 30 s (docs/c2-pipeline.md),
    // at any point of this run.
    const picture = async (id: string): Promise<string> => {
      const d = JSON.parse(await sim.dump(id)) as { views: { id: string }[]; heads: string[]; versions: string[] };
      const other = (line: string): boolean => !line.startsWith('["alarm"');
      return JSON.stringify({
        views: d.views.filter((v) => v.id !== 'alarm'),
        heads: d.heads.filter(other),
        versions: d.versions.filter(other),
      });
    };
    expect(await picture('b')).toBe(await picture('a'));
  });
});
