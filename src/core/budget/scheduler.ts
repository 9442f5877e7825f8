import type { QueuedItem } from './budget-item';
import type { ClassQueue } from './class-queue';
import { FramePacker } from './frame-packer';
import { BORROWING_CLASSES, WEIGHTED_CLASSES, type PriorityClass, type WeightedClass } from './priority-classes';

/** Deficit round robin's position: whose turn it is, whether its quantum was granted, the deficits. */
interface DrrState {
  readonly index: number;
  readonly turnOpen: boolean;
  readonly deficits: Readonly<Record<WeightedClass, number>>;
}

/** The next frame, worked out without touching the queues: `commit` carries it out. */
export interface FramePlan {
  /** Whether the frame holds borrowing classes (and only them). */
  readonly borrowing: boolean;
  /** Payload bytes. */
  readonly bytes: number;
  /** Items taken from each class's head, in the order they go into the frame. */
  readonly picks: readonly PriorityClass[];
  readonly next: DrrState;
}

export interface TakenItem<P> extends QueuedItem<P> {
  readonly cls: PriorityClass;
}

/**
 * Picks what goes next. The borrowing classes go first in strict order (they are rare and urgent,
 * and borrowing bounds what they can take); the rest share by deficit round robin over byte quanta
 * (a class's quantum is its weight times `quantumBytes`), so under a long flood every backlogged
 * class gets bytes once per round and none starves. Planning is pure; committing takes the items.
 */
export class Scheduler<P> {
  private state: DrrState;

  constructor(
    private readonly queues: Readonly<Record<PriorityClass, ClassQueue<P>>>,
    private readonly weights: Readonly<Record<WeightedClass, number>>,
    private readonly quantumBytes: number,
  ) {
    for (const cls of WEIGHTED_CLASSES) {
      if (!(weights[cls] > 0)) throw new RangeError(`the weight of ${cls} must be > 0, got ${weights[cls]}`);
    }
    if (!(quantumBytes > 0)) throw new RangeError(`quantumBytes must be > 0, got ${quantumBytes}`);
    this.state = {
      index: 0,
      turnOpen: false,
      deficits: { medium: 0, low: 0, none: 0, position: 0, sync: 0 },
    };
  }

  hasBorrowing(): boolean {
    return BORROWING_CLASSES.some((c) => this.queues[c].length > 0);
  }

  hasWeighted(): boolean {
    return WEIGHTED_CLASSES.some((c) => this.queues[c].length > 0);
  }

  /**
   * A frame of the borrowing classes, strictly by class (each class's leading items first), up to
   * `targetBytes`; with `leadOnly`, of their leading items only. Undefined if none wait.
   */
  planBorrowing(targetBytes: number, leadOnly = false): FramePlan | undefined {
    const packer = new FramePacker(targetBytes);
    const picks: PriorityClass[] = [];
    for (const cls of BORROWING_CLASSES) {
      const queue = this.queues[cls];
      // Control items (signals, bye) never wait behind a lead: the whole class counts as leading.
      const count = leadOnly && cls !== 'control' ? queue.leading : queue.length;
      for (let i = 0; i < count; i++) {
        const bytes = queue.peek(i)!.item.bytes;
        if (!packer.fits(bytes)) return { borrowing: true, bytes: packer.bytes, picks, next: this.state };
        packer.add(bytes);
        picks.push(cls);
      }
    }
    return picks.length === 0 ? undefined : { borrowing: true, bytes: packer.bytes, picks, next: this.state };
  }

  /** A frame of the weighted classes by deficit round robin, up to `targetBytes`; undefined if none wait. */
  planWeighted(targetBytes: number): FramePlan | undefined {
    if (!this.hasWeighted()) return undefined;
    const packer = new FramePacker(targetBytes);
    const picks: PriorityClass[] = [];
    const taken: Record<WeightedClass, number> = { medium: 0, low: 0, none: 0, position: 0, sync: 0 };
    const deficits = { ...this.state.deficits };
    let { index, turnOpen } = this.state;
    const remaining = (cls: WeightedClass) => this.queues[cls].length - taken[cls];
    const advance = () => {
      index = (index + 1) % WEIGHTED_CLASSES.length;
      turnOpen = false;
    };
    while (WEIGHTED_CLASSES.some((c) => remaining(c) > 0)) {
      const cls = WEIGHTED_CLASSES[index]!;
      if (remaining(cls) === 0) {
        deficits[cls] = 0; // an idle class does not bank credit for later
        advance();
        continue;
      }
      if (!turnOpen) {
        deficits[cls] += this.weights[cls] * this.quantumBytes;
        turnOpen = true;
      }
      const bytes = this.queues[cls].peek(taken[cls])!.item.bytes;
      if (bytes > deficits[cls]) {
        advance();
        continue;
      }
      if (!packer.fits(bytes)) break; // the frame is full: this turn resumes in the next frame
      packer.add(bytes);
      picks.push(cls);
      taken[cls] += 1;
      deficits[cls] -= bytes;
      if (remaining(cls) === 0) {
        deficits[cls] = 0;
        advance();
      }
    }
    return { borrowing: false, bytes: packer.bytes, picks, next: { index, turnOpen, deficits } };
  }

  /** Takes a plan's items from the queues, in frame order, and moves the round robin on. */
  commit(plan: FramePlan): TakenItem<P>[] {
    const items: TakenItem<P>[] = [];
    for (const cls of plan.picks) {
      const [entry] = this.queues[cls].take(1);
      items.push({ ...entry!, cls });
    }
    this.state = plan.next;
    return items;
  }
}
