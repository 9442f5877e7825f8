/**
 * The budgeter wired into every link (docs/budgeter.md): real LatticeNodes over the in-memory
 * transport, each direction a thin link (the LinkShaper as a transport decorator, seeded, with
 * loss), on a virtual clock. A flood of moving tracks saturates the budget while HIGH, MEDIUM and
 * LOW traffic goes on. Replay a failure with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { PER_MESSAGE_OVERHEAD_BYTES } from '../../../../src/core/budget/wire-overhead';
import type { NodeId } from '../../../../src/core/ids';
import { MeshSim, type MeshSimOptions } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('budget seed', seed);

const RATE = 4000;
const TRACKS = 400;
const TICK_MS = 50;

/**
 * Live queues small enough that the flood overflows them (the default is 10,000 items per class,
 * far more than TRACKS): 400 tracks moving at 1 Hz over 4,000 B/s keep hundreds of positions
 * waiting, and the LOW and MEDIUM entities change ten at a time.
 */
const SMALL_QUEUES = {
  position: { maxItems: 40, maxBytes: 1024 * 1024 },
  low: { maxItems: 4, maxBytes: 1024 * 1024 },
  medium: { maxItems: 4, maxBytes: 1024 * 1024 },
};

/**
 * How long a reliable channel takes to send a lost frame again: the app's data channels are
 * reliable and ordered (simple-peer's default channel), so SCTP resends a lost packet, and on a
 * saturated link the later packets' acknowledgements report the gap about one round trip after it
 * (fast retransmit, RFC 4960 §7.2.4). 100 ms each way plus jitter.
 */
const RESEND_AFTER_MS = 2 * 100 + 20;

/**
 * `reliable`: a lost frame is resent after RESEND_AFTER_MS and holds back what follows it, as on
 * the app's links; otherwise it is gone, as when a link dies with frames in flight, for the tests
 * of what anti-entropy repairs.
 */
function thinSim(loss = 0.01, rate = RATE, queueLimits?: MeshSimOptions['queueLimits'], reliable = false): MeshSim {
  // Each new link (a reconnect too) draws its losses afresh: with one seed per direction, a link
  // that died behind a lost frame met the same losses at the same points on every reconnect, for
  // ever (seed 988049901), which no real link does.
  let links = 0;
  return new MeshSim({
    seed,
    ...(queueLimits === undefined ? {} : { queueLimits }),
    // The first sync runs before any budget is set (linked()), and an unlimited link frames repair
    // at repairFrameBytes: it must cross this 4 kB/s wire well inside the 8 s dead timer (400 signed
    // versions in one 64 KiB frame took 8 s, and the link died behind it over and over). Once a
    // budget is set, repair frames follow its frame size (repair-frames.test.ts).
    session: { repairFrameBytes: 12 * 1024 },
    shape: (from, to) => ({
      bytesPerSecond: rate,
      latencyMs: 100,
      jitterMs: 20,
      loss,
      ...(reliable ? { resendAfterMs: RESEND_AFTER_MS } : {}),
      seed: (seed ^ (from < to ? 1 : 2) ^ (++links << 8)) >>> 0,
    }),
  });
}

/** Entities on node `id`: TRACKS moving tracks without threat, and a few LOW and MEDIUM ones. */
async function populate(sim: MeshSim, id: string): Promise<void> {
  const { node } = sim.get(id);
  for (let i = 0; i < TRACKS; i++)
    await node.create({ id: `t${i}`, components: { position: { lat: 50, lon: 8 + i * 1e-3 } } });
  for (const level of ['LOW', 'MEDIUM'] as const)
    for (let i = 0; i < 10; i++)
      await node.create({ id: `${level}${i}`, components: { threat: { level }, zz_note: { n: 0 } } });
  await node.create({ id: 'alarm', components: { zz_note: { n: 0 } } });
  await node.create({ id: 'gone', components: { zz_note: { n: 0 } } });
}

/**
 * Runs `ms` of virtual time with every track moving at 1 Hz (spread over the second) and each LOW
 * and MEDIUM entity changing once a second; `during` runs after every tick.
 */
async function flood(sim: MeshSim, id: string, ms: number, during?: () => Promise<void> | void): Promise<void> {
  const { node } = sim.get(id);
  const perTick = Math.ceil((TRACKS * TICK_MS) / 1000);
  for (let t = 0; t < ms; t += TICK_MS) {
    const base = Math.floor(sim.clock / TICK_MS) * perTick;
    const writes: Promise<unknown>[] = [];
    for (let k = 0; k < perTick; k++) {
      const i = (base + k) % TRACKS;
      writes.push(node.update(`t${i}`, { position: { lat: 50 + (sim.clock % 100_000) * 1e-7, lon: 8 + i * 1e-3 } }));
    }
    if (sim.clock % 1000 < TICK_MS)
      for (const level of ['LOW', 'MEDIUM'] as const)
        for (let i = 0; i < 10; i++) writes.push(node.update(`${level}${i}`, { zz_note: { n: sim.clock } }));
    await Promise.all(writes);
    await sim.advance(TICK_MS);
    await during?.();
  }
}

async function budgetBoth(sim: MeshSim, target: string, bytesPerSecond: number | null): Promise<void> {
  for (const n of sim.nodes.values()) await n.node.setBudget(target, { bytesPerSecond });
}

/** Wire bytes (payload plus 93 B per message) one node sent to another over the shaped link. */
function wireBytes(sim: MeshSim, from: string, to: string): number {
  let bytes = 0;
  for (const s of sim.shaped)
    if (s.from === from && s.link.peer === to)
      bytes += s.link.stats.bytes + s.link.stats.messages * PER_MESSAGE_OVERHEAD_BYTES;
  return bytes;
}

async function linked(queueLimits?: MeshSimOptions['queueLimits'], reliable = false): Promise<MeshSim> {
  const sim = thinSim(0.01, RATE, queueLimits, reliable);
  await sim.add('a');
  await sim.add('b');
  await populate(sim, 'a');
  sim.link('a', 'b');
  await sim.settle();
  return sim;
}

describe('the budgeter on every link', () => {
  it('keeps long-run bytes/s within ±5 % of the budget, HIGH passing at once at zero tokens, no class starving', async () => {
    // Reliable links, as the app's: with frames dropped for good, a lost HIGH frame waited for the
    // next anti-entropy round (11.6 s, seed 1275223057), a loss no open data channel has.
    const sim = await linked(undefined, true);
    await budgetBoth(sim, '*', RATE);
    const { node: a } = sim.get('a');
    const { node: b } = sim.get('b');
    // Saturate first: the bucket is at zero tokens from here on.
    await flood(sim, 'a', 5_000);
    const before = await a.budgetStats('b');
    expect(before.bytesPerSecond).toBe(RATE);
    expect(before.classes.position.queued).toBeGreaterThan(0);

    // Long run: what went on the thin wire, headers counted.
    const wire0 = wireBytes(sim, 'a', 'b');
    const t0 = sim.clock;
    const sentAt: Record<string, number>[] = [];
    const windows: Record<string, number>[] = [];
    let alarmAt: number | undefined;
    let alarmSeen: number | undefined;
    let second = 0;
    await flood(sim, 'a', 30_000, async () => {
      if (sim.clock - t0 >= 10_000 && alarmAt === undefined) {
        alarmAt = sim.clock;
        await a.update('alarm', { threat: { level: 'HIGH' } });
      }
      if (alarmAt !== undefined && alarmSeen === undefined) {
        const view = await b.get('alarm');
        if ((view?.components.threat as { level?: string } | undefined)?.level === 'HIGH') alarmSeen = sim.clock;
      }
      if (sim.clock - t0 >= (second + 1) * 5_000) {
        second += 1;
        const s = await a.budgetStats('b');
        sentAt.push(Object.fromEntries(Object.entries(s.classes).map(([k, v]) => [k, v.sent])));
      }
    });
    const perSecond = ((wireBytes(sim, 'a', 'b') - wire0) * 1000) / (sim.clock - t0);
    console.log(`wire ${perSecond.toFixed(0)} B/s against ${RATE}; HIGH after ${alarmSeen! - alarmAt!} ms`);
    expect(perSecond).toBeGreaterThan(RATE * 0.95);
    expect(perSecond).toBeLessThan(RATE * 1.05);
    // The live figure is the last 10 s only (DEFAULT_STATS_WINDOW_MS): borrowing and repaying
    // around an anti-entropy round moves one window by ±5 % (seen: 3,796–4,139 B/s at 4,000 over
    // six windows of one run, seed 987807545) while the long run above holds to ±5 %.
    const stats = await a.budgetStats('b');
    expect(stats.sentBytesPerSecond).toBeGreaterThan(RATE * 0.9);
    expect(stats.sentBytesPerSecond).toBeLessThan(RATE * 1.1);

    // HIGH arrived while the link stayed saturated, within a second of virtual time.
    expect(alarmSeen).toBeDefined();
    expect(alarmSeen! - alarmAt!).toBeLessThan(1_000);
    expect(stats.classes.high.sent).toBeGreaterThan(0);

    // No class starved: every 5 s, positions, LOW and MEDIUM each got frames out.
    for (let i = 1; i < sentAt.length; i++) {
      windows.push(sentAt[i]!);
      for (const cls of ['position', 'low', 'medium'])
        expect(sentAt[i]![cls]!, `${cls} in window ${i}`).toBeGreaterThan(sentAt[i - 1]![cls]!);
    }
    // Positions went as the latest value per track: coalesced, one queued per track at most.
    expect(stats.classes.position.coalesced).toBeGreaterThan(0);
    expect(stats.classes.position.queued).toBeLessThanOrEqual(TRACKS);
  });

  it('converges after the flood: nothing lost, only deferred', async () => {
    // Queues small enough to overflow: deferred versions must come by anti-entropy.
    const sim = await linked(SMALL_QUEUES);
    await budgetBoth(sim, '*', RATE);
    await flood(sim, 'a', 20_000);
    const { node: a } = sim.get('a');
    await a.remove('gone');
    await flood(sim, 'a', 2_000);
    // The flood really overflowed: versions went to anti-entropy, not live (seed printed above).
    const flooded = await a.budgetStats('b');
    console.log(
      `seed ${seed}: deferred ${['position', 'low', 'medium'].map((c) => `${c} ${flooded.classes[c as 'low'].deferred}`).join(', ')}`,
    );
    for (const cls of ['position', 'low', 'medium'] as const) {
      expect(flooded.classes[cls].deferred, `${cls}, seed ${seed}`).toBeGreaterThan(0);
      expect(flooded.classes[cls].droppedToAntiEntropy, `${cls}, seed ${seed}`).toBeGreaterThan(0);
      expect(flooded.classes[cls].queued, `${cls}, seed ${seed}`).toBeLessThanOrEqual(SMALL_QUEUES[cls].maxItems);
    }
    // A frame the shaper lost is found by the next periodic round (30 s); a repair frame can be
    // lost too (signed versions are ~150 B, so a repair takes more frames: seed 7082002 needed a
    // second round), so run round after round, at most four, until the pictures agree.
    await sim.advance(35_000);
    await sim.settle();
    let rounds = 1;
    while ((await sim.dump('b')) !== (await sim.dump('a')) && rounds < 4) {
      await sim.advance(30_000);
      await sim.settle();
      rounds++;
    }
    console.log(`converged after ${rounds} periodic round(s)`);
    const s = await a.budgetStats('b');
    for (const [cls, c] of Object.entries(s.classes)) expect(c.queued, cls).toBe(0);
    expect(await sim.dump('b'), `pictures differ, seed ${seed}`).toBe(await sim.dump('a'));
    expect(await sim.get('b').node.get('gone')).toBeUndefined();
  });

  it('shares one node-wide budget between links in near-equal byte shares', async () => {
    const sim = thinSim(0, 10 * RATE);
    for (const id of ['a', 'b', 'c']) await sim.add(id);
    await populate(sim, 'a');
    sim.link('a', 'b');
    sim.link('a', 'c');
    await sim.settle();
    const { node: a } = sim.get('a');
    await a.setBudget('node', { bytesPerSecond: RATE });
    await flood(sim, 'a', 5_000);
    const b0 = wireBytes(sim, 'a', 'b');
    const c0 = wireBytes(sim, 'a', 'c');
    const t0 = sim.clock;
    await flood(sim, 'a', 20_000);
    const secs = (sim.clock - t0) / 1000;
    const toB = (wireBytes(sim, 'a', 'b') - b0) / secs;
    const toC = (wireBytes(sim, 'a', 'c') - c0) / secs;
    console.log(`node-wide ${RATE} B/s: ${toB.toFixed(0)} to b, ${toC.toFixed(0)} to c`);
    expect(toB + toC).toBeGreaterThan(RATE * 0.95);
    expect(toB + toC).toBeLessThan(RATE * 1.05);
    // Near-equal shares of the shared budget, by bytes (within 20 % of an equal share: the fair
    // queue lets a link that can send now go ahead of one waiting for a larger frame).
    expect(Math.min(toB, toC)).toBeGreaterThan(RATE * 0.4);
    const node = await a.budgetStats();
    expect(node.bytesPerSecond).toBe(RATE);
    expect(node.classes.position.sent).toBe(
      (await a.budgetStats('b' as NodeId)).classes.position.sent + (await a.budgetStats('c')).classes.position.sent,
    );
  });

  it('validates setBudget and budgetStats at the boundary, and persists budgets', async () => {
    const sim = thinSim(0);
    await sim.add('a');
    const { node: a } = sim.get('a');
    await expect(a.setBudget('nobody!', { bytesPerSecond: 1 })).rejects.toThrow(/ValidationError|peer id/);
    await expect(a.setBudget('*', { bytesPerSecond: -1 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(a.setBudget('*', { bytesPerSecond: 'fast' as never })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(a.setBudget('*', { bytesPerSecond: 1, extra: 1 } as never)).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(a.budgetStats('b')).rejects.toMatchObject({ name: 'NotFoundError' });
    await a.setBudget('node', { bytesPerSecond: 8000, burstBytes: 2093 });
    await a.setBudget('*', { bytesPerSecond: Infinity });
    expect((await a.budgetStats()).bytesPerSecond).toBe(8000);
    await a.flushed();
    await sim.restart('a');
    const again = sim.get('a').node;
    expect((await again.budgetStats()).bytesPerSecond).toBe(8000);
    expect((await again.budgetStats()).burstBytes).toBe(2093);
    expect(again.budgets.current.links.bytesPerSecond).toBeNull();
    // The default for every link reads back through info() (the settings panel shows it).
    expect((await again.info()).linkBudget).toEqual({ bytesPerSecond: null, burstBytes: null });
    await again.setBudget('*', { bytesPerSecond: 5000, burstBytes: 3000 });
    expect((await again.info()).linkBudget).toEqual({ bytesPerSecond: 5000, burstBytes: 3000 });
  });
});
