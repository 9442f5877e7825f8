import type { DecisionArg } from '../../node/approval-args';

/** `approval-decide`: the operator answered the request a card shows. */
export interface ApprovalDecideDetail {
  readonly entityId: string;
  /** The request on screen when the operator answered. */
  readonly requestId: string;
  readonly decision: DecisionArg;
  /** Answered by a key (A or D) on the card, not by a button. */
  readonly byKey?: boolean;
}

/** `approval-dismiss`: Escape on a card; the request stays pending and focus goes back where it was. */
export interface ApprovalDismissDetail {
  readonly requestId: string;
}

declare global {
  interface HTMLElementEventMap {
    'approval-decide': CustomEvent<ApprovalDecideDetail>;
    'approval-dismiss': CustomEvent<ApprovalDismissDetail>;
  }
}

/**
 * `approvals-pending`: the overlay's feed read the node's requests and the set of tracks with a
 * pending one changed. The shell passes it to the map, so the map shares the prompt's feed.
 */
export interface ApprovalsPendingDetail {
  readonly ids: ReadonlySet<string>;
}

declare global {
  interface HTMLElementEventMap {
    'approvals-pending': CustomEvent<ApprovalsPendingDetail>;
  }
}
