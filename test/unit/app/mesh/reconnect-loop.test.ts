import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkManager } from '../../../../src/app/mesh/link-manager';
import type { BridgeEvents, OpenBridge } from '../../../../src/app/mesh/worker-bridge';
import type { NodeId } from '../../../../src/core/ids';
import { FakeHub, FakePeerNet } from './fakes';

afterEach(() => vi.useRealTimers());

/** A "worker" that ends every session `afterMs` after the link opens (the peer said bye at once). */
function endingBridge(opened: { n: number }, afterMs: number): OpenBridge {
  return (_peer, events: BridgeEvents) => {
    opened.n += 1;
    setTimeout(() => events.close('peer said bye: different lattice'), afterMs);
    return { deliver: () => undefined, report: () => undefined, close: () => undefined };
  };
}

const idle: OpenBridge = () => ({ deliver: () => undefined, report: () => undefined, close: () => undefined });

async function run(afterMs: number): Promise<{ sessions: number; attempts: number | undefined }> {
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
    });
  const victim = mk('a', endingBridge(opened, afterMs));
  const other = mk('b', idle);
  victim.start();
  other.start();
  await vi.advanceTimersByTimeAsync(600_000);
  const attempts = victim.peers().find((p) => p.id === 'b')?.attempts;
  victim.stop();
  other.stop();
  return { sessions: opened.n, attempts };
}

describe('reconnect backoff against connections that open and end at once', () => {
  it('counts each short-lived connection as a failure and backs off (was ~1,370 sessions in 10 min)', async () => {
    const { sessions, attempts } = await run(20);
    // With the backoff capped at 30 s, 10 minutes hold about 20 to 40 attempts.
    expect(sessions).toBeLessThan(60);
    expect(attempts).toBeGreaterThan(5);
  });

  it('forgets the failures of a connection that stayed up', async () => {
    const { sessions, attempts } = await run(45_000); // beyond stableMs (30 s)
    expect(attempts).toBeLessThanOrEqual(1);
    expect(sessions).toBeGreaterThan(10);
  });
});
