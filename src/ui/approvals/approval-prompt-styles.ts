import { css } from 'lit';

/**
 * Where the prompt sits: an overlay that never covers the map's centre. Tablets (wider than 600 px):
 * a card at the top right just under the header (`--lm-header-height`, set by the app shell; the
 * header wraps on narrow screens and its controls stay uncovered), over the side panel in landscape and over the map's right edge in
 * portrait, at most 60 % of the screen high (about two cards: a queue of a dozen requests scrolls
 * inside it and leaves the track list below in view). Phones: a bottom sheet at most half the
 * screen high, below the map's centre (the map takes the top 58 % of a phone's screen under the
 * header, docs/ui.md).
 */
export const promptStyles = css`
  :host {
    position: fixed;
    z-index: 10;
    top: calc(var(--lm-header-height, 64px) + 8px);
    right: calc(12px + env(safe-area-inset-right));
    width: min(380px, 44vw);
    max-height: min(calc(100dvh - var(--lm-header-height, 64px) - 24px), 60dvh);
    display: flex;
    flex-direction: column;
    pointer-events: none;
  }
  .sheet {
    pointer-events: auto;
    display: flex;
    flex-direction: column;
    gap: 8px;
    min-height: 0;
    overflow: auto;
    overscroll-behavior: contain;
    padding: 12px;
    background: var(--lm-panel);
    border: 1px solid var(--lm-border);
    border-radius: 14px;
    box-shadow: 0 12px 32px rgb(0 0 0 / 55%);
  }
  .sheet.asking {
    border-color: var(--lm-threat-high);
  }
  h2 {
    /* Stays in view when the sheet scrolls to a card further down. */
    position: sticky;
    top: -12px;
    z-index: 1;
    margin: -12px -12px 0;
    padding: 12px 12px 4px;
    background: var(--lm-panel);
    font-size: 16px;
    display: flex;
    align-items: baseline;
    gap: 8px;
    text-transform: uppercase;
    letter-spacing: 0.05em;
  }
  /* Theme colours only (docs/ui.md, themes): each pair is >= 4.5:1 in day and in night red. */
  .asking h2 {
    color: var(--lm-threat-high);
  }
  .count {
    font-size: 13px;
    font-weight: 700;
    text-transform: none;
    letter-spacing: 0;
    color: var(--lm-danger-text);
    background: var(--lm-danger-bg);
    border: 2px solid var(--lm-threat-high);
    border-radius: 999px;
    padding: 1px 10px;
  }
  .unavailable {
    margin: 0;
    padding: 8px 10px;
    border-radius: 8px;
    background: var(--lm-danger-bg);
    color: var(--lm-danger-text);
    font-size: 14px;
  }
  .queue {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 10px;
  }
  details {
    display: grid;
    gap: 6px;
  }
  summary {
    min-height: var(--lm-touch);
    display: flex;
    align-items: center;
    cursor: pointer;
    color: var(--lm-muted);
    font-size: 14px;
    list-style-position: inside;
  }
  summary::before {
    content: '▸';
    margin-right: 8px;
  }
  details[open] summary::before {
    content: '▾';
  }
  summary::-webkit-details-marker {
    display: none;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @media (max-width: 600px) {
    :host {
      top: auto;
      left: 0;
      right: 0;
      bottom: 0;
      width: auto;
      max-height: 50dvh;
    }
    .sheet {
      border-radius: 16px 16px 0 0;
      border-bottom: none;
      padding-bottom: calc(12px + env(safe-area-inset-bottom));
    }
  }
`;
