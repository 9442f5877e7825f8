import { css } from 'lit';

/** Layout of <lm-app>; palette and controls come from theme.ts. */
export const shellStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    /* Landscape: exactly one screen, the map fills what the header leaves, the side panel scrolls. */
    height: 100vh;
    height: 100dvh;
    background: var(--lm-bg);
    padding: env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
    box-sizing: border-box;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 16px;
    padding: 10px 16px;
    background: var(--lm-panel);
    border-bottom: 1px solid var(--lm-border);
    position: sticky;
    top: 0;
    z-index: 1;
  }
  h1 {
    margin: 0;
    font-size: 20px;
    display: flex;
    align-items: center;
    gap: 8px;
  }
  h1 svg {
    width: 28px;
    height: 28px;
  }
  .fact {
    display: flex;
    gap: 6px;
    align-items: baseline;
    font-size: 14px;
  }
  .fact .muted {
    font-size: 12px;
    text-transform: uppercase;
    letter-spacing: 0.05em;
  }
  .gear {
    font-size: 22px;
    min-width: var(--lm-touch, 44px);
  }
  .settings {
    position: fixed;
    top: 64px;
    right: 12px;
    z-index: 20;
    width: min(460px, calc(100vw - 24px));
    max-height: calc(100dvh - 80px);
    overflow: auto;
    box-shadow: 0 6px 24px rgba(0, 0, 0, 0.35);
  }
  /*
   * Placed, not floated: the settings form is a grid, and a grid beside a float is narrowed by the
   * float's width for its whole height (its inputs then wrapped one per line).
   */
  .settings .close {
    position: absolute;
    top: 12px;
    right: 12px;
  }
  /*
   * Links, storage, theme and settings stay together at the right end: on one row with the name
   * on a landscape tablet, on their own right-aligned row when the header wraps (portrait, phone).
   */
  .tools {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: flex-end;
    gap: 8px 12px;
    margin-left: auto;
  }
  .banner {
    margin: 12px 16px 0;
    padding: 10px 12px;
    border-radius: 8px;
    border: 1px solid var(--lm-border);
    color: var(--lm-muted);
  }
  .banner.error {
    border-color: var(--lm-danger);
    color: var(--lm-danger-text);
    background: var(--lm-danger-bg);
  }
  main {
    flex: 1;
    min-height: 0;
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(320px, 400px);
    gap: 12px;
    padding: 12px;
  }
  .map-area {
    position: relative;
    min-height: 0;
  }
  lattice-map {
    position: absolute;
    inset: 0;
  }
  .side {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 12px;
    align-content: start;
    min-height: 0;
    overflow: auto;
  }
  section,
  aside > * {
    min-width: 0;
  }
  .panel {
    background: var(--lm-panel);
    border: 1px solid var(--lm-border);
    border-radius: 12px;
    padding: 12px;
  }
  /*
   * Up to a wide landscape tablet the mark alone names the app (the name stays for screen readers):
   * at 1024 px the header keeps to one row with the lattice, the node and all its tools, and on a
   * phone to two.
   */
  @media (max-width: 1180px) {
    h1 .name {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  }
  @media (max-width: 480px) {
    header {
      gap: 6px 10px;
      padding: 8px 10px;
    }
  }
  /* Portrait tablets and phones: the map on top, the panels below it, the page scrolls. */
  @media (max-width: 900px) {
    :host {
      height: auto;
      min-height: 100dvh;
    }
    main {
      grid-template-columns: minmax(0, 1fr);
      padding: 8px;
      gap: 8px;
    }
    .map-area {
      height: 58dvh;
    }
    .side {
      overflow: visible;
    }
  }
`;
