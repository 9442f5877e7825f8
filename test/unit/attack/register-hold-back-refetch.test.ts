/**
 * Versions refused for their author's new-register bound come back as the author's bucket can take
 * them (docs/security.md, "The hold-back"): not pushed again by the peer at every round meanwhile,
 * and not all at once at the end of one hold-back, to be refused again. On a thin link every version
 * fetched again is bytes taken from everything else (docs/budgeter.md); before, 200 registers over
 * a bucket of 20 (one a second) took 54,000 versions (2.3 MB for 200 versions' worth) and 45 min.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { RegisterLimits } from '../../../src/node/security/new-entity-limit';
import { MeshSim, T0 } from '../node/mesh/mesh-sim';

const ROUND_MS = 5_000;
const TRACKS = 200;
const BURST = 20;
const RATE = 1;
/** How long the bucket takes to let every register in, one a second after the burst. */
const REFILL_MS = ((TRACKS - BURST) / RATE) * 1000;

/** Runs until the receiver holds every track (or `forMs` has passed, if given). */
async function run(author: string, receiver: string, limits: RegisterLimits, forMs?: number) {
  const sim = new MeshSim({ seed: 21, session: { syncIntervalMs: ROUND_MS }, registerLimits: limits });
  const a = await sim.add(author);
  const m = await sim.add(receiver);
  for (let i = 0; i < TRACKS; i += 50) {
    await a.node.writeMany(
      Array.from({ length: 50 }, (_, k) => ({
        id: `t${i + k}`,
        components: { position: { lat: 1, lon: (i + k) / 10 } },
      })),
    );
  }
  sim.link(author, receiver);
  // Twice the refill and a margin; the old code took fifteen times as long.
  const until = T0 + (forMs ?? 2 * REFILL_MS + 60_000);
  while (sim.clock < until && (forMs !== undefined || (await m.node.stats()).entities < TRACKS))
    await sim.advance(ROUND_MS);
  const peer = m.mesh.peers().find((p) => p.peer === (author as NodeId))!;
  return {
    entities: (await m.node.stats()).entities,
    tookMs: sim.clock - T0,
    versionsIn: peer.versionsIn,
    bytesIn: peer.bytesIn,
    refused: m.security.stats().rejected['entity-limit'] ?? 0,
  };
}

describe('attack suite: versions over the new-register bound are fetched as the bucket refills', () => {
  for (const [author, receiver, how] of [
    ['a', 'm', 'the author runs the rounds (it pushes what the receiver lacks)'],
    ['z', 'm', 'the receiver runs the rounds (the author pushes what it lacks in its replies)'],
  ] as const) {
    it(`every version arrives, each fetched at most twice: ${how}`, async () => {
      const held = await run(author, receiver, { burst: BURST, ratePerSecond: RATE, maxAuthors: 4096 });
      // The same link for as long with no bound: its rounds and pings, and each version once.
      const free = await run(author, receiver, { burst: TRACKS, ratePerSecond: RATE, maxAuthors: 4096 }, held.tookMs);
      expect(free.entities).toBe(TRACKS);
      expect(free.versionsIn).toBe(TRACKS);
      // Nothing lost, only deferred: all in about the time the bucket takes.
      expect(held.entities).toBe(TRACKS);
      expect(held.tookMs).toBeLessThanOrEqual(REFILL_MS + 4 * ROUND_MS);
      // The first sync brings all of them; those refused come back once, when the bucket has room.
      expect(held.versionsIn).toBeLessThanOrEqual(2 * TRACKS);
      expect(held.refused).toBeLessThanOrEqual(TRACKS - BURST + 10);
      // Bytes: those versions again in small frames (one round's refill each, which compress less
      // than one large frame) and the rounds' reconciliation of a few differences each; before, ~380 times.
      expect(held.bytesIn).toBeLessThanOrEqual(10 * free.bytesIn);
    });
  }
});
