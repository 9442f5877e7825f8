import KDBush from 'kdbush';
import { EARTH_RADIUS_M } from '../sim/geo';
import { SEP, separate, sepWithin, type GateLimits, type KnownSeparations } from './gate';
import { IdBuffer, rangeInto } from './kd-range';
import type { Prepared } from './prepared';
import { TrackTable } from './track-table';

const DEG = 180 / Math.PI;

/**
 * The gated pairs of one scan, i < j by row: parallel typed arrays (`i`, `j`, `d2`), and an
 * adjacency (compressed rows: the neighbours of row r are `nbr[start[r] .. start[r + 1])`, with
 * the pair's d² beside them) so that "is (i, j) gated, and how far" is a short scan of i's list,
 * without a hash map or an object per pair.
 */
export class GatedPairs {
  /**
   * One kept for the life of the class (a scan makes one and drops it): with none alive at a full
   * GC, V8 dropped the class's hidden class and deoptimized the code built on it (reason "weak
   * objects": d2Of, lnDetOf and association's costs), as docs/benchmarks.md, scenario 1, "Decoder
   * after a full GC" tells of the decoder.
   */
  static readonly shapeKeeper: GatedPairs = new GatedPairs(
    0,
    new Int32Array(0),
    new Int32Array(0),
    new Float64Array(0),
  );

  readonly count: number;
  readonly start: Int32Array;
  readonly nbr: Int32Array;
  readonly nbrD2: Float64Array;
  /** ln det(Pa + Pb) of each neighbour pair, beside nbrD2 (gate.ts, pairCost). */
  readonly nbrLnDet: Float64Array;

  constructor(
    n: number,
    readonly i: Int32Array,
    readonly j: Int32Array,
    readonly d2: Float64Array,
    readonly lnDet: Float64Array = new Float64Array(i.length),
  ) {
    this.count = i.length;
    this.start = new Int32Array(n + 1);
    for (let k = 0; k < this.count; k++) {
      this.start[i[k]! + 1]!++;
      this.start[j[k]! + 1]!++;
    }
    for (let r = 0; r < n; r++) this.start[r + 1]! += this.start[r]!;
    const fill = this.start.slice(0, n);
    this.nbr = new Int32Array(2 * this.count);
    this.nbrD2 = new Float64Array(2 * this.count);
    this.nbrLnDet = new Float64Array(2 * this.count);
    for (let k = 0; k < this.count; k++) {
      const a = i[k]!;
      const b = j[k]!;
      this.nbr[fill[a]!] = b;
      this.nbrLnDet[fill[a]!] = lnDet[k]!;
      this.nbrD2[fill[a]!++] = d2[k]!;
      this.nbr[fill[b]!] = a;
      this.nbrLnDet[fill[b]!] = lnDet[k]!;
      this.nbrD2[fill[b]!++] = d2[k]!;
    }
  }

  /** ln det(Pa + Pb) of a gated pair, or undefined when (a, b) is not gated. */
  lnDetOf(a: number, b: number): number | undefined {
    for (let k = this.start[a]!, end = this.start[a + 1]!; k < end; k++)
      if (this.nbr[k] === b) return this.nbrLnDet[k]!;
    return undefined;
  }

  /** d² of a gated pair, or undefined when (a, b) is not gated. */
  d2Of(a: number, b: number): number | undefined {
    for (let k = this.start[a]!, end = this.start[a + 1]!; k < end; k++) if (this.nbr[k] === b) return this.nbrD2[k]!;
    return undefined;
  }
}

/**
 * Appends to typed arrays, doubling as it goes. The engine keeps one across scans, so a scan's
 * pairs are written into the last scan's arrays: the GatedPairs of a scan holds views of them,
 * valid until the next `gatePairs` call with the same buffer.
 */
export class PairBuffer {
  private i = new Int32Array(1024);
  private j = new Int32Array(1024);
  private d2 = new Float64Array(1024);
  private lnDet = new Float64Array(1024);
  length = 0;

  /** Appends (a, b) with the d² now in SEP (gate.ts), read here: a double passed to a call that is not inlined is boxed. */
  pushSeparated(a: number, b: number): void {
    if (this.length === this.i.length) {
      const grow = <T extends Int32Array | Float64Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(2 * x.length);
        y.set(x);
        return y;
      };
      this.i = grow(this.i);
      this.j = grow(this.j);
      this.d2 = grow(this.d2);
      this.lnDet = grow(this.lnDet);
    }
    this.i[this.length] = a;
    this.j[this.length] = b;
    this.lnDet[this.length] = SEP[6]!;
    this.d2[this.length++] = SEP[0]!;
  }

  done(n: number): GatedPairs {
    const k = this.length;
    return new GatedPairs(
      n,
      this.i.subarray(0, k),
      this.j.subarray(0, k),
      this.d2.subarray(0, k),
      this.lnDet.subarray(0, k),
    );
  }
}

/**
 * Every pair of tracks of different sensors inside the gate. A kd-tree (kdbush) over (lon, lat)
 * degrees per speed class of the indexed tracks is built once per scan, O(n log n); each track
 * then asks each class for the box that bounds its gate circle, O(log n + k). The box is widened in longitude by 1/cos(latitude) at the box's
 * poleward edge, split in two across the antimeridian, and becomes the whole band of longitudes
 * when it reaches a pole, so no partner within the gate is missed anywhere on Earth. The metric
 * gate bound for a track is √χ² × √(its largest variance + the largest among the tracks it may
 * pair with), capped by the gate in metres, both grown by what time alignment may add (gate.ts):
 * the variance and metres a track without velocity gains with age, and the distance a track with
 * one moves (its own speed plus the fastest in the class asked), over the largest time difference
 * the gate admits. Only the tracks not of the most
 * numerous sensor ask (pairs within one sensor are never wanted), which halves the queries for two
 * sensors; with exactly two sensors only the other sensor's tracks are indexed. A track whose box
 * in a class holds more than `maxCandidates` tracks pairs with none of that class, so a scan's
 * pairs stay within n × maxCandidates × 4 (the classes) however the tracks are piled up. `known`: separations the scan has already
 * measured on this table (the confirmed pairs'), not measured again.
 */
export function gatePairs(
  t: TrackTable,
  gate: GateLimits,
  maxCandidates = Infinity,
  out: PairBuffer = new PairBuffer(),
  known?: KnownSeparations,
  maxMeasured = Infinity,
  work: GateWork = new GateWork(),
): GatedPairs {
  const n = t.n;
  out.length = 0;
  work.reset();
  if (n < 2) return out.done(n);
  let minTime = Infinity;
  let maxTime = -Infinity;
  let anyUnknown = false;
  const counts = new Int32Array(t.sensorIds.length);
  for (let i = 0; i < n; i++) {
    counts[t.sensor[i]!]!++;
    minTime = Math.min(minTime, t.time[i]!);
    maxTime = Math.max(maxTime, t.time[i]!);
    if (!t.hasVelocity(i)) anyUnknown = true;
  }
  // The most numerous sensor (ties: the smallest id, so the choice does not depend on arrival order).
  let skip = -1;
  let most = -1;
  for (let s = 0; s < counts.length; s++) {
    if (counts[s]! > most) [skip, most] = [s, counts[s]!];
  }
  const sensors = counts.filter((c) => c > 0).length;
  // With two sensors the askers only ever want the other sensor's tracks: index just those.
  const indexed = (i: number): boolean => sensors !== 2 || t.sensor[i] === skip;
  // One index per speed class, each queried with its own fastest track's motion: with one index
  // for all, one track at 20 km/s (valid input, and a peer can write it) widened every box by
  // 40 km, every box then held more than maxCandidates tracks, and nothing fused anywhere.
  const classRows = SPEED_CLASS_MPS.map(() => [] as number[]);
  const classSpeed = new Float64Array(SPEED_CLASS_MPS.length);
  // The largest variance among the tracks a query can find, not among all: with an EO sensor
  // indexed against a radar, the boxes shrink to what the radar's own error needs.
  let partnerVar = 0;
  for (let i = 0; i < n; i++) {
    if (!indexed(i)) continue;
    const speed = t.hasVelocity(i) ? Math.hypot(t.ve[i]!, t.vn[i]!) : 0;
    const c = speedClass(speed);
    classRows[c]!.push(i);
    if (speed > classSpeed[c]!) classSpeed[c] = speed;
    if (t.maxVar[i]! > partnerVar) partnerVar = t.maxVar[i]!;
  }
  const indexes = classRows.map((rows) => {
    if (rows.length === 0) return undefined;
    const index = new KDBush(rows.length, 16);
    for (const i of rows) index.add(t.lon[i]!, t.lat[i]!);
    index.finish();
    return index;
  });
  // Time alignment's growth, bounded by the largest time difference a gated pair can have.
  const dtMax = Math.min(gate.maxTimeDiffMs, maxTime - minTime) / 1000;
  const unknownSlack = anyUnknown ? t.unknownSpeedMps * dtMax : 0;
  const dedupe = sensors > 2;
  const seen = new Set<number>();
  for (let q = 0; q < n; q++) {
    if (t.sensor[q] === skip) continue;
    const own = t.hasVelocity(q);
    const slackQ = own ? 0 : t.unknownSpeedMps * dtMax;
    const ownSpeed = own ? Math.hypot(t.ve[q]!, t.vn[q]!) : 0;
    const base = Math.min(
      gate.meters + slackQ + unknownSlack,
      Math.sqrt(gate.chi2 * (t.maxVar[q]! + slackQ ** 2 + partnerVar + unknownSlack ** 2)),
    );
    for (let c = 0; c < indexes.length; c++) {
      const index = indexes[c];
      if (index === undefined) continue;
      const rows = classRows[c]!;
      hits.length = 0;
      // A box with more candidates than an assignment takes (a swarm, or a peer's tracks piled on
      // one point) gives this track no pair in this class rather than a pair with each: otherwise
      // n tracks at one point cost n² pairs every scan (2,000 of them: 2 million pairs, seconds of
      // CPU). The query stops at the cap, so a pile costs the cap, not its size.
      if (!query(index, t, q, base + (ownSpeed + classSpeed[c]!) * dtMax, hits, maxCandidates)) {
        work.refused++;
        continue;
      }
      // A crowded box (more candidates than maxMeasured: a swarm, or a peer's tracks laid out all
      // within the gate of each other) has only its maxMeasured nearest measured, so what a query
      // costs is bounded by maxMeasured separations, not by what a peer puts in the box.
      let take = hits.length;
      if (take > maxMeasured) {
        take = nearestFirst(t, q, rows, maxMeasured);
        work.crowded++;
      }
      for (let h = 0; h < take; h++) {
        const r = rows[hits.ids[h]!]!;
        if (r === q || t.sensor[r] === t.sensor[q]) continue;
        const a = Math.min(q, r);
        const b = Math.max(q, r);
        if (dedupe) {
          // With three or more sensors two askers can find one pair; with two, only one side asks.
          const key = a * n + b;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        if (known === undefined || !known.load(a, b)) {
          separate(t, a, b);
          work.separations++;
        }
        if (sepWithin(gate)) out.pushSeparated(a, b);
      }
    }
  }
  return out.done(n);
}

/**
 * What one gatePairs call did, for the engine's stats: queries refused (their box held more than
 * maxCandidates), queries cut to their maxMeasured nearest candidates, and separations measured.
 */
export class GateWork {
  refused = 0;
  crowded = 0;
  separations = 0;

  reset(): void {
    this.refused = 0;
    this.crowded = 0;
    this.separations = 0;
  }
}

/** At most this many of a crowded query's measured candidates are of one sensor, and of one author. */
export const CROWD_PER_SENSOR = 2;
export const CROWD_PER_AUTHOR = 4;

let nearD = new Float64Array(256);
let nearId = new Int32Array(256);
let nearOrder = new Int32Array(256);
const takenSensor = new Int32Array(64);
const takenAuthor = new Int32Array(64);

/**
 * Moves the `keep` candidates in `hits` nearest to row q to its front, in order of a planar
 * distance (degrees of latitude, and of longitude wrapped and scaled by q's cos latitude), ties by
 * row (id order): a function of the table alone, so every node holding the same versions keeps
 * the same candidates. Returns how many it kept. Only candidates that could pair with q count (not
 * q, not q's sensor), and at most CROWD_PER_SENSOR of one sensor and CROWD_PER_AUTHOR of one
 * author are kept: otherwise one peer's tracks laid between an honest pair take every place and
 * the pair never fuses. A peer that mints keys (an open lattice) can still crowd a gate; that
 * costs it one roster entry per 4 places in a closed one (docs/fusion.md). At most
 * maxCandidates entries sorted, only for crowded queries.
 */
function nearestFirst(t: TrackTable, q: number, rows: readonly number[], keep: number): number {
  if (nearD.length < hits.length) {
    nearD = new Float64Array(hits.length);
    nearId = new Int32Array(hits.length);
    nearOrder = new Int32Array(hits.length);
  }
  const lat = t.lat[q]!;
  const lon = t.lon[q]!;
  const cos = t.cosLat[q]!;
  const own = t.sensor[q]!;
  let m = 0;
  for (let h = 0; h < hits.length; h++) {
    const id = hits.ids[h]!;
    const r = rows[id]!;
    if (r === q || t.sensor[r] === own) continue;
    let dLon = t.lon[r]! - lon;
    if (dLon > 180) dLon -= 360;
    else if (dLon < -180) dLon += 360;
    const dx = dLon * cos;
    const dy = t.lat[r]! - lat;
    nearD[m] = dx * dx + dy * dy;
    nearId[m] = id;
    nearOrder[m] = m;
    m++;
  }
  const order = nearOrder.subarray(0, m);
  order.sort((a, b) => nearD[a]! - nearD[b]! || rows[nearId[a]!]! - rows[nearId[b]!]!);
  const k = Math.min(keep, takenSensor.length);
  let size = 0;
  for (let x = 0; x < m && size < k; x++) {
    const id = nearId[order[x]!]!;
    const s = t.sensor[rows[id]!]!;
    const a = t.sensorAuthor[s] ?? -1;
    let sameSensor = 0;
    let sameAuthor = 0;
    for (let y = 0; y < size; y++) {
      if (takenSensor[y] === s) sameSensor++;
      if (a >= 0 && takenAuthor[y] === a) sameAuthor++;
    }
    if (sameSensor >= CROWD_PER_SENSOR || sameAuthor >= CROWD_PER_AUTHOR) continue;
    takenSensor[size] = s;
    takenAuthor[size] = a;
    hits.ids[size++] = id;
  }
  return size;
}

/**
 * Upper bounds (m/s) of the speed classes the index is split by: walkers and boats, aircraft, fast
 * jets, and anything faster (up to the 20 km/s a velocity may have).
 */
const SPEED_CLASS_MPS = [60, 400, 1500, Infinity] as const;

function speedClass(speed: number): number {
  let c = 0;
  while (speed > SPEED_CLASS_MPS[c]!) c++;
  return c;
}

/** A gated pair, i < j by index into the tracks given. */
export interface GatedPair {
  readonly i: number;
  readonly j: number;
  readonly d2: number;
}

/** `gatePairs` over prepared tracks, sorted by (i, j) (tests and reference code). */
export function gatedPairs(tracks: readonly Prepared[], gate: GateLimits, unknownSpeedMps = 0): GatedPair[] {
  const p = gatePairs(TrackTable.fromPrepared(tracks, unknownSpeedMps), gate);
  return Array.from({ length: p.count }, (_, k) => ({ i: p.i[k]!, j: p.j[k]!, d2: p.d2[k]! })).sort(
    (x, y) => x.i - y.i || x.j - y.j,
  );
}

/**
 * A finished index kept for the life of the module (a scan builds one per speed class and drops
 * them): with none alive at a full GC, V8 dropped KDBush's hidden class and deoptimized the code
 * built on it (reason "weak objects": KDBush's add, rangeInto), as docs/benchmarks.md, scenario 1,
 * "Decoder after a full GC" tells of the decoder. Built as gatePairs builds its indexes.
 */
export const kdBushShapeKeeper: KDBush = new KDBush(1, 16);
kdBushShapeKeeper.add(0, 0);
kdBushShapeKeeper.finish();

/** The candidates of one query: reused by every query (each is read before the next). */
const hits = new IdBuffer();

/**
 * Appends to `out` the indexed items in the box around row q that bounds a circle of `radius`
 * metres. The box goes to rangeInto in a typed array, not as arguments: doubles passed to a call
 * that is not inlined are boxed, four per call, one call per track per scan.
 */
function query(index: KDBush, t: TrackTable, q: number, radius: number, out: IdBuffer, limit: number): boolean {
  const lat = t.lat[q]!;
  const lon = t.lon[q]!;
  // A little slack for the sphere-vs-box arithmetic.
  const dLat = (radius / EARTH_RADIUS_M) * DEG * 1.001 + 1e-9;
  const minLat = lat - dLat;
  const maxLat = lat + dLat;
  const edge = Math.min(90, Math.max(Math.abs(minLat), Math.abs(maxLat)));
  const cosEdge = Math.cos(edge / DEG);
  const dLon = cosEdge <= 0 ? Infinity : dLat / cosEdge;
  if (maxLat >= 90 || minLat <= -90 || dLon >= 180) {
    return rangeInto(index, setBox(-180, minLat, 180, maxLat), out, limit);
  }
  if (!rangeInto(index, setBox(lon - dLon, minLat, lon + dLon, maxLat), out, limit)) return false;
  if (lon - dLon < -180 && !rangeInto(index, setBox(lon - dLon + 360, minLat, 180, maxLat), out, limit)) return false;
  if (lon + dLon > 180 && !rangeInto(index, setBox(-180, minLat, lon + dLon - 360, maxLat), out, limit)) return false;
  return true;
}

const box = new Float64Array(4);

function setBox(minX: number, minY: number, maxX: number, maxY: number): Float64Array {
  box[0] = minX;
  box[1] = minY;
  box[2] = maxX;
  box[3] = maxY;
  return box;
}
