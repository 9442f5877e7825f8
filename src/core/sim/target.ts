import type { Disposition, Environment } from '../entity/component-types';
import { mulberry32 } from '../random/mulberry32';
import { bearingDistance, destination, wrapAngle, type LatLon } from './geo';
import { streamSeed } from './normal';

/**
 * One simulated target: constant speed and altitude, moving along legs that are either straight
 * (constant velocity: a great circle) or coordinated turns (constant turn rate, never more than the
 * platform's limit). Inbound targets home on the defended point, turn away when close, run out,
 * and come back, so their threat rises and falls; the others wander on random legs.
 */
export type Role = 'inbound' | 'transit';

export interface TargetIdentity {
  readonly label: string;
  readonly disposition: Disposition;
  readonly environment: Environment;
}

type Leg =
  | { readonly kind: 'straight'; readonly until: number }
  | { readonly kind: 'turn'; readonly rate: number; readonly until: number }
  /** Steer toward the defended point until within `breakOff` metres. */
  | { readonly kind: 'home'; readonly breakOff: number }
  /** Turn (at the limit) until heading away from the defended point. */
  | { readonly kind: 'egress'; readonly direction: 1 | -1 };

export interface TargetState extends LatLon {
  readonly alt: number;
  /** Course over ground, radians clockwise from true north. */
  readonly course: number;
  /** Current turn rate, rad/s (positive = right). */
  readonly turnRate: number;
}

/** Integration step (s). Motion is computed on a fixed grid so results never depend on how often it is read. */
export const STEP_S = 0.25;
const DEG = Math.PI / 180;
/** Homing gain: turn rate per radian of heading error (1/s). */
const HOME_GAIN = 0.2;

const PLATFORMS: Record<
  Environment,
  { readonly speed: readonly [number, number]; readonly maxTurn: number; readonly alt: readonly [number, number] }
> = {
  AIR: { speed: [40, 250], maxTurn: 3 * DEG, alt: [150, 6_000] },
  SURFACE: { speed: [4, 15], maxTurn: 1 * DEG, alt: [0, 0] },
  SUB_SURFACE: { speed: [3, 10], maxTurn: 1 * DEG, alt: [-100, -20] },
  LAND: { speed: [4, 20], maxTurn: 4 * DEG, alt: [0, 0] },
  SPACE: { speed: [7_000, 7_800], maxTurn: 0, alt: [300_000, 600_000] },
};

const INBOUND: readonly TargetIdentity[] = [
  { label: 'uav', disposition: 'HOSTILE', environment: 'AIR' },
  { label: 'attack aircraft', disposition: 'HOSTILE', environment: 'AIR' },
  { label: 'fast boat', disposition: 'HOSTILE', environment: 'SURFACE' },
  { label: 'uav', disposition: 'SUSPICIOUS', environment: 'AIR' },
];
const TRANSIT: readonly TargetIdentity[] = [
  { label: 'airliner', disposition: 'NEUTRAL', environment: 'AIR' },
  { label: 'patrol aircraft', disposition: 'FRIENDLY', environment: 'AIR' },
  { label: 'light aircraft', disposition: 'UNKNOWN', environment: 'AIR' },
  { label: 'cargo ship', disposition: 'NEUTRAL', environment: 'SURFACE' },
  { label: 'truck', disposition: 'ASSUMED_FRIENDLY', environment: 'LAND' },
  { label: 'uav', disposition: 'HOSTILE', environment: 'AIR' },
];

export class Target {
  readonly id: string;
  readonly role: Role;
  readonly identity: TargetIdentity;
  /** Ground speed, m/s (constant). */
  readonly speed: number;
  readonly maxTurn: number;
  /** Time (ms) of `state`, always on the integration grid. */
  time: number;
  state: TargetState;
  private leg: Leg;
  private readonly rnd: () => number;

  constructor(
    index: number,
    seed: number,
    start: number,
    private readonly defended: LatLon,
  ) {
    this.rnd = mulberry32(streamSeed(seed, 1, index));
    const r = this.rnd;
    this.id = `t${index}`;
    this.role = r() < 0.35 ? 'inbound' : 'transit';
    const pool = this.role === 'inbound' ? INBOUND : TRANSIT;
    this.identity = pool[Math.floor(r() * pool.length)]!;
    const p = PLATFORMS[this.identity.environment];
    this.speed = p.speed[0] + r() * (p.speed[1] - p.speed[0]);
    this.maxTurn = p.maxTurn;
    // Start 15–45 km out (inbound) or anywhere within 40 km, pointing roughly inward or anywhere.
    const range = this.role === 'inbound' ? 15_000 + r() * 30_000 : r() * 40_000;
    const at = destination(defended, r() * 2 * Math.PI, range);
    const inward = bearingDistance(at, defended).bearing;
    const course = this.role === 'inbound' ? wrapAngle(inward + (r() - 0.5) * 60 * DEG) : r() * 2 * Math.PI;
    this.time = start;
    this.state = { lat: at.lat, lon: at.lon, alt: p.alt[0] + r() * (p.alt[1] - p.alt[0]), course, turnRate: 0 };
    this.leg = this.role === 'inbound' ? this.homeLeg() : this.randomLeg(start);
  }

  /** East and north velocity (m/s) along the current course. */
  velocity(): { readonly east: number; readonly north: number } {
    return { east: this.speed * Math.sin(this.state.course), north: this.speed * Math.cos(this.state.course) };
  }

  /** Advances on the fixed grid to the last grid time at or before `t` (ms). */
  advanceTo(t: number): void {
    const stepMs = STEP_S * 1_000;
    while (this.time + stepMs <= t) this.step();
  }

  /** The state at `t` (at or after `time`, within one step), extrapolated along the current course. */
  at(t: number): TargetState {
    const dt = (t - this.time) / 1_000;
    if (dt <= 0) return this.state;
    const p = destination(this.state, this.state.course, this.speed * dt);
    return { ...this.state, lat: p.lat, lon: p.lon, course: p.bearing };
  }

  private step(): void {
    const rate = this.turnRateNow();
    const s = this.state;
    // Midpoint rule for a coordinated turn: half the turn, the great-circle move, the other half.
    const p = destination(s, s.course + (rate * STEP_S) / 2, this.speed * STEP_S);
    this.state = { ...s, lat: p.lat, lon: p.lon, course: wrapAngle(p.bearing + (rate * STEP_S) / 2), turnRate: rate };
    this.time += STEP_S * 1_000;
  }

  private turnRateNow(): number {
    const leg = this.leg;
    const toPoint = bearingDistance(this.state, this.defended);
    const limit = (x: number): number => Math.max(-this.maxTurn, Math.min(this.maxTurn, x));
    switch (leg.kind) {
      case 'straight':
      case 'turn':
        if (this.time >= leg.until) {
          this.leg = this.role === 'inbound' ? this.homeLeg() : this.randomLeg(this.time);
          return this.turnRateNow();
        }
        return leg.kind === 'turn' ? leg.rate : 0;
      case 'home':
        if (toPoint.distance < leg.breakOff) {
          const error = wrapAngle(toPoint.bearing - this.state.course);
          this.leg = { kind: 'egress', direction: error >= 0 ? -1 : 1 };
          return this.turnRateNow();
        }
        return limit(HOME_GAIN * wrapAngle(toPoint.bearing - this.state.course));
      case 'egress': {
        const away = Math.abs(wrapAngle(toPoint.bearing - this.state.course)) > 150 * DEG;
        if (away || this.maxTurn === 0) {
          this.leg = { kind: 'straight', until: this.time + (60 + this.rnd() * 120) * 1_000 };
          return 0;
        }
        return leg.direction * this.maxTurn;
      }
      default: {
        const never: never = leg;
        throw new Error(`unhandled leg ${JSON.stringify(never)}`);
      }
    }
  }

  private homeLeg(): Leg {
    return { kind: 'home', breakOff: 3_000 + this.rnd() * 7_000 };
  }

  private randomLeg(now: number): Leg {
    const r = this.rnd;
    if (r() < 0.6 || this.maxTurn === 0) return { kind: 'straight', until: now + (30 + r() * 90) * 1_000 };
    const rate = (r() < 0.5 ? -1 : 1) * this.maxTurn * (0.3 + 0.7 * r());
    return { kind: 'turn', rate, until: now + (10 + r() * 30) * 1_000 };
  }
}
