import type { ApprovalState } from '../../core/entity/component-types';
import { AUTO_DECIDER } from '../../core/task/gate';
import type { ApprovalView } from '../../node/approval-views';
import { clockTime, shortId } from '../format';

/** The track as the operator knows it: its label and id, or its id alone. */
export function trackName(v: Pick<ApprovalView, 'entityId' | 'label'>): string {
  return v.label ? `${v.label} (${v.entityId})` : v.entityId;
}

/** The state as a word on a badge. */
export function stateWord(state: ApprovalState): string {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'approved':
      return 'approved';
    case 'denied':
      return 'denied';
    case 'timed_out':
      return 'timed out';
    case 'cancelled':
      return 'cancelled';
    default: {
      const never: never = state;
      return String(never);
    }
  }
}

/** Who decided, on which node and when; the gate's own time-outs and cancellations read as such. */
export function decidedText(v: ApprovalView): string {
  const when = v.decidedAt === undefined ? '' : ` at ${clockTime(v.decidedAt)}Z`;
  const on = v.decidedOn === undefined ? '' : ` on node ${shortId(v.decidedOn)}`;
  if (v.decidedBy === undefined) return `${on}${when}`.trim();
  if (v.decidedBy === AUTO_DECIDER) return `by the gate${on}${when}`;
  // Until operators sign in (the security issue), the operator is named by their node's id.
  if (v.decidedBy === v.decidedOn) return `by the operator${on}${when}`;
  return `by ${shortId(v.decidedBy, 16)}${on}${when}`;
}

/**
 * A decided request in one sentence, for the live region. An approval says the task is assigned
 * only once it is (`taskAssigned`: the tasks list shows it); until then it is awaited, since the
 * acting node assigns it, and may not (taskSentence says when it appears).
 */
export function outcomeSentence(v: ApprovalView, taskAssigned = false): string {
  const conflict = v.conflict ? ' (conflicting decisions: the safer one stands)' : '';
  const detail = v.state === 'approved' && taskAssigned ? 'Intercept task assigned.' : outcomeDetail(v.state);
  return `${trackName(v)}: ${stateWord(v.state)}${conflict} ${decidedText(v)}. ${detail}`.trim();
}

function outcomeDetail(state: ApprovalState): string {
  switch (state) {
    case 'approved':
      return 'Waiting for the intercept task.';
    case 'denied':
      return 'No task.';
    case 'timed_out':
      return 'No decision before the deadline: denied automatically.';
    case 'cancelled':
      return 'The threat dropped: the request was withdrawn.';
    case 'pending':
      return '';
    default: {
      const never: never = state;
      return String(never);
    }
  }
}

/** A new request in one sentence, for the live region. */
export function raisedSentence(v: ApprovalView, secondsLeft: number): string {
  return `Approval needed: intercept ${trackName(v)}? ${v.reason}. ${secondsLeft} seconds to decide.`;
}

/** The intercept task of an approved request has appeared in the tasks list. */
export function taskSentence(v: ApprovalView): string {
  return `Intercept task assigned: ${trackName(v)}.`;
}
