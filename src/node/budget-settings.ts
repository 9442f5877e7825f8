import type { BudgetStats } from '../core/budget/link-budgeter';
import { NotFoundError, ValidationError } from '../core/errors';
import type { JsonValue } from '../core/entity/component-types';
import type { NodeId } from '../core/ids';
import { checkBudget, checkBudgetTarget, UNLIMITED, type BudgetSetting, type BudgetTarget } from './budget-args';

/** The storage meta key the budgets persist under. */
export const BUDGET_META = 'budget';
/** Per-peer budgets kept at most (the operator sets them; a bound all the same). */
export const MAX_PEER_BUDGETS = 256;

/** Every budget the node applies: node-wide, the default per link, and per-peer overrides. */
export interface BudgetConfig {
  readonly node: BudgetSetting;
  readonly links: BudgetSetting;
  readonly peers: Readonly<Record<string, BudgetSetting>>;
}

/** What the mesh answers for `budgetStats` (it holds the budgeters). */
export interface BudgetStatsSource {
  /** One link's figures; undefined if there is no link to `peer`. */
  link(peer: NodeId): BudgetStats | undefined;
  /** Every link's figures added up, under the node-wide budget. */
  node(): BudgetStats;
}

/**
 * The budgets the operator set (`setBudget`), persisted in node meta and loaded on open; the mesh
 * listens for changes and answers `budgetStats`. Unlimited is the default everywhere.
 */
export class BudgetSettings {
  private config: BudgetConfig;
  private readonly listeners = new Set<(config: BudgetConfig) => void>();
  private source: BudgetStatsSource | undefined;

  constructor(
    saved: JsonValue | undefined,
    private readonly persist: (meta: JsonValue) => Promise<void>,
    log: (message: string, detail?: unknown) => void,
  ) {
    this.config = restore(saved, log);
  }

  get current(): BudgetConfig {
    return this.config;
  }

  async set(target: unknown, budget: unknown): Promise<void> {
    const t = checkBudgetTarget(target);
    const b = checkBudget(budget);
    this.config = apply(this.config, t, b);
    for (const l of this.listeners) l(this.config);
    await this.persist(this.config as unknown as JsonValue);
  }

  /** Subscribes to changes (the mesh re-budgets its links); returns the unsubscribe function. */
  onChange(listener: (config: BudgetConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The mesh answers budgetStats (one mesh per node). */
  provideStats(source: BudgetStatsSource): () => void {
    this.source = source;
    return () => {
      if (this.source === source) this.source = undefined;
    };
  }

  stats(peer?: unknown): BudgetStats {
    if (this.source === undefined) throw new Error('budgetStats: the node has no mesh');
    if (peer === undefined || peer === 'node') return this.source.node();
    const t = checkBudgetTarget(peer);
    if (t.type !== 'link') throw new ValidationError('budgetStats: expected a peer id or nothing');
    const stats = this.source.link(t.peer);
    if (stats === undefined) throw new NotFoundError(`budgetStats: no link to ${t.peer}`);
    return stats;
  }
}

/** The budget of the link to `peer`: its own if set, else the default for links. */
export function budgetFor(config: BudgetConfig, peer: NodeId): BudgetSetting {
  return config.peers[peer] ?? config.links;
}

function apply(config: BudgetConfig, target: BudgetTarget, budget: BudgetSetting): BudgetConfig {
  switch (target.type) {
    case 'node':
      return { ...config, node: budget };
    case 'links':
      return { ...config, links: budget };
    case 'link': {
      const peers: Record<string, BudgetSetting> = { ...config.peers, [target.peer]: budget };
      const names = Object.keys(peers);
      if (names.length > MAX_PEER_BUDGETS) throw new ValidationError(`setBudget: at most ${MAX_PEER_BUDGETS} peers`);
      return { ...config, peers };
    }
    default: {
      const never: never = target;
      throw new Error(`unknown budget target ${String(never)}`);
    }
  }
}

/** Reads the saved budgets; anything unreadable is logged and left unlimited, never fatal. */
function restore(saved: JsonValue | undefined, log: (message: string, detail?: unknown) => void): BudgetConfig {
  const empty: BudgetConfig = { node: UNLIMITED, links: UNLIMITED, peers: {} };
  if (saved === undefined) return empty;
  try {
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) throw new ValidationError('not an object');
    const s = saved as Record<string, JsonValue>;
    let config: BudgetConfig = {
      node: s.node === undefined ? UNLIMITED : checkBudget(s.node),
      links: s.links === undefined ? UNLIMITED : checkBudget(s.links),
      peers: {},
    };
    const peers = s.peers ?? {};
    if (peers === null || typeof peers !== 'object' || Array.isArray(peers)) throw new ValidationError('bad peers');
    for (const [peer, budget] of Object.entries(peers)) {
      config = apply(config, checkBudgetTarget(peer), checkBudget(budget));
    }
    return config;
  } catch (error) {
    log('the stored budgets could not be read: every link is unlimited', error);
    return empty;
  }
}
