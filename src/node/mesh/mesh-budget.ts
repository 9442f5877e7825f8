import { ByteBucket, normaliseBudget } from '../../core/budget/byte-bucket';
import type { QueueLimits } from '../../core/budget/class-queue';
import { LinkBudgeter, type BudgetStats, type ClassStats } from '../../core/budget/link-budgeter';
import { ALL_CLASSES, type PriorityClass } from '../../core/budget/priority-classes';
import type { NodeId } from '../../core/ids';
import { MAX_SYNC_FRAME_BYTES } from '../../core/sync';
import { UNLIMITED, type BudgetSetting } from '../budget-args';
import { budgetFor, type BudgetConfig } from '../budget-settings';
import type { Outgoing } from './outgoing';

/**
 * Room for the session's flow control in the keyless classes: it stops adding frames once our
 * queue plus the channel's buffer pass its high-water mark (1 MiB), then adds at most one more frame.
 */
const SESSION_CLASS_LIMITS = { maxItems: 20_000, maxBytes: 4 * 1024 * 1024 };

/** A link's budgeter and how to poll it. */
export interface BudgetedLink {
  readonly peer: NodeId;
  readonly budgeter: LinkBudgeter<Outgoing>;
  /**
   * Sends the link's next frame if the budget allows it now: the bytes that went out; 0 when it has
   * to wait (or is idle). Before `heldUntil` only borrowing frames may go (LinkBudgeter.poll).
   */
  pumpOne(heldUntil?: number): number;
}

/**
 * The node's side of the budgets: one ByteBucket shared by every link's budgeter (a tablet has one
 * radio), each link's own budget, and polling. With a limited node-wide budget every poll goes
 * across the links, fairly by bytes (pumpAll), so the first link cannot take every token the
 * shared bucket refills (docs/budgeter.md, "Link and node-wide budgets").
 */
export class MeshBudget {
  readonly nodeBucket: ByteBucket;
  private readonly links: BudgetedLink[] = [];
  /** Bytes each link has been served, on the fair queue's virtual clock. */
  private readonly served = new Map<BudgetedLink, number>();
  private virtualTime = 0;
  private config: BudgetConfig;

  constructor(
    config: BudgetConfig | undefined,
    private readonly now: () => number,
    /** Bounds of the live classes' queues (MeshNodeOptions.queueLimits); the session's classes keep theirs. */
    private readonly queueLimits: Readonly<Partial<Record<PriorityClass, QueueLimits>>> = {},
  ) {
    this.config = config ?? { node: UNLIMITED, links: UNLIMITED, peers: {} };
    this.nodeBucket = new ByteBucket(normaliseBudget(this.config.node), now());
  }

  /** A budgeter for a new link to `peer`, under its budget and the node's. */
  budgeter(peer: NodeId): LinkBudgeter<Outgoing> {
    return new LinkBudgeter<Outgoing>(
      {
        maxFrameBytes: MAX_SYNC_FRAME_BYTES,
        budget: this.forPeer(peer),
        shared: [this.nodeBucket],
        limits: {
          ...this.queueLimits,
          control: SESSION_CLASS_LIMITS,
          sync: SESSION_CLASS_LIMITS,
          none: SESSION_CLASS_LIMITS,
        },
      },
      this.now(),
    );
  }

  add(link: BudgetedLink): void {
    this.links.push(link);
  }

  remove(link: BudgetedLink): void {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
    this.served.delete(link);
  }

  /** Polls one link, or (when the node-wide budget is limited) every link, fairly (pumpAll). */
  wake(link: BudgetedLink): void {
    if (this.nodeBucket.unlimited) {
      while (link.pumpOne() > 0);
      return;
    }
    this.pumpAll();
  }

  /**
   * Polls the links until none can send now, offering each frame to the link that has sent the
   * fewest bytes (start-time fair queueing over the shared bucket): round robin by bytes, since
   * frames differ in size, and a link back from idle cannot claim what it did not use meanwhile.
   * It is work-conserving, so a link that can send a smaller frame now goes ahead of one waiting
   * for a larger, except when the one waiting waits for the shared bucket alone: then the links
   * after it in the order send only borrowing frames until its frame fits (heldUntil), or one whose
   * next frame is a few bytes smaller would take every refill and starve it for as long as both
   * stay backlogged. Draining one link before the next would let whichever is polled first take
   * every token the shared bucket refills.
   */
  pumpAll(): void {
    for (;;) {
      const order = this.links.slice().sort((x, y) => this.servedOf(x) - this.servedOf(y));
      let sent = false;
      let heldUntil: number | undefined;
      for (const link of order) {
        const start = Math.max(this.servedOf(link), this.virtualTime);
        const bytes = link.pumpOne(heldUntil);
        if (bytes === 0) {
          heldUntil ??= link.budgeter.sharedWaitUntil;
          continue;
        }
        this.virtualTime = start;
        this.served.set(link, start + bytes);
        sent = true;
        break;
      }
      if (!sent) return;
    }
  }

  private servedOf(link: BudgetedLink): number {
    return Math.max(this.served.get(link) ?? 0, this.virtualTime);
  }

  /** New budgets from the operator: applied at once, and every link polled (a wait may be shorter now). */
  configure(config: BudgetConfig): void {
    this.config = config;
    const now = this.now();
    this.nodeBucket.setBudget(normaliseBudget(config.node), now);
    for (const l of this.links) l.budgeter.setBudget(this.forPeer(l.peer), now);
    this.pumpAll();
  }

  link(peer: NodeId): BudgetStats | undefined {
    const l = this.links.find((x) => x.peer === peer);
    return l?.budgeter.stats(this.now());
  }

  /** Every link's figures added up under the node-wide budget; p99 latency is the worst link's. */
  node(): BudgetStats {
    const now = this.now();
    const all = this.links.map((l) => l.budgeter.stats(now));
    const classes = {} as Record<PriorityClass, ClassStats>;
    for (const cls of ALL_CLASSES) {
      const c = all.map((s) => s.classes[cls]);
      classes[cls] = {
        queued: sum(c.map((x) => x.queued)),
        sent: sum(c.map((x) => x.sent)),
        coalesced: sum(c.map((x) => x.coalesced)),
        deferred: sum(c.map((x) => x.deferred)),
        latencyP99Ms: Math.max(0, ...c.map((x) => x.latencyP99Ms)),
        sentBytesPerSecond: sum(c.map((x) => x.sentBytesPerSecond)),
        droppedToAntiEntropy: sum(c.map((x) => x.droppedToAntiEntropy)),
      };
    }
    return {
      bytesPerSecond: this.nodeBucket.bytesPerSecond,
      burstBytes: this.nodeBucket.burstBytes,
      sentBytesPerSecond: sum(all.map((s) => s.sentBytesPerSecond)),
      classes,
    };
  }

  private forPeer(peer: NodeId): BudgetSetting {
    return budgetFor(this.config, peer);
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
