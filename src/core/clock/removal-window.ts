import { compareTs, type Timestamp } from './timestamp';

/**
 * A refused window of one author (docs/security.md, "A removed device invited again"): a removal's
 * cut-off (`from`) up to the stamp of the `add` that admitted it again (`to`). Its writes stamped
 * after `from` and before `to` were written while it stood removed, and stay refused after the
 * re-admission; its writes stamped after `to` are taken.
 */
export interface RemovalWindow {
  readonly from: Timestamp;
  readonly to: Timestamp;
}

/** Whether `ts` falls inside one of `windows` (after its `from`, before its `to`). */
export function inWindows(windows: readonly RemovalWindow[] | undefined, ts: Timestamp): boolean {
  if (windows === undefined) return false;
  for (const w of windows) if (compareTs(ts, w.from) > 0 && compareTs(ts, w.to) < 0) return true;
  return false;
}

/** The earliest `from` among `windows` (a lower bound for a store scan), undefined if none. */
export function earliestFrom(windows: readonly RemovalWindow[]): Timestamp | undefined {
  let at: Timestamp | undefined;
  for (const w of windows) if (at === undefined || compareTs(w.from, at) < 0) at = w.from;
  return at;
}

/** One text per window list, to tell two lists apart. */
export function windowsKey(windows: readonly RemovalWindow[] | undefined): string {
  return (windows ?? [])
    .map((w) => `${w.from.ms}.${w.from.c}.${w.from.node}-${w.to.ms}.${w.to.c}.${w.to.node}`)
    .join(',');
}

/** Whether two windows are the same. */
export function sameWindow(a: RemovalWindow, b: RemovalWindow): boolean {
  return compareTs(a.from, b.from) === 0 && compareTs(a.to, b.to) === 0;
}
