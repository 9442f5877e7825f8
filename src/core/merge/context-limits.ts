/**
 * Bounds on causal contexts and on what a register learns from them (docs/architecture.md, "The
 * merge"; docs/security.md, "Contexts and register knowledge"). A context names other authors; a
 * peer can name made-up ones, so both what one version may name and what one register keeps are
 * bounded, and both are decided in a way every replica decides alike.
 */

/**
 * Entries one version's context may carry (the rest marker included). A version naming more is
 * refused whole on every node (hasHonestContext looks at the version alone) and, from a link,
 * counted as `context-too-large` and charged to it. An honest context names the other writers of
 * its component since its last delete or expiry, trimmed to this (Knowledge.contextFor): a track's
 * sensor and a few operators, 49 in scenario 1's fifty concurrent writers. ~64 × 40 B of timestamps.
 */
export const MAX_CONTEXT_ENTRIES = 64;

/**
 * Authors one register's knowledge keeps timestamps for. Past it the authors with the lowest
 * latest timestamp are folded into the register's cut (everything at or before it counts as seen,
 * whoever wrote it), which every replica computes alike from the versions delivered (knowledge.ts).
 * ~64 × 130 B. Not above MAX_CONTEXT_ENTRIES: a local write names what its register keeps.
 */
export const MAX_REGISTER_AUTHORS = 64;
