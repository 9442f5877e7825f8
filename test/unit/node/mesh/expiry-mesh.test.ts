/**
 * Issue 8 at the mesh: "An expired entity stays gone everywhere unless a write made after its
 * expiry revives it; test exactly that, with crashes and partitions between the expiry and the
 * purge." Real LatticeNodes over the in-memory mesh (mesh-sim.ts), the purge run by each node's own
 * tick (docs/architecture.md, "Expiry"). The two-device repro first, then a seeded,
 * replayable simulation: replay a failure with SEED=<seed> (RUNS=<n> for more seeds).
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { LatticeNode } from '../../../../src/node/lattice-node';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now());
const runs = Number(process.env.RUNS ?? (process.env.SEED === undefined ? 3 : 1));
console.log('expiry mesh seed', seed);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

async function writesLand(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Settles, lets the asynchronous commits land, and settles again. Frames are not lost meanwhile
 * (the links come good, as at a final heal): a frame lost mid-round stalls that round until its
 * timeout (20 s), and on up to 5 nodes with rounds every 5 s at up to 10 % loss a moment when every
 * link is synced at once may never come within the settle's bound (seed 1796614586630: n1-n4's
 * opens lost round after round). Between the settles the phases run with the loss.
 */
async function quiesce(sim: MeshSim): Promise<void> {
  const drop = sim.net.options.drop;
  sim.net.options.drop = 0;
  try {
    await sim.settle();
    await writesLand();
    await sim.settle();
    await writesLand();
  } finally {
    sim.net.options.drop = drop;
  }
}

async function twoDevices(): Promise<MeshSim> {
  const sim = new MeshSim({ seed: 8 });
  await sim.add('a');
  await sim.add('b');
  sim.link('a', 'b');
  await sim.get('a').node.create({ id: 'x', components: { speed: { kts: 10 }, position: { lat: 1, lon: 1 } } });
  // A value overwritten several times before the expiry (the issue saw such values resurface).
  await sim.get('a').node.update('x', { speed: { kts: 11 } });
  await sim.get('a').node.update('x', { speed: { kts: 12 } });
  await quiesce(sim);
  expect((await sim.get('b').node.get('x'))?.components.speed).toEqual({ kts: 12 });
  return sim;
}

/** The app's partition(): B refuses its links, which drop at once (heal() reconnects them). */
const isolateB = (sim: MeshSim): void => sim.unlink('a', 'b');
const healB = (sim: MeshSim): void => sim.link('a', 'b');

describe("issue 8's two-device repro over the mesh", () => {
  it('B partitioned while A expires x: after the heal x stays gone on both', async () => {
    const sim = await twoDevices();
    isolateB(sim);
    await sim.get('a').node.update('x', { expiry: { at: sim.clock + 2_000 } });
    await sim.advance(3_500);
    expect(await sim.get('a').node.get('x')).toBeUndefined();
    healB(sim);
    await sim.advance(5_000);
    for (const id of ['a', 'b']) expect(await sim.get(id).node.get('x'), id).toBeUndefined();
    await quiesce(sim);
    for (const id of ['a', 'b']) expect(await sim.get(id).node.get('x'), id).toBeUndefined();
    expect(await sim.dump('a')).toEqual(await sim.dump('b'));
  });

  it('A shortens its expiry while B is partitioned; B fires the first deadline: after the heal both agree', async () => {
    const sim = await twoDevices();
    const t = sim.clock;
    await sim.get('a').node.update('x', { expiry: { at: t + 4_000 } });
    await quiesce(sim);
    isolateB(sim);
    await sim.get('a').node.update('x', { expiry: { at: sim.clock + 1_000 } });
    await sim.advance(1_200);
    // Written after the shorter deadline: it revives x (B purges it when the longer one fires).
    await sim.get('a').node.create({ id: 'x', components: { speed: { kts: 4 } } });
    await sim.advance(4_000);
    expect(await sim.get('b').node.get('x')).toBeUndefined();
    healB(sim);
    await quiesce(sim);
    await sim.advance(5_000);
    await quiesce(sim);
    for (const id of ['a', 'b'])
      expect((await sim.get(id).node.get('x'))?.components, id).toEqual({ speed: { kts: 4 } });
    expect(await sim.dump('a')).toEqual(await sim.dump('b'));
  });

  it('with A crashed between its expiry write and the deadline, and B restarted after A purged', async () => {
    const sim = await twoDevices();
    isolateB(sim);
    await sim.get('a').node.update('x', { expiry: { at: sim.clock + 2_000 } });
    await sim.crash('a'); // before the purge: the marker is durable, the purge not yet run
    await sim.advance(3_500);
    await writesLand();
    expect(await sim.get('a').node.get('x')).toBeUndefined();
    await sim.crash('a'); // after the purge: the floor must survive the restart
    await sim.restart('b'); // B reopens from storage still holding the old versions
    expect((await sim.get('b').node.get('x'))?.components.speed).toEqual({ kts: 12 });
    healB(sim);
    await sim.advance(5_000);
    await quiesce(sim);
    for (const id of ['a', 'b']) expect(await sim.get(id).node.get('x'), id).toBeUndefined();
    await sim.restart('a');
    await sim.restart('b');
    await sim.advance(5_000);
    await quiesce(sim);
    for (const id of ['a', 'b']) expect(await sim.get(id).node.get('x'), id).toBeUndefined();
    expect(await sim.dump('a')).toEqual(await sim.dump('b'));
  });

  it('a write B makes after the deadline, still partitioned, revives x on both with only that write', async () => {
    const sim = await twoDevices();
    isolateB(sim);
    await sim.get('a').node.update('x', { expiry: { at: sim.clock + 2_000 } });
    await sim.advance(1_000);
    await sim.get('b').node.update('x', { speed: { kts: 50 } }); // before the deadline: dies with x
    await sim.advance(2_500);
    await writesLand();
    expect(await sim.get('a').node.get('x')).toBeUndefined();
    await sim.get('b').node.update('x', { position: { lat: 5, lon: 5 } }); // after it: revives
    await sim.crash('b');
    healB(sim);
    await sim.advance(5_000);
    await quiesce(sim);
    for (const id of ['a', 'b']) {
      expect((await sim.get(id).node.get('x'))?.components, id).toEqual({ position: { lat: 5, lon: 5 } });
    }
    expect(await sim.dump('a')).toEqual(await sim.dump('b'));
  });
});

/** A write the oracle knows of: the entity, the kind, the unique value it wrote, and when. */
interface Written {
  readonly entity: string;
  readonly kind: string;
  readonly value: string;
  readonly at: number;
}

/** The ms of the last stamp a node's clock gave or observed (its next write carries at least this). */
const clockOf = (node: LatticeNode): number =>
  (node as unknown as { parts: { clock: { last: { ms: number } } } }).parts.clock.last.ms;

/** Writes keep this far from any deadline of their entity, so "before" and "after" are unambiguous. */
const MARGIN_MS = 200;

async function randomRun(runSeed: number): Promise<{ gone: number; revived: number }> {
  const r = mulberry32(runSeed);
  const n = int(r, 3, 5);
  const sim = new MeshSim({
    seed: runSeed,
    net: {
      drop: r() < 0.5 ? r() * 0.1 : 0,
      duplicate: r() < 0.5 ? r() * 0.1 : 0,
      reorder: r() < 0.5 ? r() * 0.2 : 0,
      latency: { min: 1, max: int(r, 1, 10) },
    },
    session: { syncIntervalMs: pick(r, [5_000, 30_000]) },
  });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) await sim.add(id);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (j === i + 1 || r() < 0.5) sim.link(ids[i]!, ids[j]!);
  const entities = Array.from({ length: 8 }, (_, i) => `x${i}`);
  const written: Written[] = [];
  const deadline = new Map<string, number>();
  /** Entities nothing is written to after their deadline (half of those given an expiry). */
  const sealed = new Map<string, boolean>();
  let counter = 0;
  const write = async (node: string, entity: string, kinds: readonly string[]): Promise<void> => {
    const components: Record<string, unknown> = {};
    for (const kind of kinds) {
      counter += 1;
      components[kind] = kind === 'speed' ? { kts: counter } : { lat: counter / 1000, lon: 1 };
    }
    const target = sim.get(node).node;
    const view =
      (await target.get(entity)) === undefined
        ? await target.create({ id: entity, components: components as never })
        : await target.update(entity, components);
    // When the write happened is its stamp, not the simulation's clock: a node back from a crash
    // stamps from its clock lease, which may run ahead of the wall (src/node/clock-lease.ts).
    for (const kind of kinds) {
      written.push({ entity, kind, value: JSON.stringify(components[kind]), at: view.meta[kind]!.time });
    }
  };
  for (const e of entities) await write(pick(r, ids), e, ['speed', 'position']);
  await quiesce(sim);

  for (let phase = 0; phase < 14; phase++) {
    // Expiries: one per entity, its deadline ahead of it, and nobody writes the expiry kind again:
    // a deadline superseded or reset across a partition is the known limit of docs/architecture.md
    // ("Expiry"), not what this test is about.
    for (const e of entities) {
      if (deadline.has(e) || r() > 0.25) continue;
      // Written by a node that shows the entity (a lossy link may not have brought it everywhere yet).
      const shuffled = [...ids].sort(() => r() - 0.5);
      let who: string | undefined;
      for (const id of shuffled) if (who === undefined && (await sim.get(id).node.get(e)) !== undefined) who = id;
      if (who === undefined) continue;
      // Ahead of the time the writer's next write carries: its HLC, which runs ahead of the wall
      // after a restart (the clock lease) or after a peer's later stamp (the door refuses a
      // deadline not after it: expiry-in-past).
      const at = Math.max(sim.clock, clockOf(sim.get(who).node)) + int(r, 500, 3_000);
      deadline.set(e, at);
      sealed.set(e, r() < 0.5);
      await sim.get(who).node.update(e, { expiry: { at } });
    }
    // Writes to other kinds, on any node, partitioned or not, kept clear of the deadlines.
    for (let w = int(r, 0, 6); w > 0; w--) {
      const e = pick(r, entities);
      const at = deadline.get(e);
      if (at !== undefined && Math.abs(sim.clock - at) < MARGIN_MS) continue;
      if (at !== undefined && sealed.get(e) === true && sim.clock > at) continue;
      await write(pick(r, ids), e, r() < 0.5 ? ['speed'] : r() < 0.5 ? ['position'] : ['speed', 'position']);
    }
    // Between the expiries and the purges: partitions, heals, crashes, restarts, nodes going away.
    const event = r();
    if (event < 0.25) {
      const cut = int(r, 1, n - 1);
      const shuffled = [...ids].sort(() => r() - 0.5);
      sim.net.partition(shuffled.slice(0, cut) as NodeId[], shuffled.slice(cut) as NodeId[]);
    } else if (event < 0.4) sim.net.heal();
    else if (event < 0.55) await sim.crash(pick(r, ids));
    else if (event < 0.65) await sim.restart(pick(r, ids));
    else if (event < 0.75) sim.offline(pick(r, ids));
    else if (event < 0.85) sim.online(pick(r, ids));
    await sim.advance(int(r, 100, 2_500));
    if (r() < 0.5) await writesLand();
  }

  sim.net.heal();
  Object.assign(sim.net.options, { drop: 0, duplicate: 0, reorder: 0 });
  for (const id of ids) sim.online(id);
  await sim.advance(60_000);
  await quiesce(sim);
  await sim.advance(10_000);
  await quiesce(sim);

  let gone = 0;
  let revived = 0;
  for (const e of entities) {
    const at = deadline.get(e);
    if (at !== undefined) {
      if (written.some((w) => w.entity === e && w.at > at)) revived += 1;
      else gone += 1;
    }
    const mine = written.filter((w) => w.entity === e && (at === undefined || w.at > at));
    for (const id of ids) {
      const view = await sim.get(id).node.get(e);
      const where = `seed ${runSeed}: ${e} on ${id} (deadline ${at === undefined ? 'none' : at - sim.clock})`;
      if (at !== undefined && mine.length === 0) {
        expect(view, `${where}: expired, nothing written after`).toBeUndefined();
        continue;
      }
      expect(view, where).toBeDefined();
      const kinds = Object.keys(view!.components).filter((k) => k !== 'expiry');
      expect(kinds.sort(), where).toEqual([...new Set(mine.map((w) => w.kind))].sort());
      for (const kind of kinds) {
        const shown = JSON.stringify(view!.components[kind]);
        // Only values written after the deadline may show: nothing older resurfaces.
        expect(
          mine.some((w) => w.kind === kind && w.value === shown),
          `${where}: ${kind} ${shown}`,
        ).toBe(true);
      }
    }
  }
  const first = await sim.dump(ids[0]!);
  for (const id of ids.slice(1)) expect(await sim.dump(id), `seed ${runSeed}: ${id} differs from n0`).toEqual(first);
  return { gone, revived };
}

describe('expired entities over a mesh with partitions and restarts between expiry and purge', () => {
  for (let k = 0; k < runs; k++) {
    const runSeed = seed + k;
    it(`stay gone on every node unless written after their deadline (seed ${runSeed})`, async () => {
      const { gone, revived } = await randomRun(runSeed);
      console.log(`seed ${runSeed}: ${gone} entities expired and stayed gone, ${revived} revived`);
    }, 120_000);
  }
});
