import { compareTs } from '../clock/timestamp';
import type { ApprovalState, ThreatLevel } from '../entity/component-types';
import { THREAT_LEVELS } from '../entity/component-types';
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

/** Safety order of decisions: on doubt, do not act (DoD Directive 3000.09). */
const APPROVAL_SAFETY: Record<ApprovalState, number> = {
  pending: 0,
  approved: 1,
  cancelled: 2,
  timed_out: 3,
  denied: 4,
};
const approvalRank = (v: Version): number =>
  APPROVAL_SAFETY[(v.value as { state: ApprovalState } | null)?.state ?? 'pending'] ?? 0;

/** approval: concurrent approve and deny resolve to deny; otherwise the safer decision wins. */
export const byApproval: HeadOrder = (a, b) => approvalRank(a) - approvalRank(b) || byTimestamp(a, b);

export function orderFor(kind: string): HeadOrder {
  switch (kind) {
    case 'threat':
      return byThreat;
    case 'classification':
      return byClassification;
    case 'approval':
      return byApproval;
    default:
      return byTimestamp;
  }
}
