/**
 * Round turns on a slow or failing disk (src/core/sync/round-turns.ts; docs/architecture.md, "One
 * round at a time fills a node"). A link handed the turn answers once the last round's commits
 * land or its time is up. A re-attack found that when commits took ROUND_TURN_MS or more, a link
 * handed the turn was passed over without answering, again and again, while a sybil ending and
 * re-opening its rounds took every turn (119 sybil rounds answered in 20 s, the honest link none);
 * and that each handover added a wait on the commits, so a peer cycling opens and aborts while
 * commits were stuck grew them without bound (5,001 for 5,000 pairs).
 */
import { describe, expect, it } from 'vitest';
import { Harness } from '../node/mesh/scripted-peers';
import { ended, open, replies, stored } from './turn-messages';

async function setup(hang: 'never' | number) {
  const h = await Harness.create('m');
  h.node.applyRemote(stored(50));
  await h.node.flushed();
  const a0 = h.peer('a0');
  const s = h.peer('a1');
  const b = h.peer('b');
  const s2 = h.peer('a2');
  for (const p of [a0, s, b, s2]) p.hello();
  h.tick();
  for (const p of [a0, s, b, s2]) p.reset();
  // A slow or failing disk: durable() resolves `hang` ms later, or never (a commit retried for good).
  let thens = 0;
  (h.node as unknown as { durable: () => PromiseLike<void> }).durable = () =>
    ({
      then(f: () => void) {
        thens += 1;
        if (hang !== 'never') {
          const at = h.clock + hang;
          pendings.push({ at, f });
        }
        return undefined as never;
      },
    }) as PromiseLike<void>;
  const pendings: { at: number; f: () => void }[] = [];
  const step = (ms: number) => {
    h.tick(ms);
    for (const p of pendings.filter((q) => q.at <= h.clock)) {
      pendings.splice(pendings.indexOf(p), 1);
      p.f();
    }
  };
  return { h, a0, s, b, s2, step, thens: () => thens };
}

describe('attack suite: round turns while commits are slow or never land', () => {
  for (const hang of ['never', 1_500] as const) {
    it(`commits landing ${hang === 'never' ? 'never' : `after ${hang} ms`}: a link handed the turn answers though a sybil ticking before it cycles its rounds`, async () => {
      const { h, a0, s, b, step } = await setup(hang);
      a0.send(open(1));
      expect(replies(a0)).toBe(1);
      s.send(open(1));
      b.send(open(1));
      step(10);
      a0.send(ended(1, 'done')); // the turn goes to s (handed over), then b
      const start = h.clock;
      let sSession = 1;
      while (h.clock - start < 20_000) {
        step(50);
        // The sybil ends each answered round and opens again at once (a cheap, honest-looking loop).
        if (replies(s) > 0) {
          s.reset();
          s.send(ended(sSession, 'done'));
          s.send(open(++sSession));
        }
      }
      console.log(`commits ${hang}: sybil rounds answered ${sSession - 1}, b replies ${replies(b)}`);
      // Old code: the sybil's rounds answered every second, b's never.
      expect(replies(b), 'b answered in 20 s').toBeGreaterThan(0);
    });
  }

  it('commits never land: sybils cycling open and abort hand the turn over per message, and one wait on the commits stands', async () => {
    const { a0, s, s2, step, thens } = await setup('never');
    a0.send(open(1));
    s.send(open(1));
    s2.send(open(1));
    step(10);
    const before = thens();
    a0.send(ended(1, 'done'));
    let n = 1;
    for (let i = 0; i < 5_000; i++) {
      const [x] = i % 2 === 0 ? [s, s2] : [s2, s];
      x.send(ended(n, 'abort')); // the handed-over holder drops its held open: leave -> handOver
      x.send(open(n + 1));
      if (i % 2 === 1) n += 1;
      if (i % 200 === 0) step(1);
    }
    console.log('waits on the commits added by 5,000 open/abort pairs:', thens() - before);
    // Old code: 5,001, one per handover.
    expect(thens() - before).toBeLessThanOrEqual(1);
  });
});
