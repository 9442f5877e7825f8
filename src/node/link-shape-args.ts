import type { LinkShape } from '../core/budget/link-shaper';
import { ValidationError } from '../core/errors';
import { num, onlyKeys, record } from '../core/entity/validate-fields';

/**
 * `shapeLinks`' shape as the handle takes it: the rate (`null` or `Infinity`: no rate limit, only
 * the delays and losses), the one-way latency and jitter in ms, the probability of losing a
 * message, and a seed for the losses and jitter. Only `bytesPerSecond` is required.
 */
export interface LinkShapeInput {
  readonly bytesPerSecond: number | null;
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  readonly loss?: number;
  readonly seed?: number;
}

/** The link shaping calls, declared once: the worker serves them and `window.lattice` forwards them. */
export interface LinkShapingCalls {
  /**
   * Shapes every link of this node, open or to come, as a thin hop (a field exercise; not
   * persisted): what the node sends waits for the shape's rate, latency and jitter, or is lost.
   * `null` lifts the shape. See docs/budgeter.md, "The link shaper".
   */
  shapeLinks(shape: LinkShapeInput | null): Promise<void>;
}

/** Slowest rate a shape takes (B/s): below it one frame of the budgeter's floor takes minutes. */
export const MIN_SHAPE_BYTES_PER_SECOND = 100;
/** Above this a rate means nothing on any link we know (1 GB/s), as for budgets. */
export const MAX_SHAPE_BYTES_PER_SECOND = 1e9;
/**
 * Longest latency or jitter (ms). A shape may be harsher than a link survives: a session that hears
 * nothing for 8 s takes its link for dead (session-types.ts), and the mesh reconnects it.
 */
export const MAX_SHAPE_DELAY_MS = 60_000;

/**
 * Checks `shapeLinks`' argument at the boundary: `null` (no shaping), or an object with only the
 * known fields, each a finite number in range (the rate also `null` or `Infinity`); the seed a
 * whole number 0–2³²−1 (default 1). Returns the LinkShaper's shape (messages ordered, as on a
 * data channel; headers counted as the budgeter counts them).
 */
export function checkLinkShape(x: unknown): LinkShape | null {
  if (x === null) return null;
  const v = record(x, 'shapeLinks.shape');
  onlyKeys(v, ['bytesPerSecond', 'latencyMs', 'jitterMs', 'loss', 'seed'], 'shapeLinks.shape');
  if (v.bytesPerSecond === undefined)
    throw new ValidationError('shapeLinks.shape.bytesPerSecond: expected a number, Infinity or null');
  const bytesPerSecond =
    v.bytesPerSecond === null || v.bytesPerSecond === Infinity
      ? Infinity
      : num(
          v.bytesPerSecond,
          'shapeLinks.shape.bytesPerSecond',
          MIN_SHAPE_BYTES_PER_SECOND,
          MAX_SHAPE_BYTES_PER_SECOND,
        );
  const delay = (y: unknown, path: string): number => (y === undefined ? 0 : num(y, path, 0, MAX_SHAPE_DELAY_MS));
  const seed = v.seed === undefined ? 1 : num(v.seed, 'shapeLinks.shape.seed', 0, 2 ** 32 - 1);
  if (!Number.isInteger(seed)) throw new ValidationError(`shapeLinks.shape.seed: expected a whole number, got ${seed}`);
  return {
    bytesPerSecond,
    latencyMs: delay(v.latencyMs, 'shapeLinks.shape.latencyMs'),
    jitterMs: delay(v.jitterMs, 'shapeLinks.shape.jitterMs'),
    loss: v.loss === undefined ? 0 : num(v.loss, 'shapeLinks.shape.loss', 0, 1),
    seed,
  };
}
