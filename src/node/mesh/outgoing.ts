import type { PriorityClass } from '../../core/budget/priority-classes';
import type { Version } from '../../core/merge/version';
import { MessageType, peekMessage } from '../../core/sync';

/**
 * What waits in a link's budgeter: a frame the sync session encoded (sent as it is), a message of
 * the transport's own (relayed signaling, Link.sendSignal), or one live version the link packs
 * with the others of its frame into one `versions` message when it goes.
 */
export type Outgoing =
  | { readonly type: 'frame'; readonly frame: Uint8Array }
  | { readonly type: 'signal'; readonly payload: Uint8Array }
  | {
      readonly type: 'version';
      readonly version: Version;
      /** Its size encoded alone (it packs smaller with others). */
      readonly alone: number;
      /** Its class and coalescing key, to queue it again when its frame would overrun its charge. */
      readonly cls: PriorityClass;
      readonly key: string;
      /** Ahead of its class's other items (BudgetItem.lead): a decision, a threat change, a delete. */
      readonly lead?: boolean;
    };

/**
 * The class of a frame the session made (docs/budgeter.md, "Classes"). Handshakes, heartbeats and
 * Plumtree control are `control`: small, and a link whose pings wait behind data looks dead.
 * Anti-entropy (reconcile, want, repair versions, ihave) is `sync`: its frames depend on each
 * other's order, and one class keeps them in order. Live versions the session framed itself (a
 * graft's answer, or any live push on an unlimited link) are `none`.
 */
export function sessionFrameClass(frame: Uint8Array): PriorityClass {
  const peek = peekMessage(frame);
  if (peek === undefined) return 'sync';
  switch (peek.type) {
    case MessageType.Hello:
    case MessageType.Proof:
    case MessageType.Ping:
    case MessageType.Pong:
    case MessageType.Bye:
    case MessageType.Prune:
    case MessageType.Keys:
      // Keys among them: they go ahead of the versions they let the peer verify.
      return 'control';
    case MessageType.Reconcile:
    case MessageType.Want:
    case MessageType.IHave:
    case MessageType.Part: // (the session makes none: LinkSender splits frames after classing them)
      return 'sync';
    case MessageType.Versions:
      return peek.live ? 'none' : 'sync';
    default: {
      const never: never = peek.type;
      throw new Error(`unknown message type ${String(never)}`);
    }
  }
}
