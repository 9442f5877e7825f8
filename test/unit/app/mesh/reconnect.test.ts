import { describe, expect, it } from 'vitest';
import { Admission } from '../../../../src/app/mesh/admission';
import { LinkTable } from '../../../../src/app/mesh/link-table';
import { DEFAULT_TIMING } from '../../../../src/app/mesh/mesh-types';
import { Reconnect } from '../../../../src/app/mesh/reconnect';
import { Refusals } from '../../../../src/app/mesh/refusals';
import { RtcLink, type RtcLinkHooks } from '../../../../src/app/mesh/rtc-link';
import type { NodeId } from '../../../../src/core/ids';
import { ManualClock } from './manual-clock';

const timing = { ...DEFAULT_TIMING, connectTimeoutMs: 1000, maxAttempts: 3 };

/** A Reconnect over real link records and a manual clock; opening and announcing are only recorded. */
function setup(self: string) {
  const clock = new ManualClock();
  const refusals = new Refusals();
  const hooks = { timing, clock, log: () => undefined } as unknown as RtcLinkHooks;
  const table = new LinkTable((peer) => new RtcLink(peer, hooks), refusals);
  const opened: string[] = [];
  const announced: string[] = [];
  const reconnect = new Reconnect({
    self: self as NodeId,
    timing,
    // Jitter factor 0.5 + 0.5 = 1: the plain backoff.
    random: () => 0.5,
    refusals,
    admission: new Admission(table, 8, 6),
    running: () => true,
    announce: (peer) => void announced.push(peer),
    open: (link) => void opened.push(link.peer),
  });
  const link = table.linkFor((self === 'a' ? 'b' : 'a') as NodeId)!;
  return { clock, refusals, reconnect, link, opened, announced };
}

describe('Reconnect (on an injected clock)', () => {
  it('retries the lower id’s offer after 0.5 s, 1 s, 2 s, then waits for the peer to announce', () => {
    const { clock, reconnect, link, opened } = setup('a');
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      reconnect.schedule(link);
      const before = opened.length;
      while (opened.length === before) clock.advance(10);
      at.push(clock.now());
    }
    expect(at).toEqual([500, 1500, 3500]);
    expect(link.attempts).toBe(3);
    reconnect.schedule(link);
    expect(link.dormant).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('as the higher id, nudges the peer and gives up waiting for its offer after connectTimeoutMs', () => {
    const { clock, reconnect, link, announced, opened } = setup('b');
    reconnect.retry(link);
    expect(announced).toEqual(['a']);
    expect(link.state).toBe('connecting');
    clock.advance(999);
    expect(link.state).toBe('connecting');
    clock.advance(1);
    expect([link.state, link.lastError]).toEqual(['disconnected', 'no-offer']);
    // The nudge is retried with backoff; the higher id never opens itself.
    clock.advance(500);
    expect(announced).toEqual(['a', 'a']);
    expect(opened).toEqual([]);
  });

  it('schedules nothing for a refused peer', () => {
    const { clock, reconnect, link, refusals, opened } = setup('a');
    refusals.add(link.peer);
    reconnect.schedule(link);
    reconnect.connect(link);
    clock.advance(60_000);
    expect(opened).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
