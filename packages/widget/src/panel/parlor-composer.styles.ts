import { css } from 'lit';

/**
 * The composer's layout: the growing text area, the send and attach buttons and the error line. Colours come from
 * the `--parlor-*` tokens inherited from `<parlor-chat>`, with fallbacks.
 */
export const composerStyles = css`
  :host {
    display: block;
    font-family: var(--parlor-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--parlor-text, #1b1b1f);
  }
  :host([hidden]) {
    display: none;
  }
  form {
    margin: 0;
    padding-block: 8px;
    padding-inline: 8px;
    background: var(--parlor-composer-bg, var(--parlor-surface, #ffffff));
    border-block-start: 1px solid var(--parlor-border, #c9c9d3);
  }
  form.dragging {
    outline: 2px dashed var(--parlor-accent, #3b3bd4);
    outline-offset: -4px;
  }
  .row {
    display: flex;
    align-items: flex-end;
    gap: 4px;
  }
  textarea {
    flex: 1 1 auto;
    min-inline-size: 0;
    box-sizing: border-box;
    min-block-size: 44px;
    /* About six lines, then it scrolls. */
    max-block-size: calc(6lh + 22px);
    margin: 0;
    padding-block: 10px;
    padding-inline: 12px;
    field-sizing: content;
    resize: none;
    overflow-y: auto;
    border: 1px solid var(--parlor-composer-input-border, var(--parlor-muted, #55555f));
    border-radius: calc(var(--parlor-radius, 16px) * 0.75);
    background: var(--parlor-composer-input-bg, var(--parlor-surface-alt, #f1f1f5));
    color: inherit;
    font: inherit;
    /* 16px or more: iOS Safari zooms the page into smaller inputs on focus. */
    font-size: 16px;
    line-height: 1.375;
  }
  textarea::placeholder {
    color: var(--parlor-muted, #55555f);
    opacity: 1;
  }
  textarea:focus-visible {
    outline: 2px solid var(--parlor-accent, #3b3bd4);
    outline-offset: 1px;
  }
  button {
    flex: none;
    display: inline-grid;
    place-items: center;
    inline-size: 44px;
    block-size: 44px;
    margin: 0;
    padding: 0;
    border: 0;
    border-radius: 50%;
    font: inherit;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 2px solid var(--parlor-accent, #3b3bd4);
    outline-offset: 2px;
  }
  .attach {
    background: transparent;
    color: var(--parlor-muted, #55555f);
  }
  .attach:hover {
    background: var(--parlor-surface-alt, #f1f1f5);
    color: var(--parlor-text, #1b1b1f);
  }
  .send {
    background: var(--parlor-accent, #3b3bd4);
    color: var(--parlor-on-accent, #ffffff);
  }
  .send:hover {
    filter: brightness(1.1);
  }
  .icon {
    inline-size: 24px;
    block-size: 24px;
    fill: currentColor;
  }
  /* The paper plane points along the reading direction. */
  .send-icon:dir(rtl) {
    transform: scaleX(-1);
  }
  .error {
    margin: 0;
    padding-inline: 4px;
    padding-block: 0 6px;
    color: var(--parlor-danger, #b3261e);
    font-size: 14px;
    line-height: 1.4;
  }
  .error:empty {
    padding: 0;
  }
  input[type='file'] {
    display: none;
  }
  @media (forced-colors: active) {
    button {
      border: 1px solid ButtonText;
    }
  }
`;
