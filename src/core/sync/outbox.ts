import type { Version } from '../merge/version';
import type { VersionFramer } from './version-framer';

/**
 * Versions waiting for room on the link, in order, with "answer complete" markers (the request
 * number of a `want` whose versions all precede it) and whole frames that must follow the versions
 * before them (a reconcile reply). Bounded: what does not fit is refused and the caller lets the
 * next reconciliation catch up. A version already waiting is not queued again (repeated `want`s
 * were re-queued ×64 for large unknown kinds): `duplicates` counts those skipped.
 */
export class Outbox {
  private q: (Version | number | Uint8Array)[] = [];
  private head = 0;
  private count = 0;
  private readonly waiting = new Set<Version>();
  /** Versions not queued because they were already waiting. */
  duplicates = 0;

  /**
   * `before`: told of the versions each enqueue queues, before they are queued (RepairHost.lacks:
   * their authors' keys go ahead of them). Only those: a version refused for want of room, or
   * already waiting, draws no key (a key sent ahead of a version that never went counted as held
   * all the same, 32 B for nothing on a link already full).
   */
  constructor(
    private readonly max: number,
    private readonly live: boolean,
    private readonly before?: (versions: readonly Version[]) => void,
  ) {}

  get queued(): number {
    return this.count;
  }

  /** Versions that can still be queued. */
  get room(): number {
    return Math.max(0, this.max - this.count);
  }

  get empty(): boolean {
    return this.head >= this.q.length;
  }

  /**
   * Queues what fits (skipping versions already waiting); returns how many versions were refused.
   * `before` (default: the constructor's) is told of those queued, before they are.
   */
  enqueue(versions: readonly Version[], before = this.before): number {
    let refused = 0;
    const taken: Version[] = [];
    for (const v of versions) {
      if (this.waiting.has(v)) {
        this.duplicates += 1;
        continue;
      }
      if (this.count + taken.length >= this.max) {
        refused += 1;
        continue;
      }
      this.waiting.add(v);
      taken.push(v);
    }
    if (taken.length > 0) before?.(taken);
    for (const v of taken) this.q.push(v);
    this.count += taken.length;
    return refused;
  }

  /** Marks the end of the answer to `want` request `request`. */
  complete(request: number): void {
    this.q.push(request);
  }

  /** Queues a whole frame to go after everything queued so far. */
  frame(frame: Uint8Array): void {
    this.q.push(frame);
  }

  /** Sends frames while `room()` says the link can take more. Returns versions sent. */
  pump(framer: VersionFramer, send: (frame: Uint8Array, versions: number) => void, room: () => boolean): number {
    let sent = 0;
    while (this.head < this.q.length && room()) {
      const first = this.q[this.head]!;
      if (typeof first === 'number' || first instanceof Uint8Array) {
        send(typeof first === 'number' ? framer.marker(first, this.live) : first, 0);
        this.head += 1;
        continue;
      }
      let end = this.head;
      while (end < this.q.length && isVersion(this.q[end]!)) end++;
      const next = this.q[end];
      const marker = typeof next === 'number' ? next : 0;
      const f = framer.take(this.q as Version[], this.head, end, this.live, marker);
      if (f.frame.length > 0) send(f.frame, f.carried);
      for (let i = this.head; i < this.head + f.count; i++) this.waiting.delete(this.q[i] as Version);
      this.head += f.count;
      this.count -= f.count;
      sent += f.carried;
      if (marker > 0 && this.head === end) this.head += 1;
    }
    this.compact();
    return sent;
  }

  /** Drops everything (the link closed). */
  clear(): void {
    this.q = [];
    this.head = 0;
    this.count = 0;
    this.waiting.clear();
  }

  private compact(): void {
    if (this.head === this.q.length) {
      this.q = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
  }
}

function isVersion(x: Version | number | Uint8Array): x is Version {
  return typeof x !== 'number' && !(x instanceof Uint8Array);
}
