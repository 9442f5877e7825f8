import { css } from 'lit';

/**
 * Palettes as custom properties on <lm-app>; they inherit through every shadow root. The `theme`
 * attribute picks one (theme-setting.ts). Day is for sunlight: near-black ink on white, text
 * ≥ 7:1, status colours ≥ 4.5:1 on the panels. Night is red on black, nothing blue, green or
 * white, so the eyes keep their night adaptation: text ≥ 4.5:1, status told apart by brightness
 * and words as much as by hue.
 */
export const palette = css`
  :host {
    --lm-bg: #e5e9ef;
    --lm-panel: #ffffff;
    --lm-panel-2: #f1f4f8;
    --lm-border: #64748b;
    --lm-text: #0b1120;
    --lm-muted: #334155;
    --lm-accent: #0550ae;
    --lm-ok: #166534;
    --lm-warn: #92400e;
    --lm-danger: #b91c1c;
    --lm-threat-none: #475569;
    --lm-threat-low: #15803d;
    --lm-threat-medium: #9a4507;
    --lm-threat-high: #b91c1c;
    --lm-primary-bg: #0550ae;
    --lm-primary-text: #ffffff;
    --lm-danger-bg: #fde2e2;
    --lm-danger-text: #7f1d1d;
    --lm-warn-bg: #fef3c7;
    --lm-warn-text: #78350f;
    --lm-selected-bg: #e6effd;
    --lm-chip-on: #0550ae;
    --lm-chip-on-text: #ffffff;
    --lm-map-bg: #f8fafc;
    --lm-map-control-bg: rgba(255, 255, 255, 0.94);
    --lm-mono: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    --lm-touch: 44px;
    color-scheme: light;
  }
  :host([theme='night']) {
    --lm-bg: #000000;
    --lm-panel: #0c0101;
    --lm-panel-2: #180404;
    --lm-border: #6b1d1d;
    --lm-text: #f06060;
    --lm-muted: #d85252;
    --lm-accent: #ff7a5c;
    --lm-ok: #e06a4a;
    --lm-warn: #f08a3c;
    --lm-danger: #ff4040;
    --lm-threat-none: #c44848;
    --lm-threat-low: #e06a4a;
    --lm-threat-medium: #f08a3c;
    --lm-threat-high: #ff3030;
    --lm-primary-bg: #5c1010;
    --lm-primary-text: #ff9a8a;
    --lm-danger-bg: #2a0505;
    --lm-danger-text: #ff8080;
    --lm-warn-bg: #2a1205;
    --lm-warn-text: #f4a060;
    --lm-selected-bg: #1f0505;
    --lm-chip-on: #6e1414;
    --lm-chip-on-text: #ffb0a0;
    --lm-map-bg: #050000;
    --lm-map-control-bg: rgba(24, 4, 4, 0.94);
    color-scheme: dark;
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
    background: var(--lm-primary-bg);
    border-color: var(--lm-accent);
    color: var(--lm-primary-text);
    font-weight: 600;
  }
  button.danger {
    background: var(--lm-danger-bg);
    border-color: var(--lm-danger);
    color: var(--lm-danger-text);
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
