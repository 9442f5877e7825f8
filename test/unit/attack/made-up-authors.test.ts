/**
 * Contexts naming made-up authors (docs/security.md, "Contexts and register knowledge"). A version's
 * causal context (`seen`) is its author's claim of what it had seen; nothing proves the authors it
 * names exist. Before, one version naming 1,024 made-up authors (the wire's cap) made its register
 * unwritable here (a local write then failed with "1025 other writers"), and each further version
 * naming fresh ones grew the register's knowledge without bound. Now: a version naming more than
 * MAX_CONTEXT_ENTRIES is refused at ingest (`context-too-large`, counted, logged, its link charged)
 * and by the store alike on every node; a register keeps at most MAX_REGISTER_AUTHORS authors (the
 * rest folded into its cut); a local write's context is trimmed to MAX_CONTEXT_ENTRIES with a rest
 * marker, and still tells every replica all its writer had seen. Replay with SEED=<printed seed>.
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { MAX_CONTEXT_ENTRIES, MAX_REGISTER_AUTHORS } from '../../../src/core/merge/context-limits';
import { CUT_NODE } from '../../../src/core/merge/knowledge';
import type { Version } from '../../../src/core/merge/version';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import type { EntityStore } from '../../../src/core/store/entity-store';
import { shuffle } from '../core/support/merge-sim';
import { replica } from '../core/support/merge-sim';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

const seed = Number(process.env.SEED ?? Date.now());
const ID = 'a-1' as EntityId;
const POSITION = 'position' as ComponentKind;

/** `n` made-up author ids (32 hex digits, as real ids are), from the seeded generator. */
function madeUp(n: number, rnd: () => number): NodeId[] {
  return Array.from(
    { length: n },
    () => Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16)).join('') as NodeId,
  );
}

const withContext = (v: Version, seen: Timestamp[]): Version => ({ ...v, seen });

describe('attack suite: contexts naming made-up authors', () => {
  it('keeps a register writable and its knowledge bounded; honest replicas converge', async () => {
    console.log(`made-up-authors seed ${seed}; replay with SEED=${seed}`);
    const rnd = mulberry32(seed);
    const s = await scene();
    const store = (s.h.node as unknown as { parts: { store: EntityStore } }).parts.store;
    const alices = pos(ID, 'a', T0 - 1_000);
    s.alice.send(versionsFrame([alices], true));
    s.h.tick();
    expect(await s.h.node.get(ID)).toBeDefined();

    // The finding as reported: one version naming 1,024 made-up authors, an update of a held register.
    const wide = withContext(
      pos(ID, 'x', T0 - 900),
      madeUp(1_024, rnd).map((node, i) => ({ ms: T0 - 950, c: i, node })),
    );
    s.mallory.send(versionsFrame([wide], true));
    s.h.tick();
    const stats = s.h.mesh.securityStats();
    expect(stats.rejected['context-too-large']).toBe(1);
    expect(s.h.mesh.peers().find((p) => p.peer === 'x')?.invalidFrames).toBe(1);
    expect(s.h.logs.some((l) => l.includes(`name more than ${MAX_CONTEXT_ENTRIES} authors`))).toBe(true);
    expect(s.honest.versionsOut().some((v) => v.ts.node === 'x')).toBe(false);
    expect((await s.h.node.heads(ID, POSITION)).map((h) => h.author)).toEqual(['a']);

    // Within the limit, many times over: 40 versions each naming 64 fresh made-up authors (2,560).
    const legal: Version[] = [];
    for (let i = 0; i < 40; i++) {
      const at = T0 - 800 + i * 10;
      legal.push(
        withContext(
          pos(ID, 'x', at),
          madeUp(MAX_CONTEXT_ENTRIES, rnd).map((node, j) => ({ ms: at - 5, c: j, node })),
        ),
      );
    }
    s.mallory.send(versionsFrame(legal, true));
    s.h.tick();
    expect(s.h.mesh.securityStats().rejected['context-too-large']).toBe(1);
    const known = store.state(ID)!.knowledgeOf(POSITION)!;
    const authors = new Set([...known.own, ...known.seen].map((t) => t.node).filter((n) => n !== CUT_NODE));
    expect(authors.size).toBeLessThanOrEqual(MAX_REGISTER_AUTHORS);
    expect(known.own.length + known.seen.length).toBeLessThanOrEqual(2 * MAX_REGISTER_AUTHORS + 1);

    // The victim still writes the register; its write names at most MAX_CONTEXT_ENTRIES and wins.
    s.honest.reset();
    await s.h.node.update(ID, { position: { lat: 3, lon: 4 } });
    s.h.tick();
    const mine = [...s.h.node.versions()].filter((v) => v.entity === ID && v.kind === POSITION);
    expect(mine.map((v) => v.ts.node)).toEqual(['m']);
    const write = mine[0]!;
    expect(write.seen.length).toBeLessThanOrEqual(MAX_CONTEXT_ENTRIES);
    expect(s.honest.versionsOut().some((v) => v.ts.node === 'm' && v.entity === ID)).toBe(true);

    // Honest replicas converge whatever part of the attack they saw, in any order: each shows the
    // victim's write alone, as the victim does.
    const everything = [alices, ...legal, write];
    for (const part of [[alices, write], [...legal, write], everything, [write, alices, legal[3]!]]) {
      const r = replica(shuffle([...part], rnd));
      expect(r.heads(ID, POSITION)).toEqual([write]);
    }
  });
});
