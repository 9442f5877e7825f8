import * as Automerge from '@automerge/automerge';
import * as Y from 'yjs';
import type { Version } from '../../src/core/merge/version';

/**
 * The same writes as Yjs and Automerge would carry them: one document per author, map key
 * `<entity>/<kind>` (flat, so concurrent writers do not replace each other's nested maps), the
 * component value as the map value; each author's writes of one batch in one transaction/change.
 */
const keyOf = (v: Version): string => `${v.entity}/${v.kind}`;

function byAuthor(batch: readonly Version[], authorOf: readonly number[], offset: number): Map<number, Version[]> {
  const groups = new Map<number, Version[]>();
  batch.forEach((v, i) => {
    const a = authorOf[offset + i]!;
    let g = groups.get(a);
    if (g === undefined) groups.set(a, (g = []));
    g.push(v);
  });
  return groups;
}

/** Per batch, the Yjs updates (v1 and, if asked, v2) that the authors' documents emit. */
export function yjsUpdates(
  batchList: readonly (readonly Version[])[],
  authorOf: readonly number[],
  authors: number,
  v2 = false,
): { v1: Uint8Array[][]; v2: Uint8Array[][] } {
  const docs = Array.from({ length: authors }, (_, a) => {
    const d = new Y.Doc();
    d.clientID = a + 1;
    return d;
  });
  const out1: Uint8Array[][] = [];
  const out2: Uint8Array[][] = [];
  let offset = 0;
  for (const batch of batchList) {
    const u1: Uint8Array[] = [];
    const u2: Uint8Array[] = [];
    for (const [a, writes] of byAuthor(batch, authorOf, offset)) {
      const doc = docs[a]!;
      const on1 = (u: Uint8Array): number => u1.push(u);
      const on2 = (u: Uint8Array): number => u2.push(u);
      doc.on('update', on1);
      if (v2) doc.on('updateV2', on2);
      const map = doc.getMap('c');
      doc.transact(() => {
        for (const w of writes) map.set(keyOf(w), w.value);
      });
      doc.off('update', on1);
      if (v2) doc.off('updateV2', on2);
    }
    out1.push(u1);
    out2.push(u2);
    offset += batch.length;
  }
  return { v1: out1, v2: out2 };
}

const actorHex = (a: number): string => (a + 1).toString(16).padStart(32, '0');

/** Per batch, the Automerge changes the authors' documents emit. */
export function automergeChanges(
  batchList: readonly (readonly Version[])[],
  authorOf: readonly number[],
  authors: number,
): Uint8Array[][] {
  const docs = Array.from({ length: authors }, (_, a) =>
    Automerge.init<Record<string, unknown>>({ actor: actorHex(a) }),
  );
  const out: Uint8Array[][] = [];
  let offset = 0;
  for (const batch of batchList) {
    const changes: Uint8Array[] = [];
    for (const [a, writes] of byAuthor(batch, authorOf, offset)) {
      docs[a] = Automerge.change(docs[a]!, (d) => {
        for (const w of writes) d[keyOf(w)] = structuredClone(w.value);
      });
      changes.push(Automerge.getLastLocalChange(docs[a]!)!);
    }
    out.push(changes);
    offset += batch.length;
  }
  return out;
}
