import { describe, expect, it } from 'vitest';
import { ConnSlot } from '../../../../src/app/mesh/conn-slot';
import { DEFAULT_TIMING } from '../../../../src/app/mesh/mesh-types';
import { RtcLink } from '../../../../src/app/mesh/rtc-link';
import type { PeerConnection } from '../../../../src/adapters/webrtc/peer-connection';
import type { NodeId } from '../../../../src/core/ids';
import { ManualClock } from './manual-clock';

/** A clock whose wall time the test can set (as the system clock may be), apart from the monotonic one. */
class SteppedClock extends ManualClock {
  wallOffset = 0;
  override now(): number {
    return super.now() + this.wallOffset;
  }
}

const conn = (): PeerConnection => ({
  signal: () => undefined,
  send: () => undefined,
  bufferedAmount: 0,
  destroy: () => undefined,
});

describe('RtcLink durations', () => {
  it('times a connecting attempt on the monotonic clock: a wall-clock step does not make it stuck', () => {
    const clock = new SteppedClock();
    const link = new RtcLink('b' as NodeId, {
      timing: DEFAULT_TIMING,
      clock,
      openBridge: () => ({
        deliver: () => undefined,
        signal: () => undefined,
        report: () => undefined,
        close: () => undefined,
      }),
      log: () => undefined,
      sendSignal: () => undefined,
      connected: () => undefined,
      ended: () => undefined,
      relay: () => undefined,
      drop: () => undefined,
    });
    link.attach(conn(), new ConnSlot(), { session: 'session-1', initiator: true });
    clock.advance(1000);
    clock.wallOffset = 3_600_000; // the system clock was set an hour ahead
    expect(link.stuck(DEFAULT_TIMING.stuckMs)).toBe(false);
    clock.advance(DEFAULT_TIMING.stuckMs);
    expect(link.stuck(DEFAULT_TIMING.stuckMs)).toBe(true);
  });
});
