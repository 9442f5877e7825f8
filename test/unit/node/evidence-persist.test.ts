/**
 * Evidence kept and released within one batch, and what storage then holds (docs/architecture.md,
 * "Evidence"; docs/security.md, "Twins and evidence"). A version stored as a head and dropped later
 * in the same batch shares its own storage key: its removal must reach storage, or a restart brings
 * it back, here as a head, once what dropped it (a refused version kept as evidence) was released by
 * the entity's bound in that same batch. A replica that restarted then differs from one that did not.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { encodeTs, type Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { canonicalContent } from '../../../src/core/merge/version-content';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../src/core/store/evidence';
import { LatticeNode } from '../../../src/node/lattice-node';
import { versionKey } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const E = 'e' as EntityId;
const NOTE = 'note' as ComponentKind;

const ts = (ms: number, node: string): Timestamp => ({ ms, c: 0, node: node as NodeId });
const version = (kind: string, text: string, at: Timestamp, seen: Timestamp[] = []): Version => ({
  entity: E,
  kind: kind as ComponentKind,
  value: { text } as Version['value'],
  ts: at,
  seen,
});

async function open(storage: MemoryStorage): Promise<LatticeNode> {
  let n = 0;
  return openTestNode({
    storage,
    now: () => T0 + 10_000,
    newId: () => `id${n++}`,
  });
}

/** What a node holds and serves: NOTE's heads, every version it serves (heads and evidence), the evidence count. */
async function dump(node: LatticeNode): Promise<string> {
  const heads = (await node.heads(E, NOTE)).map((h) => h.author).sort();
  const served = [...node.versions()].map((v) => `${v.kind}/${encodeTs(v.ts)} ${canonicalContent(v)}`).sort();
  return JSON.stringify({
    heads,
    served: served.length,
    note: served.filter((s) => s.startsWith(NOTE)),
    evidence: node.evidenceStats().held,
  });
}

describe('evidence kept and released in one batch, then a restart', () => {
  it('storage drops a head that was stored and dropped in the same batch: the restarted node equals the live one', async () => {
    // A's head; B's head, and B's earlier write naming A's: refused (B's later one is known) but it
    // drops A's head, and is kept as evidence since B's head does not name A's.
    const a10 = version(NOTE, 'a', ts(T0 + 10, 'A'));
    const b30 = version(NOTE, 'b30', ts(T0 + 30, 'B'));
    const b20 = version(NOTE, 'b20', ts(T0 + 20, 'B'), [a10.ts]);
    // Then the entity's bound fills with later evidence (x's twins, each losing one naming a writer
    // nobody else heard of), over several kinds so that no register folds its authors: B's earlier
    // write is last in the fixed order, and the bound releases it. A's head stays dropped here.
    const twins: Version[] = [];
    for (let i = 0; i < MAX_EVIDENCE_PER_ENTITY; i++) {
      const kind = `zz_k${i % 8}`;
      const at = ts(T0 + 100 + i, 'x');
      twins.push(version(kind, 's', at), version(kind, 's', at, [ts(T0 + 5, `z${i}`)]));
    }
    const storage = new MemoryStorage();
    const live = await open(storage);
    live.applyRemote([a10, b30, b20, ...twins]);
    await live.flushed();
    expect((await live.heads(E, NOTE)).map((h) => h.author)).toEqual(['B']);
    expect(live.evidenceStats().held).toBe(MAX_EVIDENCE_PER_ENTITY);
    expect([...live.versions()].some((v) => v === b20)).toBe(false);
    // Storage holds the heads alone (the evidence is in the entity's meta): each head stored and
    // dropped in the batch went with it, A's and x's earlier ones.
    const heads = [b30, ...twins.filter((v, i) => i % 2 === 0 && v.ts.ms >= T0 + 100 + MAX_EVIDENCE_PER_ENTITY - 8)];
    expect((await storage.loadVersions()).map(versionKey).sort()).toEqual(heads.map(versionKey).sort());
    const before = await dump(live);
    await live.close();
    const restarted = await open(storage.reopen());
    expect(await dump(restarted)).toBe(before);
  });
});
