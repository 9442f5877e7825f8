/**
 * Ad-hoc: the frames of a bulk sync after heal between two simulated nodes (MeshSim, in-memory,
 * 5 ms a hop), by time, sender and type: where the round trips of scenario 7's bulk phase are.
 *   node --import tsx bench/trace-sync-sim.ts [n]
 */
import { MessageType, peekMessage } from '../src/core/sync';
import { MeshSim } from '../test/unit/node/mesh/mesh-sim';

const N = Number(process.argv[2] ?? 10_000);
const sim = new MeshSim({
  seed: 1,
  shape: () => ({ bytesPerSecond: 1e12, latencyMs: 5, jitterMs: 0, loss: 0, seed: 1 }),
});
await sim.add('a');
await sim.add('b');
for (let i = 0; i < N / 2; i += 500) {
  const items = Array.from({ length: 500 }, (_, k) => ({
    id: `t${i + k}`,
    components: { position: { lat: 50 + k * 1e-4, lon: 8 }, velocity: { east: 1, north: 2 } },
  }));
  await sim.get(process.env.HOLDER ?? 'a').node.writeMany(items);
}
sim.link('a', 'b');
const t0 = sim.clock;
const names = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k]));
for (const { from, link } of sim.shaped) {
  const send = link.send.bind(link);
  link.send = (frame: Uint8Array): void => {
    const peek = peekMessage(frame);
    const type = peek === undefined ? '?' : names[peek.type];
    if (type !== 'Ping' && type !== 'Pong')
      console.log(`${String(sim.clock - t0).padStart(6)} ms ${from} ${type} ${frame.length} B`);
    send(frame);
  };
}
const took = sim.settle(120_000);
console.log(`settled in ${took} ms virtual; b holds ${(await sim.get('b').node.stats()).versions}`);
