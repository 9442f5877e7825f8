/**
 * Rounds fill a node one link at a time (src/core/sync/round-turns.ts; docs/architecture.md,
 * "One round at a time fills a node"). A hostile review found that once a holder's time was up the
 * turn went to whichever link asked first, not to the one waiting longest: two sybil links handing
 * the turn to each other, each open landing just after the holder's time, kept an honest link's
 * open from ever being answered. And an open its initiator aborted while it waited was answered
 * later anyway, spending a turn on a dead session.
 */
import { describe, expect, it } from 'vitest';
import { Reconciler, SortedVectorStorage, type Item } from '../../../src/core/reconcile';
import { MessageType, ROUND_TURN_MS, versionId, type SyncMessage } from '../../../src/core/sync';
import { Harness } from '../node/mesh/scripted-peers';
import { ended, open, replies, stored } from './turn-messages';

const replied = (p: { msgs(): SyncMessage[] }): boolean => replies(p) > 0;

/** Node m holding 50 versions; sybils a1, a2 and an honest b lacking the first 10. */
async function setup() {
  const h = await Harness.create('m');
  const all = stored(50);
  h.node.applyRemote(all);
  await h.node.flushed();
  const a1 = h.peer('a1');
  const a2 = h.peer('a2');
  const b = h.peer('b');
  for (const p of [a1, a2, b]) p.hello();
  h.tick();
  const items: Item[] = all.slice(10).map((v) => ({ ts: v.ts.ms, id: versionId(v) }));
  const rec = new Reconciler(new SortedVectorStorage(items), { key: b.fingerprintKey() });
  for (const p of [a1, a2, b]) p.reset();
  const bOpens = (): void =>
    b.send({ type: MessageType.Reconcile, session: 1, phase: 'open', payload: rec.initiate() });
  return { h, a1, a2, b, bOpens };
}

describe('attack suite: links that take the round turn in turns', () => {
  it('two sybils re-opening the moment the holder’s time is up: the honest link waiting longest is answered', async () => {
    const { h, a1, a2, b, bOpens } = await setup();
    a1.send(open(1));
    expect(replied(a1)).toBe(true);
    bOpens();
    expect(replied(b)).toBe(false);
    let since = h.clock;
    let [holder, other] = [a1, a2];
    const session = new Map([
      [a1, 1],
      [a2, 0],
    ]);
    const start = h.clock;
    while (h.clock - start < 10 * ROUND_TURN_MS && !replied(b)) {
      if (h.clock + 50 - since >= ROUND_TURN_MS) {
        // Between our ticks: the other sybil's open lands the moment the holder's time is up.
        h.clock = since + ROUND_TURN_MS;
        const s = session.get(other)! + 1;
        session.set(other, s);
        other.reset();
        other.send(open(s));
        holder.send(ended(session.get(holder)!, 'done'));
        [holder, other] = [other, holder];
        since = h.clock;
        await h.landed(0);
      } else await h.landed(50);
    }
    // Old code: 60 steals in 60 s and b never answered.
    expect(replied(b), `b answered after ${h.clock - start} ms`).toBe(true);
    expect(h.clock - start).toBeLessThanOrEqual(2 * ROUND_TURN_MS);
  });

  it('sybils that re-send their open every 5 ms and end their round once the other is answered: the honest link is answered', async () => {
    const { h, a1, a2, b, bOpens } = await setup();
    a1.send(open(1));
    bOpens();
    let [holder, other] = [a1, a2];
    const session = new Map([
      [a1, 1],
      [a2, 1],
    ]);
    other.reset();
    const start = h.clock;
    while (h.clock - start < 10 * ROUND_TURN_MS && !replied(b)) {
      h.clock += 5;
      // The waiting sybil learns it has the turn only from our reply: it re-sends its open meanwhile.
      other.send(open(session.get(other)!));
      if (replied(other)) {
        holder.send(ended(session.get(holder)!, 'done'));
        session.set(holder, session.get(holder)! + 1);
        [holder, other] = [other, holder];
        other.reset();
      }
      if ((h.clock - start) % 50 === 0) await h.landed(0);
    }
    // Old code: 60 steals in 60 s (12,000 opens) and b never answered.
    expect(replied(b), `b answered after ${h.clock - start} ms`).toBe(true);
    expect(h.clock - start).toBeLessThanOrEqual(2 * ROUND_TURN_MS);
  });

  it('an open its initiator aborted while it waited is not answered when the turn comes', async () => {
    const { h, a1, b, bOpens } = await setup();
    a1.send(open(1));
    bOpens();
    await h.landed(50);
    b.send(ended(1, 'abort'));
    await h.landed(50);
    a1.send(ended(1, 'done'));
    await h.landed(0);
    await h.landed(0);
    expect(replied(b)).toBe(false);
    expect(b.versionsOut()).toHaveLength(0);
  });
});
