import { mulberry32 } from '../../../../src/core/random/mulberry32';
import type { Item, ReconcilerOptions } from '../../../../src/core/reconcile';
import { Reconciler, SortedVectorStorage } from '../../../../src/core/reconcile';

/** Deterministic PRNG so scale scenarios are reproducible. */
export const prng = mulberry32;

export function randomId(rand: () => number): Uint8Array {
  const id = new Uint8Array(16);
  for (let j = 0; j < 16; j++) id[j] = Math.floor(rand() * 256);
  return id;
}

/** n items with increasing HLC-like timestamps (~100 ms apart, 10 % sharing the previous one). */
export function makeItems(n: number, seed: number, startTs = 1_700_000_000_000): Item[] {
  const rand = prng(seed);
  const out: Item[] = [];
  let ts = startTs;
  for (let i = 0; i < n; i++) {
    if (rand() > 0.1) ts += Math.floor(rand() * 200);
    out.push({ ts, id: randomId(rand) });
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX[id[i]!];
  return s;
}

export function idSet(items: Iterable<Item>): Set<string> {
  const s = new Set<string>();
  for (const it of items) s.add(hex(it.id));
  return s;
}

/** Ids in a but not in b, as sorted hex strings. */
export function minus(a: Item[], b: Item[]): string[] {
  const bs = idSet(b);
  return [...idSet(a)].filter((k) => !bs.has(k)).sort();
}

export function sortedHex(ids: Uint8Array[]): string[] {
  return ids.map(hex).sort();
}

export interface Session {
  rounds: number;
  messages: Uint8Array[];
  have: Uint8Array[];
  need: Uint8Array[];
  /** Ids the responder pushed (push mode); they reach the initiator without a want. */
  pushed: Uint8Array[];
}

/** What the responder is given per reply: its push room and its reply limit (defaults: none). */
export interface ReplyBounds {
  readonly pushRoom?: number;
  readonly replyLimit?: number;
}

/** Runs both roles to completion, keeping every message. */
export function runSession(
  a: Item[],
  b: Item[],
  opts: ReconcilerOptions,
  maxRounds = 5000,
  bounds: ReplyBounds = {},
): Session {
  const initiator = new Reconciler(new SortedVectorStorage(a), opts);
  const responder = new Reconciler(new SortedVectorStorage(b), opts);
  const messages: Uint8Array[] = [];
  const have: Uint8Array[] = [];
  const need: Uint8Array[] = [];
  const pushed: Uint8Array[] = [];
  let msg: Uint8Array | null = initiator.initiate();
  let rounds = 0;
  while (msg !== null) {
    if (++rounds > maxRounds) throw new Error('too many rounds');
    messages.push(msg);
    const r = responder.reconcile(msg, bounds.pushRoom, bounds.replyLimit);
    if (bounds.pushRoom !== undefined && r.push.length > bounds.pushRoom) throw new Error('pushed beyond the room');
    if (opts.push === true && bounds.replyLimit !== undefined && r.reply!.length > Math.max(4096, bounds.replyLimit)) {
      throw new Error('reply beyond the limit');
    }
    if (r.reply === null) throw new Error('responder returned no reply');
    if (r.have.length !== 0 || r.need.length !== 0) throw new Error('responder reported ids');
    if (r.push.length > 0 && opts.push !== true) throw new Error('responder pushed without push mode');
    pushed.push(...r.push);
    messages.push(r.reply);
    const res = initiator.reconcile(r.reply);
    have.push(...res.have);
    need.push(...res.need);
    msg = res.reply;
  }
  return { rounds, messages, have, need, pushed };
}

export type Divergence = 'recent' | 'random';
export type Owner = 'both' | 'initiator' | 'responder';

/**
 * n versions of which 1 % diverge — the newest ones ('recent', as after a partition) or random ones —
 * each divergent version held by the initiator, the responder, or either at random ('both').
 */
export function divergentSets(n: number, kind: Divergence, owner: Owner, seed = 1): { a: Item[]; b: Item[] } {
  const all = makeItems(n, seed);
  const rand = prng(seed + 99);
  const d = Math.floor(n / 100);
  const divergent = new Set<number>();
  if (kind === 'recent') for (let i = n - d; i < n; i++) divergent.add(i);
  else while (divergent.size < d) divergent.add(Math.floor(rand() * n));
  const a: Item[] = [];
  const b: Item[] = [];
  all.forEach((it, i) => {
    if (!divergent.has(i)) {
      a.push(it);
      b.push(it);
      return;
    }
    const toA = owner === 'initiator' || (owner === 'both' && rand() < 0.5);
    (toA ? a : b).push(it);
  });
  return { a, b };
}
