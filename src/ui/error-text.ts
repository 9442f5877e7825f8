/**
 * The operator-facing text of a rejected call. Errors from the worker arrive as plain
 * `{name, message}` objects (comlink), so this goes by name, never by class.
 */
export function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, message } = error as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  switch (name) {
    case 'ValidationError':
      return `Invalid input: ${text}`;
    case 'ConflictError':
      return `Conflict: ${text}. Someone changed it after you opened the form — reload to see their change.`;
    case 'NotFoundError':
      return `Not found: ${text}`;
    case 'StorageFullError':
      return `Storage full: ${text}`;
    default:
      return typeof name === 'string' && name !== 'Error' ? `${name}: ${text}` : text;
  }
}
