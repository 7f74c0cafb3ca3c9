import { css } from 'lit';

/**
 * The panel's layout. Colours come from the `--parlor-*` tokens set on `<parlor-chat>` (inherited); the fallbacks
 * serve a panel mounted in a `container` outside it.
 */
export const panelStyles = css`
  :host {
    display: none;
    font-family: var(--parlor-font, system-ui, sans-serif);
    color: var(--parlor-text, #1b1b1f);
  }
  :host([open]) {
    display: flex;
  }
  [part='panel'] {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-block-size: 0;
    inline-size: 100%;
    background: var(--parlor-surface, #ffffff);
    border-radius: var(--parlor-radius, 16px);
    box-shadow: var(--parlor-shadow, 0 8px 32px rgb(0 0 0 / 0.18));
    overflow: hidden;
    font-size: 15px;
    line-height: 1.45;
  }
  @media (prefers-reduced-motion: no-preference) {
    :host([open]) [part='panel'] {
      animation: parlor-rise 160ms ease-out;
    }
  }
  @keyframes parlor-rise {
    from {
      opacity: 0;
      transform: translateY(8px);
    }
  }
  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 14px 12px 14px 18px;
    background: var(--parlor-accent, #3b3bd4);
    color: var(--parlor-on-accent, #ffffff);
  }
  .heading {
    flex: 1;
    min-inline-size: 0;
  }
  h2 {
    margin: 0;
    font-size: 17px;
    font-weight: 650;
  }
  .presence {
    margin: 2px 0 0;
    font-size: 13px;
  }
  .presence:empty {
    display: none;
  }
  .presence[data-presence='online']::before {
    content: '';
    display: inline-block;
    inline-size: 8px;
    block-size: 8px;
    margin-inline-end: 6px;
    border-radius: 50%;
    background: #3ddc84;
    box-shadow: 0 0 0 2px var(--parlor-on-accent, #ffffff);
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  .close {
    display: grid;
    place-items: center;
    inline-size: 44px;
    block-size: 44px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: inherit;
  }
  .close svg {
    inline-size: 22px;
    block-size: 22px;
    stroke: currentColor;
    stroke-width: 2.2;
    stroke-linecap: round;
  }
  .close:hover {
    background: rgb(255 255 255 / 0.16);
  }
  :focus-visible {
    outline: 3px solid var(--parlor-accent, #3b3bd4);
    outline-offset: 2px;
  }
  header :focus-visible {
    outline-color: var(--parlor-on-accent, #ffffff);
  }
  [part='banner'] {
    padding: 8px 18px;
    background: var(--parlor-surface-alt, #f1f1f5);
    color: var(--parlor-text, #1b1b1f);
    font-size: 13px;
  }
  [part='banner']:empty {
    display: none;
  }
  .away {
    margin: 0;
    padding: 12px 18px 0;
  }
  .details {
    display: flex;
    flex-direction: column;
    gap: 6px;
    padding: 12px 18px;
  }
  .details .row {
    display: flex;
    gap: 8px;
  }
  .details input {
    flex: 1;
    min-inline-size: 0;
    padding: 10px 12px;
    border: 1px solid var(--parlor-border, #c9c9d3);
    border-radius: 10px;
    background: var(--parlor-surface, #ffffff);
    color: inherit;
    font: inherit;
    font-size: 16px;
  }
  .details button {
    min-block-size: 44px;
    padding: 0 16px;
    border: 0;
    border-radius: 10px;
    background: var(--parlor-accent, #3b3bd4);
    color: var(--parlor-on-accent, #ffffff);
  }
  form[part='pre-chat'] {
    flex: 1;
  }
  form[part='pre-chat'] button {
    margin-block-start: 10px;
  }
  parlor-messages {
    flex: 1;
    min-block-size: 0;
  }
`;
