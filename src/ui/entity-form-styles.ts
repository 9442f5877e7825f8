import { css } from 'lit';

/** Layout of <lm-entity-form>; palette and controls come from theme.ts. */
export const formStyles = css`
  :host {
    display: block;
  }
  form {
    display: grid;
    gap: 12px;
  }
  h2 {
    margin: 0;
    font-size: 18px;
    display: flex;
    gap: 8px;
    align-items: center;
    justify-content: space-between;
  }
  fieldset {
    border: 1px solid var(--lm-border);
    border-radius: 8px;
    margin: 0;
    padding: 8px 12px 12px;
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(110px, 1fr));
    gap: 8px;
  }
  legend {
    color: var(--lm-muted);
    font-size: 13px;
    padding: 0 4px;
  }
  .wide {
    grid-column: 1 / -1;
  }
  textarea {
    min-height: 88px;
    resize: vertical;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  .actions .spacer {
    flex: 1;
  }
  .error {
    margin: 0;
    padding: 10px 12px;
    border-radius: 8px;
    border: 1px solid var(--lm-danger);
    background: var(--lm-danger-bg);
    color: var(--lm-danger-text);
    overflow-wrap: anywhere;
  }
  .notice {
    margin: 0;
    padding: 8px 12px;
    border-radius: 8px;
    border: 1px solid var(--lm-warn);
    color: var(--lm-warn);
    display: flex;
    gap: 8px;
    align-items: center;
    justify-content: space-between;
  }
  .status {
    margin: 0;
    color: var(--lm-ok);
  }
`;
