import { describe, expect, it } from 'vitest';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../../src/adapters/memory-transport';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import type { NodeId } from '../../../src/core/ids';
import type { Link } from '../../../src/ports/transport';

/** Two endpoints that record what they receive and keep their link ends. */
function pair(options: Partial<MemoryNetworkOptions> = {}) {
  const net = new MemoryNetwork({ seed: 42, ...options });
  const got: Record<string, number[]> = { a: [], b: [] };
  const closed: Record<string, string[]> = { a: [], b: [] };
  const links: Record<string, Link> = {};
  const endpoint = (id: string) => ({
    id: id as NodeId,
    accept: (link: Link) => {
      links[id] = link;
      return { receive: (f: Uint8Array) => got[id]!.push(f[0]!), closed: (r: string) => closed[id]!.push(r) };
    },
  });
  net.connect(endpoint('a'), endpoint('b'));
  return { net, got, closed, links };
}

describe('MemoryNetwork', () => {
  it('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(8)()).not.toBe(xs[0]);
  });

  it('delivers in order, never inside send, and accounts buffered bytes', () => {
    const { net, got, links } = pair({ latency: { min: 1, max: 5 } });
    for (let i = 0; i < 50; i++) links.a!.send(new Uint8Array([i, 0, 0]));
    expect(got.b).toEqual([]);
    expect(links.a!.bufferedAmount).toBe(150);
    net.run();
    expect(got.b).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(links.a!.bufferedAmount).toBe(0);
    expect(net.stats).toMatchObject({ framesSent: 50, bytesSent: 150, framesDelivered: 50, bytesDelivered: 150 });
    expect(net.trafficOf('a' as NodeId, 'b' as NodeId).framesDelivered).toBe(50);
  });

  it('drops, duplicates and reorders when asked, replayably', () => {
    const run = () => {
      const { net, got, links } = pair({ drop: 0.2, duplicate: 0.2, reorder: 0.3 });
      for (let i = 0; i < 200; i++) links.a!.send(new Uint8Array([i]));
      net.run();
      return got.b!;
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.length).not.toBe(200);
    expect(new Set(first).size).toBeLessThan(200);
    expect(first.some((x, i) => i > 0 && x < first[i - 1]!)).toBe(true);
  });

  it('loses frames across a partition until heal', () => {
    const { net, got, links } = pair();
    net.partition(['a' as NodeId], ['b' as NodeId]);
    links.a!.send(new Uint8Array([1]));
    net.run();
    net.heal();
    links.a!.send(new Uint8Array([2]));
    net.run();
    expect(got.b).toEqual([2]);
    expect(net.stats.framesDropped).toBe(1);
  });

  it('cut and close tell both ends and drop what is in flight', () => {
    const { net, got, closed, links } = pair();
    links.a!.send(new Uint8Array([1]));
    net.cut('b' as NodeId, 'a' as NodeId, 'cable');
    net.run();
    expect(got.b).toEqual([]);
    expect(closed).toEqual({ a: ['cable'], b: ['cable'] });
    expect(net.isLinked('a' as NodeId, 'b' as NodeId)).toBe(false);
    links.a!.send(new Uint8Array([2])); // sending on a closed link is a no-op
    expect(net.inFlight).toBe(0);
  });
});
