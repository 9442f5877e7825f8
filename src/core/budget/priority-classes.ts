/**
 * The classes traffic on a link is sorted into, most urgent first. `control` (pings, signaling,
 * handshakes) is small and must never wait behind data or a link would look dead; `sync` carries
 * anti-entropy rounds, budgeted like the rest and yielding to live HIGH traffic.
 */
export const PRIORITY_CLASSES = {
  control: 'control',
  delete: 'delete',
  high: 'high',
  medium: 'medium',
  low: 'low',
  none: 'none',
  position: 'position',
  sync: 'sync',
} as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[keyof typeof PRIORITY_CLASSES];

export const ALL_CLASSES: readonly PriorityClass[] = Object.values(PRIORITY_CLASSES);

/**
 * Served first, in this order, even at zero tokens: they borrow from the bucket (within its debt
 * bound) and the debt is repaid by the classes below waiting longer.
 */
export const BORROWING_CLASSES = ['control', 'delete', 'high'] as const satisfies readonly PriorityClass[];
export type BorrowingClass = (typeof BORROWING_CLASSES)[number];

/**
 * Shared by deficit round robin over what the budget allows, in proportion to these weights, so a
 * long flood of one class never starves another.
 */
export const WEIGHTED_CLASSES = [
  'medium',
  'low',
  'none',
  'position',
  'sync',
] as const satisfies readonly PriorityClass[];
export type WeightedClass = (typeof WEIGHTED_CLASSES)[number];

export const DEFAULT_WEIGHTS: Readonly<Record<WeightedClass, number>> = {
  medium: 8,
  low: 4,
  none: 2,
  position: 2,
  sync: 2,
};

export function isBorrowing(cls: PriorityClass): cls is BorrowingClass {
  return (BORROWING_CLASSES as readonly PriorityClass[]).includes(cls);
}
