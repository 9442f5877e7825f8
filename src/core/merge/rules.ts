import { compareTs } from '../clock/timestamp';
import type { ThreatLevel } from '../entity/component-types';
import { THREAT_LEVELS } from '../entity/component-types';
import type { ApprovalRecord, RequestId, TaskRecord } from '../task/records';
import { compareApprovalHeads, compareTaskHeads, type Head } from '../task/request-order';
import type { Version } from './version';

/**
 * Orders concurrent heads of one component (none saw the other): a positive result means `a`
 * wins. Each rule is a total order over versions (the timestamp, unique per write, is always the
 * last key), so the winner is the same whichever order the heads arrived in. Causally later writes
 * never reach these rules: they replace what they saw (see register.ts), which is how a deliberate
 * de-escalation overrides an earlier HIGH threat.
 */
export type HeadOrder = (a: Version, b: Version) => number;

/** Default: last writer wins by HLC; node id breaks ties inside compareTs. */
export const byTimestamp: HeadOrder = (a, b) => compareTs(a.ts, b.ts);

const threatRank = (v: Version): number =>
  THREAT_LEVELS.indexOf((v.value as { level: ThreatLevel } | null)?.level ?? 'NONE');

/** threat: among concurrent writes the higher level wins (fail safe), then the later one. */
export const byThreat: HeadOrder = (a, b) => threatRank(a) - threatRank(b) || byTimestamp(a, b);

const confidence = (v: Version): number => (v.value as { confidence?: number } | null)?.confidence ?? 0;

/** classification: the later write wins; writes in the same millisecond go to the higher confidence. */
export const byClassification: HeadOrder = (a, b) =>
  a.ts.ms - b.ts.ms || confidence(a) - confidence(b) || byTimestamp(a, b);

/** A deleted component's version (value null) sorts below every request. */
const NO_APPROVAL: ApprovalRecord = {
  requestId: '' as RequestId,
  state: 'pending',
  reason: '',
  requestedAt: 0,
  deadline: 0,
};
const asApproval = (v: Version): Head<ApprovalRecord> => ({
  value: (v.value as ApprovalRecord | null) ?? NO_APPROVAL,
  ts: v.ts,
});

/**
 * approval: the newer request wins (a late decision for an old request never stands for a new one),
 * then the safer decision (denied > timed_out > cancelled > approved > pending: on doubt, do not
 * act, DoD Directive 3000.09), then the later write. See src/core/task/request-order.ts.
 */
export const byApproval: HeadOrder = (a, b) => compareApprovalHeads(asApproval(a), asApproval(b));

const asTask = (v: Version): Head<TaskRecord> => ({
  value: (v.value as TaskRecord | null) ?? ({ requestId: '' } as TaskRecord),
  ts: v.ts,
});

/**
 * task: an intercept task wins over any other, then a plausible request id over a made-up one, then
 * the newer request, then the later write (only the request's actor writes its task). See
 * src/core/task/request-order.ts.
 */
export const byTask: HeadOrder = (a, b) => compareTaskHeads(asTask(a), asTask(b));

export function orderFor(kind: string): HeadOrder {
  switch (kind) {
    case 'threat':
      return byThreat;
    case 'classification':
      return byClassification;
    case 'approval':
      return byApproval;
    case 'task':
      return byTask;
    default:
      return byTimestamp;
  }
}
