/**
 * Hostile review (session 26, `h26-attack`) of EntityState.applyLatestOwn, the merge's fast path
 * for an author's next context-free write: over random deliveries a member could craft (four or
 * seventy authors, one millisecond apart or equal, twins under one timestamp with other contents,
 * honest contexts naming others' writes, rest markers, tombstones, expiries, the same version again
 * across deliveries, in any order), a store with the fast path and one where it always defers to
 * applyTo's general rules give the same outcome for every delivery (kind, heads removed, evidence
 * kept and released, twin) and end in the same state (heads, knowledge, evidence), with the columns
 * and the reference representation, and with evidence bounds low enough to be reached. The fast
 * path then cannot make two nodes given the same versions differ where the general rules do not.
 * Replay with SEED=<printed seed> (RUNS=...).
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../../src/core/clock/timestamp';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityState } from '../../../../src/core/store/entity-state';
import { EntityStore, type StoreOptions, type StoreSnapshot } from '../../../../src/core/store/entity-store';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31) || 1;
const runs = Number(process.env.RUNS ?? 600);
console.log(`latest-own differential: seed ${seed} (replay with SEED=${seed})`);

const T0 = 1_700_000_000_000;
const E = 'e1' as EntityId;
const KINDS = ['position', 'velocity', 'source', 'threat', 'classification', 'expiry', 'speed'] as ComponentKind[];
const LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'];

let state = seed;
const rnd = (n: number): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
};

function valueOf(kind: string, i: number): ComponentValue {
  const value: Record<string, unknown> =
    kind === 'threat'
      ? { level: LEVELS[i % 4] }
      : kind === 'classification'
        ? {
            label: 'x',
            disposition: ['UNKNOWN', 'HOSTILE', 'NEUTRAL'][i % 3],
            environment: 'LAND',
            confidence: (i % 5) / 5,
          }
        : kind === 'expiry'
          ? { at: T0 + 10 + i }
          : kind === 'velocity'
            ? { east: i % 3, north: 1 }
            : kind === 'source'
              ? { sensorId: `s${i % 3}`, sensorType: 'RADAR' }
              : kind === 'speed'
                ? { v: i }
                : { lat: 1 + (i % 3), lon: 2, alt: 0 };
  return value as unknown as ComponentValue;
}

function deliveries(authors: readonly NodeId[], n: number): Version[] {
  const out: Version[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd(40) === 0 ? DELETED : KINDS[rnd(KINDS.length)]!;
    const node = authors[rnd(authors.length)]!;
    const ts = { ms: T0 + rnd(6), c: rnd(2), node };
    const seen: Timestamp[] = [];
    if (rnd(4) === 0) {
      for (const o of authors.slice(0, 6)) {
        const ms = T0 + rnd(6);
        if (o !== node && rnd(2) === 0 && ms < ts.ms) seen.push({ ms, c: rnd(2), node: o });
      }
      // A rest marker: the writer saw everything up to just before its write.
      if (rnd(10) === 0 && ts.ms > T0) seen.push({ ms: ts.ms - 1, c: 0, node });
      seen.sort((a, b) => a.ms - b.ms || a.c - b.c || (a.node < b.node ? -1 : 1));
    }
    out.push({ entity: E, kind, value: kind === DELETED ? ({} as ComponentValue) : valueOf(kind, rnd(7)), ts, seen });
    // The same version again, later in the deliveries.
    if (rnd(5) === 0) out.push(out[rnd(out.length)]!);
  }
  return out;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const stamp = (t: Timestamp): string => `${t.ms}.${t.c}.${t.node}`;
const sortedJson = (items: readonly unknown[] | undefined): string[] | undefined =>
  items?.map((x) => JSON.stringify(x)).sort();

/** The state as compared: arrival order aside (versions, knowledge entries and evidence sorted). */
function normal(s: StoreSnapshot): string {
  const byStamp = (a: Timestamp, b: Timestamp): number => (stamp(a) < stamp(b) ? -1 : 1);
  return JSON.stringify({
    versions: sortedJson(s.versions),
    entities: s.entities.map((e) => ({
      ...e,
      evidence: sortedJson(e.evidence),
      knowledge: e.knowledge.map((k) => ({ ...k, own: [...k.own].sort(byStamp), seen: [...k.seen].sort(byStamp) })),
    })),
  });
}

type Fast = (this: EntityState, ...args: unknown[]) => unknown;
const proto = EntityState.prototype as unknown as { applyLatestOwn: Fast };
const fast = proto.applyLatestOwn;

/** Every delivery's outcome, then the end state, with `impl` as EntityState.applyLatestOwn. */
function replay(vs: readonly Version[], options: StoreOptions, impl: Fast): string[] {
  proto.applyLatestOwn = impl;
  try {
    const store = new EntityStore(options);
    const out = vs.map((v) => {
      const o = store.apply(v);
      return o.kind === 'duplicate'
        ? o.kind
        : JSON.stringify([
            o.kind,
            o.removed?.map((r) => stamp(r.ts)).sort(),
            sortedJson(o.kept),
            sortedJson(o.released),
            o.twin,
          ]);
    });
    out.push(normal(store.snapshot()));
    return out;
  } finally {
    proto.applyLatestOwn = fast;
  }
}

describe('EntityState.applyLatestOwn against the general rules', () => {
  const cases: [string, readonly NodeId[], number, StoreOptions][] = [
    ['4 authors, columns', ['a', 'b', 'c', 'd'] as NodeId[], 24, {}],
    ['4 authors, reference registers', ['a', 'b', 'c', 'd'] as NodeId[], 24, { columns: false }],
    [
      '4 authors, evidence bounds reached',
      ['a', 'b', 'c', 'd'] as NodeId[],
      24,
      { evidence: { perAuthor: 2, node: 50, perEntity: 3 } },
    ],
    [
      '70 authors (past MAX_REGISTER_AUTHORS)',
      Array.from({ length: 70 }, (_, i) => `n${String(i).padStart(2, '0')}` as NodeId),
      300,
      {},
    ],
  ];
  for (const [name, authors, length, options] of cases) {
    it(`same outcome per delivery and same end state: ${name}`, () => {
      const n = authors.length > 8 ? Math.max(1, Math.floor(runs / 20)) : runs;
      let fastTaken = 0;
      const counted: Fast = function (this: EntityState, ...args: unknown[]) {
        const r = fast.apply(this, args);
        if (r !== undefined) fastTaken += 1;
        return r;
      };
      for (let run = 0; run < n; run++) {
        const vs = shuffled(deliveries(authors, 2 + rnd(length)));
        const general = replay(vs, options, () => undefined);
        const withFast = replay(vs, options, counted);
        expect(withFast, `run ${run}, seed ${seed}: ${JSON.stringify(vs)}`).toEqual(general);
      }
      // The fast path was taken (else the comparison says nothing).
      expect(fastTaken).toBeGreaterThan(n);
    });
  }
});
