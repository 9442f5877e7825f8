import type { LinkShape } from '../core/budget/link-shaper';
import { ValidationError } from '../core/errors';
import { num, onlyKeys, record } from '../core/entity/validate-fields';

/**
 * `shapeLinks`' shape as the handle takes it: the rate (`null` or `Infinity`: no rate limit, only
 * the delays and losses), the one-way latency and jitter in ms, the loss, and a seed for the losses
 * and jitter. Only `bytesPerSecond` is required.
 */
export interface LinkShapeInput {
  readonly bytesPerSecond: number | null;
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /**
   * The probability (0–1) that a message's copy is lost on the hop. The app's data channels are
   * reliable and ordered (simple-peer's default channel, SCTP underneath), so a loss never removes a
   * message: it is sent again `resendAfterMs` after its first copy left, crossing the wire a second
   * time, and every message sent after it waits for it (head-of-line blocking). Loss shows as delay
   * and as the bursts behind a resend, as on a real lossy radio hop; nothing goes missing.
   */
  readonly loss?: number;
  /**
   * How long after a lost copy left the channel sends it again, ms. Default: one round trip of the
   * shape, 2 × latencyMs + jitterMs (its mean), as SCTP's fast retransmit notices a gap on a busy
   * link (RFC 4960 §7.2.4). On a quiet link the retransmission timer decides, later; set it to
   * model that.
   */
  readonly resendAfterMs?: number;
  readonly seed?: number;
}

/** The link shaping calls, declared once: the worker serves them and `window.lattice` forwards them. */
export interface LinkShapingCalls {
  /**
   * Shapes every link of this node, open or to come, as a thin hop (a field exercise; not
   * persisted): what the node sends waits for the shape's rate, latency and jitter, and for its
   * resend when its first copy is lost (the links are reliable: a loss is a delay, never a missing
   * message). `null` lifts the shape. See docs/budgeter.md, "The link shaper".
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
 * whole number 0–2³²−1 (default 1). Returns the LinkShaper's shape of a reliable ordered data
 * channel: messages ordered, a lost copy resent after `resendAfterMs` (LinkShaper's reliable model;
 * there is no shape here that drops a message), headers counted as the budgeter counts them.
 */
export function checkLinkShape(x: unknown): LinkShape | null {
  if (x === null) return null;
  const v = record(x, 'shapeLinks.shape');
  onlyKeys(v, ['bytesPerSecond', 'latencyMs', 'jitterMs', 'loss', 'resendAfterMs', 'seed'], 'shapeLinks.shape');
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
  const latencyMs = delay(v.latencyMs, 'shapeLinks.shape.latencyMs');
  const jitterMs = delay(v.jitterMs, 'shapeLinks.shape.jitterMs');
  return {
    bytesPerSecond,
    latencyMs,
    jitterMs,
    loss: v.loss === undefined ? 0 : num(v.loss, 'shapeLinks.shape.loss', 0, 1),
    resendAfterMs:
      v.resendAfterMs === undefined
        ? 2 * latencyMs + jitterMs
        : num(v.resendAfterMs, 'shapeLinks.shape.resendAfterMs', 0, MAX_SHAPE_DELAY_MS),
    seed,
  };
}
