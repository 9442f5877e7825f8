/**
 * What the round-turn attack tests (h32-turn-starve, h32-turn-slow-disk) send and count: a
 * node's stored versions, reconcile opens of an empty set, their done or abort, and the replies a
 * scripted peer got.
 */
import { Reconciler, SortedVectorStorage, UNSESSIONED_FINGERPRINT_KEY } from '../../../src/core/reconcile';
import { MessageType, type SyncMessage } from '../../../src/core/sync';
import type { Version } from '../../../src/core/merge/version';
import { pos, T0 } from '../node/mesh/scripted-peers';

export const stored = (n: number): Version[] =>
  Array.from({ length: n }, (_, i) => pos(`e${i}`, 'w', T0 - 100_000 + i));

export const open = (session: number): SyncMessage => ({
  type: MessageType.Reconcile,
  session,
  phase: 'open',
  payload: new Reconciler(new SortedVectorStorage([]), { key: UNSESSIONED_FINGERPRINT_KEY }).initiate(),
});

export const ended = (session: number, phase: 'done' | 'abort'): SyncMessage =>
  ({ type: MessageType.Reconcile, session, phase, payload: new Uint8Array(0) }) as SyncMessage;

/** Reconcile replies the peer got. */
export const replies = (p: { msgs(): SyncMessage[] }): number =>
  p.msgs().filter((m) => m.type === 'reconcile' && m.phase === 'reply').length;
