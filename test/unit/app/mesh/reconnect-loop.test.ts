import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkManager } from '../../../../src/app/mesh/link-manager';
import type { BridgeEvents, OpenBridge } from '../../../../src/app/mesh/worker-bridge';
import type { NodeId } from '../../../../src/core/ids';
import { mulberry32 } from '../../../../src/core/random/mulberry32';
import { FakeHub, FakePeerNet } from './fakes';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`reconnect-loop seed ${seed}; replay with SEED=${seed}`);

afterEach(() => vi.useRealTimers());

/** A "worker" that ends every session `afterMs` after the link opens (the peer said bye at once). */
function endingBridge(opened: { n: number }, afterMs: number): OpenBridge {
  return (_peer, events: BridgeEvents) => {
    opened.n += 1;
    setTimeout(() => events.close('peer said bye: different lattice'), afterMs);
    return { deliver: () => undefined, signal: () => undefined, report: () => undefined, close: () => undefined };
  };
}

const idle: OpenBridge = () => ({
  deliver: () => undefined,
  signal: () => undefined,
  report: () => undefined,
  close: () => undefined,
});

/**
 * Ten minutes of a victim reconnecting to a peer whose sessions end after `afterMs`. `attempts` is
 * the most failed attempts seen at any 5 s sample: the count is a sawtooth (after maxAttempts the
 * link sleeps, and the peer's next announce wakes it with a clean slate), so its value at one
 * instant says little.
 */
async function run(afterMs: number): Promise<{ sessions: number; attempts: number }> {
  vi.useFakeTimers();
  const hub = new FakeHub();
  const net = new FakePeerNet();
  const opened = { n: 0 };
  const mk = (id: string, bridge: OpenBridge): LinkManager =>
    new LinkManager({
      self: id as NodeId,
      lattice: 'alpha',
      transports: [hub.transport(id as NodeId)],
      createPeer: net.factory(),
      openBridge: bridge,
      log: () => undefined,
      random: mulberry32(seed),
    });
  const victim = mk('a', endingBridge(opened, afterMs));
  const other = mk('b', idle);
  victim.start();
  other.start();
  let attempts = 0;
  for (let t = 0; t < 600_000; t += 5_000) {
    await vi.advanceTimersByTimeAsync(5_000);
    attempts = Math.max(attempts, victim.peers().find((p) => p.id === 'b')?.attempts ?? 0);
  }
  victim.stop();
  other.stop();
  return { sessions: opened.n, attempts };
}

describe('reconnect backoff against connections that open and end at once', () => {
  it('counts each short-lived connection as a failure and backs off (was ~1,370 sessions in 10 min)', async () => {
    const { sessions, attempts } = await run(20);
    // With the backoff capped at 30 s, 10 minutes hold about 20 to 45 attempts.
    expect(sessions).toBeLessThan(60);
    expect(attempts).toBeGreaterThan(5);
  });

  it('forgets the failures of a connection that stayed up', async () => {
    const { sessions, attempts } = await run(45_000); // beyond stableMs (30 s)
    expect(attempts).toBeLessThanOrEqual(1);
    expect(sessions).toBeGreaterThan(10);
  });
});
