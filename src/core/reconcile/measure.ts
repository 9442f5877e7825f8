import type { Item } from './item';
import type { ReconcilerOptions } from './reconciler';
import { Reconciler } from './reconciler';
import { SortedVectorStorage } from './sorted-vector-storage';
import type { ReconcileStorage } from './storage';

export interface MeasureOptions extends ReconcilerOptions {
  /** Give up (throw) after this many round trips; default 10,000. */
  maxRounds?: number;
}

export interface Measurement {
  /** Round trips: initiator messages sent (each answered by the responder). */
  rounds: number;
  /** Total bytes of every initiator message. */
  bytesInitiator: number;
  /** Total bytes of every responder message. */
  bytesResponder: number;
  /** Ids the initiator (a) has that the responder (b) lacks. */
  have: Uint8Array[];
  /** Ids the responder (b) has that the initiator (a) lacks. */
  need: Uint8Array[];
  /** Ids the responder pushed ahead of its replies (push mode): the initiator lacked them. */
  pushed: Uint8Array[];
  /** Size of the largest single message. */
  maxMessageBytes: number;
}

/** Runs a full reconciliation between `a` (initiator) and `b` (responder) in memory. */
export function measureReconciliation(a: Iterable<Item>, b: Iterable<Item>, opts: MeasureOptions): Measurement {
  return measureStorages(new SortedVectorStorage(a), new SortedVectorStorage(b), opts);
}

/** As measureReconciliation, over already built storages (not modified). */
export function measureStorages(a: ReconcileStorage, b: ReconcileStorage, opts: MeasureOptions): Measurement {
  const maxRounds = opts.maxRounds ?? 10_000;
  const initiator = new Reconciler(a, opts);
  const responder = new Reconciler(b, opts);
  const have: Uint8Array[] = [];
  const need: Uint8Array[] = [];
  const pushed: Uint8Array[] = [];
  let msg: Uint8Array | null = initiator.initiate();
  let rounds = 0;
  let bytesInitiator = 0;
  let bytesResponder = 0;
  let maxMessageBytes = 0;
  while (msg !== null) {
    if (rounds >= maxRounds) throw new Error(`reconciliation did not finish within ${maxRounds} rounds`);
    rounds++;
    bytesInitiator += msg.length;
    maxMessageBytes = Math.max(maxMessageBytes, msg.length);
    const answered = responder.reconcile(msg);
    const answer = answered.reply!;
    for (const id of answered.push) pushed.push(id);
    bytesResponder += answer.length;
    maxMessageBytes = Math.max(maxMessageBytes, answer.length);
    const res = initiator.reconcile(answer);
    for (const id of res.have) have.push(id);
    for (const id of res.need) need.push(id);
    msg = res.reply;
  }
  return { rounds, bytesInitiator, bytesResponder, have, need, pushed, maxMessageBytes };
}
