import { css } from 'lit';

/**
 * Palette as custom properties on <lm-app>; they inherit through every shadow root. Contrast is
 * chosen for daylight on a dim tablet: text ≥ 7:1 on the panels, status colours ≥ 4.5:1.
 */
export const palette = css`
  :host {
    --lm-bg: #0b1220;
    --lm-panel: #111a2e;
    --lm-panel-2: #16223b;
    --lm-border: #2a3a5c;
    --lm-text: #e2e8f0;
    --lm-muted: #94a3b8;
    --lm-accent: #38bdf8;
    --lm-ok: #4ade80;
    --lm-warn: #fbbf24;
    --lm-danger: #f87171;
    --lm-threat-none: #94a3b8;
    --lm-threat-low: #4ade80;
    --lm-threat-medium: #fbbf24;
    --lm-threat-high: #f87171;
    --lm-mono: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    --lm-touch: 44px;
  }
`;

/** Form controls every component shares: 44 px touch targets, 16 px text (no zoom on focus in iOS). */
export const controls = css`
  :host {
    color: var(--lm-text);
    font-family: system-ui, sans-serif;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    font-size: 16px;
    color: var(--lm-text);
    background: var(--lm-panel-2);
    border: 1px solid var(--lm-border);
    border-radius: 8px;
    min-height: var(--lm-touch);
    box-sizing: border-box;
  }
  input,
  select,
  textarea {
    padding: 0 10px;
    width: 100%;
  }
  textarea {
    padding: 8px 10px;
    font-family: var(--lm-mono);
    font-size: 14px;
  }
  button {
    padding: 0 16px;
    min-width: var(--lm-touch);
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    border-color: var(--lm-accent);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.primary {
    background: #0369a1;
    border-color: #0284c7;
    font-weight: 600;
  }
  button.danger {
    background: #7f1d1d;
    border-color: var(--lm-danger);
  }
  :focus-visible {
    outline: 3px solid var(--lm-accent);
    outline-offset: 2px;
  }
  label {
    display: grid;
    gap: 4px;
    font-size: 13px;
    color: var(--lm-muted);
  }
  .mono {
    font-family: var(--lm-mono);
  }
  .muted {
    color: var(--lm-muted);
  }
`;

/** Threat colours as a class per level, for badges and row edges. */
export const threatColours = css`
  .threat-NONE {
    --threat: var(--lm-threat-none);
  }
  .threat-LOW {
    --threat: var(--lm-threat-low);
  }
  .threat-MEDIUM {
    --threat: var(--lm-threat-medium);
  }
  .threat-HIGH {
    --threat: var(--lm-threat-high);
  }
`;
