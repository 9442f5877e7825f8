/** The part of an idb transaction this needs, so any store list and mode fits. */
interface Tx {
  readonly done: Promise<void>;
  abort(): void;
}

/**
 * Runs `body` against `tx` and resolves once the transaction has committed. If the body throws
 * (synchronously, e.g. a DataCloneError, or through a failed request) the transaction is aborted,
 * so nothing it did is applied, and the body's error is the one reported.
 */
export async function inTransaction<T>(tx: Tx, body: () => Promise<T> | T): Promise<T> {
  const done = tx.done;
  let result: T;
  try {
    result = await body();
  } catch (error) {
    // The abort below makes `done` reject too; that rejection is a consequence of `error`, which we rethrow.
    done.catch(() => undefined);
    abortQuietly(tx);
    throw error;
  }
  await done;
  return result;
}

function abortQuietly(tx: Tx): void {
  try {
    tx.abort();
  } catch {
    // InvalidStateError: the transaction already aborted (a failed request aborts it); nothing left to undo.
  }
}

/**
 * Issues requests in order and waits for all of them. If issuing one throws synchronously (e.g. a
 * DataCloneError), the transaction will abort and fail the requests already issued; their
 * rejections are a consequence of the throw, which is what propagates.
 */
export function issueAll(requests: readonly (() => Promise<unknown>)[]): Promise<unknown[]> {
  const issued: Promise<unknown>[] = [];
  try {
    for (const request of requests) issued.push(request());
  } catch (error) {
    for (const p of issued) p.catch(() => undefined);
    throw error;
  }
  return Promise.all(issued);
}
