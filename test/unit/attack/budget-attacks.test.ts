/**
 * Attacks on a budgeted link through what a peer makes us relay. Live versions are queued at an
 * estimated size (a version packs smaller with others than alone, and the ratio is learned from
 * what the link sends), so a peer that controls what we relay can first teach the link a tiny
 * ratio, then send versions that do not pack at all. What must hold: the link's wire bytes over
 * any run stay within rate × time + burst + the debt bound + one frame of the largest message, and
 * what it queues stays within the class limits. Seeded; replay with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { LinkBudgeter, DEFAULT_QUEUE_LIMITS } from '../../../src/core/budget/link-budgeter';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../../../src/core/budget/wire-overhead';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { MAX_SYNC_FRAME_BYTES } from '../../../src/core/sync';
import { LinkSender } from '../../../src/node/mesh/link-sender';
import type { Outgoing } from '../../../src/node/mesh/outgoing';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('budget attack seed', seed);

function rng(s: number): () => number {
  let x = s || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const RATE = 8_000;
const BURST = 8_000;

describe('attack: versions crafted to beat the link’s size estimate', () => {
  it('cannot make a budgeted link send more than its budget, nor queue past its limits', () => {
    const rand = rng(seed);
    let now = 0;
    const budgeter = new LinkBudgeter<Outgoing>(
      { budget: { bytesPerSecond: RATE, burstBytes: BURST }, maxFrameBytes: MAX_SYNC_FRAME_BYTES },
      now,
    );
    const wire: { at: number; bytes: number }[] = [];
    const sender = new LinkSender({
      budgeter,
      send: (frame) => {
        wire.push({ at: now, bytes: frame.length + PER_MESSAGE_OVERHEAD_BYTES });
        return true;
      },
      counted: () => undefined,
      now: () => now,
      wake: () => undefined,
      log: (message) => {
        throw new Error(message);
      },
    });
    const word = (n: number): string =>
      Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)]).join('');
    const ts = (node: string) => ({ ms: 1_000_000 + now, c: 0, node: node as NodeId });
    // Teach: many kinds of one entity by one author, all sharing a long id (they pack tightly).
    const shared = `e${word(120)}` as EntityId;
    const teach = (i: number): Version => ({
      entity: shared,
      kind: `k${i}` as ComponentKind,
      value: { v: 1 } as unknown as Version['value'],
      ts: ts(`n${'a'.repeat(60)}`),
      seen: [],
    });
    // Then: versions that share nothing (a fresh long entity id, author and kind each).
    const loose = (): Version => ({
      entity: `e${word(120)}` as EntityId,
      kind: `k${word(30)}` as ComponentKind,
      value: { v: word(40) } as unknown as Version['value'],
      ts: ts(`n${word(60)}`),
      seen: [],
    });
    const pumpFor = (ms: number): void => {
      const end = now + ms;
      while (now < end) {
        sender.pump();
        now += 10;
      }
    };
    for (let round = 0; round < 20; round++) {
      const items: Version[] = [];
      for (let i = 0; i < 300; i++) items.push(teach(round * 300 + i));
      sender.versions(items.map((version) => ({ version, cls: 'medium', key: `${version.entity}/${version.kind}` })));
      pumpFor(1_000);
    }
    for (let round = 0; round < 20; round++) {
      const items: Version[] = [];
      for (let i = 0; i < 300; i++) items.push(loose());
      sender.versions(items.map((version) => ({ version, cls: 'medium', key: `${version.entity}/${version.kind}` })));
      for (const cls of ['medium'] as const) {
        expect(budgeter.queueDepth(cls).items).toBeLessThanOrEqual(DEFAULT_QUEUE_LIMITS.maxItems);
        expect(budgeter.queueDepth(cls).bytes).toBeLessThanOrEqual(DEFAULT_QUEUE_LIMITS.maxBytes);
      }
      pumpFor(1_000);
    }
    // Over every window [a, b] of the run, what went on the wire is within rate × (b - a) plus the
    // burst and the debt bound the borrowing classes may run (one second of rate or the burst).
    const slack = BURST + Math.max(RATE, BURST);
    let sum = 0;
    let lowest = 0;
    let worst = -Infinity;
    for (const w of wire) {
      lowest = Math.min(lowest, sum - (RATE * w.at) / 1000);
      sum += w.bytes;
      worst = Math.max(worst, sum - (RATE * w.at) / 1000 - lowest);
    }
    const { packing } = sender as unknown as { packing: number };
    console.log(`queue ${JSON.stringify(budgeter.stats(now).classes.medium)}; learned packing ${packing.toFixed(2)}`);
    console.log(`sent ${sum} B in ${now} ms; the most over rate × time: ${Math.round(worst)} B (slack ${slack})`);
    expect(worst).toBeLessThanOrEqual(slack);
  });
});
