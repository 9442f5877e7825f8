import { css, html, type TemplateResult } from 'lit';
import { DISPOSITIONS, SENSOR_TYPES, THREAT_LEVELS } from '../core/entity/component-types';
import { activeFilters, STALENESS, toggled, type Staleness, type TrackFilter } from './track-filter';

/** What each chip says: the words an operator uses, short enough for a chip. */
export const DISPOSITION_TEXT: Readonly<Record<(typeof DISPOSITIONS)[number], string>> = {
  HOSTILE: 'Hostile',
  SUSPICIOUS: 'Suspect',
  UNKNOWN: 'Unknown',
  PENDING: 'Pending',
  NEUTRAL: 'Neutral',
  ASSUMED_FRIENDLY: 'Assumed friend',
  FRIENDLY: 'Friend',
};
export const SOURCE_TEXT: Readonly<Record<(typeof SENSOR_TYPES)[number], string>> = { eo: 'EO camera', radar: 'Radar' };
const STALENESS_TEXT: Readonly<Record<Staleness, string>> = { any: 'Any age', fresh: 'Fresh', stale: 'Stale' };

/**
 * Filter changes are worked out from the filter as it is when applied, not as it was rendered:
 * two taps before the next render must both count.
 */
type Change = (change: (current: TrackFilter) => Partial<TrackFilter>) => void;

/** A toggle chip: a button whose pressed state is the filter's, 44 px high for a gloved finger. */
function chip(testId: string, text: string, pressed: boolean, onTap: () => void): TemplateResult {
  return html`<button
    type="button"
    class="chip"
    data-testid=${testId}
    aria-pressed=${pressed ? 'true' : 'false'}
    @click=${onTap}
  >
    ${text}
  </button>`;
}

function group(label: string, chips: readonly TemplateResult[]): TemplateResult {
  return html`<div class="group" role="group" aria-label=${label}>
    <span class="group-label" aria-hidden="true">${label}</span>${chips}
  </div>`;
}

/**
 * The track list's search field and filter chips (disposition, threat, sensor source, fused,
 * conflicts, age). The chips fold away under one "Filters" button that says how many are on, so
 * on a phone the list starts right under the search field.
 */
export function filterBar(f: TrackFilter, open: boolean, onToggleOpen: () => void, set: Change): TemplateResult {
  const active = activeFilters(f);
  return html`
    <div class="search" role="search">
      <label
        >Search
        <input
          type="search"
          data-testid="filter-text"
          placeholder="id or label"
          .value=${f.text}
          @input=${(e: Event) => set(() => ({ text: (e.target as HTMLInputElement).value }))}
      /></label>
      <button
        type="button"
        data-testid="filters-toggle"
        aria-expanded=${open ? 'true' : 'false'}
        aria-controls="filter-chips"
        @click=${onToggleOpen}
      >
        Filters${active > 0 ? ` (${active.toString()})` : ''}
      </button>
    </div>
    ${
      open
        ? html`<div id="filter-chips" class="chips" data-testid="filter-chips">
            ${group(
              'Identity',
              DISPOSITIONS.map((d) =>
                chip(`chip-disposition-${d}`, DISPOSITION_TEXT[d], f.dispositions.includes(d), () =>
                  set((c) => ({ dispositions: toggled(c.dispositions, d) })),
                ),
              ),
            )}
            ${group(
              'Threat',
              [...THREAT_LEVELS]
                .reverse()
                .map((t) =>
                  chip(`chip-threat-${t}`, t, f.threats.includes(t), () =>
                    set((c) => ({ threats: toggled(c.threats, t) })),
                  ),
                ),
            )}
            ${group('Source', [
              ...SENSOR_TYPES.map((s) =>
                chip(`chip-source-${s}`, SOURCE_TEXT[s], f.sources.includes(s), () =>
                  set((c) => ({ sources: toggled(c.sources, s) })),
                ),
              ),
              chip('chip-fused', 'Fused', f.fusedOnly, () => set((c) => ({ fusedOnly: !c.fusedOnly }))),
            ])}
            ${group(
              'Age',
              STALENESS.map((s) =>
                chip(`chip-stale-${s}`, STALENESS_TEXT[s], f.staleness === s, () => set(() => ({ staleness: s }))),
              ),
            )}
            ${group('Conflicts', [
              chip('chip-conflicts', 'In conflict', f.conflictedOnly, () =>
                set((c) => ({ conflictedOnly: !c.conflictedOnly })),
              ),
            ])}
          </div>`
        : null
    }
  `;
}

export const filterBarStyles = css`
  .search {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: 8px;
    align-items: end;
  }
  .chips {
    display: grid;
    gap: 8px;
  }
  .group {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  .group-label {
    min-width: 72px;
    font-size: 13px;
    color: var(--lm-muted);
  }
  button.chip {
    min-height: var(--lm-touch);
    padding: 0 14px;
    border-radius: 22px;
    font-size: 15px;
  }
  button.chip[aria-pressed='true'] {
    background: var(--lm-chip-on, #0369a1);
    border-color: var(--lm-accent);
    color: var(--lm-chip-on-text, #fff);
    font-weight: 600;
  }
`;
