import { SENSOR_TYPES } from '../entity/component-types';
import type { EntityId } from '../ids';
import { wrapLon } from '../sim/geo';
import { maxEigenOf } from './matrix2';
import type { Prepared } from './prepared';
import type { SourceTrack } from './types';
import { hasCovariance, isotropicVariance } from './uncertainty';

const RAD = Math.PI / 180;

/**
 * The live tracks of one scan as columns (typed arrays), row i being the i-th track in id order.
 * The per-pair work of a scan (gating, the split gate, confidence) reads these directly, so it
 * allocates nothing per pair; `sinLat`/`cosLat` are computed once per track instead of once per
 * pair. Sensors are numbered in the order of their ids, so comparing the numbers orders them as
 * the ids would. Unknown altitude and velocity are NaN.
 */
export class TrackTable {
  readonly n: number;
  readonly ids: EntityId[];
  readonly sensorIds: string[];
  /**
   * The author (an ordinal, in the order of the author keys) of each sensor in sensorIds, where
   * known: a crowded gate keeps at most a few candidates of one author (spatial-gate.ts).
   */
  readonly sensorAuthor: number[];
  readonly sensor: Int32Array;
  /**
   * The declared sensor type: 0 for none, else 1 + its index in SENSOR_TYPES. Tracks of different
   * declared types are independent measurements (fuse-group.ts).
   */
  readonly kind: Uint8Array;
  readonly time: Float64Array;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  readonly sinLat: Float64Array;
  readonly cosLat: Float64Array;
  readonly alt: Float64Array;
  /** The horizontal covariance in the track's own north-up frame (east-east, east-north, north-north), m². */
  readonly cee: Float64Array;
  readonly cen: Float64Array;
  readonly cnn: Float64Array;
  /** Largest eigenvalue of the covariance: bounds how far away a gated partner can be. */
  readonly maxVar: Float64Array;
  /** East and north velocity, m/s; NaN when the track has none. */
  readonly ve: Float64Array;
  readonly vn: Float64Array;

  /**
   * @param unknownSpeedMps the 1σ speed assumed for a track without a velocity when it is compared
   * with a track reported at another time (time-alignment.ts).
   */
  constructor(
    n: number,
    readonly unknownSpeedMps: number,
  ) {
    this.n = n;
    this.ids = new Array<EntityId>(n);
    this.sensorIds = [];
    this.sensorAuthor = [];
    this.sensor = new Int32Array(n);
    this.kind = new Uint8Array(n);
    this.time = new Float64Array(n);
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    this.sinLat = new Float64Array(n);
    this.cosLat = new Float64Array(n);
    this.alt = new Float64Array(n);
    this.cee = new Float64Array(n);
    this.cen = new Float64Array(n);
    this.cnn = new Float64Array(n);
    this.maxVar = new Float64Array(n);
    this.ve = new Float64Array(n);
    this.vn = new Float64Array(n);
  }

  /** Row i from a source track: latitude clamped, longitude wrapped, covariance resolved (uncertainty.ts). */
  setTrack(i: number, t: SourceTrack, sensor: number, defaultSigmaM: number, time = t.time): void {
    const p = t.position;
    const lat = Math.max(-90, Math.min(90, p.lat));
    this.ids[i] = t.id;
    this.sensor[i] = sensor;
    this.kind[i] = t.sensorType === undefined ? 0 : SENSOR_TYPES.indexOf(t.sensorType) + 1;
    this.time[i] = time;
    this.lat[i] = lat;
    this.lon[i] = wrapLon(p.lon);
    this.sinLat[i] = Math.sin(lat * RAD);
    this.cosLat[i] = Math.cos(lat * RAD);
    this.alt[i] = p.alt === undefined ? NaN : p.alt;
    // covarianceOf without the tuple: this runs for every track of every scan.
    if (hasCovariance(p)) {
      this.cee[i] = p.covariance[2];
      this.cen[i] = p.covariance[1];
      this.cnn[i] = p.covariance[0];
    } else {
      const v = isotropicVariance(p, defaultSigmaM);
      this.cee[i] = v;
      this.cen[i] = 0;
      this.cnn[i] = v;
    }
    this.maxVar[i] = maxEigenOf(this.cee[i]!, this.cen[i]!, this.cnn[i]!);
    this.ve[i] = t.velocity === undefined ? NaN : t.velocity.east;
    this.vn[i] = t.velocity === undefined ? NaN : t.velocity.north;
  }

  setRow(
    i: number,
    id: EntityId,
    sensor: number,
    time: number,
    lat: number,
    lon: number,
    alt: number | undefined,
    cov: readonly [number, number, number],
  ): void {
    this.ids[i] = id;
    this.sensor[i] = sensor;
    this.kind[i] = 0;
    this.time[i] = time;
    this.lat[i] = lat;
    this.lon[i] = lon;
    this.sinLat[i] = Math.sin(lat * RAD);
    this.cosLat[i] = Math.cos(lat * RAD);
    this.alt[i] = alt === undefined ? NaN : alt;
    this.cee[i] = cov[0];
    this.cen[i] = cov[1];
    this.cnn[i] = cov[2];
    this.maxVar[i] = maxEigenOf(cov[0], cov[1], cov[2]);
    this.ve[i] = NaN;
    this.vn[i] = NaN;
  }

  hasVelocity(i: number): boolean {
    return !Number.isNaN(this.ve[i]!) && !Number.isNaN(this.vn[i]!);
  }

  /** A table of already prepared tracks, in the order given (tests, the reference gate). */
  static fromPrepared(tracks: readonly Prepared[], unknownSpeedMps: number): TrackTable {
    const t = new TrackTable(tracks.length, unknownSpeedMps);
    const sensors = [...new Set(tracks.map((p) => p.sensorId))].sort();
    t.sensorIds.push(...sensors);
    const ordinal = new Map(sensors.map((s, k) => [s, k]));
    tracks.forEach((p, i) => {
      t.setRow(i, p.id, ordinal.get(p.sensorId)!, p.time, p.lat, p.lon, p.alt, p.cov);
      if (p.velocity) {
        t.ve[i] = p.velocity.east;
        t.vn[i] = p.velocity.north;
      }
    });
    return t;
  }
}
