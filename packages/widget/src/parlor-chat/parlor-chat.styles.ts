import { css } from 'lit';

export const styles = css`
  :host {
    --parlor-accent: #3b3bd4;
    --parlor-on-accent: #ffffff;
    --parlor-surface: #ffffff;
    --parlor-text: #1b1b1f;
    --parlor-radius: 16px;
    --parlor-font: system-ui, sans-serif;
    --parlor-z-index: 2147483000;
    --parlor-offset-x: 20px;
    --parlor-offset-y: 20px;
    --parlor-launcher-bg: var(--parlor-accent);
    --parlor-launcher-fg: var(--parlor-on-accent);

    all: initial;
    position: fixed;
    inset-block-end: var(--parlor-offset-y);
    inset-inline-end: var(--parlor-offset-x);
    z-index: var(--parlor-z-index);
    font-family: var(--parlor-font);
    color: var(--parlor-text);
  }
  :host([position='left']) {
    inset-inline-end: auto;
    inset-inline-start: var(--parlor-offset-x);
  }
  [part='launcher'] {
    inline-size: 56px;
    block-size: 56px;
    border: 0;
    border-radius: 50%;
    background: var(--parlor-launcher-bg);
    color: var(--parlor-launcher-fg);
    font: inherit;
    cursor: pointer;
  }
  [part='launcher']:focus-visible {
    outline: 3px solid var(--parlor-text);
    outline-offset: 2px;
  }
  [part='panel'] {
    position: absolute;
    inset-block-end: 72px;
    inset-inline-end: 0;
    inline-size: min(380px, calc(100vw - 2 * var(--parlor-offset-x)));
    block-size: min(560px, calc(100vh - 120px));
    background: var(--parlor-surface);
    border-radius: var(--parlor-radius);
    box-shadow: 0 8px 32px rgb(0 0 0 / 0.2);
    padding: 16px;
    box-sizing: border-box;
  }
  :host([position='left']) [part='panel'] {
    inset-inline-end: auto;
    inset-inline-start: 0;
  }
`;
