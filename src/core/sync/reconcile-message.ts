import { MessageType, type ReconcileMessage, type ReconcilePhase } from './messages';

const EMPTY = new Uint8Array(0);

/** A `reconcile` message (payload empty for done, abort and request). */
export function reconcileMessage(
  session: number,
  phase: ReconcilePhase,
  payload: Uint8Array = EMPTY,
): ReconcileMessage {
  return { type: MessageType.Reconcile, session, phase, payload };
}
