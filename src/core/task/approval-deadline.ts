/**
 * The approval deadline setting's range: long enough to read the prompt, short enough to matter.
 * One definition for the handle's validation, the gate's bound on a record's deadline, and the
 * settings panel's field.
 */
export const MIN_APPROVAL_DEADLINE_MS = 5_000;
export const MAX_APPROVAL_DEADLINE_MS = 600_000;
