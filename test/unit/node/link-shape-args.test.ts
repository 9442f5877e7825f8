import { describe, expect, it } from 'vitest';
import { LinkShaper } from '../../../src/core/budget/link-shaper';
import { checkLinkShape, MAX_SHAPE_DELAY_MS } from '../../../src/node/link-shape-args';

describe('checkLinkShape (shapeLinks at the worker boundary)', () => {
  it('makes the shape of a reliable channel: a lost copy is resent one mean round trip later by default', () => {
    expect(checkLinkShape({ bytesPerSecond: 8000, latencyMs: 150, jitterMs: 20, loss: 0.01, seed: 7 })).toEqual({
      bytesPerSecond: 8000,
      latencyMs: 150,
      jitterMs: 20,
      loss: 0.01,
      resendAfterMs: 2 * 150 + 20,
      seed: 7,
    });
    // Defaults: no delay, no loss, seed 1; the resend delay still set, as the channel stays reliable.
    expect(checkLinkShape({ bytesPerSecond: null })).toEqual({
      bytesPerSecond: Infinity,
      latencyMs: 0,
      jitterMs: 0,
      loss: 0,
      resendAfterMs: 0,
      seed: 1,
    });
    expect(checkLinkShape(null)).toBeNull();
  });

  it('takes an explicit resend delay, within the delays’ range', () => {
    expect(checkLinkShape({ bytesPerSecond: 8000, latencyMs: 100, loss: 0.1, resendAfterMs: 1000 })).toMatchObject({
      loss: 0.1,
      resendAfterMs: 1000,
    });
    expect(checkLinkShape({ bytesPerSecond: 8000, resendAfterMs: 0 })?.resendAfterMs).toBe(0);
    for (const bad of [-1, MAX_SHAPE_DELAY_MS + 1, Number.NaN, '250', Infinity]) {
      expect(() => checkLinkShape({ bytesPerSecond: 8000, resendAfterMs: bad })).toThrow(
        /^shapeLinks\.shape\.resendAfterMs/,
      );
    }
  });

  it('whatever the loss, the shaper it builds never drops a message: every copy lost is a later delivery', () => {
    for (const loss of [0.3, 1]) {
      const shape = checkLinkShape({ bytesPerSecond: 8000, latencyMs: 100, jitterMs: 20, loss, seed: 5 })!;
      const shaper = new LinkShaper(shape);
      const fates = Array.from({ length: 200 }, (_, i) => shaper.send(100, i * 50));
      expect(fates.filter((f) => f.type === 'drop')).toEqual([]);
    }
  });
});
