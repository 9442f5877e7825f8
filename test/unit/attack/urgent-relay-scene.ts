import { MeshSim, type SimNode } from '../node/mesh/mesh-sim';

const TRACKS = 40;
/** Each writer toggles every track's threat every `PERIOD` ms: TRACKS × 1000 / PERIOD a second. */
const PERIOD = 50;
/** Urgent versions each writer makes a second. */
export const TOGGLES_PER_SECOND = (TRACKS * 1000) / PERIOD;
/** When, into the flood, v writes its own. */
export const OWN_AT_MS = 2_000;

export interface RelayFlood {
  readonly sim: MeshSim;
  readonly v: SimNode;
  readonly h: SimNode;
  readonly writers: readonly string[];
  /** Virtual time the flood started and lasted. */
  readonly start: number;
  readonly flood: number;
  /** When h cut v's link for its backlog, and when v's own writes reached h (undefined: never, during the flood). */
  readonly cutAt: number | undefined;
  readonly highAt: number | undefined;
  readonly ownAt: number | undefined;
}

/**
 * The hostile scene of the link pace's relay attacks (docs/security.md, "Versions applied per
 * second"): two writers m1, m2 linked to v, v linked to an honest h. Each writer toggles its
 * tracks' threats (a HIGH track: every change is urgent) at the pace its own link into v takes,
 * for 20 s; 2 s in, v writes a HIGH threat of its own (`v-high`) and, with `own`, an ordinary
 * position (`v-own`). The caller mocks the pace and the backlog down (vi.mock of limits.ts).
 */
export async function relayFlood(seed: number, opts: { readonly own: boolean }): Promise<RelayFlood> {
  const sim = new MeshSim({ seed, registerLimits: { burst: 100_000, ratePerSecond: 100_000, maxAuthors: 64 } });
  const writers = ['m1', 'm2'];
  const nodes = new Map<string, SimNode>();
  for (const id of [...writers, 'v', 'h']) nodes.set(id, await sim.add(id));
  for (const w of writers) sim.link(w, 'v');
  sim.link('v', 'h');
  const toggle = async (level: string): Promise<void> => {
    for (const w of writers)
      await nodes
        .get(w)!
        .node.writeMany(
          Array.from({ length: TRACKS }, (_, i) => ({ id: `${w}-t${i}`, components: { threat: { level } } })),
        );
  };
  await toggle('HIGH');
  await sim.settle(60_000);
  const v = nodes.get('v')!;
  const h = nodes.get('h')!;
  const start = sim.clock;
  let round = 0;
  let cutAt: number | undefined;
  let highAt: number | undefined;
  let ownAt: number | undefined;
  for (let t = 0; t < 20_000 && cutAt === undefined; t += PERIOD) {
    round += 1;
    await toggle(round % 2 === 0 ? 'HIGH' : 'LOW');
    if (t === OWN_AT_MS) {
      if (opts.own) await v.node.create({ id: 'v-own', components: { position: { lat: 1, lon: 2 } } });
      await v.node.create({ id: 'v-high', components: { threat: { level: 'HIGH' } } });
    }
    await sim.advance(PERIOD);
    if (t >= OWN_AT_MS) {
      if (highAt === undefined && (await h.node.get('v-high')) !== undefined) highAt = sim.clock;
      if (opts.own && ownAt === undefined && (await h.node.get('v-own')) !== undefined) ownAt = sim.clock;
    }
    if (cutAt === undefined && h.logs.some((l) => /faster than their signatures/.test(l))) cutAt = sim.clock;
  }
  return { sim, v, h, writers, start, flood: sim.clock - start, cutAt, highAt, ownAt };
}
