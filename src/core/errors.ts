/** Bad input from a user, a file or a peer. The write it came with changed nothing. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** A conditional write whose based-on version is no longer the current one. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly current: string | undefined,
  ) {
    super(message);
  }
}

/** The addressed entity does not exist (or is deleted / expired). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
