import { describe, expect, it } from 'vitest';
import { Harness, pos, versionsFrame } from './scripted-peers';

describe('writes held for clock skew, when released', () => {
  for (const live of [false, true]) {
    it(`that came ${live ? 'live are relayed to the other peers only' : 'by repair are left to reconciliation'}`, async () => {
      const h = await Harness.create('m');
      const H = h.peer('h');
      const A = h.peer('a');
      const B = h.peer('b');
      for (const p of [H, A, B]) p.hello();
      h.tick();
      for (const p of [H, A, B]) p.reset();
      const n = 50;
      // 65 s ahead of us (maxSkew 60 s): held, then released about 5 s later by node.tick().
      const ahead = Array.from({ length: n }, (_, i) => pos(`f${i}`, 'h', h.clock + 65_000));
      H.send(versionsFrame(ahead, live));
      h.tick();
      expect((await h.node.stats()).held.map((x) => x.count)).toEqual([n]);
      for (let i = 0; i < 140; i++) h.tick(50);
      // Relayed once the release's commit has landed (docs/architecture.md, "Nothing leaves before it is durable").
      await h.node.durable();
      h.tick();
      expect((await h.node.stats()).held).toEqual([]);
      expect([...h.node.versions()].filter((v) => v.entity.startsWith('f'))).toHaveLength(n);
      expect(H.versionsOut()).toHaveLength(0); // never back to the link they came by
      expect(A.versionsOut()).toHaveLength(live ? n : 0);
      expect(B.versionsOut()).toHaveLength(live ? n : 0);
    });
  }
});
